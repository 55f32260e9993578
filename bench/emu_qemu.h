/*
 * emu_qemu - boot a 512-byte boot sector under qemu-system-x86_64 -M pc
 * -accel tcg and collect what it writes to debugcon (port 0xE9), for
 * bench_emu. The sector ends by writing to isa-debug-exit (port 0xF4).
 */
#ifndef BENCH_EMU_QEMU_H
#define BENCH_EMU_QEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QEMU_OUT_MAX 4096

struct qemu_boot {
	double ns;			/* fork to exit status */
	int status;			/* the exit status, -1 if it did not exit */
	size_t out_len;			/* bytes written to debugcon */
	uint8_t out[QEMU_OUT_MAX];
};

/* Does `qemu-system-x86_64 --version` run? */
bool qemu_found(void);

/* Boot sector[512]; 0 with *boot filled (whatever the status), or -1 with
 * a message on stderr when QEMU could not be run at all. */
int qemu_boot_sector(const uint8_t sector[512], struct qemu_boot *boot);

#endif /* BENCH_EMU_QEMU_H */

/*
 * minivm - the guest's devices, all on I/O ports:
 *
 *   0x3f8-0x3ff  COM1, enough of a 16550A UART for polled I/O (serial.c rules
 *                below): output to the console, input from a non-tty stdin
 *   0xe9         debug console (Bochs/QEMU "debugcon"): bytes written go to
 *                the console; reads return 0xe9 so a guest can detect it
 *   0xf4         exit port, QEMU isa-debug-exit compatible: writing v stops
 *                minivm with status (v << 1) | 1
 *   0x604        QEMU's ACPI PM1a control: writing SLP_EN (bit 13) powers off
 *                (status 0)
 *
 * Everything else is "unknown": devices_port_io() returns VCPU_ENODEV so the
 * core applies the VM's unknown-port policy, and each unknown port is noted
 * once on the log stream. No interrupts: minivm has no interrupt controller,
 * so IER is stored but never raises anything.
 */
#ifndef MINIVM_DEVICES_H
#define MINIVM_DEVICES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "libvcpu/libvcpu.h"

#define COM1_BASE	0x3f8
#define DEBUGCON_PORT	0xe9
#define EXIT_PORT	0xf4
#define PM1A_CNT_PORT	0x604

#define SERIAL_RX_SIZE	256

struct serial {
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	uint8_t rx[SERIAL_RX_SIZE];	/* bytes received, not yet read by the guest */
	unsigned rx_head, rx_len;
	int in_fd;			/* input source, -1 for none */
};

enum devices_stop {
	DEVICES_RUNNING,
	DEVICES_EXIT_PORT,		/* guest wrote the exit port */
	DEVICES_POWER_OFF,		/* guest set SLP_EN in PM1a control */
};

struct devices {
	FILE *console;			/* guest output: COM1 THR and port 0xe9 */
	FILE *log;			/* minivm's notes (unknown ports) */
	struct serial com1;
	bool strict_ports;		/* unknown ports are fatal: note nothing */
	enum devices_stop stop;
	uint32_t exit_value;		/* the value written to the exit port */
	uint64_t unknown_accesses;
	uint8_t unknown_noted[65536 / 8];	/* one bit per port, noted once */
};

/* Console output to `console`, serial input from `in_fd` (-1: none), notes
 * to `log`. Nothing is allocated. */
void devices_init(struct devices *d, FILE *console, int in_fd, FILE *log);

/* The vm_callbacks.port_io callback; `opaque` is the struct devices. */
int devices_port_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool in,
		    uint32_t *value);

/* A short name for a port minivm decodes ("COM1 LSR", "debugcon"), or NULL. */
const char *devices_port_name(const struct devices *d, uint16_t port, bool in);

/* Status minivm exits with after the guest wrote the exit port:
 * (v << 1) | 1, truncated to 8 bits by the OS as QEMU's is. */
int devices_exit_status(const struct devices *d);

/* stdin as serial input: the fd if stdin is not a terminal (a terminal would
 * need raw mode), else -1. */
int devices_stdin_source(void);

#endif

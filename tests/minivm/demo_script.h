/*
 * The demo guest's first lines (examples/minivm/guest/demo.asm: serial_init,
 * then msg_banner) as the VM exits they make on VT-x, replayed on the mock
 * backend through minivm's own devices, exit handler and trace. The KVM
 * test runs the real guest and compares.
 */
#ifndef MINIVM_TEST_DEMO_SCRIPT_H
#define MINIVM_TEST_DEMO_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "machine.h"

/* msg_banner in demo.asm. */
#define DEMO_BANNER                                                                \
	"Hello from the minivm demo guest, in 16-bit real mode at 0000:7C00.\n"    \
	"Every character on this line is two VM exits: IN from the UART's LSR, OUT to its THR.\n"

/* Exits: 7 OUTs of serial_init, an IN from LSR and an OUT to THR per
 * banner byte, and the HLT the replay ends with. */
#define DEMO_SERIAL_INIT_EXITS 7
#define DEMO_REPLAY_IO_EXITS (DEMO_SERIAL_INIT_EXITS + 2 * (sizeof(DEMO_BANNER) - 1))

struct demo_replay {
	int result;			/* what vcpu_run() returned */
	enum machine_stop stop;
	char *console;			/* the guest's output */
	char *trace;			/* the --trace lines */
	char *log;			/* minivm's notes */
	size_t console_len, trace_len, log_len;
	uint64_t io_exits, hlt_exits, total_exits;
	unsigned pending;		/* scripted exits not taken */
};

/* Build the machine on the mock backend with the demo image loaded as
 * minivm loads it, play the script, and collect what came out. Returns
 * NULL, or what failed while setting up. */
const char *demo_replay_run(struct demo_replay *out);
void demo_replay_free(struct demo_replay *r);

#endif

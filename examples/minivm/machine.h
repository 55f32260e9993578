/*
 * minivm - the machine: one VM, its RAM, one VCPU, the devices, and the exit
 * handler that counts, times and traces every exit around the core's
 * default handling.
 */
#ifndef MINIVM_MACHINE_H
#define MINIVM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "devices.h"
#include "libvcpu/libvcpu.h"
#include "trace.h"

/* Why vcpu_run() returned 0 (a handler said "return to the caller"). */
enum machine_stop {
	MACHINE_STOP_NONE,
	MACHINE_STOP_HALT,		/* HLT; RFLAGS.IF tells whether it can wake */
	MACHINE_STOP_EXIT_PORT,
	MACHINE_STOP_POWER_OFF,
	MACHINE_STOP_MAX_EXITS,
	MACHINE_STOP_OTHER,		/* a default handler returned for another reason */
};

struct machine {
	struct vm *vm;
	struct vcpu *vcpu;
	void *ram;
	uint64_t ram_size;
	struct devices dev;
	struct exit_stats stats;
	FILE *trace;			/* one line per exit here, or NULL */
	uint64_t max_exits;		/* 0: no limit */
	enum machine_stop stop;
	uint64_t resumed_ns;		/* when the guest was last (re)entered */
};

/* Create the VM on `backend` (`device` for KVM), map `ram_size` bytes of
 * anonymous memory at guest-physical 0 and create VCPU 0. On failure the
 * error code is returned and a message written to `err` (the machine holds
 * what was created; machine_destroy() releases it). */
int machine_create(struct machine *m, const char *backend, const char *device, uint64_t ram_size,
		   char *err, size_t errlen);
void machine_destroy(struct machine *m);

/* Install the devices as the port callback and minivm's exit handler for
 * every basic reason, on a VM (and VCPU) that already exist: also how the
 * tests drive this code on the mock backend. */
int machine_attach(struct machine *m, bool strict_ports);

/* vcpu_run() once, with the clock started; returns what it returned. */
int machine_run(struct machine *m);

/* Monotonic time in ns. */
uint64_t machine_now_ns(void);

#endif

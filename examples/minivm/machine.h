/*
 * minivm - the machine: one VM, its RAM, its VCPUs, the devices, and the
 * exit handler that counts, times and traces every exit around the core's
 * default handling.
 *
 * Threading: with several VCPUs each runs vcpu_run() on its own host thread
 * (threads.c). Everything they share (the devices, the statistics, the
 * trace, the decision to stop) is touched only under `lock`, which the exit
 * handler holds while it handles an exit; a VCPU's own machine_cpu is its
 * thread's until the thread ends.
 */
#ifndef MINIVM_MACHINE_H
#define MINIVM_MACHINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "devices.h"
#include "libvcpu/libvcpu.h"
#include "trace.h"

#define MACHINE_MAX_VCPUS	16

/* Why vcpu_run() returned 0 (a handler said "return to the caller"). */
enum machine_stop {
	MACHINE_STOP_NONE,
	MACHINE_STOP_HALT,		/* HLT; RFLAGS.IF tells whether it can wake */
	MACHINE_STOP_EXIT_PORT,
	MACHINE_STOP_POWER_OFF,
	MACHINE_STOP_MAX_EXITS,
	MACHINE_STOP_ENDING,		/* another VCPU had already ended the run */
	MACHINE_STOP_OTHER,		/* a default handler returned for another reason */
};

struct machine;

struct machine_cpu {
	struct machine *m;
	struct vcpu *vcpu;
	unsigned id;
	enum machine_stop stop;		/* why vcpu_run() last returned 0 */
	int result;			/* what it returned (threads.c) */
	bool done;			/* its thread has finished */
	uint64_t exits;			/* handled on this VCPU */
	uint64_t resumed_ns;		/* when the guest was last (re)entered */
	pthread_t thread;
};

struct machine {
	struct vm *vm;
	struct vcpu *vcpu;		/* VCPU 0, the bootstrap processor */
	struct machine_cpu cpu[MACHINE_MAX_VCPUS];
	unsigned nr_vcpus;
	void *ram;
	uint64_t ram_size;
	struct devices dev;
	struct exit_stats stats;
	FILE *trace;			/* one line per exit here, or NULL */
	uint64_t max_exits;		/* 0: no limit */
	uint64_t lock_hints;		/* SCHED_HC_LOCK_HOLDER hypercalls answered */

	/* Whole-run state: threads.c. */
	pthread_mutex_t lock;
	pthread_cond_t changed;		/* a VCPU finished */
	bool ending;			/* the run is over: every VCPU stops */
	int ended_by;			/* the VCPU that ended it, -1: none (all halted) */
	bool timed_out;
	unsigned nr_done;
};

/* Create the VM on `backend` (`device` for KVM) with one logical CPU per
 * VCPU, map `ram_size` bytes of anonymous memory at guest-physical 0 and
 * create VCPUs 0 to nr_vcpus - 1. On failure the error code is returned
 * and a message written to `err` (the machine holds what was created;
 * machine_destroy() releases it). */
int machine_create(struct machine *m, const char *backend, const char *device, uint64_t ram_size,
		   unsigned nr_vcpus, char *err, size_t errlen);
void machine_destroy(struct machine *m);

/* Install the devices as the port callback, the hypercall callback, and
 * minivm's exit handler for every basic reason, on a VM (and VCPUs) that
 * already exist: also how the tests drive this code on the mock backend. */
int machine_attach(struct machine *m, bool strict_ports);

/* vcpu_run() VCPU 0 once on the calling thread, with the clock started;
 * returns what it returned. */
int machine_run(struct machine *m);

/* The same for one VCPU, from its own thread. */
int machine_cpu_run(struct machine_cpu *cpu);

/* True if the VCPU stopped on HLT with RFLAGS.IF clear: halted for good,
 * since nothing in minivm raises interrupts. */
bool machine_cpu_halted_for_good(struct machine_cpu *cpu);

/* "minivm: VM exits per VCPU: cpu0 N, cpu1 N..." */
void machine_print_cpu_exits(const struct machine *m, FILE *out);

/* ---- threads.c ---- */

/* Run every VCPU on a host thread of its own until each has halted for
 * good, or one of them ends the run (exit port, power-off, --max-exits,
 * HLT with interrupts on, a failure: the others are stopped with
 * vcpu_request_exit() and a signal), or `timeout` seconds (0: none)
 * pass. Returns 0 when the threads ran (the outcome is in ended_by,
 * timed_out and cpu[]), or an errno if they could not be started. */
int machine_run_threads(struct machine *m, double timeout);

/* Monotonic time in ns. */
uint64_t machine_now_ns(void);

#endif

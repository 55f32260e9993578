/*
 * ple-sim's host: the VM on the mock backend, its VCPUs and libvcpu's
 * scheduler. Every decision of the simulated host goes through here: picks
 * and puts, pause-loop exits (scripted PAUSE exits run with vcpu_run()) and
 * the guest's lock-holder hints (scripted VMCALLs).
 */
#ifndef PLE_SIM_HOST_H
#define PLE_SIM_HOST_H

#include <stdbool.h>

#include "sim.h"

struct host {
	struct vm *vm;
	struct sched *sched;
	struct vcpu *vcpu[SIM_MAX_VCPUS];
	uint64_t migrations[SIM_MAX_VCPUS];	/* booking counts seen last */
	char *error;				/* where failures are described */
	size_t error_size;
};

/* The VM, p->nr_vcpus VCPUs queued round robin on p->nr_pcpus CPUs, PLE
 * set as the policy says. Failures are described in error[]; call
 * host_destroy() after a failure too. */
int host_create(struct host *h, const struct sim_params *p, char *error, size_t error_size);
void host_destroy(struct host *h);

/* sched_pick_next() for `pcpu`: the VCPU's index, and whether it moved
 * from another CPU. VCPU_EAGAIN when the CPU has nothing to run. */
int host_pick(struct host *h, unsigned pcpu, unsigned *id, bool *migrated);
int host_put(struct host *h, unsigned id);

/* A pause-loop exit of VCPU `id`: true in *yielded if the scheduler chose
 * a VCPU for its CPU to run instead. */
int host_pause_exit(struct host *h, unsigned id, bool *yielded);

/* VCPU `id` names `holder` in a SCHED_HC_LOCK_HOLDER hypercall. */
int host_hint(struct host *h, unsigned id, unsigned holder);

/* PLE_Window as the VMCS holds it, in ns; 0 when PLE is off. */
uint64_t host_ple_window_ns(struct host *h, unsigned id);

#endif

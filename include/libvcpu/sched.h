/*
 * libvcpu - a VCPU scheduler: physical-CPU run queues, migration between
 * them, and the answer to lock-holder preemption on pause-loop exits.
 *
 * One scheduler serves the VCPUs of one VM. The embedder owns the loop of
 * each physical CPU and the clock:
 *
 *	struct vcpu *v;
 *	while (sched_pick_next(s, pcpu, &v) == 0) {
 *		arm a timer that calls vcpu_request_exit(v) after a slice;
 *		vcpu_run(v);
 *		sched_put(s, v);
 *	}
 *
 * sched_pick_next() migrates the VCPU it picks to `pcpu` when it was loaded
 * elsewhere (VMCLEAR there, VMPTRLD here, so the next entry is a VMLAUNCH;
 * on KVM, the VCPU's thread is moved instead: see vcpu_migrate()).
 *
 * Lock-holder preemption: a guest VCPU that spins on a lock whose holder was
 * preempted burns its whole slice. With pause-loop exiting on
 * (vcpu_set_pause_loop_exiting()), a VCPU that spins longer than PLE_Window
 * exits; the core's PAUSE handler then asks the scheduler for a VCPU to
 * yield to, by the scheduler's policy, and vcpu_run() returns with the VCPU
 * in VCPU_STATE_YIELDED. The next sched_pick_next() on that physical CPU
 * runs the chosen VCPU, taking it from whichever run queue holds it (a
 * migration, not counted as a steal), and sched_put() queues the yielder
 * in the queue the target left, so queue lengths stay as they were.
 *
 * Calls on one scheduler are serialized by a lock inside it; vcpu_run() is
 * not, as each VCPU runs on one physical CPU at a time.
 */
#ifndef LIBVCPU_SCHED_H
#define LIBVCPU_SCHED_H

#include <stdint.h>

#include "vcpu.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sched;

/* Whom a VCPU that exits on a pause loop yields to. */
enum sched_yield_policy {
	SCHED_YIELD_NONE,	/* nobody: it resumes spinning (the baseline) */
	SCHED_YIELD_RANDOM,	/* a randomly chosen preempted VCPU, if any */
	SCHED_YIELD_PV_HINT,	/* the lock holder the guest named with the
				 * SCHED_HC_LOCK_HOLDER hypercall, if it is
				 * preempted; else nobody */
};

/*
 * The para-virtual hint: VMCALL with RAX = SCHED_HC_LOCK_HOLDER and RBX =
 * the id of the VCPU holding the lock the caller is about to wait for
 * (RBX = SCHED_NO_LOCK_HOLDER when it stops waiting). Returns 0 in RAX, or
 * (uint64_t)-1 for an id that is no VCPU of the VM. Handled by the core
 * while the VM has a scheduler; otherwise VMCALL goes to the embedder's
 * hook as any other.
 */
#define SCHED_HC_LOCK_HOLDER	0x4c480001u
#define SCHED_NO_LOCK_HOLDER	0xffffffffu

/*
 * The embedder's pick-next decision, replacing the default (the head of the
 * queue). `queue` lists the VCPUs queued on `pcpu`, in order; return the
 * index of the one to run, or -1 to leave the CPU idle. A directed yield
 * (above) is honoured before the hook is asked.
 */
typedef int (*sched_pick_fn)(void *opaque, unsigned pcpu, struct vcpu *const *queue, unsigned n);

struct sched_options {
	unsigned nr_pcpus;		/* run queues; at most the VM's nr_pcpus;
					 * 0 = all of them */
	enum sched_yield_policy yield_policy;
	uint64_t seed;			/* for SCHED_YIELD_RANDOM; 0 = 1 */
	bool no_steal;			/* an idle CPU does not take VCPUs queued
					 * on another */
	sched_pick_fn pick_next;	/* NULL: first come, first served */
	void *opaque;
};

/* What the scheduler did, for the embedder's statistics. */
struct sched_stats {
	uint64_t picks;
	uint64_t idle_picks;		/* sched_pick_next() found nothing */
	uint64_t migrations;		/* picks that moved a VCPU to another CPU */
	uint64_t steals;		/* ... because its own CPU was idle */
	uint64_t pause_exits;		/* pause-loop exits seen */
	uint64_t yields;		/* ... that yielded to another VCPU */
	uint64_t hints;			/* SCHED_HC_LOCK_HOLDER hypercalls */
};

/* Attach a scheduler to `vm` (one per VM). VCPUs join with sched_add(). */
LIBVCPU_API int sched_create(struct vm *vm, const struct sched_options *opts, struct sched **out);
/* Detach and free it; the VCPUs stay as they are. Call it before
 * vm_destroy(), which does not know about it. */
LIBVCPU_API void sched_destroy(struct sched *s);

/* Queue a VCPU on `pcpu`'s run queue (it is loaded there on its first pick). */
LIBVCPU_API int sched_add(struct sched *s, struct vcpu *vcpu, unsigned pcpu);
/* Take a VCPU out of the scheduler (before vcpu_destroy(), say). */
LIBVCPU_API int sched_remove(struct sched *s, struct vcpu *vcpu);

/*
 * The VCPU `pcpu` should run next, loaded on `pcpu`: a directed-yield
 * target first, else the policy's pick from the queue, else (unless
 * no_steal) the head of the longest other queue. Returns 0, VCPU_EAGAIN
 * when there is nothing to run (*out = NULL), or the error of a migration
 * that failed (the VCPU stays queued where it was).
 */
LIBVCPU_API int sched_pick_next(struct sched *s, unsigned pcpu, struct vcpu **out);
/*
 * After vcpu_run() returned: a runnable or yielded VCPU goes to the tail of
 * its CPU's queue, a blocked one waits for sched_wake() or an event, a
 * destroyed one leaves.
 */
LIBVCPU_API int sched_put(struct sched *s, struct vcpu *vcpu);
/* A blocked VCPU becomes runnable (vcpu_wake()) and is queued again. */
LIBVCPU_API int sched_wake(struct sched *s, struct vcpu *vcpu);

/* The VCPUs queued on `pcpu` (at most `max`); returns how many there are. */
LIBVCPU_API unsigned sched_queue(const struct sched *s, unsigned pcpu, struct vcpu **out, unsigned max);
LIBVCPU_API void sched_get_stats(const struct sched *s, struct sched_stats *out);
LIBVCPU_API const char *sched_yield_policy_name(enum sched_yield_policy policy);

/*
 * Pause-loop exiting: a PAUSE loop (PAUSEs at most `gap` TSC ticks apart)
 * longer than `window` ticks exits with basic reason 40. window = 0 turns
 * it off. VCPU_ENOTSUP where the CPU cannot (allowed-1 bit 10 of the
 * secondary controls) or the backend keeps it for itself (KVM).
 */
LIBVCPU_API int vcpu_set_pause_loop_exiting(struct vcpu *vcpu, uint32_t gap, uint32_t window);

#ifdef __cplusplus
}
#endif

#endif

/*
 * ple-sim - a deterministic simulation of lock-holder preemption: a guest
 * whose VCPUs contend for one test-and-set spinlock, overcommitted or not
 * on the host's CPUs, under libvcpu's scheduler on the mock backend, with
 * pause-loop exiting off or on and each yield policy.
 *
 * Time is simulated, in nanoseconds, event by event; the library decides
 * what the host does (which VCPU runs where, whether a pause-loop exit
 * yields and to whom) and the model charges what that costs. The same
 * parameters and seed give the same result.
 */
#ifndef PLE_SIM_SIM_H
#define PLE_SIM_SIM_H

#include <stdint.h>

#include <libvcpu/libvcpu.h>

#define SIM_MAX_VCPUS 64
#define SIM_MAX_PCPUS 64

/* The simulated TSC: PLE_Window and PLE_Gap are in its ticks. */
#define SIM_TSC_TICKS_PER_US 2500u	/* 2.5 GHz */
#define SIM_PLE_GAP_TICKS 128u		/* KVM's default ple_gap */

enum sim_policy {
	SIM_NO_PLE,		/* pause-loop exiting off: the baseline */
	SIM_PLE_NO_YIELD,	/* PLE on, SCHED_YIELD_NONE */
	SIM_PLE_RANDOM,		/* PLE on, SCHED_YIELD_RANDOM */
	SIM_PLE_PV_HINT,	/* PLE on, SCHED_YIELD_PV_HINT; waiters name
				 * the holder with SCHED_HC_LOCK_HOLDER */
	SIM_NR_POLICIES
};

struct sim_params {
	unsigned nr_vcpus;
	unsigned nr_pcpus;
	enum sim_policy policy;
	uint32_t ple_window_us;
	uint64_t duration_ns;
	uint64_t seed;
	/* The guest: each VCPU loops over work outside the lock, then the
	 * critical section; both uniform in [min, max]. */
	uint32_t work_min_ns, work_max_ns;
	uint32_t cs_min_ns, cs_max_ns;
	uint32_t hint_after_ns;		/* PV: how long a waiter spins before it
					 * names the holder (0: at once) */
	/* The host. */
	uint32_t slice_ns;		/* time slice of the host scheduler */
	uint32_t exit_ns;		/* an exit's round trip (PAUSE, VMCALL) */
	uint32_t switch_ns;		/* switching the CPU to another VCPU */
	uint32_t migrate_ns;		/* more when it comes from another CPU */
};

/* Where the physical CPUs' time went. */
enum sim_time {
	SIM_T_WORK,		/* guest work outside the lock */
	SIM_T_CRITICAL,		/* guest work holding the lock */
	SIM_T_SPIN,		/* guest spinning on the lock */
	SIM_T_EXIT,		/* PAUSE and hint exits */
	SIM_T_SWITCH,		/* context switches and migrations */
	SIM_T_IDLE,
	SIM_NR_TIMES
};

struct sim_result {
	uint64_t acquisitions;
	uint64_t time_ns[SIM_NR_TIMES];	/* summed over the physical CPUs */
	uint64_t vcpu_ns[SIM_MAX_VCPUS];	/* each VCPU's time in the guest */
	uint64_t holder_preemptions;	/* holders switched out at a slice's end */
	uint64_t hints;			/* SCHED_HC_LOCK_HOLDER hypercalls made */
	uint64_t yields_seen;		/* vcpu_run() returned VCPU_STATE_YIELDED */
	uint64_t yields_to_holder;	/* ... and the CPU went to the lock holder */
	struct sched_stats sched;	/* the library's own counts */
	char error[256];		/* why sim_run() failed */
};

/* The defaults ple-sim documents (README.md): 8 VCPUs on 4 CPUs, 0.5 s. */
void sim_default_params(struct sim_params *p);

/* Run one simulation. 0, or a libvcpu error with out->error saying more. */
int sim_run(const struct sim_params *p, struct sim_result *out);

/* Lock acquisitions per simulated second. */
double sim_throughput(const struct sim_params *p, const struct sim_result *r);
/* A share of all physical CPU time, in percent. */
double sim_percent(const struct sim_params *p, const struct sim_result *r, enum sim_time t);

/* The least a VCPU ran over the most (1 = all had the same CPU time). */
double sim_fairness(const struct sim_params *p, const struct sim_result *r);

const char *sim_policy_name(enum sim_policy policy);

#endif

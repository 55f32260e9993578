/*
 * ple-sim's model: the guest's VCPUs, the spinlock and the physical CPUs'
 * time, advanced event by event. What the host decides comes from libvcpu
 * (host.c); what the guest does and what everything costs is here.
 *
 * A physical CPU is idle, in the guest (its VCPU works, holds the lock or
 * spins on it), or in the host for a while (an exit's round trip, then
 * possibly a switch to another VCPU). Events on one CPU at one instant are
 * taken in a fixed order, and CPUs in index order, so a seed fixes the run.
 */
#include <stdio.h>
#include <string.h>

#include "host.h"
#include "sim.h"

enum phase {
	PHASE_WORK,		/* outside the lock */
	PHASE_ACQUIRE,		/* test-and-set failed: spinning with PAUSE */
	PHASE_CRITICAL,		/* holding the lock */
};

enum mode { CPU_IDLE, CPU_GUEST, CPU_HOST };

struct guest_vcpu {
	enum phase phase;
	uint64_t left;		/* of its work or critical section, off CPU */
	uint64_t end;		/* when that ends, in the guest */
	uint64_t spin_from;	/* its PAUSE loop began (PLE counts from here) */
	uint64_t ple_ns;	/* PLE_Window from its VMCS; 0 = off */
	int hinted;		/* the holder it named last; -1 none */
	int waiting_on;		/* the holder it has been waiting for */
	uint64_t wait_from;	/* ... since then */
	uint64_t rng;
};

struct pcpu {
	int vcpu;		/* running or being switched in; -1 idle */
	enum mode mode;
	enum sim_time charged;	/* where its time goes since `since` */
	uint64_t since;
	uint64_t host_until;	/* CPU_HOST: this stage ends */
	uint64_t then_ns;	/* a second stage (the switch), or 0 */
	uint64_t slice_end;
};

struct sim {
	const struct sim_params *p;
	struct sim_result *r;
	struct host host;
	struct guest_vcpu g[SIM_MAX_VCPUS];
	struct pcpu c[SIM_MAX_PCPUS];
	int holder;		/* VCPU holding the lock; -1 free */
	uint64_t now;
	uint64_t rng;		/* who wins a race for the lock */
};

/* splitmix64: one 64-bit state, fine for drawing durations. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Each VCPU draws from its own stream, so its n-th work and critical
 * section are the same under every policy: the policies are compared on
 * the same guest (common random numbers), not on different luck. */
static uint64_t uniform(struct guest_vcpu *g, uint32_t lo, uint32_t hi)
{
	return lo + next_random(&g->rng) % ((uint64_t)hi - lo + 1);
}

/* Close the CPU's current account at `now` and open `t`. */
static void charge(struct sim *s, struct pcpu *c, enum sim_time t)
{
	s->r->time_ns[c->charged] += s->now - c->since;
	if (c->vcpu >= 0 && c->charged <= SIM_T_SPIN)
		s->r->vcpu_ns[c->vcpu] += s->now - c->since;
	c->since = s->now;
	c->charged = t;
}

/* The CPU leaves the guest for `first_ns` (charged as `t`), then `then_ns`
 * of switching. */
static void host_stage(struct sim *s, struct pcpu *c, enum sim_time t, uint64_t first_ns,
		       uint64_t then_ns)
{
	if (!first_ns) {
		t = SIM_T_SWITCH;
		first_ns = then_ns;
		then_ns = 0;
	}
	charge(s, c, t);
	c->mode = CPU_HOST;
	c->host_until = s->now + first_ns;
	c->then_ns = then_ns;
}

static void acquire(struct sim *s, unsigned pcpu)
{
	struct pcpu *c = &s->c[pcpu];
	struct guest_vcpu *g = &s->g[c->vcpu];

	s->holder = c->vcpu;
	s->r->acquisitions++;
	g->phase = PHASE_CRITICAL;
	g->end = s->now + uniform(g, s->p->cs_min_ns, s->p->cs_max_ns);
	charge(s, c, SIM_T_CRITICAL);
}

/* The para-virtual slow path names the holder before it spins on it. */
static int hint(struct sim *s, unsigned pcpu)
{
	struct pcpu *c = &s->c[pcpu];
	int r = host_hint(&s->host, (unsigned)c->vcpu, (unsigned)s->holder);

	if (r < 0)
		return r;
	s->g[c->vcpu].hinted = s->holder;
	s->r->hints++;
	host_stage(s, c, SIM_T_EXIT, s->p->exit_ns, 0);
	return 0;
}

/* When the PV guest names the holder it waits for: hint_after_ns into
 * the wait; never if it has named it already. */
static uint64_t hint_time(const struct sim *s, const struct guest_vcpu *g)
{
	if (s->p->policy != SIM_PLE_PV_HINT || g->hinted == s->holder)
		return UINT64_MAX;
	return g->wait_from + s->p->hint_after_ns;
}

/* The waiter reads the lock's owner: a new one starts a new wait, and
 * perhaps a hint. True if it went to the host to give it. */
static bool watch_owner(struct sim *s, unsigned pcpu, int *r)
{
	struct guest_vcpu *g = &s->g[s->c[pcpu].vcpu];

	if (g->waiting_on != s->holder) {
		g->waiting_on = s->holder;
		g->wait_from = s->now;
	}
	*r = 0;
	if (hint_time(s, g) > s->now)
		return false;
	*r = hint(s, pcpu);
	return true;
}

/* Test-and-set, else spin. */
static int try_lock(struct sim *s, unsigned pcpu)
{
	struct pcpu *c = &s->c[pcpu];
	int r;

	if (s->holder < 0) {
		acquire(s, pcpu);
		return 0;
	}
	if (watch_owner(s, pcpu, &r))
		return r;
	s->g[c->vcpu].spin_from = s->now;
	charge(s, c, SIM_T_SPIN);
	return 0;
}

/* Release; one of the VCPUs spinning in the guest at this instant wins
 * the race for the lock, and the ones that lost wait for the winner. */
static int release(struct sim *s, unsigned pcpu)
{
	struct pcpu *c = &s->c[pcpu];
	struct guest_vcpu *g = &s->g[c->vcpu];
	unsigned spinners[SIM_MAX_PCPUS], n = 0, winner;
	int r = 0;

	s->holder = -1;
	g->phase = PHASE_WORK;
	g->end = s->now + uniform(g, s->p->work_min_ns, s->p->work_max_ns);
	charge(s, c, SIM_T_WORK);
	for (unsigned q = 0; q < s->p->nr_pcpus; q++)
		if (s->c[q].mode == CPU_GUEST && s->g[s->c[q].vcpu].phase == PHASE_ACQUIRE)
			spinners[n++] = q;
	if (!n)
		return 0;
	winner = spinners[next_random(&s->rng) % n];
	acquire(s, winner);
	for (unsigned i = 0; i < n && r == 0; i++)
		if (spinners[i] != winner)
			watch_owner(s, spinners[i], &r);
	return r;
}

static int preempt(struct sim *s, unsigned pcpu);

static int enter_guest(struct sim *s, unsigned pcpu)
{
	struct pcpu *c = &s->c[pcpu];
	struct guest_vcpu *g = &s->g[c->vcpu];

	if (s->now >= c->slice_end)
		return preempt(s, pcpu);
	c->mode = CPU_GUEST;
	switch (g->phase) {
	case PHASE_WORK:
		charge(s, c, SIM_T_WORK);
		break;
	case PHASE_CRITICAL:
		charge(s, c, SIM_T_CRITICAL);
		break;
	case PHASE_ACQUIRE:
		return try_lock(s, pcpu);
	}
	g->end = s->now + g->left;
	return 0;
}

/* The CPU's VCPU is out (put back already): run the next one the scheduler
 * picks after `exit_ns` in the host, switching if it is another. */
static int run_next(struct sim *s, unsigned pcpu, int prev, uint64_t exit_ns)
{
	struct pcpu *c = &s->c[pcpu];
	uint64_t switch_ns;
	unsigned id;
	bool migrated;
	int r = host_pick(&s->host, pcpu, &id, &migrated);

	charge(s, c, c->charged);	/* the time so far was the previous VCPU's */
	if (r == VCPU_EAGAIN) {
		c->vcpu = -1;
		c->mode = CPU_IDLE;
		c->slice_end = s->now + s->p->slice_ns;
		charge(s, c, SIM_T_IDLE);
		return 0;
	}
	if (r < 0)
		return r;
	c->vcpu = (int)id;
	switch_ns = (int)id == prev ? 0 : s->p->switch_ns + (migrated ? s->p->migrate_ns : 0);
	c->slice_end = s->now + exit_ns + switch_ns + s->p->slice_ns;
	if (!exit_ns && !switch_ns)
		return enter_guest(s, pcpu);
	host_stage(s, c, SIM_T_EXIT, exit_ns, switch_ns);
	return 0;
}

/* The slice is over: the VCPU goes back to its run queue. */
static int preempt(struct sim *s, unsigned pcpu)
{
	struct pcpu *c = &s->c[pcpu];
	struct guest_vcpu *g = &s->g[c->vcpu];
	int prev = c->vcpu, r;

	if (c->mode == CPU_GUEST && g->phase != PHASE_ACQUIRE)
		g->left = g->end - s->now;
	if ((r = host_put(&s->host, (unsigned)prev)) < 0 || (r = run_next(s, pcpu, prev, 0)) < 0)
		return r;
	if (g->phase == PHASE_CRITICAL && c->vcpu != prev)
		s->r->holder_preemptions++;
	return 0;
}

/* Spinning longer than PLE_Window: the library decides. */
static int pause_loop_exit(struct sim *s, unsigned pcpu)
{
	struct pcpu *c = &s->c[pcpu];
	bool yielded;
	int r = host_pause_exit(&s->host, (unsigned)c->vcpu, &yielded);

	if (r < 0)
		return r;
	if (!yielded) {
		host_stage(s, c, SIM_T_EXIT, s->p->exit_ns, 0);
		return 0;
	}
	s->r->yields_seen++;
	if ((r = host_put(&s->host, (unsigned)c->vcpu)) < 0 ||
	    (r = run_next(s, pcpu, c->vcpu, s->p->exit_ns)) < 0)
		return r;
	if (c->vcpu == s->holder)
		s->r->yields_to_holder++;
	return 0;
}

static uint64_t next_event(const struct sim *s, unsigned pcpu)
{
	const struct pcpu *c = &s->c[pcpu];
	const struct guest_vcpu *g;
	uint64_t t;

	if (c->mode == CPU_IDLE)
		return c->slice_end;
	if (c->mode == CPU_HOST)
		return c->host_until;
	g = &s->g[c->vcpu];
	t = c->slice_end;
	if (g->phase != PHASE_ACQUIRE)
		return g->end < t ? g->end : t;
	if (g->ple_ns && g->spin_from + g->ple_ns < t)
		t = g->spin_from + g->ple_ns;
	return hint_time(s, g) < t ? hint_time(s, g) : t;
}

/* The CPU's earliest event, due now: the phase's end, the hint, PLE, the
 * slice's end, in this order. */
static int handle(struct sim *s, unsigned pcpu)
{
	struct pcpu *c = &s->c[pcpu];
	struct guest_vcpu *g;

	switch (c->mode) {
	case CPU_IDLE:
		return run_next(s, pcpu, -1, 0);
	case CPU_HOST:
		if (c->then_ns) {
			host_stage(s, c, SIM_T_SWITCH, c->then_ns, 0);
			return 0;
		}
		return enter_guest(s, pcpu);
	case CPU_GUEST:
		break;
	}
	g = &s->g[c->vcpu];
	if (g->phase == PHASE_WORK && g->end <= s->now) {
		g->phase = PHASE_ACQUIRE;
		return try_lock(s, pcpu);
	}
	if (g->phase == PHASE_CRITICAL && g->end <= s->now)
		return release(s, pcpu);
	if (g->phase == PHASE_ACQUIRE && hint_time(s, g) <= s->now)
		return hint(s, pcpu);
	if (g->phase == PHASE_ACQUIRE && g->ple_ns && g->spin_from + g->ple_ns <= s->now)
		return pause_loop_exit(s, pcpu);
	return preempt(s, pcpu);
}

static int simulate(struct sim *s)
{
	const struct sim_params *p = s->p;
	int r;

	for (unsigned i = 0; i < p->nr_vcpus; i++) {
		struct guest_vcpu *g = &s->g[i];

		*g = (struct guest_vcpu){ .phase = PHASE_WORK, .hinted = -1, .waiting_on = -1,
					  .rng = p->seed * 0x100000001b3ull + i,
					  .ple_ns = host_ple_window_ns(&s->host, i) };
		g->left = uniform(g, p->work_min_ns, p->work_max_ns);
	}
	/* Slices end staggered across the CPUs, as unsynchronized ticks do. */
	for (unsigned q = 0; q < p->nr_pcpus; q++) {
		s->c[q] = (struct pcpu){ .vcpu = -1, .mode = CPU_IDLE, .charged = SIM_T_IDLE };
		if ((r = run_next(s, q, -1, 0)) < 0)
			return r;
		s->c[q].slice_end = (uint64_t)p->slice_ns * (q + 1) / p->nr_pcpus;
	}
	for (;;) {
		uint64_t t = UINT64_MAX;
		unsigned next = 0;

		for (unsigned q = 0; q < p->nr_pcpus; q++) {
			uint64_t tq = next_event(s, q);

			if (tq < t) {
				t = tq;
				next = q;
			}
		}
		if (t >= p->duration_ns)
			break;
		s->now = t;
		if ((r = handle(s, next)) < 0)
			return r;
	}
	s->now = p->duration_ns;
	for (unsigned q = 0; q < p->nr_pcpus; q++)
		charge(s, &s->c[q], s->c[q].charged);
	return 0;
}

int sim_run(const struct sim_params *p, struct sim_result *out)
{
	struct sim s;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	s.p = p;
	s.r = out;
	s.holder = -1;
	s.rng = p->seed;
	if (p->work_min_ns > p->work_max_ns || p->cs_min_ns > p->cs_max_ns || !p->cs_min_ns ||
	    !p->slice_ns || !p->duration_ns) {
		snprintf(out->error, sizeof(out->error), "the parameters make no run: min > max, or zero");
		return VCPU_EINVAL;
	}
	r = host_create(&s.host, p, out->error, sizeof(out->error));
	if (r == 0)
		r = simulate(&s);
	if (r == 0)
		sched_get_stats(s.host.sched, &out->sched);
	host_destroy(&s.host);
	return r;
}

void sim_default_params(struct sim_params *p)
{
	*p = (struct sim_params){
		.nr_vcpus = 8,
		.nr_pcpus = 4,
		.policy = SIM_NO_PLE,
		.ple_window_us = 16,
		.duration_ns = 500000000,
		.seed = 1,
		.work_min_ns = 5000,
		.work_max_ns = 15000,
		.cs_min_ns = 1000,
		.cs_max_ns = 3000,
		.slice_ns = 3000000,
		.exit_ns = 2000,
		.switch_ns = 3000,
		.migrate_ns = 2000,
	};
}

double sim_throughput(const struct sim_params *p, const struct sim_result *r)
{
	return (double)r->acquisitions * 1e9 / (double)p->duration_ns;
}

double sim_percent(const struct sim_params *p, const struct sim_result *r, enum sim_time t)
{
	return 100.0 * (double)r->time_ns[t] / ((double)p->duration_ns * p->nr_pcpus);
}

double sim_fairness(const struct sim_params *p, const struct sim_result *r)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	for (unsigned i = 0; i < p->nr_vcpus; i++) {
		lo = r->vcpu_ns[i] < lo ? r->vcpu_ns[i] : lo;
		hi = r->vcpu_ns[i] > hi ? r->vcpu_ns[i] : hi;
	}
	return hi ? (double)lo / (double)hi : 1;
}

const char *sim_policy_name(enum sim_policy policy)
{
	static const char *const names[] = {
		[SIM_NO_PLE] = "no PLE",
		[SIM_PLE_NO_YIELD] = "PLE, no yield",
		[SIM_PLE_RANDOM] = "PLE, random",
		[SIM_PLE_PV_HINT] = "PLE, PV hint",
	};

	return (unsigned)policy < SIM_NR_POLICIES ? names[policy] : "?";
}

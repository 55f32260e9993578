/*
 * libvcpu - the VCPU scheduler: one run queue per physical CPU, migration
 * on pick, work stealing, and the lock-holder-preemption answer to
 * pause-loop exits (directed yield by policy).
 */
#include <stdatomic.h>
#include <string.h>

#include "core.h"

struct sched_entity {
	struct vcpu *vcpu;	/* NULL: not in the scheduler */
	int queue;		/* the run queue it waits on; -1 if not queued */
	int running_on;		/* the CPU it was picked for; -1 if not picked */
	int home;		/* the CPU it last ran on or was added to */
	uint32_t hint;		/* the lock holder it waits for (PV hint) */
};

/* A slot no VCPU holds: queued nowhere, never picked, no hint. */
static const struct sched_entity no_entity = {
	.queue = -1, .running_on = -1, .home = -1, .hint = SCHED_NO_LOCK_HOLDER,
};

struct run_queue {
	uint16_t ids[VM_MAX_VCPUS];
	unsigned n;
	int directed;		/* VCPU id a yield on this CPU chose; -1 none */
};

struct sched {
	struct vm *vm;
	struct sched_options opts;
	atomic_flag lock;
	uint64_t rng;
	struct sched_stats stats;
	struct sched_entity ent[VM_MAX_VCPUS];
	struct run_queue rq[VM_MAX_PCPUS];
};

static void sched_lock(struct sched *s)
{
	while (atomic_flag_test_and_set_explicit(&s->lock, memory_order_acquire))
		;
}

static void sched_unlock(struct sched *s)
{
	atomic_flag_clear_explicit(&s->lock, memory_order_release);
}

/* xorshift64*: reproducible from the seed, good enough to pick a VCPU. */
static uint64_t next_random(struct sched *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545f4914f6cdd1dull;
}

static void enqueue(struct sched *s, unsigned id, unsigned pcpu, bool at_head)
{
	struct run_queue *q = &s->rq[pcpu];

	if (at_head) {
		memmove(&q->ids[1], &q->ids[0], q->n * sizeof(q->ids[0]));
		q->ids[0] = (uint16_t)id;
	} else {
		q->ids[q->n] = (uint16_t)id;
	}
	q->n++;
	s->ent[id].queue = (int)pcpu;
}

static void dequeue(struct sched *s, unsigned id)
{
	struct sched_entity *e = &s->ent[id];
	struct run_queue *q;

	if (e->queue < 0)
		return;
	q = &s->rq[e->queue];
	for (unsigned i = 0; i < q->n; i++) {
		if (q->ids[i] != id)
			continue;
		memmove(&q->ids[i], &q->ids[i + 1], (q->n - i - 1) * sizeof(q->ids[0]));
		q->n--;
		break;
	}
	e->queue = -1;
}

static struct sched_entity *entity_of(struct sched *s, const struct vcpu *vcpu)
{
	if (!s || !vcpu || vcpu->vm != s->vm || vcpu->id >= VM_MAX_VCPUS || s->ent[vcpu->id].vcpu != vcpu)
		return NULL;
	return &s->ent[vcpu->id];
}

int sched_create(struct vm *vm, const struct sched_options *opts, struct sched **out)
{
	struct sched_options o = opts ? *opts : (struct sched_options){ 0 };
	struct sched *s;

	if (!vm || !out)
		return VCPU_EINVAL;
	*out = NULL;
	if (vm->sched)
		return vm_fail(VCPU_EEXIST, "the VM has a scheduler already");
	if (!o.nr_pcpus)
		o.nr_pcpus = vm->nr_pcpus;
	if (o.nr_pcpus > vm->nr_pcpus)
		return vm_fail(VCPU_EINVAL, "%u run queues asked, the VM has %u logical CPUs", o.nr_pcpus,
			       vm->nr_pcpus);
	if ((unsigned)o.yield_policy > SCHED_YIELD_PV_HINT)
		return vm_fail(VCPU_EINVAL, "no yield policy %u", (unsigned)o.yield_policy);
	s = plat_alloc_aligned(sizeof(*s), 64);
	if (!s)
		return VCPU_ENOMEM;
	memset(s, 0, sizeof(*s));
	s->vm = vm;
	s->opts = o;
	s->rng = o.seed ? o.seed : 1;
	atomic_flag_clear(&s->lock);
	for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
		s->ent[i] = no_entity;
	for (unsigned p = 0; p < VM_MAX_PCPUS; p++)
		s->rq[p].directed = -1;
	vm->sched = s;
	*out = s;
	return 0;
}

void sched_destroy(struct sched *s)
{
	if (!s)
		return;
	s->vm->sched = NULL;
	plat_free(s);
}

int sched_add(struct sched *s, struct vcpu *vcpu, unsigned pcpu)
{
	struct sched_entity *e;

	if (!s || !vcpu || vcpu->vm != s->vm || vcpu->id >= VM_MAX_VCPUS)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	if (pcpu >= s->opts.nr_pcpus)
		return vcpu_fail(vcpu, VCPU_EINVAL, "no run queue %u (the scheduler has %u)", pcpu,
				 s->opts.nr_pcpus);
	sched_lock(s);
	e = &s->ent[vcpu->id];
	if (e->vcpu) {
		sched_unlock(s);
		return vcpu_fail(vcpu, VCPU_EEXIST, "VCPU %u is in the scheduler already", vcpu->id);
	}
	e->vcpu = vcpu;
	e->home = (int)pcpu;
	if (vcpu->state != VCPU_STATE_BLOCKED)
		enqueue(s, vcpu->id, pcpu, false);
	sched_unlock(s);
	return 0;
}

int sched_remove(struct sched *s, struct vcpu *vcpu)
{
	struct sched_entity *e;

	sched_lock(s);
	e = entity_of(s, vcpu);
	if (!e) {
		sched_unlock(s);
		return VCPU_EINVAL;
	}
	if (e->running_on >= 0) {
		sched_unlock(s);
		return vcpu_fail(vcpu, VCPU_EBUSY, "VCPU %u was picked and not put back", vcpu->id);
	}
	dequeue(s, vcpu->id);
	for (unsigned p = 0; p < s->opts.nr_pcpus; p++)
		if (s->rq[p].directed == (int)vcpu->id)
			s->rq[p].directed = -1;
	*e = no_entity;
	sched_unlock(s);
	return 0;
}

/* The next VCPU for `pcpu` by the rules of sched_pick_next(); -1 if none. */
static int choose(struct sched *s, unsigned pcpu, bool *stolen)
{
	struct run_queue *q = &s->rq[pcpu];
	unsigned longest = 0;
	int from = -1;

	*stolen = false;
	if (q->directed >= 0) {
		int id = q->directed;

		q->directed = -1;
		if (s->ent[id].queue >= 0)
			return id;
	}
	if (q->n) {
		int i = 0;

		if (s->opts.pick_next) {
			struct vcpu *list[VM_MAX_VCPUS];

			for (unsigned k = 0; k < q->n; k++)
				list[k] = s->ent[q->ids[k]].vcpu;
			i = s->opts.pick_next(s->opts.opaque, pcpu, list, q->n);
			if (i < 0 || (unsigned)i >= q->n)
				return -1;
		}
		return q->ids[i];
	}
	if (s->opts.no_steal)
		return -1;
	for (unsigned p = 0; p < s->opts.nr_pcpus; p++) {
		if (s->rq[p].n > longest) {
			longest = s->rq[p].n;
			from = (int)p;
		}
	}
	if (from < 0)
		return -1;
	*stolen = true;
	return s->rq[from].ids[0];
}

int sched_pick_next(struct sched *s, unsigned pcpu, struct vcpu **out)
{
	struct sched_entity *e;
	struct vcpu *vcpu;
	bool stolen;
	int id, queue, r;

	if (!s || !out)
		return VCPU_EINVAL;
	*out = NULL;
	if (pcpu >= s->opts.nr_pcpus)
		return VCPU_EINVAL;
	sched_lock(s);
	id = choose(s, pcpu, &stolen);
	if (id < 0) {
		s->stats.idle_picks++;
		sched_unlock(s);
		return VCPU_EAGAIN;
	}
	e = &s->ent[id];
	vcpu = e->vcpu;
	queue = e->queue;
	dequeue(s, (unsigned)id);
	if (vcpu->pcpu != (int)pcpu) {
		r = vcpu_migrate(vcpu, pcpu);
		if (r < 0) {
			enqueue(s, (unsigned)id, (unsigned)queue, true);
			sched_unlock(s);
			return r;
		}
		/* A VCPU never loaded (clear) is not counted as moved. */
		if (e->home >= 0 && e->home != (int)pcpu)
			s->stats.migrations++;
	}
	if (stolen)
		s->stats.steals++;
	e->running_on = (int)pcpu;
	e->home = (int)pcpu;
	s->stats.picks++;
	sched_unlock(s);
	*out = vcpu;
	return 0;
}

int sched_put(struct sched *s, struct vcpu *vcpu)
{
	struct sched_entity *e;

	sched_lock(s);
	e = entity_of(s, vcpu);
	if (!e || e->running_on < 0) {
		sched_unlock(s);
		return e ? vcpu_fail(vcpu, VCPU_ESTATE, "VCPU %u was not picked", vcpu->id) : VCPU_EINVAL;
	}
	e->running_on = -1;
	switch (vcpu->state) {
	case VCPU_STATE_DESTROYED:
		*e = no_entity;
		break;
	case VCPU_STATE_BLOCKED:
		break;
	default:
		enqueue(s, vcpu->id, (unsigned)e->home, false);
		break;
	}
	sched_unlock(s);
	return 0;
}

int sched_wake(struct sched *s, struct vcpu *vcpu)
{
	struct sched_entity *e;
	int r;

	sched_lock(s);
	e = entity_of(s, vcpu);
	if (!e) {
		sched_unlock(s);
		return VCPU_EINVAL;
	}
	r = vcpu_wake(vcpu);
	if (r == 0 && e->queue < 0 && e->running_on < 0)
		enqueue(s, vcpu->id, (unsigned)e->home, false);
	sched_unlock(s);
	return r;
}

unsigned sched_queue(const struct sched *s, unsigned pcpu, struct vcpu **out, unsigned max)
{
	const struct run_queue *q;

	if (!s || pcpu >= s->opts.nr_pcpus)
		return 0;
	q = &s->rq[pcpu];
	for (unsigned i = 0; i < q->n && i < max; i++)
		out[i] = s->ent[q->ids[i]].vcpu;
	return q->n;
}

void sched_get_stats(const struct sched *s, struct sched_stats *out)
{
	if (s && out)
		*out = s->stats;
}

const char *sched_yield_policy_name(enum sched_yield_policy policy)
{
	static const char *const names[] = {
		[SCHED_YIELD_NONE] = "none",
		[SCHED_YIELD_RANDOM] = "random",
		[SCHED_YIELD_PV_HINT] = "pv-hint",
	};

	return (unsigned)policy < sizeof(names) / sizeof(names[0]) ? names[policy] : NULL;
}

/* ---- for the core's PAUSE and VMCALL handlers ---- */

/* A pause-loop exit of a VCPU the scheduler picked: choose whom it yields
 * to, by policy, among the VCPUs waiting in a queue. True if it yields. */
bool sched_pause_exit(struct vcpu *vcpu)
{
	struct sched *s = vcpu->vm->sched;
	struct sched_entity *e;
	int target = -1;

	sched_lock(s);
	e = entity_of(s, vcpu);
	if (!e || e->running_on < 0) {
		sched_unlock(s);
		return false;
	}
	s->stats.pause_exits++;
	if (s->opts.yield_policy == SCHED_YIELD_RANDOM) {
		uint16_t waiting[VM_MAX_VCPUS];
		unsigned n = 0;

		for (unsigned id = 0; id < VM_MAX_VCPUS; id++)
			if (s->ent[id].queue >= 0)
				waiting[n++] = (uint16_t)id;
		if (n)
			target = waiting[next_random(s) % n];
	} else if (s->opts.yield_policy == SCHED_YIELD_PV_HINT) {
		if (e->hint < VM_MAX_VCPUS && s->ent[e->hint].queue >= 0)
			target = (int)e->hint;
	}
	if (target >= 0) {
		s->rq[e->running_on].directed = target;
		/* The two trade places: the yielder waits in the queue the target
		 * leaves, so a directed yield never makes one queue longer. */
		e->home = s->ent[target].queue;
		s->stats.yields++;
	}
	sched_unlock(s);
	return target >= 0;
}

/* SCHED_HC_LOCK_HOLDER: remember whom `vcpu` waits for. */
int sched_lock_holder_hint(struct vcpu *vcpu, uint32_t holder)
{
	struct sched *s = vcpu->vm->sched;
	struct sched_entity *e;
	int r = 0;

	sched_lock(s);
	e = entity_of(s, vcpu);
	if (!e) {
		r = VCPU_EINVAL;
	} else if (holder == SCHED_NO_LOCK_HOLDER) {
		e->hint = SCHED_NO_LOCK_HOLDER;
	} else if (holder >= VM_MAX_VCPUS || !s->ent[holder].vcpu) {
		r = VCPU_ENOENT;
	} else {
		e->hint = holder;
		s->stats.hints++;
	}
	sched_unlock(s);
	return r;
}

/* ---- pause-loop exiting ---- */

int vcpu_set_pause_loop_exiting(struct vcpu *vcpu, uint32_t gap, uint32_t window)
{
	const struct vmx_caps *caps;
	uint64_t proc, proc2;
	int r;

	if (!vcpu)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	if (!vm_has_capability(vcpu->vm, VM_CAP_VMX_CONTROLS))
		return vcpu_fail(vcpu, VCPU_ENOTSUP, "pause-loop exiting: the %s backend keeps the execution "
				 "controls for itself (KVM sets PLE in its kernel module)", vcpu->vm->ops->name);
	caps = &vcpu->vm->caps;
	if (!(caps->procbased_ctls >> 32 & VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) ||
	    !(caps->procbased_ctls2 >> 32 & VMX_SECONDARY_EXEC_PAUSE_LOOP_EXITING))
		return vcpu_fail(vcpu, VCPU_ENOTSUP, "pause-loop exiting: the CPU has no such control "
				 "(IA32_VMX_PROCBASED_CTLS2 allowed-1 bit 10 is 0)");
	if ((r = vcpu_vmread(vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL, &proc)) < 0 ||
	    (r = vcpu_vmread(vcpu, VMCS_SECONDARY_VM_EXEC_CONTROL, &proc2)) < 0)
		return r;
	if (window) {
		proc |= VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
		proc2 |= VMX_SECONDARY_EXEC_PAUSE_LOOP_EXITING;
	} else {
		proc2 &= ~(uint64_t)VMX_SECONDARY_EXEC_PAUSE_LOOP_EXITING;
	}
	/* The fields first: a backend that refuses them refuses the whole. */
	if ((r = vcpu_vmwrite(vcpu, VMCS_PLE_GAP, gap)) < 0 ||
	    (r = vcpu_vmwrite(vcpu, VMCS_PLE_WINDOW, window)) < 0 ||
	    (r = vcpu_vmwrite(vcpu, VMCS_SECONDARY_VM_EXEC_CONTROL, proc2)) < 0 ||
	    (r = vcpu_vmwrite(vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL, proc)) < 0)
		return r;
	return 0;
}

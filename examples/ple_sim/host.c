/*
 * ple-sim's host: libvcpu on the mock backend. The guest never really runs;
 * each exit the model needs is scripted (vcpu_mock_push_exit()) and taken
 * with vcpu_run(), so the core's own PAUSE and VMCALL handlers and the
 * scheduler make the decisions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libvcpu/libvcpu.h>

#include "host.h"

/* Where the guest's lock code sits: the PAUSE of its spin loop and the
 * VMCALL of its slow path (real mode, CS base 0xffff0000 at power-on). */
#define SPIN_PAUSE_RIP 0x1000u
#define HINT_VMCALL_RIP 0x1010u

static int fail(struct host *h, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->error, h->error_size, fmt, ap);
	va_end(ap);
	return r;
}

static int fail_vcpu(struct host *h, unsigned id, int r, const char *what)
{
	return fail(h, r, "VCPU %u: %s: %s: %s", id, what, vcpu_error_name(r),
		    vcpu_error_detail(h->vcpu[id]));
}

/* Let the core's default handler decide (it yields or not), then return
 * from vcpu_run() whatever it decided: the model charges the exit, and its
 * script holds one exit per run. */
static int decide_and_return(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	int r = vcpu_default_exit_handler(vcpu, exit);

	(void)opaque;
	return r < 0 ? r : VCPU_EXIT_RETURN;
}

static enum sched_yield_policy yield_policy(enum sim_policy policy)
{
	switch (policy) {
	case SIM_PLE_RANDOM:
		return SCHED_YIELD_RANDOM;
	case SIM_PLE_PV_HINT:
		return SCHED_YIELD_PV_HINT;
	default:
		return SCHED_YIELD_NONE;
	}
}

int host_create(struct host *h, const struct sim_params *p, char *error, size_t error_size)
{
	struct vm_options vo = { .backend = "mock", .nr_pcpus = p->nr_pcpus,
				 .caps = vcpu_mock_profile("modern") };
	struct sched_options so = { .nr_pcpus = p->nr_pcpus, .yield_policy = yield_policy(p->policy),
				    .seed = p->seed };
	uint32_t window = p->policy == SIM_NO_PLE ? 0 : p->ple_window_us * SIM_TSC_TICKS_PER_US;
	int r;

	memset(h, 0, sizeof(*h));
	h->error = error;
	h->error_size = error_size;
	if (p->nr_vcpus < 1 || p->nr_vcpus > SIM_MAX_VCPUS || p->nr_pcpus < 1 || p->nr_pcpus > SIM_MAX_PCPUS)
		return fail(h, VCPU_EINVAL, "%u VCPUs on %u CPUs: 1 to %u of each", p->nr_vcpus, p->nr_pcpus,
			    SIM_MAX_VCPUS);
	if (p->policy != SIM_NO_PLE && !p->ple_window_us)
		return fail(h, VCPU_EINVAL, "pause-loop exiting needs a window of 1 us or more");
	r = vm_create(&vo, &h->vm);
	if (r < 0)
		return fail(h, r, "vm_create: %s: %s", vcpu_error_name(r), vm_last_error());
	vm_set_exit_handler(h->vm, VMX_EXIT_REASON_PAUSE_INSTRUCTION, decide_and_return, NULL);
	vm_set_exit_handler(h->vm, VMX_EXIT_REASON_VMCALL, decide_and_return, NULL);
	r = sched_create(h->vm, &so, &h->sched);
	if (r < 0)
		return fail(h, r, "sched_create: %s", vcpu_error_name(r));
	for (unsigned i = 0; i < p->nr_vcpus; i++) {
		r = vcpu_create(h->vm, i, &h->vcpu[i]);
		if (r < 0)
			return fail(h, r, "vcpu_create(%u): %s", i, vcpu_error_name(r));
		if (window && (r = vcpu_set_pause_loop_exiting(h->vcpu[i], SIM_PLE_GAP_TICKS, window)) < 0)
			return fail_vcpu(h, i, r, "vcpu_set_pause_loop_exiting");
		if ((r = sched_add(h->sched, h->vcpu[i], i % p->nr_pcpus)) < 0)
			return fail_vcpu(h, i, r, "sched_add");
	}
	return 0;
}

void host_destroy(struct host *h)
{
	if (h->sched)
		sched_destroy(h->sched);
	if (h->vm)
		vm_destroy(h->vm);
	h->sched = NULL;
	h->vm = NULL;
}

int host_pick(struct host *h, unsigned pcpu, unsigned *id, bool *migrated)
{
	struct vcpu_booking b;
	struct vcpu *v;
	int r = sched_pick_next(h->sched, pcpu, &v);

	if (r == VCPU_EAGAIN)
		return r;
	if (r < 0)
		return fail(h, r, "sched_pick_next(%u): %s", pcpu, vcpu_error_name(r));
	*id = vcpu_id(v);
	vcpu_get_booking(v, &b);
	*migrated = b.migrations != h->migrations[*id];
	h->migrations[*id] = b.migrations;
	if (b.pcpu != (int)pcpu)
		return fail(h, VCPU_ESTATE, "VCPU %u picked for CPU %u is loaded on %d", *id, pcpu, b.pcpu);
	return 0;
}

int host_put(struct host *h, unsigned id)
{
	int r = sched_put(h->sched, h->vcpu[id]);

	return r < 0 ? fail_vcpu(h, id, r, "sched_put") : 0;
}

/* One scripted exit at `rip`, taken by vcpu_run(). */
static int take_exit(struct host *h, unsigned id, uint32_t reason, uint32_t len, uint64_t rip)
{
	struct vcpu_mock_exit e = {
		.exit = { .reason = reason, .instruction_len = len },
		.nr_changes = 1,
		.changes = { { .is_reg = true, .id = VCPU_REG_RIP, .value = rip } },
	};
	int r = vcpu_mock_push_exit(h->vcpu[id], &e);

	if (r < 0)
		return fail_vcpu(h, id, r, "vcpu_mock_push_exit");
	r = vcpu_run(h->vcpu[id]);
	if (r < 0)
		return fail_vcpu(h, id, r, "vcpu_run");
	if (vmx_exit_basic_reason(vcpu_last_exit(h->vcpu[id])) != reason)
		return fail(h, VCPU_ESTATE, "VCPU %u: vcpu_run returned on exit %u, not %u", id,
			    vmx_exit_basic_reason(vcpu_last_exit(h->vcpu[id])), reason);
	return 0;
}

int host_pause_exit(struct host *h, unsigned id, bool *yielded)
{
	struct vcpu_booking b;
	int r = take_exit(h, id, VMX_EXIT_REASON_PAUSE_INSTRUCTION, 2, SPIN_PAUSE_RIP);

	if (r < 0)
		return r;
	vcpu_get_booking(h->vcpu[id], &b);
	*yielded = b.state == VCPU_STATE_YIELDED;
	return 0;
}

int host_hint(struct host *h, unsigned id, unsigned holder)
{
	uint64_t rax;
	int r;

	if ((r = vcpu_set_reg(h->vcpu[id], VCPU_REG_RAX, SCHED_HC_LOCK_HOLDER)) < 0 ||
	    (r = vcpu_set_reg(h->vcpu[id], VCPU_REG_RBX, holder)) < 0)
		return fail_vcpu(h, id, r, "vcpu_set_reg");
	if ((r = take_exit(h, id, VMX_EXIT_REASON_VMCALL, 3, HINT_VMCALL_RIP)) < 0)
		return r;
	if ((r = vcpu_get_reg(h->vcpu[id], VCPU_REG_RAX, &rax)) < 0)
		return fail_vcpu(h, id, r, "vcpu_get_reg");
	if (rax != 0)
		return fail(h, VCPU_ESTATE, "VCPU %u: the hint naming VCPU %u returned RAX 0x%llx", id, holder,
			    (unsigned long long)rax);
	return 0;
}

uint64_t host_ple_window_ns(struct host *h, unsigned id)
{
	uint64_t proc2 = 0, window = 0;

	if (vcpu_vmread(h->vcpu[id], VMCS_SECONDARY_VM_EXEC_CONTROL, &proc2) < 0 ||
	    !(proc2 & VMX_SECONDARY_EXEC_PAUSE_LOOP_EXITING) ||
	    vcpu_vmread(h->vcpu[id], VMCS_PLE_WINDOW, &window) < 0)
		return 0;
	return window * 1000 / SIM_TSC_TICKS_PER_US;
}

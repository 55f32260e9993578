/*
 * libvcpu - the mock's guest: a script of exits. An entry first plans its
 * exit (an open interrupt or NMI window, else the next scripted exit, which
 * must be one the processor could produce: mock_exits.c) and only then
 * commits: the event is delivered, the guest's changes applied, the exit
 * information written. A plan that fails changes nothing.
 */
#include <string.h>

#include "fmt.h"
#include "mock_internal.h"

static uint64_t hw(const struct vcpu *vcpu, unsigned slot)
{
	return mock_vcpu_of(vcpu)->vmcs->val[slot];
}

/* A guest field the exit changed: in the VMCS region, and stale in the
 * core's cache. */
static void guest_changed(struct vcpu *vcpu, unsigned slot, uint64_t value)
{
	mock_store(mock_vcpu_of(vcpu)->vmcs, slot, value);
	vmcs_changed_by_exit(vcpu, slot);
}

static void apply_changes(struct vcpu *vcpu, const struct vcpu_mock_exit *step)
{
	for (unsigned i = 0; i < step->nr_changes; i++) {
		const struct vcpu_mock_change *c = &step->changes[i];
		unsigned slot = c->is_reg ? vmcs_slot_of_reg((enum vcpu_reg)c->id) : vmcs_slot_of(c->id);

		/* Registers outside the VMCS live in the core's register file,
		 * as a real exit stub saves them there. */
		if (slot >= VMCS_NR_FIELD_SLOTS)
			vcpu->vmcs.val[slot] = c->value;
		else
			guest_changed(vcpu, slot, c->value);
	}
}

/*
 * What delivering the entry's event leaves behind (SDM 26.6.1.2): an NMI
 * blocks further NMIs until IRET; an external interrupt enters its handler
 * with IF = 0 (the mock assumes an interrupt gate, or real mode). No other
 * guest state is emulated: the guest's handler is whatever the script
 * says next.
 */
static struct mock_delivery injection(const struct vcpu *vcpu)
{
	struct mock_delivery d = {
		.intr_info = hw(vcpu, VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD),
		.rflags = hw(vcpu, VMCS_SLOT_GUEST_RFLAGS),
		.interruptibility = hw(vcpu, VMCS_SLOT_GUEST_INTERRUPTIBILITY_INFO),
	};
	struct vmx_intr_info info = vmx_decode_intr_info((uint32_t)d.intr_info);

	d.valid = info.valid;
	if (info.valid && info.type == VMX_INTR_TYPE_NMI_INTR)
		d.interruptibility |= VMX_GUEST_INTR_STATE_NMI;
	if (info.valid && info.type == VMX_INTR_TYPE_EXT_INTR)
		d.rflags &= ~VMX_RFLAGS_IF;
	return d;
}

static void commit_injection(struct vcpu *vcpu, const struct mock_delivery *d)
{
	struct mock_vcpu *mv = mock_vcpu_of(vcpu);
	struct vcpu_mock_event *ev;

	if (!d->valid)
		return;
	ev = &mv->injected[mv->injected_total++ % MOCK_INJECTED_LOG];
	ev->intr_info = (uint32_t)d->intr_info;
	ev->error_code = (uint32_t)hw(vcpu, VMCS_SLOT_VM_ENTRY_EXCEPTION_ERROR_CODE);
	ev->instruction_len = (uint32_t)hw(vcpu, VMCS_SLOT_VM_ENTRY_INSTRUCTION_LEN);
	if (d->rflags != hw(vcpu, VMCS_SLOT_GUEST_RFLAGS))
		guest_changed(vcpu, VMCS_SLOT_GUEST_RFLAGS, d->rflags);
	if (d->interruptibility != hw(vcpu, VMCS_SLOT_GUEST_INTERRUPTIBILITY_INFO))
		guest_changed(vcpu, VMCS_SLOT_GUEST_INTERRUPTIBILITY_INFO, d->interruptibility);
	/* Delivered: the exit that follows clears the valid bit. */
	mock_store(mock_vcpu_of(vcpu)->vmcs, VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD,
		   d->intr_info & ~(uint64_t)VMX_INTR_INFO_VALID_MASK);
}

/* The window exits happen before the first guest instruction if the
 * window is open once the event (if any) is delivered (SDM "Interrupt-
 * Window Exiting and NMI-Window Exiting": NMI windows ignore STI blocking). */
static unsigned window_exit(const struct vcpu *vcpu, const struct mock_delivery *d)
{
	uint64_t proc = hw(vcpu, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL);

	if ((proc & VMX_CPU_BASED_NMI_WINDOW_EXITING) &&
	    !(d->interruptibility & (VMX_GUEST_INTR_STATE_NMI | VMX_GUEST_INTR_STATE_MOV_SS)))
		return VMX_EXIT_REASON_NMI_WINDOW;
	if ((proc & VMX_CPU_BASED_INTR_WINDOW_EXITING) && (d->rflags & VMX_RFLAGS_IF) &&
	    !(d->interruptibility & (VMX_GUEST_INTR_STATE_STI | VMX_GUEST_INTR_STATE_MOV_SS)))
		return VMX_EXIT_REASON_INTERRUPT_WINDOW;
	return 0;
}

static void deliver(struct vcpu *vcpu, const struct vmx_exit *e)
{
	struct mock_vmcs *v = mock_vcpu_of(vcpu)->vmcs;
	uint64_t entry = v->val[VMCS_SLOT_VM_ENTRY_CONTROLS];
	bool lma = (v->val[VMCS_SLOT_GUEST_IA32_EFER] & VMX_EFER_LMA) != 0;

	vcpu->exit = *e;
	v->val[VMCS_SLOT_VM_EXIT_REASON] = e->reason;
	v->val[VMCS_SLOT_EXIT_QUALIFICATION] = e->qualification;
	v->val[VMCS_SLOT_VM_EXIT_INSTRUCTION_LEN] = e->instruction_len;
	v->val[VMCS_SLOT_VMX_INSTRUCTION_INFO] = e->instruction_info;
	v->val[VMCS_SLOT_VM_EXIT_INTR_INFO] = e->intr_info;
	v->val[VMCS_SLOT_VM_EXIT_INTR_ERROR_CODE] = e->intr_error_code;
	v->val[VMCS_SLOT_IDT_VECTORING_INFO_FIELD] = e->idt_vectoring_info;
	v->val[VMCS_SLOT_IDT_VECTORING_ERROR_CODE] = e->idt_vectoring_error_code;
	v->val[VMCS_SLOT_GUEST_LINEAR_ADDRESS] = e->guest_linear_address;
	v->val[VMCS_SLOT_GUEST_PHYSICAL_ADDRESS] = e->guest_physical_address;
	/* A VM exit saves EFER.LMA into the "IA-32e mode guest" control
	 * (only where the VMCS has an EFER field to say it). */
	if (slot_set_has(&vcpu->vm->supported, VMCS_SLOT_GUEST_IA32_EFER) &&
	    lma != !!(entry & VMX_VM_ENTRY_IA32E_MODE))
		guest_changed(vcpu, VMCS_SLOT_VM_ENTRY_CONTROLS, entry ^ VMX_VM_ENTRY_IA32E_MODE);
}

int mock_prepare_exit(struct vcpu *vcpu, struct mock_plan *plan)
{
	struct mock_vcpu *mv = mock_vcpu_of(vcpu);
	const char *why;

	plan->event = injection(vcpu);
	plan->window = window_exit(vcpu, &plan->event);
	plan->step = NULL;
	if (plan->window)
		return 0;
	if (mv->next == mv->len)
		return vcpu_fail(vcpu, VCPU_ENOSCRIPT, "mock: VCPU %u entered the guest with no scripted "
				 "exit left", vcpu->id);
	plan->step = &mv->script[mv->next];
	why = plan->step->unchecked ? NULL : mock_exit_impossible(vcpu, plan->step);
	if (why) {
		unsigned basic = vmx_exit_basic_reason(&plan->step->exit);

		return vcpu_fail(vcpu, VCPU_ESCRIPT, "mock: scripted exit %u (%s) cannot happen: %s", basic,
				 vmx_exit_reason_name(basic) ? vmx_exit_reason_name(basic) : "?", why);
	}
	return 0;
}

void mock_commit_exit(struct vcpu *vcpu, const struct mock_plan *plan)
{
	struct mock_vcpu *mv = mock_vcpu_of(vcpu);

	/* A failed entry delivers no event: it waits for the next entry. */
	if (!plan->step || !vmx_exit_is_failed_entry(&plan->step->exit))
		commit_injection(vcpu, &plan->event);
	if (plan->window) {
		struct vmx_exit e = { .reason = plan->window };

		deliver(vcpu, &e);
		return;
	}
	apply_changes(vcpu, plan->step);
	deliver(vcpu, &plan->step->exit);
	if (++mv->next == mv->len && mv->loop)
		mv->next = 0;
}

/* ---- public API ----------------------------------------------------------- */

static void drop_taken(struct mock_vcpu *mv)
{
	if (!mv->next)
		return;
	memmove(mv->script, mv->script + mv->next, (mv->len - mv->next) * sizeof(*mv->script));
	mv->len -= mv->next;
	mv->next = 0;
}

static bool is_mock(const struct vcpu *vcpu)
{
	return vcpu && vcpu->state != VCPU_STATE_DESTROYED && !strcmp(vcpu->vm->ops->name, "mock");
}

int vcpu_mock_push_exit(struct vcpu *vcpu, const struct vcpu_mock_exit *exit)
{
	struct mock_vcpu *mv;

	if (!is_mock(vcpu) || !exit || exit->nr_changes > VCPU_MOCK_MAX_CHANGES)
		return VCPU_EINVAL;
	for (unsigned i = 0; i < exit->nr_changes; i++) {
		const struct vcpu_mock_change *c = &exit->changes[i];

		if (c->is_reg ? c->id >= VCPU_NR_REGS
			      : (vmcs_slot_of(c->id) == SLOT_NONE || vmcs_field_type(c->id) != VMCS_TYPE_GUEST ||
				 vmcs_field_access(c->id) == VMCS_ACCESS_HIGH))
			return vcpu_fail(vcpu, VCPU_EINVAL, "mock: change %u names %s 0x%x, which a guest "
					 "cannot change", i, c->is_reg ? "register" : "field", c->id);
	}
	mv = mock_vcpu_of(vcpu);
	/* A looping script keeps every step; otherwise drop the taken ones. */
	if (!mv->loop)
		drop_taken(mv);
	if (mv->len == mv->cap) {
		unsigned cap = mv->cap ? mv->cap * 2 : 16;
		struct vcpu_mock_exit *steps = plat_alloc_aligned(cap * sizeof(*steps), 16);

		if (!steps)
			return VCPU_ENOMEM;
		if (mv->len)
			memcpy(steps, mv->script, mv->len * sizeof(*steps));
		plat_free(mv->script);
		mv->script = steps;
		mv->cap = cap;
	}
	mv->script[mv->len++] = *exit;
	return 0;
}

unsigned vcpu_mock_pending(const struct vcpu *vcpu)
{
	const struct mock_vcpu *mv;

	if (!is_mock(vcpu))
		return 0;
	mv = mock_vcpu_of(vcpu);
	return mv->loop ? mv->len : mv->len - mv->next;
}

void vcpu_mock_set_loop(struct vcpu *vcpu, bool loop)
{
	struct mock_vcpu *mv;

	if (!is_mock(vcpu))
		return;
	mv = mock_vcpu_of(vcpu);
	/* Loop over the steps still to come. */
	if (loop)
		drop_taken(mv);
	mv->loop = loop;
}

unsigned vcpu_mock_injected(const struct vcpu *vcpu, struct vcpu_mock_event *out, unsigned max)
{
	const struct mock_vcpu *mv;
	unsigned kept, first;

	if (!vcpu || strcmp(vcpu->vm->ops->name, "mock") || !vcpu->backend)
		return 0;
	mv = mock_vcpu_of(vcpu);
	kept = mv->injected_total < MOCK_INJECTED_LOG ? mv->injected_total : MOCK_INJECTED_LOG;
	if (max > kept)
		max = kept;
	first = mv->injected_total - max;
	for (unsigned i = 0; i < max && out; i++)
		out[i] = mv->injected[(first + i) % MOCK_INJECTED_LOG];
	return mv->injected_total;
}

void mock_script_free(struct mock_vcpu *mv)
{
	plat_free(mv->script);
	mv->script = NULL;
	mv->next = mv->len = mv->cap = 0;
}

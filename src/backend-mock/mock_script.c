/*
 * libvcpu - the mock's guest: a script of exits, each checked against what
 * the processor could produce under the current controls (SDM Vol. 3C
 * "Instructions That Cause VM Exits Conditionally", "Other Causes of VM
 * Exits") before it is delivered.
 */
#include <string.h>

#include "fmt.h"
#include "mock_internal.h"

static uint64_t hw(const struct vcpu *vcpu, unsigned slot)
{
	return mock_vcpu_of(vcpu)->vmcs->val[slot];
}

static bool ctl(const struct vcpu *vcpu, unsigned slot, uint32_t bit)
{
	return (hw(vcpu, slot) & bit) != 0;
}

static bool proc(const struct vcpu *vcpu, uint32_t bit)
{
	return ctl(vcpu, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL, bit);
}

/* Secondary controls count only when activated. */
static bool proc2(const struct vcpu *vcpu, uint32_t bit)
{
	return proc(vcpu, VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) &&
	       ctl(vcpu, VMCS_SLOT_SECONDARY_VM_EXEC_CONTROL, bit);
}

/* A bit of a bitmap page named by a VMCS address field; a page the mock
 * does not know reads as all ones. */
static bool bitmap_bit(struct vcpu *vcpu, unsigned addr_slot, unsigned bit)
{
	struct mock_page *page = mock_page_find(mock_vm_of(vcpu->vm), hw(vcpu, addr_slot));
	const uint8_t *bytes = page ? page->hva : NULL;

	return !bytes || ((bytes[bit / 8] >> (bit % 8)) & 1);
}

static bool io_exits(struct vcpu *vcpu, uint64_t qual)
{
	struct vmx_io_access a = vmx_decode_io(qual);

	if (!proc(vcpu, VMX_CPU_BASED_USE_IO_BITMAPS))
		return proc(vcpu, VMX_CPU_BASED_UNCOND_IO_EXITING);
	if ((unsigned)a.port + a.size > 0x10000u)
		return true;
	for (unsigned p = a.port; p < (unsigned)a.port + a.size; p++)
		if (bitmap_bit(vcpu, p < 0x8000 ? VMCS_SLOT_IO_BITMAP_A : VMCS_SLOT_IO_BITMAP_B, p & 0x7fff))
			return true;
	return false;
}

static bool msr_exits(struct vcpu *vcpu, bool write)
{
	uint32_t msr = (uint32_t)vcpu->vmcs.val[SLOT_GPR_BASE + VCPU_REG_RCX];
	unsigned base = write ? 2048 * 8 : 0;

	if (!proc(vcpu, VMX_CPU_BASED_USE_MSR_BITMAPS))
		return true;
	if (msr <= 0x1fff)
		return bitmap_bit(vcpu, VMCS_SLOT_MSR_BITMAP, base + msr);
	if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		return bitmap_bit(vcpu, VMCS_SLOT_MSR_BITMAP, base + 1024 * 8 + (msr - 0xc0000000u));
	return true;
}

/* Exceptions exit by the exception bitmap; for #PF the error-code mask and
 * match invert the bit when they disagree (SDM "Exception Bitmap"). */
static bool exception_exits(struct vcpu *vcpu, const struct vmx_exit *e)
{
	struct vmx_intr_info info = vmx_decode_intr_info(e->intr_info);
	uint64_t bitmap = hw(vcpu, VMCS_SLOT_EXCEPTION_BITMAP);
	bool bit;

	if (!info.valid)
		return false;
	if (info.type == VMX_INTR_TYPE_NMI_INTR)
		return ctl(vcpu, VMCS_SLOT_PIN_BASED_VM_EXEC_CONTROL, VMX_PIN_BASED_NMI_EXITING);
	if (info.type != VMX_INTR_TYPE_HARD_EXCEPTION && info.type != VMX_INTR_TYPE_SOFT_EXCEPTION &&
	    info.type != VMX_INTR_TYPE_PRIV_SW_EXCEPTION)
		return false;
	bit = info.vector < 32 && ((bitmap >> info.vector) & 1);
	if (info.vector == VMX_VECTOR_PF) {
		bool match = (e->intr_error_code & hw(vcpu, VMCS_SLOT_PAGE_FAULT_ERROR_CODE_MASK)) ==
			     hw(vcpu, VMCS_SLOT_PAGE_FAULT_ERROR_CODE_MATCH);
		return match ? bit : !bit;
	}
	return bit;
}

/* A MOV to CR0/CR4 exits if it changes a host-owned bit away from the
 * read shadow; CLTS and LMSW by their own rules. */
static bool cr_exits(struct vcpu *vcpu, uint64_t qual)
{
	struct vmx_cr_access a = vmx_decode_cr_access(qual);
	uint64_t mask0 = hw(vcpu, VMCS_SLOT_CR0_GUEST_HOST_MASK), shadow0 = hw(vcpu, VMCS_SLOT_CR0_READ_SHADOW);
	uint64_t value = a.gpr == VCPU_REG_RSP ? hw(vcpu, VMCS_SLOT_GUEST_RSP)
					       : vcpu->vmcs.val[SLOT_GPR_BASE + a.gpr];

	switch (a.type) {
	case VMX_CR_ACCESS_MOV_TO_CR:
		if (a.cr == 0)
			return ((value ^ shadow0) & mask0) != 0;
		if (a.cr == 4)
			return ((value ^ hw(vcpu, VMCS_SLOT_CR4_READ_SHADOW)) &
				hw(vcpu, VMCS_SLOT_CR4_GUEST_HOST_MASK)) != 0;
		if (a.cr == 3)
			return proc(vcpu, VMX_CPU_BASED_CR3_LOAD_EXITING);
		return a.cr == 8 && proc(vcpu, VMX_CPU_BASED_CR8_LOAD_EXITING);
	case VMX_CR_ACCESS_MOV_FROM_CR:
		if (a.cr == 3)
			return proc(vcpu, VMX_CPU_BASED_CR3_STORE_EXITING);
		return a.cr == 8 && proc(vcpu, VMX_CPU_BASED_CR8_STORE_EXITING);
	case VMX_CR_ACCESS_CLTS:
		return (mask0 & VMX_CR0_TS) && (shadow0 & VMX_CR0_TS);
	case VMX_CR_ACCESS_LMSW:
	default:
		/* PE: exits if owned, shadow 0 and source 1; MP/EM/TS: if owned
		 * and the source differs from the shadow. */
		return ((mask0 & VMX_CR0_PE) && !(shadow0 & VMX_CR0_PE) && (a.lmsw_source & 1)) ||
		       ((mask0 & 0xe) & (shadow0 ^ a.lmsw_source)) != 0;
	}
}

/* Exits that happen exactly when one primary control is 1, by reason. */
static const struct {
	uint32_t control;
	const char *why;
} needs_control[VMX_NR_EXIT_REASONS] = {
	[VMX_EXIT_REASON_INTERRUPT_WINDOW] = { VMX_CPU_BASED_INTR_WINDOW_EXITING, "interrupt-window exiting is off" },
	[VMX_EXIT_REASON_NMI_WINDOW] = { VMX_CPU_BASED_NMI_WINDOW_EXITING, "NMI-window exiting is off" },
	[VMX_EXIT_REASON_HLT] = { VMX_CPU_BASED_HLT_EXITING, "HLT exiting is off" },
	[VMX_EXIT_REASON_INVLPG] = { VMX_CPU_BASED_INVLPG_EXITING, "INVLPG exiting is off" },
	[VMX_EXIT_REASON_RDPMC] = { VMX_CPU_BASED_RDPMC_EXITING, "RDPMC exiting is off" },
	[VMX_EXIT_REASON_RDTSC] = { VMX_CPU_BASED_RDTSC_EXITING, "RDTSC exiting is off" },
	[VMX_EXIT_REASON_MWAIT_INSTRUCTION] = { VMX_CPU_BASED_MWAIT_EXITING, "MWAIT exiting is off" },
	[VMX_EXIT_REASON_MONITOR_INSTRUCTION] = { VMX_CPU_BASED_MONITOR_EXITING, "MONITOR exiting is off" },
	[VMX_EXIT_REASON_DR_ACCESS] = { VMX_CPU_BASED_MOV_DR_EXITING, "MOV-DR exiting is off" },
	[VMX_EXIT_REASON_MONITOR_TRAP_FLAG] = { VMX_CPU_BASED_MONITOR_TRAP_FLAG, "the monitor trap flag is off" },
};

/* Why the processor could not have produced this exit, or NULL. */
static const char *impossible(struct vcpu *vcpu, const struct vmx_exit *e)
{
	unsigned basic = vmx_exit_basic_reason(e);

	if (!vmx_exit_reason_name(basic) || (e->reason & 0x7fff0000u & ~(VMX_EXIT_REASON_ENCLAVE_MODE |
									 VMX_EXIT_REASON_PENDING_MTF |
									 VMX_EXIT_REASON_FROM_ROOT)))
		return "it is not an SDM exit reason";
	if (needs_control[basic].control)
		return proc(vcpu, needs_control[basic].control) ? NULL : needs_control[basic].why;
	switch (basic) {
	case VMX_EXIT_REASON_EXCEPTION_NMI:
		return exception_exits(vcpu, e) ? NULL : "the exception bitmap (or NMI exiting) does not intercept it";
	case VMX_EXIT_REASON_EXTERNAL_INTERRUPT:
		return ctl(vcpu, VMCS_SLOT_PIN_BASED_VM_EXEC_CONTROL, VMX_PIN_BASED_EXT_INTR_MASK)
			       ? NULL : "external-interrupt exiting is off";
	case VMX_EXIT_REASON_RDTSCP:
		return proc(vcpu, VMX_CPU_BASED_RDTSC_EXITING) && proc2(vcpu, VMX_SECONDARY_EXEC_ENABLE_RDTSCP)
			       ? NULL : "RDTSCP needs enable RDTSCP and RDTSC exiting";
	case VMX_EXIT_REASON_PAUSE_INSTRUCTION:
		return proc(vcpu, VMX_CPU_BASED_PAUSE_EXITING) ||
				       proc2(vcpu, VMX_SECONDARY_EXEC_PAUSE_LOOP_EXITING)
			       ? NULL : "PAUSE exiting and pause-loop exiting are off";
	case VMX_EXIT_REASON_IO_INSTRUCTION:
		if (!vmx_io_qualification_valid(e->qualification))
			return "its qualification is not an SDM I/O layout";
		return io_exits(vcpu, e->qualification) ? NULL : "the I/O bitmaps do not intercept the port";
	case VMX_EXIT_REASON_MSR_READ:
	case VMX_EXIT_REASON_MSR_WRITE:
		return msr_exits(vcpu, basic == VMX_EXIT_REASON_MSR_WRITE) ? NULL
			       : "the MSR bitmap does not intercept the MSR in ECX";
	case VMX_EXIT_REASON_CR_ACCESS:
		return cr_exits(vcpu, e->qualification) ? NULL
			       : "the CR masks, shadows and CR3/CR8 exiting controls let the access through";
	case VMX_EXIT_REASON_EPT_VIOLATION:
	case VMX_EXIT_REASON_EPT_MISCONFIG:
		return proc2(vcpu, VMX_SECONDARY_EXEC_ENABLE_EPT) ? NULL : "EPT is off";
	case VMX_EXIT_REASON_PREEMPTION_TIMER:
		return ctl(vcpu, VMCS_SLOT_PIN_BASED_VM_EXEC_CONTROL, VMX_PIN_BASED_VMX_PREEMPTION_TIMER)
			       ? NULL : "the VMX-preemption timer is off";
	case VMX_EXIT_REASON_INVALID_STATE:
	case VMX_EXIT_REASON_MSR_LOAD_FAIL:
	case VMX_EXIT_REASON_MCE_DURING_VMENTRY:
		/* Entry failures come from the entry checks, not the guest. */
		return "entry failures are produced by the checks, not scripted";
	default:
		return NULL;	/* unconditional, or a condition the mock does not model */
	}
}

static int apply_changes(struct vcpu *vcpu, const struct vcpu_mock_exit *step)
{
	struct mock_vmcs *v = mock_vcpu_of(vcpu)->vmcs;

	for (unsigned i = 0; i < step->nr_changes; i++) {
		const struct vcpu_mock_change *c = &step->changes[i];
		unsigned slot = c->is_reg ? vmcs_slot_of_reg((enum vcpu_reg)c->id) : vmcs_slot_of(c->id);

		/* Registers outside the VMCS live in the core's register file,
		 * as a real exit stub saves them there. */
		if (slot >= VMCS_NR_FIELD_SLOTS) {
			vcpu->vmcs.val[slot] = c->value;
		} else {
			mock_store(v, slot, c->value);
			vmcs_changed_by_exit(vcpu, slot);
		}
	}
	return 0;
}

static void record_injection(struct vcpu *vcpu)
{
	struct mock_vcpu *mv = mock_vcpu_of(vcpu);
	struct mock_vmcs *v = mv->vmcs;
	uint64_t info = v->val[VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD];
	struct vcpu_mock_event *ev;

	if (!(info & VMX_INTR_INFO_VALID_MASK))
		return;
	ev = &mv->injected[mv->injected_total++ % MOCK_INJECTED_LOG];
	ev->intr_info = (uint32_t)info;
	ev->error_code = (uint32_t)v->val[VMCS_SLOT_VM_ENTRY_EXCEPTION_ERROR_CODE];
	ev->instruction_len = (uint32_t)v->val[VMCS_SLOT_VM_ENTRY_INSTRUCTION_LEN];
	/* The event is delivered; a VM exit clears the valid bit. */
	mock_store(v, VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD, info & ~(uint64_t)VMX_INTR_INFO_VALID_MASK);
}

/* The window exits happen before the first guest instruction if the
 * window is already open (SDM "Interrupt-Window Exiting and NMI-Window
 * Exiting"). */
static unsigned window_exit(struct vcpu *vcpu)
{
	uint64_t intr = hw(vcpu, VMCS_SLOT_GUEST_INTERRUPTIBILITY_INFO);

	if (proc(vcpu, VMX_CPU_BASED_NMI_WINDOW_EXITING) &&
	    !(intr & (VMX_GUEST_INTR_STATE_NMI | VMX_GUEST_INTR_STATE_MOV_SS)))
		return VMX_EXIT_REASON_NMI_WINDOW;
	if (proc(vcpu, VMX_CPU_BASED_INTR_WINDOW_EXITING) && (hw(vcpu, VMCS_SLOT_GUEST_RFLAGS) & VMX_RFLAGS_IF) &&
	    !(intr & (VMX_GUEST_INTR_STATE_STI | VMX_GUEST_INTR_STATE_MOV_SS)))
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
	/* A VM exit saves EFER.LMA into the "IA-32e mode guest" control. */
	if (lma != !!(entry & VMX_VM_ENTRY_IA32E_MODE)) {
		mock_store(v, VMCS_SLOT_VM_ENTRY_CONTROLS, entry ^ VMX_VM_ENTRY_IA32E_MODE);
		vmcs_changed_by_exit(vcpu, VMCS_SLOT_VM_ENTRY_CONTROLS);
	}
}

int mock_take_exit(struct vcpu *vcpu)
{
	struct mock_vcpu *mv = mock_vcpu_of(vcpu);
	const struct vcpu_mock_exit *step;
	const char *why;
	unsigned window;

	record_injection(vcpu);
	window = window_exit(vcpu);
	if (window) {
		struct vmx_exit e = { .reason = window };

		deliver(vcpu, &e);
		return 0;
	}
	if (mv->next == mv->len)
		return vcpu_fail(vcpu, VCPU_ENOSCRIPT, "mock: VCPU %u entered the guest with no scripted "
				 "exit left", vcpu->id);
	step = &mv->script[mv->next];
	apply_changes(vcpu, step);
	why = step->unchecked ? NULL : impossible(vcpu, &step->exit);
	if (why)
		return vcpu_fail(vcpu, VCPU_ESCRIPT, "mock: scripted exit %u (%s) cannot happen: %s",
				 vmx_exit_basic_reason(&step->exit),
				 vmx_exit_reason_name(vmx_exit_basic_reason(&step->exit))
					 ? vmx_exit_reason_name(vmx_exit_basic_reason(&step->exit)) : "?",
				 why);
	deliver(vcpu, &step->exit);
	if (++mv->next == mv->len && mv->loop)
		mv->next = 0;
	return 0;
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

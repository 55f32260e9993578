/*
 * libvcpu - which exits the mock's processor can produce: a scripted exit
 * is checked against the controls before it is delivered (SDM Vol. 3C
 * "Instructions That Cause VM Exits Unconditionally / Conditionally" and
 * "Other Causes of VM Exits"). The checks see the guest registers as the
 * exit's own changes leave them (the guest set up RCX before its RDMSR).
 */
#include "mock_internal.h"

static uint64_t hw(const struct vcpu *vcpu, unsigned slot)
{
	return mock_vcpu_of(vcpu)->vmcs->val[slot];
}

static bool pin(const struct vcpu *vcpu, uint32_t bit)
{
	return (hw(vcpu, VMCS_SLOT_PIN_BASED_VM_EXEC_CONTROL) & bit) != 0;
}

static bool proc(const struct vcpu *vcpu, uint32_t bit)
{
	return (hw(vcpu, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL) & bit) != 0;
}

/* Secondary controls count only when activated. */
static bool proc2(const struct vcpu *vcpu, uint32_t bit)
{
	return proc(vcpu, VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) &&
	       (hw(vcpu, VMCS_SLOT_SECONDARY_VM_EXEC_CONTROL) & bit);
}

/* A general register as the step leaves it. */
static uint64_t step_gpr(const struct vcpu *vcpu, const struct vcpu_mock_exit *step, unsigned n)
{
	for (unsigned i = step->nr_changes; i-- > 0;) {
		const struct vcpu_mock_change *c = &step->changes[i];

		if ((c->is_reg && c->id == n) || (!c->is_reg && n == VCPU_REG_RSP && c->id == VMCS_GUEST_RSP))
			return c->value;
	}
	return n == VCPU_REG_RSP ? hw(vcpu, VMCS_SLOT_GUEST_RSP) : vcpu->vmcs.val[SLOT_GPR_BASE + n];
}

/* A bit of a bitmap page named by a VMCS address field; a page the mock
 * does not know reads as all ones. */
static bool bitmap_bit(const struct vcpu *vcpu, unsigned addr_slot, unsigned bit)
{
	struct mock_page *page = mock_page_find(mock_vm_of(vcpu->vm), hw(vcpu, addr_slot));
	const uint8_t *bytes = page ? page->hva : NULL;

	return !bytes || ((bytes[bit / 8] >> (bit % 8)) & 1);
}

static bool io_exits(const struct vcpu *vcpu, uint64_t qual)
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

/* MSR bitmap: read-low, read-high, write-low, write-high, 1 KiB each. */
static bool msr_exits(const struct vcpu *vcpu, const struct vcpu_mock_exit *step, bool write)
{
	uint32_t msr = (uint32_t)step_gpr(vcpu, step, VCPU_REG_RCX);
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
static bool exception_exits(const struct vcpu *vcpu, const struct vmx_exit *e)
{
	struct vmx_intr_info info = vmx_decode_intr_info(e->intr_info);
	uint64_t bitmap = hw(vcpu, VMCS_SLOT_EXCEPTION_BITMAP);
	bool bit;

	if (!info.valid)
		return false;
	if (info.type == VMX_INTR_TYPE_NMI_INTR)
		return info.vector == VMX_VECTOR_NMI && pin(vcpu, VMX_PIN_BASED_NMI_EXITING);
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

/*
 * Interruption information as the processor records it for an exception
 * exit or an event whose delivery the exit cut off (SDM "Information for
 * VM Exits Due to Vectored Events", "... During Event Delivery"): no
 * reserved type or bit, NMI as vector 2, exceptions below 32, and the
 * error-code bit exactly for a hardware exception that pushed one (none
 * in real mode) and a 16-bit error code, as VM entry will demand of the
 * event once it is re-injected.
 */
static const char *event_impossible(const struct vcpu *vcpu, uint32_t info, uint32_t error_code, bool idt,
				    uint32_t instruction_len)
{
	struct vmx_intr_info i = vmx_decode_intr_info(info);
	bool pe;

	if (!i.valid)
		return NULL;
	pe = (hw(vcpu, VMCS_SLOT_GUEST_CR0) & VMX_CR0_PE) || !proc2(vcpu, VMX_SECONDARY_EXEC_UNRESTRICTED_GUEST);
	/* Bit 12 (NMI unblocking) is undefined in IDT-vectoring information. */
	if (info & (idt ? 0x7fffe000u : 0x7fffe000u & ~(uint32_t)VMX_INTR_INFO_UNBLOCK_NMI))
		return "its interruption information sets reserved bits";
	if (i.type == VMX_INTR_TYPE_RESERVED || i.type == VMX_INTR_TYPE_OTHER_EVENT)
		return "its interruption information has a type no event delivery uses";
	if ((i.type == VMX_INTR_TYPE_NMI_INTR) != (i.vector == VMX_VECTOR_NMI) && i.type != VMX_INTR_TYPE_EXT_INTR &&
	    i.type != VMX_INTR_TYPE_SOFT_INTR)
		return "its interruption information has an NMI that is not vector 2, or vector 2 as an exception";
	if (i.type == VMX_INTR_TYPE_HARD_EXCEPTION && i.vector >= 32)
		return "its interruption information has an exception vector above 31";
	if (i.has_error_code != (i.type == VMX_INTR_TYPE_HARD_EXCEPTION && vmx_vector_has_error_code(i.vector) && pe))
		return "its interruption information says an error code where none was pushed, or none where one was";
	/* Error codes are 16 bits wide (VM entry requires bits 31:16 clear). */
	if (i.has_error_code && (error_code >> 16))
		return "its interruption information has an error code with bits 31:16 set";
	/* An exit during delivery of INT n, INT1, INT3 or INTO saves that
	 * instruction's length (SDM "VM-Exit Instruction Length"); the
	 * re-injection needs it. */
	if (idt && (i.type == VMX_INTR_TYPE_SOFT_INTR || i.type == VMX_INTR_TYPE_PRIV_SW_EXCEPTION ||
		    i.type == VMX_INTR_TYPE_SOFT_EXCEPTION) && (instruction_len < 1 || instruction_len > 15))
		return "it interrupts the delivery of a software event without the instruction's length (1-15)";
	return NULL;
}

/* A MOV to CR0/CR4 exits if it changes a host-owned bit away from the
 * read shadow; CLTS and LMSW by their own rules. */
static bool cr_exits(const struct vcpu *vcpu, const struct vcpu_mock_exit *step)
{
	struct vmx_cr_access a = vmx_decode_cr_access(step->exit.qualification);
	uint64_t mask0 = hw(vcpu, VMCS_SLOT_CR0_GUEST_HOST_MASK), shadow0 = hw(vcpu, VMCS_SLOT_CR0_READ_SHADOW);
	uint64_t value = step_gpr(vcpu, step, a.gpr);

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

enum ctl_kind { NONE, PIN, PROC, PROC2 };

/* Exits that happen only when one control is 1, by reason. */
static const struct {
	uint8_t kind;
	uint32_t control;
	const char *why;
} needs_control[VMX_NR_EXIT_REASONS] = {
	[VMX_EXIT_REASON_EXTERNAL_INTERRUPT] = { PIN, VMX_PIN_BASED_EXT_INTR_MASK, "external-interrupt exiting is off" },
	[VMX_EXIT_REASON_INTERRUPT_WINDOW] = { PROC, VMX_CPU_BASED_INTR_WINDOW_EXITING, "interrupt-window exiting is off" },
	[VMX_EXIT_REASON_NMI_WINDOW] = { PROC, VMX_CPU_BASED_NMI_WINDOW_EXITING, "NMI-window exiting is off" },
	[VMX_EXIT_REASON_HLT] = { PROC, VMX_CPU_BASED_HLT_EXITING, "HLT exiting is off" },
	[VMX_EXIT_REASON_INVLPG] = { PROC, VMX_CPU_BASED_INVLPG_EXITING, "INVLPG exiting is off" },
	[VMX_EXIT_REASON_RDPMC] = { PROC, VMX_CPU_BASED_RDPMC_EXITING, "RDPMC exiting is off" },
	[VMX_EXIT_REASON_RDTSC] = { PROC, VMX_CPU_BASED_RDTSC_EXITING, "RDTSC exiting is off" },
	[VMX_EXIT_REASON_DR_ACCESS] = { PROC, VMX_CPU_BASED_MOV_DR_EXITING, "MOV-DR exiting is off" },
	[VMX_EXIT_REASON_MWAIT_INSTRUCTION] = { PROC, VMX_CPU_BASED_MWAIT_EXITING, "MWAIT exiting is off" },
	[VMX_EXIT_REASON_MONITOR_TRAP_FLAG] = { PROC, VMX_CPU_BASED_MONITOR_TRAP_FLAG, "the monitor trap flag is off" },
	[VMX_EXIT_REASON_MONITOR_INSTRUCTION] = { PROC, VMX_CPU_BASED_MONITOR_EXITING, "MONITOR exiting is off" },
	[VMX_EXIT_REASON_TPR_BELOW_THRESHOLD] = { PROC, VMX_CPU_BASED_TPR_SHADOW, "the TPR shadow is off" },
	[VMX_EXIT_REASON_APIC_ACCESS] = { PROC2, VMX_SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES, "APIC-access virtualization is off" },
	[VMX_EXIT_REASON_EOI_INDUCED] = { PROC2, VMX_SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY, "virtual-interrupt delivery is off" },
	[VMX_EXIT_REASON_GDTR_IDTR] = { PROC2, VMX_SECONDARY_EXEC_DESC, "descriptor-table exiting is off" },
	[VMX_EXIT_REASON_LDTR_TR] = { PROC2, VMX_SECONDARY_EXEC_DESC, "descriptor-table exiting is off" },
	[VMX_EXIT_REASON_EPT_VIOLATION] = { PROC2, VMX_SECONDARY_EXEC_ENABLE_EPT, "EPT is off" },
	[VMX_EXIT_REASON_EPT_MISCONFIG] = { PROC2, VMX_SECONDARY_EXEC_ENABLE_EPT, "EPT is off" },
	[VMX_EXIT_REASON_PREEMPTION_TIMER] = { PIN, VMX_PIN_BASED_VMX_PREEMPTION_TIMER, "the VMX-preemption timer is off" },
	[VMX_EXIT_REASON_WBINVD] = { PROC2, VMX_SECONDARY_EXEC_WBINVD_EXITING, "WBINVD exiting is off" },
	[VMX_EXIT_REASON_APIC_WRITE] = { PROC2, VMX_SECONDARY_EXEC_APIC_REGISTER_VIRT, "APIC-register virtualization is off" },
	[VMX_EXIT_REASON_RDRAND] = { PROC2, VMX_SECONDARY_EXEC_RDRAND_EXITING, "RDRAND exiting is off" },
	[VMX_EXIT_REASON_VMFUNC] = { PROC2, VMX_SECONDARY_EXEC_ENABLE_VMFUNC, "VM functions are not enabled" },
	[VMX_EXIT_REASON_ENCLS] = { PROC2, VMX_SECONDARY_EXEC_ENCLS_EXITING, "ENCLS exiting is off" },
	[VMX_EXIT_REASON_RDSEED] = { PROC2, VMX_SECONDARY_EXEC_RDSEED_EXITING, "RDSEED exiting is off" },
	[VMX_EXIT_REASON_PML_FULL] = { PROC2, VMX_SECONDARY_EXEC_ENABLE_PML, "page-modification logging is off" },
	[VMX_EXIT_REASON_XSAVES] = { PROC2, VMX_SECONDARY_EXEC_ENABLE_XSAVES, "XSAVES is not enabled" },
	[VMX_EXIT_REASON_XRSTORS] = { PROC2, VMX_SECONDARY_EXEC_ENABLE_XSAVES, "XSAVES is not enabled" },
	[VMX_EXIT_REASON_UMWAIT] = { PROC2, VMX_SECONDARY_EXEC_ENABLE_USR_WAIT_PAUSE, "user wait and pause are not enabled" },
	[VMX_EXIT_REASON_TPAUSE] = { PROC2, VMX_SECONDARY_EXEC_ENABLE_USR_WAIT_PAUSE, "user wait and pause are not enabled" },
	[VMX_EXIT_REASON_BUS_LOCK] = { PROC2, VMX_SECONDARY_EXEC_BUS_LOCK_DETECTION, "bus-lock detection is off" },
	[VMX_EXIT_REASON_NOTIFY] = { PROC2, VMX_SECONDARY_EXEC_NOTIFY_VM_EXITING, "notify VM exiting is off" },
};

/* Exits the mock never produces: features it does not model. */
static bool unmodelled(unsigned basic)
{
	switch (basic) {
	case VMX_EXIT_REASON_IO_SMI:
	case VMX_EXIT_REASON_OTHER_SMI:
	case VMX_EXIT_REASON_SIPI_SIGNAL:	/* needs the wait-for-SIPI state */
	case VMX_EXIT_REASON_SPP:
	case VMX_EXIT_REASON_PCONFIG:
	case VMX_EXIT_REASON_ENCLV:
	case VMX_EXIT_REASON_LOADIWKEY:
	case VMX_EXIT_REASON_SGX_CONFLICT:
	case VMX_EXIT_REASON_ENQCMD_PASID_FAIL:
	case VMX_EXIT_REASON_ENQCMDS_PASID_FAIL:
	case VMX_EXIT_REASON_SEAMCALL:
	case VMX_EXIT_REASON_TDCALL:
	case VMX_EXIT_REASON_RDMSRLIST:
	case VMX_EXIT_REASON_WRMSRLIST:
		return true;
	default:
		return false;
	}
}

const char *mock_exit_impossible(const struct vcpu *vcpu, const struct vcpu_mock_exit *step)
{
	const struct vmx_exit *e = &step->exit;
	unsigned basic = vmx_exit_basic_reason(e);
	const char *why;

	/* Bits 26:16 are reserved; 27-29 are the processor's flags. */
	if (!vmx_exit_reason_name(basic) || (e->reason & 0x07ff0000u))
		return "it is not an SDM exit reason";
	if (e->reason & VMX_EXIT_REASON_FAILED_VMENTRY)
		return "entry failures come from the entry checks, not from the guest";
	if (unmodelled(basic))
		return "the mock does not model the feature that produces it";
	why = event_impossible(vcpu, e->idt_vectoring_info, e->idt_vectoring_error_code, true,
			       e->instruction_len);
	if (!why && basic == VMX_EXIT_REASON_EXCEPTION_NMI)
		why = event_impossible(vcpu, e->intr_info, e->intr_error_code, false, e->instruction_len);
	if (why)
		return why;
	switch (needs_control[basic].kind) {
	case PIN:
		return pin(vcpu, needs_control[basic].control) ? NULL : needs_control[basic].why;
	case PROC:
		return proc(vcpu, needs_control[basic].control) ? NULL : needs_control[basic].why;
	case PROC2:
		return proc2(vcpu, needs_control[basic].control) ? NULL : needs_control[basic].why;
	default:
		break;
	}
	switch (basic) {
	case VMX_EXIT_REASON_EXCEPTION_NMI:
		return exception_exits(vcpu, e) ? NULL : "the exception bitmap (or NMI exiting) does not intercept it";
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
		return msr_exits(vcpu, step, basic == VMX_EXIT_REASON_MSR_WRITE)
			       ? NULL : "the MSR bitmap does not intercept the MSR in ECX";
	case VMX_EXIT_REASON_CR_ACCESS:
		return cr_exits(vcpu, step) ? NULL
			       : "the CR masks, shadows and CR3/CR8 exiting controls let the access through";
	case VMX_EXIT_REASON_RDTSCP:
		return proc(vcpu, VMX_CPU_BASED_RDTSC_EXITING) && proc2(vcpu, VMX_SECONDARY_EXEC_ENABLE_RDTSCP)
			       ? NULL : "RDTSCP needs enable RDTSCP and RDTSC exiting";
	case VMX_EXIT_REASON_INVPCID:
		return proc(vcpu, VMX_CPU_BASED_INVLPG_EXITING) && proc2(vcpu, VMX_SECONDARY_EXEC_ENABLE_INVPCID)
			       ? NULL : "INVPCID needs enable INVPCID and INVLPG exiting";
	case VMX_EXIT_REASON_INVALID_STATE:
	case VMX_EXIT_REASON_MSR_LOAD_FAIL:
	case VMX_EXIT_REASON_MCE_DURING_VMENTRY:
		return "entry failures come from the entry checks, not from the guest";
	default:
		return NULL;	/* unconditional exits */
	}
}

/*
 * libvcpu - VM-entry checks on the guest-state area (SDM 26.3.1.1-26.3.1.6);
 * the segment registers (26.3.1.2) are in entry_check_guest_seg.c.
 * A failure here is a VM exit with basic reason 33 (invalid guest state)
 * and the entry-failure bit; the exit qualification is 0, except 2 for the
 * PDPTEs and 4 for the VMCS link pointer.
 *
 * Left out:
 *  - VMCS link pointer: the revision identifier and shadow-VMCS indicator
 *    of the VMCS it points to (host memory, not readable here) and "not
 *    the current VMCS pointer" (not known here); alignment and width are
 *    checked;
 *  - interruptibility bit 4 (enclave interruption) and pending-debug bit 16
 *    (RTM) need SGX and RTM support, which struct vmx_caps does not say:
 *    they are taken as supported and their other rules are checked;
 *  - "a processor may require blocking by STI to be 0 when injecting an
 *    NMI": implementation-specific, not enforced;
 *  - IA32_RTIT_CTL (reserved bits depend on CPUID leaf 14H) and the later
 *    IA32_S_CET reserved-bit and SSP-alignment rules; S_CET, the SSP table
 *    address and SSP are checked for canonicality.
 */
#include <stdarg.h>

#include "entry_check_internal.h"

/* IA32_DEBUGCTL: LBR, BTF, bus-lock detect (2) and bits 15:6 exist. */
#define DEBUGCTL_RESERVED     (~0xffc7ull)
#define DEBUGCTL_BTF          VMX_BIT64(1)
#define BNDCFGS_RESERVED      0xffcull		/* bits 11:2 */
#define INTR_STATE_RESERVED   0xffffffe0ull	/* bits 31:5 */
/* Pending debug exceptions: bits 11:4, 13, 15 and 63:17 are reserved. */
#define PENDING_DBG_RESERVED  0xfffffffffffeaff0ull
#define PENDING_DBG_B0_3      0xfull
#define PENDING_DBG_ENABLED_BP VMX_BIT64(12)
#define PENDING_DBG_BS        VMX_BIT64(14)
#define PENDING_DBG_RTM       VMX_BIT64(16)
#define LINK_POINTER_NONE     (~0ull)
/* A present PAE PDPTE must not set bits 2:1, 8:5 or any beyond MAXPHYADDR. */
#define PDPTE_P               VMX_BIT64(0)
#define PDPTE_RESERVED        0x1e6ull

/* ---- 26.3.1.1 control registers, debug registers, MSRs ----------------- */

static int guest_cr0(struct ec *c)
{
	bool ug = vmx_ec_unrestricted(c);

	/* With unrestricted guest, CR0.PE and CR0.PG are not checked. */
	return vmx_ec_check_fixed(c, VMCS_GUEST_CR0, "IA32_VMX_CR0", c->caps->cr0_fixed0,
				  c->caps->cr0_fixed1, ug ? VMX_CR0_PE | VMX_CR0_PG : 0,
				  VMX_CHECK_GUEST_CR0_FIXED0, VMX_CHECK_GUEST_CR0_FIXED1,
				  &vmx_ec_cr0_bit_names,
				  ug ? "; PE, PG exempt: unrestricted guest is on" :
				       "; unrestricted guest is off");
}

static int guest_cr0_pg_pe(struct ec *c)
{
	uint64_t cr0 = vmx_ec_read(c, VMCS_GUEST_CR0);

	if (!(cr0 & VMX_CR0_PG) || (cr0 & VMX_CR0_PE))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_CR0_PG_PE, VMCS_GUEST_CR0, cr0,
			   "bit 31 (PG) needs bit 0 (PE) = 1");
}

static int guest_cr4(struct ec *c)
{
	return vmx_ec_check_fixed(c, VMCS_GUEST_CR4, "IA32_VMX_CR4", c->caps->cr4_fixed0,
				  c->caps->cr4_fixed1, 0, VMX_CHECK_GUEST_CR4_FIXED0,
				  VMX_CHECK_GUEST_CR4_FIXED1, &vmx_ec_cr4_bit_names, "");
}

static int guest_cr4_cet(struct ec *c)
{
	return vmx_ec_check_cet_wp(c, VMX_CHECK_GUEST_CR4_CET_WP, VMCS_GUEST_CR4, VMCS_GUEST_CR0);
}

static int guest_debugctl(struct ec *c)
{
	if (!(vmx_ec_entry(c) & VMX_VM_ENTRY_LOAD_DEBUG_CONTROLS))
		return 0;
	return vmx_ec_check_reserved(c, VMX_CHECK_GUEST_DEBUGCTL, VMCS_GUEST_IA32_DEBUGCTL,
				     DEBUGCTL_RESERVED, "\"load debug controls\" is on");
}

static int guest_ia32e_pg(struct ec *c)
{
	uint64_t cr0 = vmx_ec_read(c, VMCS_GUEST_CR0);

	if (!vmx_ec_ia32e_guest(c) || (cr0 & VMX_CR0_PG))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_IA32E_PG, VMCS_GUEST_CR0, cr0,
			   "bit 31 (PG) must be 1: \"IA-32e mode guest\" is on");
}

static int guest_ia32e_pae(struct ec *c)
{
	uint64_t cr4 = vmx_ec_read(c, VMCS_GUEST_CR4);

	if (!vmx_ec_ia32e_guest(c) || (cr4 & VMX_CR4_PAE))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_IA32E_PAE, VMCS_GUEST_CR4, cr4,
			   "bit 5 (PAE) must be 1: \"IA-32e mode guest\" is on");
}

static int guest_cr4_pcide(struct ec *c)
{
	uint64_t cr4 = vmx_ec_read(c, VMCS_GUEST_CR4);

	if (vmx_ec_ia32e_guest(c) || !(cr4 & VMX_CR4_PCIDE))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_CR4_PCIDE, VMCS_GUEST_CR4, cr4,
			   "bit 17 (PCIDE) must be 0: \"IA-32e mode guest\" is off");
}

static int guest_cr3(struct ec *c)
{
	uint64_t cr3 = vmx_ec_read(c, VMCS_GUEST_CR3);

	if (!vmx_ec_above(cr3, c->phys_bits))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_CR3, VMCS_GUEST_CR3, cr3,
			   "bits 63:%u must be 0 (beyond MAXPHYADDR = %u)", c->phys_bits,
			   c->phys_bits);
}

static int guest_dr7(struct ec *c)
{
	if (!(vmx_ec_entry(c) & VMX_VM_ENTRY_LOAD_DEBUG_CONTROLS))
		return 0;
	return vmx_ec_check_high_zero(c, VMX_CHECK_GUEST_DR7, VMCS_GUEST_DR7,
				      "\"load debug controls\" is on");
}

static int guest_sysenter(struct ec *c)
{
	int err = vmx_ec_check_canonical(c, VMX_CHECK_GUEST_SYSENTER_ESP, VMCS_GUEST_SYSENTER_ESP,
					 "");

	return err ? err : vmx_ec_check_canonical(c, VMX_CHECK_GUEST_SYSENTER_EIP,
						  VMCS_GUEST_SYSENTER_EIP, "");
}

static int guest_cet_state(struct ec *c)
{
	int err;

	if (!(vmx_ec_entry(c) & VMX_VM_ENTRY_LOAD_CET_STATE))
		return 0;
	err = vmx_ec_check_canonical(c, VMX_CHECK_GUEST_S_CET, VMCS_GUEST_S_CET,
				     " (\"load CET state\" is on)");
	return err ? err : vmx_ec_check_canonical(c, VMX_CHECK_GUEST_INTR_SSP_TABLE,
						  VMCS_GUEST_INTR_SSP_TABLE,
						  " (\"load CET state\" is on)");
}

static int guest_perf_global_ctrl(struct ec *c)
{
	if (!(vmx_ec_entry(c) & VMX_VM_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL))
		return 0;
	return vmx_ec_check_reserved(c, VMX_CHECK_GUEST_PERF_GLOBAL_CTRL,
				     VMCS_GUEST_IA32_PERF_GLOBAL_CTRL,
				     VMX_EC_PERF_GLOBAL_CTRL_RESERVED,
				     "\"load IA32_PERF_GLOBAL_CTRL\" is on");
}

static int guest_pat(struct ec *c)
{
	if (!(vmx_ec_entry(c) & VMX_VM_ENTRY_LOAD_IA32_PAT))
		return 0;
	return vmx_ec_check_pat(c, VMX_CHECK_GUEST_PAT, VMCS_GUEST_IA32_PAT,
				"\"load IA32_PAT\" is on");
}

/* LMA must equal "IA-32e mode guest"; with CR0.PG = 1, LME must equal LMA. */
static int guest_efer(struct ec *c)
{
	bool ia32e = vmx_ec_ia32e_guest(c);
	uint64_t efer;
	int err;

	if (!(vmx_ec_entry(c) & VMX_VM_ENTRY_LOAD_IA32_EFER))
		return 0;
	err = vmx_ec_check_reserved(c, VMX_CHECK_GUEST_EFER_RESERVED, VMCS_GUEST_IA32_EFER,
				    VMX_EC_EFER_RESERVED, "only SCE, LME, LMA and NXE exist");
	if (err)
		return err;
	efer = vmx_ec_read(c, VMCS_GUEST_IA32_EFER);
	if (!(efer & VMX_EFER_LMA) != !ia32e)
		return vmx_ec_fail(c, VMX_CHECK_GUEST_EFER_LMA, VMCS_GUEST_IA32_EFER, efer,
				   "bit 10 (LMA) must be %d, as \"IA-32e mode guest\"", ia32e);
	if ((vmx_ec_read(c, VMCS_GUEST_CR0) & VMX_CR0_PG) && !(efer & VMX_EFER_LME) != !ia32e)
		return vmx_ec_fail(c, VMX_CHECK_GUEST_EFER_LME, VMCS_GUEST_IA32_EFER, efer,
				   "bit 8 (LME) must equal LMA (%d) when GUEST_CR0.PG = 1", ia32e);
	return 0;
}

static int guest_bndcfgs(struct ec *c)
{
	uint64_t v;
	int err;

	if (!(vmx_ec_entry(c) & VMX_VM_ENTRY_LOAD_BNDCFGS))
		return 0;
	err = vmx_ec_check_reserved(c, VMX_CHECK_GUEST_BNDCFGS, VMCS_GUEST_BNDCFGS,
				    BNDCFGS_RESERVED, "bits 11:2; \"load IA32_BNDCFGS\" is on");
	if (err)
		return err;
	v = vmx_ec_read(c, VMCS_GUEST_BNDCFGS);
	if (vmx_ec_canonical(c, v & ~0xfffull))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_BNDCFGS, VMCS_GUEST_BNDCFGS, v,
			   "the base in bits 63:12 must be canonical");
}

static int guest_pkrs(struct ec *c)
{
	if (!(vmx_ec_entry(c) & VMX_VM_ENTRY_LOAD_PKRS))
		return 0;
	return vmx_ec_check_high_zero(c, VMX_CHECK_GUEST_PKRS, VMCS_GUEST_IA32_PKRS,
				      "\"load PKRS\" is on");
}

static const vmx_ec_check_fn guest_cr_msr_checks[] = {
	guest_cr0, guest_cr0_pg_pe, guest_cr4, guest_cr4_cet, guest_debugctl,
	guest_ia32e_pg, guest_ia32e_pae, guest_cr4_pcide, guest_cr3, guest_dr7,
	guest_sysenter, guest_cet_state, guest_perf_global_ctrl, guest_pat, guest_efer,
	guest_bndcfgs, guest_pkrs,
};

const struct vmx_ec_family vmx_ec_family_guest_cr_msr = {
	guest_cr_msr_checks, VMX_EC_ARRAY_SIZE(guest_cr_msr_checks)
};

/* ---- 26.3.1.3 descriptor-table registers ------------------------------- */

static const struct {
	uint32_t base, limit;
} guest_dtrs[] = {
	{ VMCS_GUEST_GDTR_BASE, VMCS_GUEST_GDTR_LIMIT },
	{ VMCS_GUEST_IDTR_BASE, VMCS_GUEST_IDTR_LIMIT },
};

static int guest_dtr_bases(struct ec *c)
{
	for (size_t i = 0; i < VMX_EC_ARRAY_SIZE(guest_dtrs); i++) {
		int err = vmx_ec_check_canonical(c, VMX_CHECK_GUEST_DTR_BASE, guest_dtrs[i].base,
						 "");

		if (err)
			return err;
	}
	return 0;
}

static int guest_dtr_limits(struct ec *c)
{
	for (size_t i = 0; i < VMX_EC_ARRAY_SIZE(guest_dtrs); i++) {
		uint64_t limit = vmx_ec_read(c, guest_dtrs[i].limit);

		if (limit >> 16)
			return vmx_ec_fail(c, VMX_CHECK_GUEST_DTR_LIMIT, guest_dtrs[i].limit, limit,
					   "bits 31:16 must be 0");
	}
	return 0;
}

static const vmx_ec_check_fn guest_dtr_checks[] = { guest_dtr_bases, guest_dtr_limits };

const struct vmx_ec_family vmx_ec_family_guest_dtr = {
	guest_dtr_checks, VMX_EC_ARRAY_SIZE(guest_dtr_checks)
};

/* ---- 26.3.1.4 RIP, RFLAGS and SSP -------------------------------------- */

/* The guest will run in 64-bit mode: IA-32e mode guest and CS.L = 1. */
static bool guest_64bit(struct ec *c)
{
	return vmx_ec_ia32e_guest(c) && (vmx_ec_read(c, VMCS_GUEST_CS_AR_BYTES) & VMX_AR_L_MASK);
}

/* Bits 63:32 zero outside 64-bit mode, canonical in it (RIP and SSP). */
static int check_ip(struct ec *c, unsigned id_high, unsigned id_canonical, uint32_t field)
{
	if (!guest_64bit(c))
		return vmx_ec_check_high_zero(c, id_high, field,
					      "not 64-bit mode: IA-32e mode guest or CS.L is 0");
	return vmx_ec_check_canonical(c, id_canonical, field, " (64-bit mode)");
}

static int guest_rip(struct ec *c)
{
	return check_ip(c, VMX_CHECK_GUEST_RIP_HIGH, VMX_CHECK_GUEST_RIP_CANONICAL, VMCS_GUEST_RIP);
}

static int guest_rflags_reserved(struct ec *c)
{
	uint64_t v = vmx_ec_read(c, VMCS_GUEST_RFLAGS);

	if (v & VMX_RFLAGS_RESERVED)
		return vmx_ec_fail(c, VMX_CHECK_GUEST_RFLAGS_RESERVED, VMCS_GUEST_RFLAGS, v,
				   "reserved bits %#llx must be 0 (bits 63:22, 15, 5 and 3)",
				   (unsigned long long)(v & VMX_RFLAGS_RESERVED));
	if (!(v & VMX_RFLAGS_FIXED1))
		return vmx_ec_fail(c, VMX_CHECK_GUEST_RFLAGS_RESERVED, VMCS_GUEST_RFLAGS, v,
				   "bit 1 must be 1");
	return 0;
}

static int guest_rflags_vm(struct ec *c)
{
	uint64_t v = vmx_ec_read(c, VMCS_GUEST_RFLAGS);

	if (!(v & VMX_RFLAGS_VM))
		return 0;
	if (vmx_ec_ia32e_guest(c))
		return vmx_ec_fail(c, VMX_CHECK_GUEST_RFLAGS_VM, VMCS_GUEST_RFLAGS, v,
				   "bit 17 (VM) must be 0: \"IA-32e mode guest\" is on");
	if (!(vmx_ec_read(c, VMCS_GUEST_CR0) & VMX_CR0_PE))
		return vmx_ec_fail(c, VMX_CHECK_GUEST_RFLAGS_VM, VMCS_GUEST_RFLAGS, v,
				   "bit 17 (VM) must be 0: GUEST_CR0.PE is 0");
	return 0;
}

static int guest_rflags_if(struct ec *c)
{
	uint32_t info = vmx_ec_injected_event(c);
	uint64_t v;

	if (!info || vmx_ec_intr_type(info) != VMX_INTR_TYPE_EXT_INTR)
		return 0;
	v = vmx_ec_read(c, VMCS_GUEST_RFLAGS);
	if (v & VMX_RFLAGS_IF)
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_RFLAGS_IF, VMCS_GUEST_RFLAGS, v,
			   "bit 9 (IF) must be 1 to inject external interrupt %u "
			   "(VM_ENTRY_INTR_INFO_FIELD = %#x)", info & VMX_INTR_INFO_VECTOR_MASK,
			   info);
}

static int guest_ssp(struct ec *c)
{
	if (!(vmx_ec_entry(c) & VMX_VM_ENTRY_LOAD_CET_STATE))
		return 0;
	return check_ip(c, VMX_CHECK_GUEST_SSP_HIGH, VMX_CHECK_GUEST_SSP_CANONICAL, VMCS_GUEST_SSP);
}

static const vmx_ec_check_fn guest_rip_rflags_checks[] = {
	guest_rip, guest_rflags_reserved, guest_rflags_vm, guest_rflags_if, guest_ssp,
};

const struct vmx_ec_family vmx_ec_family_guest_rip_rflags = {
	guest_rip_rflags_checks, VMX_EC_ARRAY_SIZE(guest_rip_rflags_checks)
};

/* ---- 26.3.1.5 non-register state --------------------------------------- */

static uint32_t activity(struct ec *c)
{
	return (uint32_t)vmx_ec_read(c, VMCS_GUEST_ACTIVITY_STATE);
}

static uint32_t intr_state(struct ec *c)
{
	return (uint32_t)vmx_ec_read(c, VMCS_GUEST_INTERRUPTIBILITY_INFO);
}

static const char *activity_name(uint32_t state)
{
	static const char *const names[] = { "active", "HLT", "shutdown", "wait-for-SIPI" };

	return state < 4 ? names[state] : "unknown";
}

/* IA32_VMX_MISC bits 8:6 say which of HLT, shutdown, wait-for-SIPI exist. */
static int guest_activity_supported(struct ec *c)
{
	uint32_t state = activity(c);

	if (state == VMX_GUEST_ACTIVITY_ACTIVE ||
	    (state <= VMX_GUEST_ACTIVITY_WAIT_SIPI && (c->caps->misc >> (5 + state) & 1)))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_ACTIVITY_SUPPORTED, VMCS_GUEST_ACTIVITY_STATE, state,
			   "must be 0 (active) or a state IA32_VMX_MISC[8:6] = %#llx supports "
			   "(1 HLT, 2 shutdown, 3 wait-for-SIPI)",
			   (unsigned long long)(c->caps->misc >> 6 & 7));
}

static int guest_activity_hlt_dpl(struct ec *c)
{
	uint32_t ss_ar;

	if (activity(c) != VMX_GUEST_ACTIVITY_HLT)
		return 0;
	ss_ar = (uint32_t)vmx_ec_read(c, VMCS_GUEST_SS_AR_BYTES);
	if (!(ss_ar & VMX_AR_DPL_MASK))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_ACTIVITY_HLT_DPL, VMCS_GUEST_ACTIVITY_STATE,
			   VMX_GUEST_ACTIVITY_HLT, "HLT needs SS.DPL = 0 (GUEST_SS_AR_BYTES = %#x, "
			   "DPL %u)", ss_ar, (ss_ar & VMX_AR_DPL_MASK) >> VMX_AR_DPL_SHIFT);
}

static int guest_activity_blocking(struct ec *c)
{
	uint32_t state = activity(c), intr = intr_state(c);

	if (state == VMX_GUEST_ACTIVITY_ACTIVE ||
	    !(intr & (VMX_GUEST_INTR_STATE_STI | VMX_GUEST_INTR_STATE_MOV_SS)))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_ACTIVITY_BLOCKING, VMCS_GUEST_ACTIVITY_STATE, state,
			   "must be active: GUEST_INTERRUPTIBILITY_INFO = %#x blocks by STI or "
			   "MOV SS", intr);
}

/* Which injected events an activity state lets through. */
static bool injection_allowed(uint32_t state, uint32_t info)
{
	unsigned type = vmx_ec_intr_type(info), vector = info & VMX_INTR_INFO_VECTOR_MASK;

	switch (state) {
	case VMX_GUEST_ACTIVITY_HLT:
		return type == VMX_INTR_TYPE_EXT_INTR || type == VMX_INTR_TYPE_NMI_INTR ||
		       (type == VMX_INTR_TYPE_HARD_EXCEPTION &&
			(vector == VMX_VECTOR_DB || vector == VMX_VECTOR_MC)) ||
		       (type == VMX_INTR_TYPE_OTHER_EVENT && vector == 0);
	case VMX_GUEST_ACTIVITY_SHUTDOWN:
		return type == VMX_INTR_TYPE_NMI_INTR ||
		       (type == VMX_INTR_TYPE_HARD_EXCEPTION && vector == VMX_VECTOR_MC);
	case VMX_GUEST_ACTIVITY_WAIT_SIPI:
		return false;
	default:
		return true;
	}
}

static int guest_activity_injection(struct ec *c)
{
	uint32_t info = vmx_ec_injected_event(c), state = activity(c);

	if (!info || injection_allowed(state, info))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_ACTIVITY_INJECTION, VMCS_GUEST_ACTIVITY_STATE, state,
			   "%s state blocks the injected %s, vector %u "
			   "(VM_ENTRY_INTR_INFO_FIELD = %#x)", activity_name(state),
			   vmx_ec_intr_type_name(vmx_ec_intr_type(info)),
			   info & VMX_INTR_INFO_VECTOR_MASK, info);
}

static int guest_activity_sipi_smm(struct ec *c)
{
	uint32_t state = activity(c);

	if (state != VMX_GUEST_ACTIVITY_WAIT_SIPI || !(vmx_ec_entry(c) & VMX_VM_ENTRY_SMM))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_ACTIVITY_SIPI_SMM, VMCS_GUEST_ACTIVITY_STATE, state,
			   "must not be wait-for-SIPI: \"entry to SMM\" is on");
}

static int guest_intr_reserved(struct ec *c)
{
	return vmx_ec_check_reserved(c, VMX_CHECK_GUEST_INTR_RESERVED,
				     VMCS_GUEST_INTERRUPTIBILITY_INFO, INTR_STATE_RESERVED,
				     "bits 31:5");
}

/* One interruptibility-state rule: `bits` may not be set when `when`. */
static int intr_rule(struct ec *c, unsigned id, bool when, uint32_t bits, const char *msg)
{
	uint32_t intr = intr_state(c);

	if (!when || !(intr & bits))
		return 0;
	return vmx_ec_fail(c, id, VMCS_GUEST_INTERRUPTIBILITY_INFO, intr, "%s", msg);
}

static unsigned injected_type(struct ec *c)
{
	uint32_t info = vmx_ec_injected_event(c);

	return info ? vmx_ec_intr_type(info) : 8;	/* 8: no injection */
}

static int guest_intr_sti_movss(struct ec *c)
{
	const uint32_t both = VMX_GUEST_INTR_STATE_STI | VMX_GUEST_INTR_STATE_MOV_SS;

	return intr_rule(c, VMX_CHECK_GUEST_INTR_STI_MOVSS, (intr_state(c) & both) == both,
			 both, "blocking by STI (bit 0) and by MOV SS (bit 1) cannot both be set");
}

static int guest_intr_sti_if(struct ec *c)
{
	return intr_rule(c, VMX_CHECK_GUEST_INTR_STI_IF,
			 !(vmx_ec_read(c, VMCS_GUEST_RFLAGS) & VMX_RFLAGS_IF),
			 VMX_GUEST_INTR_STATE_STI,
			 "bit 0 (blocking by STI) must be 0: GUEST_RFLAGS.IF is 0");
}

static int guest_intr_ext_intr(struct ec *c)
{
	return intr_rule(c, VMX_CHECK_GUEST_INTR_EXT_INTR,
			 injected_type(c) == VMX_INTR_TYPE_EXT_INTR,
			 VMX_GUEST_INTR_STATE_STI | VMX_GUEST_INTR_STATE_MOV_SS,
			 "bits 0 and 1 (blocking by STI / MOV SS) must be 0 when injecting an "
			 "external interrupt");
}

static int guest_intr_nmi_movss(struct ec *c)
{
	return intr_rule(c, VMX_CHECK_GUEST_INTR_NMI_MOVSS,
			 injected_type(c) == VMX_INTR_TYPE_NMI_INTR, VMX_GUEST_INTR_STATE_MOV_SS,
			 "bit 1 (blocking by MOV SS) must be 0 when injecting an NMI");
}

static int guest_intr_smi_outside(struct ec *c)
{
	return intr_rule(c, VMX_CHECK_GUEST_INTR_SMI_OUTSIDE, true, VMX_GUEST_INTR_STATE_SMI,
			 "bit 2 (blocking by SMI) must be 0 outside SMM");
}

static int guest_intr_smi_entry_smm(struct ec *c)
{
	uint32_t intr = intr_state(c);

	if (!(vmx_ec_entry(c) & VMX_VM_ENTRY_SMM) || (intr & VMX_GUEST_INTR_STATE_SMI))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_INTR_SMI_ENTRY_SMM, VMCS_GUEST_INTERRUPTIBILITY_INFO,
			   intr, "bit 2 (blocking by SMI) must be 1: \"entry to SMM\" is on");
}

static int guest_intr_virtual_nmi(struct ec *c)
{
	return intr_rule(c, VMX_CHECK_GUEST_INTR_VIRTUAL_NMI,
			 (vmx_ec_pin(c) & VMX_PIN_BASED_VIRTUAL_NMIS) &&
				 injected_type(c) == VMX_INTR_TYPE_NMI_INTR,
			 VMX_GUEST_INTR_STATE_NMI,
			 "bit 3 (blocking by NMI) must be 0 when injecting an NMI with "
			 "\"virtual NMIs\" on");
}

static int guest_intr_enclave(struct ec *c)
{
	return intr_rule(c, VMX_CHECK_GUEST_INTR_ENCLAVE,
			 (intr_state(c) & VMX_GUEST_INTR_STATE_ENCLAVE_INTR) != 0,
			 VMX_GUEST_INTR_STATE_MOV_SS,
			 "bit 1 (blocking by MOV SS) must be 0 when bit 4 (enclave interruption) "
			 "is 1");
}

static int guest_pending_dbg_reserved(struct ec *c)
{
	return vmx_ec_check_reserved(c, VMX_CHECK_GUEST_PENDING_DBG_RESERVED,
				     VMCS_GUEST_PENDING_DBG_EXCEPTIONS, PENDING_DBG_RESERVED,
				     "bits 11:4, 13, 15 and 63:17");
}

/*
 * With blocking by STI or MOV SS, or in HLT, BS (bit 14) must say whether
 * a single-step trap is pending: 1 iff RFLAGS.TF = 1 and IA32_DEBUGCTL.BTF
 * = 0.
 */
static int guest_pending_dbg_bs(struct ec *c)
{
	uint64_t pending, rflags, debugctl;
	bool want;

	if (!(intr_state(c) & (VMX_GUEST_INTR_STATE_STI | VMX_GUEST_INTR_STATE_MOV_SS)) &&
	    activity(c) != VMX_GUEST_ACTIVITY_HLT)
		return 0;
	pending = vmx_ec_read(c, VMCS_GUEST_PENDING_DBG_EXCEPTIONS);
	rflags = vmx_ec_read(c, VMCS_GUEST_RFLAGS);
	debugctl = vmx_ec_read(c, VMCS_GUEST_IA32_DEBUGCTL);
	want = (rflags & VMX_RFLAGS_TF) && !(debugctl & DEBUGCTL_BTF);
	if (!(pending & PENDING_DBG_BS) == !want)
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_PENDING_DBG_BS, VMCS_GUEST_PENDING_DBG_EXCEPTIONS,
			   pending, "bit 14 (BS) must be %d: RFLAGS.TF = %d, DEBUGCTL.BTF = %d, "
			   "with STI/MOV-SS blocking or HLT", want, !!(rflags & VMX_RFLAGS_TF),
			   !!(debugctl & DEBUGCTL_BTF));
}

/* RTM (bit 16) needs bits 3:0 and 14 clear, bit 12 set, no MOV-SS blocking. */
static int guest_pending_dbg_rtm(struct ec *c)
{
	uint64_t pending = vmx_ec_read(c, VMCS_GUEST_PENDING_DBG_EXCEPTIONS);
	const char *need;

	if (!(pending & PENDING_DBG_RTM))
		return 0;
	if (pending & (PENDING_DBG_B0_3 | PENDING_DBG_BS))
		need = "bits 3:0 and 14 must be 0";
	else if (!(pending & PENDING_DBG_ENABLED_BP))
		need = "bit 12 (enabled breakpoint) must be 1";
	else if (intr_state(c) & VMX_GUEST_INTR_STATE_MOV_SS)
		need = "blocking by MOV SS must be 0";
	else
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_PENDING_DBG_RTM, VMCS_GUEST_PENDING_DBG_EXCEPTIONS,
			   pending, "with bit 16 (RTM) set, %s", need);
}

/* The pointed-to VMCS itself is not checked (see the top of this file). */
static int guest_vmcs_link_ptr(struct ec *c)
{
	if (vmx_ec_read(c, VMCS_VMCS_LINK_POINTER) == LINK_POINTER_NONE)
		return 0;
	return vmx_ec_check_pointer(c, VMX_CHECK_GUEST_VMCS_LINK_PTR, VMCS_VMCS_LINK_POINTER, 12,
				    "not FFFFFFFF_FFFFFFFFH");
}

static const vmx_ec_check_fn guest_non_register_checks[] = {
	guest_activity_supported, guest_activity_hlt_dpl, guest_activity_blocking,
	guest_activity_injection, guest_activity_sipi_smm, guest_intr_reserved,
	guest_intr_sti_movss, guest_intr_sti_if, guest_intr_ext_intr,
	guest_intr_nmi_movss, guest_intr_smi_outside, guest_intr_smi_entry_smm,
	guest_intr_virtual_nmi, guest_intr_enclave, guest_pending_dbg_reserved,
	guest_pending_dbg_bs, guest_pending_dbg_rtm, guest_vmcs_link_ptr,
};

const struct vmx_ec_family vmx_ec_family_guest_non_register = {
	guest_non_register_checks, VMX_EC_ARRAY_SIZE(guest_non_register_checks)
};

/* ---- 26.3.1.6 PDPTEs --------------------------------------------------- */

static uint64_t pdpte_reserved(struct ec *c, uint64_t pdpte)
{
	if (!(pdpte & PDPTE_P))
		return 0;
	return (pdpte & PDPTE_RESERVED) | vmx_ec_above(pdpte, c->phys_bits);
}

/* With EPT (or no guest-memory reader) the PDPTEs are the VMCS fields. */
static int pdptes_from_vmcs(struct ec *c)
{
	static const uint32_t fields[4] = {
		VMCS_GUEST_PDPTR0, VMCS_GUEST_PDPTR1, VMCS_GUEST_PDPTR2, VMCS_GUEST_PDPTR3,
	};

	for (unsigned i = 0; i < 4; i++) {
		uint64_t v = vmx_ec_read(c, fields[i]), bad = pdpte_reserved(c, v);

		if (bad)
			return vmx_ec_fail(c, VMX_CHECK_GUEST_PDPTE_RESERVED, fields[i], v,
					   "present PDPTE sets reserved bits %#llx (2:1, 8:5 and "
					   "63:%u must be 0)", (unsigned long long)bad,
					   c->phys_bits);
	}
	return 0;
}

/* Without EPT, VM entry loads them from the 32-byte table at CR3[31:5]. */
static int pdptes_from_memory(struct ec *c)
{
	uint64_t cr3 = vmx_ec_read(c, VMCS_GUEST_CR3), table = cr3 & 0xffffffe0ull;
	uint8_t raw[32];

	if (c->env->read_guest(c->env->ctx, table, raw, sizeof(raw)))
		return vmx_ec_fail(c, VMX_CHECK_GUEST_PDPTE_READ, VMCS_GUEST_CR3, cr3,
				   "the PDPT at guest-physical %#llx cannot be read",
				   (unsigned long long)table);
	for (unsigned i = 0; i < 4; i++) {
		uint64_t v = 0, bad;

		for (unsigned b = 0; b < 8; b++)
			v |= (uint64_t)raw[8 * i + b] << (8 * b);
		bad = pdpte_reserved(c, v);
		if (bad)
			return vmx_ec_fail(c, VMX_CHECK_GUEST_PDPTE_RESERVED, VMCS_GUEST_CR3, cr3,
					   "PDPTE %u (at %#llx) = %#llx sets reserved bits %#llx "
					   "(2:1, 8:5 and 63:%u must be 0)", i,
					   (unsigned long long)(table + 8 * i),
					   (unsigned long long)v, (unsigned long long)bad,
					   c->phys_bits);
	}
	return 0;
}

/* Only for PAE paging: CR0.PG = 1, CR4.PAE = 1, not IA-32e mode. */
static int guest_pdptes(struct ec *c)
{
	if (!(vmx_ec_read(c, VMCS_GUEST_CR0) & VMX_CR0_PG) ||
	    !(vmx_ec_read(c, VMCS_GUEST_CR4) & VMX_CR4_PAE) || vmx_ec_ia32e_guest(c))
		return 0;
	if ((vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_ENABLE_EPT) || !c->env->read_guest)
		return pdptes_from_vmcs(c);
	return pdptes_from_memory(c);
}

static const vmx_ec_check_fn guest_pdpte_checks[] = { guest_pdptes };

const struct vmx_ec_family vmx_ec_family_guest_pdpte = {
	guest_pdpte_checks, VMX_EC_ARRAY_SIZE(guest_pdpte_checks)
};

/*
 * libvcpu - VM-entry checks on the host-state area (SDM 26.2.2-26.2.4).
 * A failure here is VMfailValid with VM-instruction error 8.
 *
 * 26.2.4 distinguishes a caller inside IA-32e mode from one outside it;
 * this library takes the caller to be in IA-32e mode exactly when the
 * "host address-space size" VM-exit control is 1 (the VM exit returns to
 * that mode), so those rules reduce to the rules on the control itself.
 *
 * Left out: the IA32_S_CET reserved-bit rules of later SDM editions (only
 * canonicality is checked), because struct vmx_caps does not say which CET
 * features exist.
 */
#include "entry_check_internal.h"

#define HOST_SELECTOR_RPL_TI 0x7u

static bool host_64bit(struct ec *c)
{
	return (vmx_ec_exit(c) & VMX_VM_EXIT_HOST_ADDR_SPACE_SIZE) != 0;
}

/* ---- 26.2.2 host control registers, MSRs and SSP ----------------------- */

static int host_cr0(struct ec *c)
{
	return vmx_ec_check_fixed(c, VMCS_HOST_CR0, "IA32_VMX_CR0", c->caps->cr0_fixed0,
				  c->caps->cr0_fixed1, 0, VMX_CHECK_HOST_CR0_FIXED0,
				  VMX_CHECK_HOST_CR0_FIXED1, &vmx_ec_cr0_bit_names, "");
}

static int host_cr4(struct ec *c)
{
	return vmx_ec_check_fixed(c, VMCS_HOST_CR4, "IA32_VMX_CR4", c->caps->cr4_fixed0,
				  c->caps->cr4_fixed1, 0, VMX_CHECK_HOST_CR4_FIXED0,
				  VMX_CHECK_HOST_CR4_FIXED1, &vmx_ec_cr4_bit_names, "");
}

static int host_cr4_cet(struct ec *c)
{
	return vmx_ec_check_cet_wp(c, VMX_CHECK_HOST_CR4_CET_WP, VMCS_HOST_CR4, VMCS_HOST_CR0);
}

static int host_cr3(struct ec *c)
{
	uint64_t cr3 = vmx_ec_read(c, VMCS_HOST_CR3);

	if (!vmx_ec_above(cr3, c->phys_bits))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_HOST_CR3, VMCS_HOST_CR3, cr3,
			   "bits 63:%u must be 0 (beyond MAXPHYADDR = %u)", c->phys_bits,
			   c->phys_bits);
}

static int host_sysenter(struct ec *c)
{
	int err = vmx_ec_check_canonical(c, VMX_CHECK_HOST_SYSENTER_ESP,
					 VMCS_HOST_IA32_SYSENTER_ESP, "");

	return err ? err : vmx_ec_check_canonical(c, VMX_CHECK_HOST_SYSENTER_EIP,
					   VMCS_HOST_IA32_SYSENTER_EIP, "");
}

static int host_cet_state(struct ec *c)
{
	int err;

	if (!(vmx_ec_exit(c) & VMX_VM_EXIT_LOAD_CET_STATE))
		return 0;
	err = vmx_ec_check_canonical(c, VMX_CHECK_HOST_S_CET, VMCS_HOST_S_CET,
			      " (\"load CET state\" is on)");
	return err ? err : vmx_ec_check_canonical(c, VMX_CHECK_HOST_INTR_SSP_TABLE,
					   VMCS_HOST_INTR_SSP_TABLE, " (\"load CET state\" is on)");
}

static int host_perf_global_ctrl(struct ec *c)
{
	if (!(vmx_ec_exit(c) & VMX_VM_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL))
		return 0;
	return vmx_ec_check_reserved(c, VMX_CHECK_HOST_PERF_GLOBAL_CTRL,
				     VMCS_HOST_IA32_PERF_GLOBAL_CTRL,
				     VMX_EC_PERF_GLOBAL_CTRL_RESERVED,
				     "\"load IA32_PERF_GLOBAL_CTRL\" is on");
}

static int host_pat(struct ec *c)
{
	if (!(vmx_ec_exit(c) & VMX_VM_EXIT_LOAD_IA32_PAT))
		return 0;
	return vmx_ec_check_pat(c, VMX_CHECK_HOST_PAT, VMCS_HOST_IA32_PAT,
				"\"load IA32_PAT\" is on");
}

static int host_efer(struct ec *c)
{
	bool asz = host_64bit(c);
	uint64_t v;
	int err;

	if (!(vmx_ec_exit(c) & VMX_VM_EXIT_LOAD_IA32_EFER))
		return 0;
	err = vmx_ec_check_reserved(c, VMX_CHECK_HOST_EFER_RESERVED, VMCS_HOST_IA32_EFER,
				    VMX_EC_EFER_RESERVED, "only SCE, LME, LMA and NXE exist");
	if (err)
		return err;
	v = vmx_ec_read(c, VMCS_HOST_IA32_EFER);
	if (!(v & VMX_EFER_LMA) != !asz)
		return vmx_ec_fail(c, VMX_CHECK_HOST_EFER_LMA, VMCS_HOST_IA32_EFER, v,
				   "bit 10 (LMA) must be %d, as \"host address-space size\"", asz);
	if (!(v & VMX_EFER_LME) != !asz)
		return vmx_ec_fail(c, VMX_CHECK_HOST_EFER_LME, VMCS_HOST_IA32_EFER, v,
				   "bit 8 (LME) must be %d, as \"host address-space size\"", asz);
	return 0;
}

static int host_pkrs(struct ec *c)
{
	if (!(vmx_ec_exit(c) & VMX_VM_EXIT_LOAD_PKRS))
		return 0;
	return vmx_ec_check_high_zero(c, VMX_CHECK_HOST_PKRS, VMCS_HOST_IA32_PKRS,
				      "\"load PKRS\" is on");
}

static const vmx_ec_check_fn host_cr_msr_checks[] = {
	host_cr0, host_cr4, host_cr4_cet, host_cr3, host_sysenter, host_cet_state,
	host_perf_global_ctrl, host_pat, host_efer, host_pkrs,
};

const struct vmx_ec_family vmx_ec_family_host_cr_msr = {
	host_cr_msr_checks, VMX_EC_ARRAY_SIZE(host_cr_msr_checks)
};

/* ---- 26.2.3 host segment and descriptor-table registers ---------------- */

/* In the SDM's order: CS, SS, DS, ES, FS, GS, TR. */
static const uint32_t host_selectors[] = {
	VMCS_HOST_CS_SELECTOR, VMCS_HOST_SS_SELECTOR, VMCS_HOST_DS_SELECTOR,
	VMCS_HOST_ES_SELECTOR, VMCS_HOST_FS_SELECTOR, VMCS_HOST_GS_SELECTOR,
	VMCS_HOST_TR_SELECTOR,
};

static const uint32_t host_bases[] = {
	VMCS_HOST_FS_BASE, VMCS_HOST_GS_BASE, VMCS_HOST_GDTR_BASE, VMCS_HOST_IDTR_BASE,
	VMCS_HOST_TR_BASE,
};

static int host_selector_rpl_ti(struct ec *c)
{
	for (size_t i = 0; i < VMX_EC_ARRAY_SIZE(host_selectors); i++) {
		uint64_t sel = vmx_ec_read(c, host_selectors[i]);

		if (sel & HOST_SELECTOR_RPL_TI)
			return vmx_ec_fail(c, VMX_CHECK_HOST_SELECTOR_RPL_TI, host_selectors[i],
					   sel, "RPL (bits 1:0) and TI (bit 2) must be 0");
	}
	return 0;
}

static int nonzero_selector(struct ec *c, unsigned id, uint32_t field, const char *why)
{
	uint64_t sel = vmx_ec_read(c, field);

	if (sel)
		return 0;
	return vmx_ec_fail(c, id, field, sel, "must not be 0%s", why);
}

static int host_cs_selector(struct ec *c)
{
	return nonzero_selector(c, VMX_CHECK_HOST_CS_SELECTOR, VMCS_HOST_CS_SELECTOR, "");
}

static int host_tr_selector(struct ec *c)
{
	return nonzero_selector(c, VMX_CHECK_HOST_TR_SELECTOR, VMCS_HOST_TR_SELECTOR, "");
}

static int host_ss_selector(struct ec *c)
{
	if (host_64bit(c))
		return 0;
	return nonzero_selector(c, VMX_CHECK_HOST_SS_SELECTOR, VMCS_HOST_SS_SELECTOR,
				" (\"host address-space size\" is off)");
}

static int host_bases_canonical(struct ec *c)
{
	for (size_t i = 0; i < VMX_EC_ARRAY_SIZE(host_bases); i++) {
		int err = vmx_ec_check_canonical(c, VMX_CHECK_HOST_BASE_CANONICAL, host_bases[i],
						 "");

		if (err)
			return err;
	}
	return 0;
}

static const vmx_ec_check_fn host_segments_checks[] = {
	host_selector_rpl_ti, host_cs_selector, host_tr_selector, host_ss_selector,
	host_bases_canonical,
};

const struct vmx_ec_family vmx_ec_family_host_segments = {
	host_segments_checks, VMX_EC_ARRAY_SIZE(host_segments_checks)
};

/* ---- 26.2.4 address-space size ----------------------------------------- */

static int host_32bit_ia32e_guest(struct ec *c)
{
	if (host_64bit(c) || !(vmx_ec_entry(c) & VMX_VM_ENTRY_IA32E_MODE))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_HOST_ASZ_IA32E_GUEST, VMCS_VM_ENTRY_CONTROLS, vmx_ec_entry(c),
			   "bit 9 (IA-32e mode guest) must be 0: \"host address-space size\" is "
			   "off (VM_EXIT_CONTROLS = %#x)", vmx_ec_exit(c));
}

static int host_32bit_pcide(struct ec *c)
{
	uint64_t cr4;

	if (host_64bit(c))
		return 0;
	cr4 = vmx_ec_read(c, VMCS_HOST_CR4);
	if (!(cr4 & VMX_CR4_PCIDE))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_HOST_ASZ_CR4_PCIDE, VMCS_HOST_CR4, cr4,
			   "bit 17 (PCIDE) must be 0: \"host address-space size\" is off");
}

static int host_32bit_rip(struct ec *c)
{
	if (host_64bit(c))
		return 0;
	return vmx_ec_check_high_zero(c, VMX_CHECK_HOST_ASZ_RIP_HIGH, VMCS_HOST_RIP,
			      "\"host address-space size\" is off");
}

static int host_32bit_ssp(struct ec *c)
{
	if (host_64bit(c) || !(vmx_ec_exit(c) & VMX_VM_EXIT_LOAD_CET_STATE))
		return 0;
	return vmx_ec_check_high_zero(c, VMX_CHECK_HOST_ASZ_SSP_HIGH, VMCS_HOST_SSP,
			      "\"host address-space size\" is off, \"load CET state\" is on");
}

static int host_64bit_pae(struct ec *c)
{
	uint64_t cr4;

	if (!host_64bit(c))
		return 0;
	cr4 = vmx_ec_read(c, VMCS_HOST_CR4);
	if (cr4 & VMX_CR4_PAE)
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_HOST_ASZ_CR4_PAE, VMCS_HOST_CR4, cr4,
			   "bit 5 (PAE) must be 1: \"host address-space size\" is on");
}

static int host_64bit_rip(struct ec *c)
{
	if (!host_64bit(c))
		return 0;
	return vmx_ec_check_canonical(c, VMX_CHECK_HOST_ASZ_RIP_CANONICAL, VMCS_HOST_RIP,
			       " (\"host address-space size\" is on)");
}

static int host_64bit_ssp(struct ec *c)
{
	if (!host_64bit(c) || !(vmx_ec_exit(c) & VMX_VM_EXIT_LOAD_CET_STATE))
		return 0;
	return vmx_ec_check_canonical(c, VMX_CHECK_HOST_ASZ_SSP_CANONICAL, VMCS_HOST_SSP,
			       " (\"host address-space size\" and \"load CET state\" are on)");
}

static const vmx_ec_check_fn host_addr_space_checks[] = {
	host_32bit_ia32e_guest, host_32bit_pcide, host_32bit_rip, host_32bit_ssp,
	host_64bit_pae, host_64bit_rip, host_64bit_ssp,
};

const struct vmx_ec_family vmx_ec_family_host_addr_space = {
	host_addr_space_checks, VMX_EC_ARRAY_SIZE(host_addr_space_checks)
};

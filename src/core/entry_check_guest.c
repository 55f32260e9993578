/*
 * libvcpu - VM-entry checks on the guest-state area (SDM 26.3.1.1-26.3.1.6).
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

static bool ia32e_guest(const struct ec *c)
{
	return (c->entry & VMX_VM_ENTRY_IA32E_MODE) != 0;
}

static bool unrestricted(const struct ec *c)
{
	return (c->proc2 & VMX_SECONDARY_EXEC_UNRESTRICTED_GUEST) != 0;
}

/* ---- 26.3.1.1 control registers, debug registers, MSRs ----------------- */

static int guest_cr0(struct ec *c)
{
	bool ug = unrestricted(c);

	/* With unrestricted guest, CR0.PE and CR0.PG are not checked. */
	return vmx_ec_check_fixed(c, VMCS_GUEST_CR0, "IA32_VMX_CR0", c->caps->cr0_fixed0,
				  c->caps->cr0_fixed1, ug ? VMX_CR0_PE | VMX_CR0_PG : 0,
				  VMX_CHECK_GUEST_CR0_FIXED0, VMX_CHECK_GUEST_CR0_FIXED1,
				  vmx_ec_cr0_bit_names,
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
				  VMX_CHECK_GUEST_CR4_FIXED1, vmx_ec_cr4_bit_names, "");
}

static int guest_cr4_cet(struct ec *c)
{
	return vmx_ec_check_cet_wp(c, VMX_CHECK_GUEST_CR4_CET_WP, VMCS_GUEST_CR4, VMCS_GUEST_CR0);
}

static int guest_debugctl(struct ec *c)
{
	if (!(c->entry & VMX_VM_ENTRY_LOAD_DEBUG_CONTROLS))
		return 0;
	return vmx_ec_check_reserved(c, VMX_CHECK_GUEST_DEBUGCTL, VMCS_GUEST_IA32_DEBUGCTL,
				     DEBUGCTL_RESERVED, "\"load debug controls\" is on");
}

static int guest_ia32e_pg(struct ec *c)
{
	uint64_t cr0 = vmx_ec_read(c, VMCS_GUEST_CR0);

	if (!ia32e_guest(c) || (cr0 & VMX_CR0_PG))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_IA32E_PG, VMCS_GUEST_CR0, cr0,
			   "bit 31 (PG) must be 1: \"IA-32e mode guest\" is on");
}

static int guest_ia32e_pae(struct ec *c)
{
	uint64_t cr4 = vmx_ec_read(c, VMCS_GUEST_CR4);

	if (!ia32e_guest(c) || (cr4 & VMX_CR4_PAE))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_IA32E_PAE, VMCS_GUEST_CR4, cr4,
			   "bit 5 (PAE) must be 1: \"IA-32e mode guest\" is on");
}

static int guest_cr4_pcide(struct ec *c)
{
	uint64_t cr4 = vmx_ec_read(c, VMCS_GUEST_CR4);

	if (ia32e_guest(c) || !(cr4 & VMX_CR4_PCIDE))
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
	if (!(c->entry & VMX_VM_ENTRY_LOAD_DEBUG_CONTROLS))
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

	if (!(c->entry & VMX_VM_ENTRY_LOAD_CET_STATE))
		return 0;
	err = vmx_ec_check_canonical(c, VMX_CHECK_GUEST_S_CET, VMCS_GUEST_S_CET,
				     " (\"load CET state\" is on)");
	return err ? err : vmx_ec_check_canonical(c, VMX_CHECK_GUEST_INTR_SSP_TABLE,
						  VMCS_GUEST_INTR_SSP_TABLE,
						  " (\"load CET state\" is on)");
}

static int guest_perf_global_ctrl(struct ec *c)
{
	if (!(c->entry & VMX_VM_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL))
		return 0;
	return vmx_ec_check_reserved(c, VMX_CHECK_GUEST_PERF_GLOBAL_CTRL,
				     VMCS_GUEST_IA32_PERF_GLOBAL_CTRL,
				     VMX_EC_PERF_GLOBAL_CTRL_RESERVED,
				     "\"load IA32_PERF_GLOBAL_CTRL\" is on");
}

static int guest_pat(struct ec *c)
{
	if (!(c->entry & VMX_VM_ENTRY_LOAD_IA32_PAT))
		return 0;
	return vmx_ec_check_pat(c, VMX_CHECK_GUEST_PAT, VMCS_GUEST_IA32_PAT,
				"\"load IA32_PAT\" is on");
}

/* LMA must equal "IA-32e mode guest"; with CR0.PG = 1, LME must equal LMA. */
static int guest_efer(struct ec *c)
{
	bool ia32e = ia32e_guest(c);
	uint64_t efer;
	int err;

	if (!(c->entry & VMX_VM_ENTRY_LOAD_IA32_EFER))
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

	if (!(c->entry & VMX_VM_ENTRY_LOAD_BNDCFGS))
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
	if (!(c->entry & VMX_VM_ENTRY_LOAD_PKRS))
		return 0;
	return vmx_ec_check_high_zero(c, VMX_CHECK_GUEST_PKRS, VMCS_GUEST_IA32_PKRS,
				      "\"load PKRS\" is on");
}

int vmx_ec_guest_cr_msr(struct ec *c)
{
	static const vmx_ec_check_fn fns[] = {
		guest_cr0, guest_cr0_pg_pe, guest_cr4, guest_cr4_cet, guest_debugctl,
		guest_ia32e_pg, guest_ia32e_pae, guest_cr4_pcide, guest_cr3, guest_dr7,
		guest_sysenter, guest_cet_state, guest_perf_global_ctrl, guest_pat, guest_efer,
		guest_bndcfgs, guest_pkrs,
	};

	return vmx_ec_run(c, fns, VMX_EC_ARRAY_SIZE(fns));
}

/* ---- 26.3.1.2 segment registers --------------------------------------- */

enum { SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_TR, SEG_LDTR, NR_SEGS };

static const struct {
	uint32_t sel, base, limit, ar;
} seg_fields[NR_SEGS] = {
#define SEG_FIELDS_(s) { VMCS_GUEST_##s##_SELECTOR, VMCS_GUEST_##s##_BASE, \
			 VMCS_GUEST_##s##_LIMIT, VMCS_GUEST_##s##_AR_BYTES }
	[SEG_CS] = SEG_FIELDS_(CS), [SEG_SS] = SEG_FIELDS_(SS), [SEG_DS] = SEG_FIELDS_(DS),
	[SEG_ES] = SEG_FIELDS_(ES), [SEG_FS] = SEG_FIELDS_(FS), [SEG_GS] = SEG_FIELDS_(GS),
	[SEG_TR] = SEG_FIELDS_(TR), [SEG_LDTR] = SEG_FIELDS_(LDTR),
#undef SEG_FIELDS_
};

/* The segment registers as loaded, and the terms 26.3.1.2 defines. */
struct gsegs {
	struct {
		uint64_t sel, base, limit;
		uint32_t ar;
	} s[NR_SEGS];
	bool v86;	/* RFLAGS.VM = 1 */
	bool ia32e;	/* "IA-32e mode guest" */
	bool ug;	/* "unrestricted guest" */
	bool pe;	/* CR0.PE */
};

static unsigned ar_type(uint32_t ar)
{
	return ar & VMX_AR_TYPE_MASK;
}

static unsigned ar_dpl(uint32_t ar)
{
	return (ar & VMX_AR_DPL_MASK) >> VMX_AR_DPL_SHIFT;
}

static bool usable(const struct gsegs *g, int i)
{
	return !(g->s[i].ar & VMX_AR_UNUSABLE_MASK);
}

/* Most access-rights rules apply "if the register is CS or is usable". */
static bool cs_or_usable(const struct gsegs *g, int i)
{
	return i == SEG_CS || usable(g, i);
}

/* Report a failed check on segment i's access rights. */
static int __attribute__((format(printf, 5, 6)))
ar_fail(struct ec *c, unsigned id, const struct gsegs *g, int i, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vmx_ec_vfail(c, id, seg_fields[i].ar, g->s[i].ar, fmt, ap);
	va_end(ap);
	return err;
}

/* Sub-field rules shared by code/data segments and TR/LDTR. */

static int ar_s(struct ec *c, unsigned id, const struct gsegs *g, int i)
{
	bool system = i >= SEG_TR, s = (g->s[i].ar & VMX_AR_S_MASK) != 0;

	if (s != system)
		return 0;
	return ar_fail(c, id, g, i, system ? "S (bit 4) must be 0 (system segment)" :
					     "S (bit 4) must be 1 (code or data segment)");
}

static int ar_p(struct ec *c, unsigned id, const struct gsegs *g, int i)
{
	return (g->s[i].ar & VMX_AR_P_MASK) ? 0 : ar_fail(c, id, g, i, "P (bit 7) must be 1");
}

static int ar_11_8(struct ec *c, unsigned id, const struct gsegs *g, int i)
{
	return (g->s[i].ar & 0xf00) ? ar_fail(c, id, g, i, "reserved bits 11:8 must be 0") : 0;
}

/* G must be 0 unless limit bits 11:0 are all 1, and 1 if bits 31:20 are not 0. */
static int ar_g(struct ec *c, unsigned id, const struct gsegs *g, int i)
{
	uint64_t limit = g->s[i].limit;
	bool gran = (g->s[i].ar & VMX_AR_G_MASK) != 0;
	const char *name = vmcs_field_name(seg_fields[i].limit);

	if (gran && (limit & 0xfff) != 0xfff)
		return ar_fail(c, id, g, i, "G (bit 15) must be 0: %s = %#llx has bits 11:0 not "
			       "all 1", name, (unsigned long long)limit);
	if (!gran && (limit & 0xfff00000))
		return ar_fail(c, id, g, i, "G (bit 15) must be 1: %s = %#llx sets bits in 31:20",
			       name, (unsigned long long)limit);
	return 0;
}

static int ar_31_17(struct ec *c, unsigned id, const struct gsegs *g, int i)
{
	if (!(g->s[i].ar & 0xfffe0000u))
		return 0;
	return ar_fail(c, id, g, i, "reserved bits 31:17 must be 0");
}

typedef int (*ar_rule_fn)(struct ec *c, unsigned id, const struct gsegs *g, int i);

/* Apply a rule to CS, SS, DS, ES, FS, GS where it applies (not in v86). */
static int each_code_data(struct ec *c, const struct gsegs *g, unsigned id, ar_rule_fn rule)
{
	if (g->v86)
		return 0;
	for (int i = SEG_CS; i <= SEG_GS; i++) {
		int err = cs_or_usable(g, i) ? rule(c, id, g, i) : 0;

		if (err)
			return err;
	}
	return 0;
}

/* The checks of 26.3.1.2, in SDM order. */

static int seg_tr_ti(struct ec *c, const struct gsegs *g)
{
	if (!(g->s[SEG_TR].sel & 4))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_TR_SEL_TI, VMCS_GUEST_TR_SELECTOR, g->s[SEG_TR].sel,
			   "TI (bit 2) must be 0");
}

static int seg_ldtr_ti(struct ec *c, const struct gsegs *g)
{
	if (!usable(g, SEG_LDTR) || !(g->s[SEG_LDTR].sel & 4))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_LDTR_SEL_TI, VMCS_GUEST_LDTR_SELECTOR,
			   g->s[SEG_LDTR].sel, "TI (bit 2) must be 0 (LDTR is usable)");
}

static int seg_ss_rpl(struct ec *c, const struct gsegs *g)
{
	uint64_t ss = g->s[SEG_SS].sel, cs = g->s[SEG_CS].sel;

	if (g->v86 || g->ug || (ss & 3) == (cs & 3))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_SS_SEL_RPL, VMCS_GUEST_SS_SELECTOR, ss,
			   "RPL %u must equal the RPL of GUEST_CS_SELECTOR = %#llx (%u)",
			   (unsigned)(ss & 3), (unsigned long long)cs, (unsigned)(cs & 3));
}

static int seg_v86_base(struct ec *c, const struct gsegs *g)
{
	for (int i = SEG_CS; g->v86 && i <= SEG_GS; i++)
		if (g->s[i].base != g->s[i].sel << 4)
			return vmx_ec_fail(c, VMX_CHECK_GUEST_V86_BASE, seg_fields[i].base,
					   g->s[i].base, "must be %s << 4 = %#llx in virtual-8086 "
					   "mode", vmcs_field_name(seg_fields[i].sel),
					   (unsigned long long)(g->s[i].sel << 4));
	return 0;
}

static int seg_base_canonical(struct ec *c, const struct gsegs *g)
{
	static const int segs[] = { SEG_TR, SEG_FS, SEG_GS, SEG_LDTR };

	for (size_t k = 0; k < VMX_EC_ARRAY_SIZE(segs); k++) {
		int i = segs[k];

		if ((i != SEG_LDTR || usable(g, i)) && !vmx_ec_canonical(c, g->s[i].base))
			return vmx_ec_fail(c, VMX_CHECK_GUEST_BASE_CANONICAL, seg_fields[i].base,
					   g->s[i].base, "must be canonical (bits 63:%u all equal)",
					   c->lin_bits - 1);
	}
	return 0;
}

static int seg_base_high(struct ec *c, const struct gsegs *g)
{
	static const int segs[] = { SEG_CS, SEG_SS, SEG_DS, SEG_ES };

	for (size_t k = 0; k < VMX_EC_ARRAY_SIZE(segs); k++) {
		int i = segs[k];

		if (cs_or_usable(g, i) && (g->s[i].base >> 32))
			return vmx_ec_fail(c, VMX_CHECK_GUEST_BASE_HIGH, seg_fields[i].base,
					   g->s[i].base, "bits 63:32 must be 0%s",
					   i == SEG_CS ? "" : " (the segment is usable)");
	}
	return 0;
}

static int seg_v86_limit(struct ec *c, const struct gsegs *g)
{
	for (int i = SEG_CS; g->v86 && i <= SEG_GS; i++)
		if (g->s[i].limit != 0xffff)
			return vmx_ec_fail(c, VMX_CHECK_GUEST_V86_LIMIT, seg_fields[i].limit,
					   g->s[i].limit, "must be 0xffff in virtual-8086 mode");
	return 0;
}

static int seg_v86_ar(struct ec *c, const struct gsegs *g)
{
	for (int i = SEG_CS; g->v86 && i <= SEG_GS; i++)
		if (g->s[i].ar != 0xf3)
			return ar_fail(c, VMX_CHECK_GUEST_V86_AR, g, i,
				       "must be 0xf3 in virtual-8086 mode (data, read/write, "
				       "accessed, DPL 3, present)");
	return 0;
}

/* Accessed code (9, 11, 13, 15); with unrestricted guest also 3 (data). */
static int seg_cs_type(struct ec *c, const struct gsegs *g)
{
	unsigned type = ar_type(g->s[SEG_CS].ar);

	if (g->v86 || ((type & 9) == 9) || (g->ug && type == 3))
		return 0;
	return ar_fail(c, VMX_CHECK_GUEST_CS_TYPE, g, SEG_CS,
		       g->ug ? "type (bits 3:0) must be 3, 9, 11, 13 or 15" :
			       "type (bits 3:0) must be 9, 11, 13 or 15 (accessed code; "
			       "unrestricted guest is off)");
}

static int seg_ss_type(struct ec *c, const struct gsegs *g)
{
	unsigned type = ar_type(g->s[SEG_SS].ar);

	if (g->v86 || !usable(g, SEG_SS) || type == 3 || type == 7)
		return 0;
	return ar_fail(c, VMX_CHECK_GUEST_SS_TYPE, g, SEG_SS,
		       "type (bits 3:0) must be 3 or 7 (read/write accessed data)");
}

static int seg_data_type(struct ec *c, const struct gsegs *g)
{
	for (int i = SEG_DS; !g->v86 && i <= SEG_GS; i++) {
		unsigned type = ar_type(g->s[i].ar);

		if (!usable(g, i))
			continue;
		if (!(type & VMX_AR_TYPE_ACCESSED))
			return ar_fail(c, VMX_CHECK_GUEST_DATA_TYPE, g, i,
				       "type bit 0 (accessed) must be 1");
		if ((type & VMX_AR_TYPE_CODE) && !(type & VMX_AR_TYPE_WRITABLE))
			return ar_fail(c, VMX_CHECK_GUEST_DATA_TYPE, g, i,
				       "a code segment must be readable (type bit 1)");
	}
	return 0;
}

static int seg_s(struct ec *c, const struct gsegs *g)
{
	return each_code_data(c, g, VMX_CHECK_GUEST_SEG_S, ar_s);
}

/* CS.DPL: 0 for type 3; = SS.DPL when non-conforming; <= SS.DPL when conforming. */
static int seg_cs_dpl(struct ec *c, const struct gsegs *g)
{
	unsigned type = ar_type(g->s[SEG_CS].ar), dpl = ar_dpl(g->s[SEG_CS].ar);
	unsigned ss_dpl = ar_dpl(g->s[SEG_SS].ar);

	if (g->v86)
		return 0;
	if (type == 3 && dpl != 0)
		return ar_fail(c, VMX_CHECK_GUEST_CS_DPL, g, SEG_CS, "DPL must be 0 for type 3");
	if ((type == 9 || type == 11) && dpl != ss_dpl)
		return ar_fail(c, VMX_CHECK_GUEST_CS_DPL, g, SEG_CS, "DPL %u of a non-conforming "
			       "code segment must equal SS.DPL %u (GUEST_SS_AR_BYTES = %#x)", dpl,
			       ss_dpl, g->s[SEG_SS].ar);
	if ((type == 13 || type == 15) && dpl > ss_dpl)
		return ar_fail(c, VMX_CHECK_GUEST_CS_DPL, g, SEG_CS, "DPL %u of a conforming code "
			       "segment must not exceed SS.DPL %u (GUEST_SS_AR_BYTES = %#x)", dpl,
			       ss_dpl, g->s[SEG_SS].ar);
	return 0;
}

static int seg_ss_dpl(struct ec *c, const struct gsegs *g)
{
	unsigned dpl = ar_dpl(g->s[SEG_SS].ar), rpl = (unsigned)g->s[SEG_SS].sel & 3;

	if (g->v86)
		return 0;
	if (!g->ug && dpl != rpl)
		return ar_fail(c, VMX_CHECK_GUEST_SS_DPL, g, SEG_SS,
			       "DPL %u must equal the RPL of GUEST_SS_SELECTOR (%u)", dpl, rpl);
	if (dpl && (ar_type(g->s[SEG_CS].ar) == 3 || !g->pe))
		return ar_fail(c, VMX_CHECK_GUEST_SS_DPL, g, SEG_SS,
			       "DPL must be 0 when CS type is 3 or GUEST_CR0.PE is 0");
	return 0;
}

static int seg_data_dpl(struct ec *c, const struct gsegs *g)
{
	for (int i = SEG_DS; !g->v86 && !g->ug && i <= SEG_GS; i++) {
		unsigned dpl = ar_dpl(g->s[i].ar), rpl = (unsigned)g->s[i].sel & 3;

		/* Data and non-conforming code (types 0-11) only. */
		if (usable(g, i) && ar_type(g->s[i].ar) <= 11 && dpl < rpl)
			return ar_fail(c, VMX_CHECK_GUEST_DATA_DPL, g, i, "DPL %u must not be "
				       "less than the selector's RPL %u (%s = %#llx)", dpl, rpl,
				       vmcs_field_name(seg_fields[i].sel),
				       (unsigned long long)g->s[i].sel);
	}
	return 0;
}

static int seg_p(struct ec *c, const struct gsegs *g)
{
	return each_code_data(c, g, VMX_CHECK_GUEST_SEG_P, ar_p);
}

static int seg_ar_11_8(struct ec *c, const struct gsegs *g)
{
	return each_code_data(c, g, VMX_CHECK_GUEST_SEG_AR_11_8, ar_11_8);
}

static int seg_cs_db(struct ec *c, const struct gsegs *g)
{
	uint32_t ar = g->s[SEG_CS].ar;

	if (g->v86 || !g->ia32e || !(ar & VMX_AR_L_MASK) || !(ar & VMX_AR_DB_MASK))
		return 0;
	return ar_fail(c, VMX_CHECK_GUEST_CS_DB, g, SEG_CS,
		       "D/B (bit 14) must be 0 when L (bit 13) is 1 in IA-32e mode");
}

static int seg_g(struct ec *c, const struct gsegs *g)
{
	return each_code_data(c, g, VMX_CHECK_GUEST_SEG_G, ar_g);
}

static int seg_ar_31_17(struct ec *c, const struct gsegs *g)
{
	return each_code_data(c, g, VMX_CHECK_GUEST_SEG_AR_31_17, ar_31_17);
}

/* TR and LDTR: the same sub-field rules with their own ids. */
struct system_seg {
	int seg;
	unsigned type, s, p, ar_11_8, g, unusable, ar_31_17;
};

static const struct system_seg tr_rules = {
	SEG_TR, VMX_CHECK_GUEST_TR_TYPE, VMX_CHECK_GUEST_TR_S, VMX_CHECK_GUEST_TR_P,
	VMX_CHECK_GUEST_TR_AR_11_8, VMX_CHECK_GUEST_TR_G, VMX_CHECK_GUEST_TR_UNUSABLE,
	VMX_CHECK_GUEST_TR_AR_31_17,
};

static const struct system_seg ldtr_rules = {
	SEG_LDTR, VMX_CHECK_GUEST_LDTR_TYPE, VMX_CHECK_GUEST_LDTR_S, VMX_CHECK_GUEST_LDTR_P,
	VMX_CHECK_GUEST_LDTR_AR_11_8, VMX_CHECK_GUEST_LDTR_G, 0, VMX_CHECK_GUEST_LDTR_AR_31_17,
};

static int system_type(struct ec *c, const struct system_seg *r, const struct gsegs *g)
{
	unsigned type = ar_type(g->s[r->seg].ar);

	if (r->seg == SEG_LDTR)
		return type == 2 ? 0 : ar_fail(c, r->type, g, r->seg, "type must be 2 (LDT)");
	if (g->ia32e)
		return type == 11 ? 0 : ar_fail(c, r->type, g, r->seg,
						"type must be 11 (busy 64-bit TSS) in IA-32e mode");
	return (type == 3 || type == 11) ? 0 : ar_fail(c, r->type, g, r->seg,
						       "type must be 3 or 11 (busy 16/32-bit TSS)");
}

static int system_segment(struct ec *c, const struct system_seg *r, const struct gsegs *g)
{
	int i = r->seg, err;

	if (r->seg == SEG_LDTR && !usable(g, i))
		return 0;
	err = system_type(c, r, g);
	err = err ? err : ar_s(c, r->s, g, i);
	err = err ? err : ar_p(c, r->p, g, i);
	err = err ? err : ar_11_8(c, r->ar_11_8, g, i);
	err = err ? err : ar_g(c, r->g, g, i);
	if (!err && r->unusable && !usable(g, i))
		err = ar_fail(c, r->unusable, g, i, "TR must be usable (bit 16 must be 0)");
	return err ? err : ar_31_17(c, r->ar_31_17, g, i);
}

static int seg_tr(struct ec *c, const struct gsegs *g)
{
	return system_segment(c, &tr_rules, g);
}

static int seg_ldtr(struct ec *c, const struct gsegs *g)
{
	return system_segment(c, &ldtr_rules, g);
}

int vmx_ec_guest_segments(struct ec *c)
{
	static int (*const fns[])(struct ec *c, const struct gsegs *g) = {
		seg_tr_ti, seg_ldtr_ti, seg_ss_rpl, seg_v86_base, seg_base_canonical,
		seg_base_high, seg_v86_limit, seg_v86_ar, seg_cs_type, seg_ss_type,
		seg_data_type, seg_s, seg_cs_dpl, seg_ss_dpl, seg_data_dpl, seg_p, seg_ar_11_8,
		seg_cs_db, seg_g, seg_ar_31_17, seg_tr, seg_ldtr,
	};
	struct gsegs g;

	for (int i = 0; i < NR_SEGS; i++) {
		g.s[i].sel = vmx_ec_read(c, seg_fields[i].sel);
		g.s[i].base = vmx_ec_read(c, seg_fields[i].base);
		g.s[i].limit = vmx_ec_read(c, seg_fields[i].limit);
		g.s[i].ar = (uint32_t)vmx_ec_read(c, seg_fields[i].ar);
	}
	g.v86 = (vmx_ec_read(c, VMCS_GUEST_RFLAGS) & VMX_RFLAGS_VM) != 0;
	g.ia32e = ia32e_guest(c);
	g.ug = unrestricted(c);
	g.pe = (vmx_ec_read(c, VMCS_GUEST_CR0) & VMX_CR0_PE) != 0;

	for (size_t k = 0; k < VMX_EC_ARRAY_SIZE(fns); k++) {
		int err = fns[k](c, &g);

		if (err)
			return err;
	}
	return 0;
}

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

int vmx_ec_guest_dtr(struct ec *c)
{
	static const vmx_ec_check_fn fns[] = { guest_dtr_bases, guest_dtr_limits };

	return vmx_ec_run(c, fns, VMX_EC_ARRAY_SIZE(fns));
}

/* ---- 26.3.1.4 RIP, RFLAGS and SSP -------------------------------------- */

/* The guest will run in 64-bit mode: IA-32e mode guest and CS.L = 1. */
static bool guest_64bit(const struct ec *c)
{
	return ia32e_guest(c) && (vmx_ec_read(c, VMCS_GUEST_CS_AR_BYTES) & VMX_AR_L_MASK);
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
	if (ia32e_guest(c))
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
	if (!(c->entry & VMX_VM_ENTRY_LOAD_CET_STATE))
		return 0;
	return check_ip(c, VMX_CHECK_GUEST_SSP_HIGH, VMX_CHECK_GUEST_SSP_CANONICAL, VMCS_GUEST_SSP);
}

int vmx_ec_guest_rip_rflags(struct ec *c)
{
	static const vmx_ec_check_fn fns[] = {
		guest_rip, guest_rflags_reserved, guest_rflags_vm, guest_rflags_if, guest_ssp,
	};

	return vmx_ec_run(c, fns, VMX_EC_ARRAY_SIZE(fns));
}

/* ---- 26.3.1.5 non-register state --------------------------------------- */

static uint32_t activity(const struct ec *c)
{
	return (uint32_t)vmx_ec_read(c, VMCS_GUEST_ACTIVITY_STATE);
}

static uint32_t intr_state(const struct ec *c)
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

	if (state != VMX_GUEST_ACTIVITY_WAIT_SIPI || !(c->entry & VMX_VM_ENTRY_SMM))
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

static unsigned injected_type(const struct ec *c)
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

	if (!(c->entry & VMX_VM_ENTRY_SMM) || (intr & VMX_GUEST_INTR_STATE_SMI))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_GUEST_INTR_SMI_ENTRY_SMM, VMCS_GUEST_INTERRUPTIBILITY_INFO,
			   intr, "bit 2 (blocking by SMI) must be 1: \"entry to SMM\" is on");
}

static int guest_intr_virtual_nmi(struct ec *c)
{
	return intr_rule(c, VMX_CHECK_GUEST_INTR_VIRTUAL_NMI,
			 (c->pin & VMX_PIN_BASED_VIRTUAL_NMIS) &&
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

int vmx_ec_guest_non_register(struct ec *c)
{
	static const vmx_ec_check_fn fns[] = {
		guest_activity_supported, guest_activity_hlt_dpl, guest_activity_blocking,
		guest_activity_injection, guest_activity_sipi_smm, guest_intr_reserved,
		guest_intr_sti_movss, guest_intr_sti_if, guest_intr_ext_intr,
		guest_intr_nmi_movss, guest_intr_smi_outside, guest_intr_smi_entry_smm,
		guest_intr_virtual_nmi, guest_intr_enclave, guest_pending_dbg_reserved,
		guest_pending_dbg_bs, guest_pending_dbg_rtm, guest_vmcs_link_ptr,
	};

	return vmx_ec_run(c, fns, VMX_EC_ARRAY_SIZE(fns));
}

/* ---- 26.3.1.6 PDPTEs --------------------------------------------------- */

static uint64_t pdpte_reserved(const struct ec *c, uint64_t pdpte)
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
int vmx_ec_guest_pdpte(struct ec *c)
{
	if (!(vmx_ec_read(c, VMCS_GUEST_CR0) & VMX_CR0_PG) ||
	    !(vmx_ec_read(c, VMCS_GUEST_CR4) & VMX_CR4_PAE) || ia32e_guest(c))
		return 0;
	if ((c->proc2 & VMX_SECONDARY_EXEC_ENABLE_EPT) || !c->env->read_guest)
		return pdptes_from_vmcs(c);
	return pdptes_from_memory(c);
}

/*
 * libvcpu - VM-entry checks on the guest segment registers (SDM 26.3.1.2):
 * the selector, base, limit and access-rights fields of CS, SS, DS, ES, FS,
 * GS, TR and LDTR, for virtual-8086 mode, real mode under unrestricted
 * guest, and protected or IA-32e mode.
 */
#include <stdarg.h>

#include "entry_check_internal.h"

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

/* One check in the memo's eyes: every rule needs the whole table. */
static int guest_segments(struct ec *c)
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
	g.ia32e = vmx_ec_ia32e_guest(c);
	g.ug = vmx_ec_unrestricted(c);
	g.pe = (vmx_ec_read(c, VMCS_GUEST_CR0) & VMX_CR0_PE) != 0;

	for (size_t k = 0; k < VMX_EC_ARRAY_SIZE(fns); k++) {
		int err = fns[k](c, &g);

		if (err)
			return err;
	}
	return 0;
}

static const vmx_ec_check_fn guest_segments_checks[] = { guest_segments };

const struct vmx_ec_family vmx_ec_family_guest_segments = {
	guest_segments_checks, VMX_EC_ARRAY_SIZE(guest_segments_checks)
};

/*
 * Unit tests for the VM-entry checks (src/core/entry_check*.c).
 *
 * A small VMCS (field -> value) and a few capability profiles stand in for
 * a processor. Valid baselines (protected mode, real mode under
 * unrestricted guest, virtual-8086, IA-32e, PAE paging) must pass every
 * check; then one table mutates a baseline per row and expects a given
 * check to fail on a given field, and another expects mutations to pass.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libvcpu/entry_check.h"
#include "libvcpu/error.h"
#include "libvcpu/vmcs.h"
#include "libvcpu/vmx.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NONCANON 0x1000000000000000ull	/* non-canonical at 48 and 57 bits */

/* ---- capability profiles ------------------------------------------------ */

enum { CPU_MODERN, CPU_LEGACY, CPU_QUIRK, NR_CPUS };

/* A recent Intel CPU: TRUE controls, EPT, unrestricted guest. */
static const struct vmx_caps cpu_modern = {
	.basic = 0x00DA040000000004ull,
	.pinbased_ctls = 0x0000007F00000016ull,
	.procbased_ctls = 0xFFF9FFFE0401E172ull,
	.exit_ctls = 0x01FFFFFF00036DFFull,
	.entry_ctls = 0x0003FFFF000011FFull,
	.misc = 0x7004C1E7ull,
	.cr0_fixed0 = 0x80000021ull,
	.cr0_fixed1 = 0xFFFFFFFFull,
	.cr4_fixed0 = 0x2000ull,
	.cr4_fixed1 = 0x3767FFull,
	.procbased_ctls2 = 0x035FFFFF00000000ull,
	.ept_vpid_cap = 0x00000F0106734141ull,
	.true_pinbased_ctls = 0x0000007F00000016ull,
	.true_procbased_ctls = 0xFFF9FFFE04006172ull,
	.true_exit_ctls = 0x01FFFFFF00036DFBull,
	.true_entry_ctls = 0x0003FFFF000011FBull,
	.maxphyaddr = 39,
};

/* An older CPU: no TRUE controls, no EPT, no unrestricted guest, no MTF. */
static const struct vmx_caps cpu_legacy = {
	.basic = 0x005A08000000000Dull,
	.pinbased_ctls = 0x0000003F00000016ull,
	.procbased_ctls = 0xF7F9FFFE0401E172ull,
	.exit_ctls = 0x0003FFFF00036DFFull,
	.entry_ctls = 0x00003FFF000011FFull,
	.misc = 0x403C0ull,
	.cr0_fixed0 = 0x80000021ull,
	.cr0_fixed1 = 0xFFFFFFFFull,
	.cr4_fixed0 = 0x2000ull,
	.cr4_fixed1 = 0x67FFull,
	.procbased_ctls2 = 0x0000004100000000ull,
	.maxphyaddr = 36,
};

/* The modern CPU with unusual capabilities, to reach checks that the two
 * real profiles cannot: posted interrupts, a required secondary control,
 * tertiary controls,
 * no EPT A/D but 5-level EPT, EPTP switching, CET, PKRS, LA57,
 * IA32_VMX_BASIC[48] (32-bit VMX structures) and [56]. */
static struct vmx_caps cpu_quirk;

static void make_quirk(void)
{
	cpu_quirk = cpu_modern;
	cpu_quirk.basic |= VMX_BASIC_32BIT_PHYS_ADDR_ONLY | VMX_BASIC_NO_HW_ERRCODE_CHECK;
	cpu_quirk.true_pinbased_ctls |= (uint64_t)VMX_PIN_BASED_POSTED_INTR << 32;
	cpu_quirk.procbased_ctls2 |= VMX_SECONDARY_EXEC_ENABLE_RDTSCP;
	cpu_quirk.procbased_ctls |= (uint64_t)VMX_CPU_BASED_ACTIVATE_TERTIARY_CONTROLS << 32;
	cpu_quirk.true_procbased_ctls |= (uint64_t)VMX_CPU_BASED_ACTIVATE_TERTIARY_CONTROLS << 32;
	cpu_quirk.procbased_ctls3 = 0x1;
	cpu_quirk.ept_vpid_cap = (cpu_quirk.ept_vpid_cap & ~VMX_BIT64(21)) | VMX_BIT64(7);
	cpu_quirk.vmfunc = 0x1;
	cpu_quirk.cr4_fixed1 |= VMX_CR4_CET | VMX_CR4_LA57;
	cpu_quirk.true_exit_ctls |=
		(uint64_t)(VMX_VM_EXIT_LOAD_CET_STATE | VMX_VM_EXIT_LOAD_PKRS) << 32;
	cpu_quirk.true_entry_ctls |=
		(uint64_t)(VMX_VM_ENTRY_LOAD_CET_STATE | VMX_VM_ENTRY_LOAD_PKRS) << 32;
}

static const struct vmx_caps *cpu_caps(int cpu)
{
	switch (cpu) {
	case CPU_MODERN:
		return &cpu_modern;
	case CPU_LEGACY:
		return &cpu_legacy;
	default:
		return &cpu_quirk;
	}
}

/* ---- a test VMCS and guest memory --------------------------------------- */

#define GUEST_MEM_SIZE 0x40000

struct tvmcs {
	struct {
		uint32_t field;
		uint64_t value;
	} f[256];
	unsigned n;
	uint8_t mem[GUEST_MEM_SIZE];
	struct vmx_check_env env;
};

static uint64_t tv_get(const struct tvmcs *v, uint32_t field)
{
	for (unsigned i = 0; i < v->n; i++)
		if (v->f[i].field == field)
			return v->f[i].value;
	return 0;
}

static void tv_set(struct tvmcs *v, uint32_t field, uint64_t value)
{
	for (unsigned i = 0; i < v->n; i++) {
		if (v->f[i].field == field) {
			v->f[i].value = value;
			return;
		}
	}
	ck_assert_uint_lt(v->n, ARRAY_SIZE(v->f));
	v->f[v->n].field = field;
	v->f[v->n].value = value;
	v->n++;
}

static uint64_t tv_read(void *ctx, uint32_t field)
{
	return tv_get(ctx, field);
}

static int tv_read_guest(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	struct tvmcs *v = ctx;

	if (gpa > GUEST_MEM_SIZE || len > GUEST_MEM_SIZE - gpa)
		return VCPU_EFAULT;
	memcpy(buf, v->mem + gpa, len);
	return 0;
}

static void mem_write64(struct tvmcs *v, uint64_t gpa, uint64_t value)
{
	for (unsigned b = 0; b < 8; b++)
		v->mem[gpa + b] = (uint8_t)(value >> (8 * b));
}

/* ---- valid baselines ---------------------------------------------------- */

enum { B_PROT32, B_REAL, B_V86, B_IA32E, B_PAE, NR_BASES };

static const char *const base_names[NR_BASES] = {
	"protected-mode 32-bit", "real mode (unrestricted guest)", "virtual-8086", "IA-32e",
	"PAE paging",
};

#define EPTP_VALID 0x501eull	/* WB, 4-level walk */
#define PAT_VALID 0x0007040600070406ull
#define PDPTE_VALID 0x3001ull

struct seg_init {
	uint32_t sel, base, limit, ar;
	uint64_t sel_v, base_v, limit_v, ar_v;
};

#define SEG(s, sv, bv, lv, av) { VMCS_GUEST_##s##_SELECTOR, VMCS_GUEST_##s##_BASE, \
				 VMCS_GUEST_##s##_LIMIT, VMCS_GUEST_##s##_AR_BYTES, sv, bv, lv, av }

static void set_segs(struct tvmcs *v, const struct seg_init *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		tv_set(v, s[i].sel, s[i].sel_v);
		tv_set(v, s[i].base, s[i].base_v);
		tv_set(v, s[i].limit, s[i].limit_v);
		tv_set(v, s[i].ar, s[i].ar_v);
	}
}

/* Controls from the capability MSRs, a 64-bit host, and guest state every
 * baseline shares. */
static void base_common(struct tvmcs *v, const struct vmx_caps *caps)
{
	uint32_t proc2 = vmx_ctl_adjust(caps, VMX_CTL_PROCBASED2, VMX_SECONDARY_EXEC_ENABLE_EPT |
					VMX_SECONDARY_EXEC_ENABLE_VPID);

	tv_set(v, VMCS_PIN_BASED_VM_EXEC_CONTROL,
	       vmx_ctl_adjust(caps, VMX_CTL_PINBASED, VMX_PIN_BASED_EXT_INTR_MASK |
			      VMX_PIN_BASED_NMI_EXITING | VMX_PIN_BASED_VIRTUAL_NMIS));
	tv_set(v, VMCS_CPU_BASED_VM_EXEC_CONTROL,
	       vmx_ctl_adjust(caps, VMX_CTL_PROCBASED, VMX_CPU_BASED_HLT_EXITING |
			      VMX_CPU_BASED_USE_IO_BITMAPS | VMX_CPU_BASED_USE_MSR_BITMAPS |
			      VMX_CPU_BASED_TPR_SHADOW |
			      VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS));
	tv_set(v, VMCS_SECONDARY_VM_EXEC_CONTROL, proc2);
	tv_set(v, VMCS_VM_EXIT_CONTROLS,
	       vmx_ctl_adjust(caps, VMX_CTL_EXIT, VMX_VM_EXIT_HOST_ADDR_SPACE_SIZE |
			      VMX_VM_EXIT_ACK_INTR_ON_EXIT | VMX_VM_EXIT_LOAD_IA32_PAT |
			      VMX_VM_EXIT_SAVE_IA32_PAT | VMX_VM_EXIT_LOAD_IA32_EFER |
			      VMX_VM_EXIT_SAVE_IA32_EFER));
	tv_set(v, VMCS_VM_ENTRY_CONTROLS,
	       vmx_ctl_adjust(caps, VMX_CTL_ENTRY, VMX_VM_ENTRY_LOAD_IA32_PAT |
			      VMX_VM_ENTRY_LOAD_IA32_EFER));
	tv_set(v, VMCS_IO_BITMAP_A, 0x10000);
	tv_set(v, VMCS_IO_BITMAP_B, 0x11000);
	tv_set(v, VMCS_MSR_BITMAP, 0x12000);
	tv_set(v, VMCS_VIRTUAL_APIC_PAGE_ADDR, 0x13000);
	tv_set(v, VMCS_TPR_THRESHOLD, 0);
	tv_set(v, VMCS_VIRTUAL_PROCESSOR_ID, 1);
	tv_set(v, VMCS_EPT_POINTER, EPTP_VALID);

	/* 64-bit host */
	tv_set(v, VMCS_HOST_CR0, 0x80050033);
	tv_set(v, VMCS_HOST_CR3, 0x1000);
	tv_set(v, VMCS_HOST_CR4, 0x2620);
	tv_set(v, VMCS_HOST_CS_SELECTOR, 0x10);
	tv_set(v, VMCS_HOST_SS_SELECTOR, 0x18);
	tv_set(v, VMCS_HOST_DS_SELECTOR, 0x18);
	tv_set(v, VMCS_HOST_ES_SELECTOR, 0x18);
	tv_set(v, VMCS_HOST_TR_SELECTOR, 0x40);
	tv_set(v, VMCS_HOST_FS_BASE, 0x00007f0000001000ull);
	tv_set(v, VMCS_HOST_GS_BASE, 0xffff888000000000ull);
	tv_set(v, VMCS_HOST_TR_BASE, 0xffffffff82000000ull);
	tv_set(v, VMCS_HOST_GDTR_BASE, 0xffffffff82001000ull);
	tv_set(v, VMCS_HOST_IDTR_BASE, 0xffffffff82002000ull);
	tv_set(v, VMCS_HOST_RIP, 0xffffffff81000000ull);
	tv_set(v, VMCS_HOST_RSP, 0xffffc90000004000ull);
	tv_set(v, VMCS_HOST_IA32_PAT, PAT_VALID);
	tv_set(v, VMCS_HOST_IA32_EFER, 0xd01);

	/* guest state shared by all baselines */
	tv_set(v, VMCS_VMCS_LINK_POINTER, ~0ull);
	tv_set(v, VMCS_GUEST_DR7, 0x400);
	tv_set(v, VMCS_GUEST_IA32_PAT, PAT_VALID);
	tv_set(v, VMCS_GUEST_RFLAGS, 0x2);
	tv_set(v, VMCS_GUEST_GDTR_BASE, 0x31000);
	tv_set(v, VMCS_GUEST_GDTR_LIMIT, 0x3f);
	tv_set(v, VMCS_GUEST_IDTR_BASE, 0x32000);
	tv_set(v, VMCS_GUEST_IDTR_LIMIT, 0x7ff);
}

static void base_prot32(struct tvmcs *v)
{
	static const struct seg_init segs[] = {
		SEG(CS, 0x08, 0, 0xffffffff, 0xc09b), SEG(SS, 0x10, 0, 0xffffffff, 0xc093),
		SEG(DS, 0x10, 0, 0xffffffff, 0xc093), SEG(ES, 0x10, 0, 0xffffffff, 0xc093),
		SEG(FS, 0x10, 0, 0xffffffff, 0xc093), SEG(GS, 0x10, 0, 0xffffffff, 0xc093),
		SEG(TR, 0x18, 0x30000, 0x67, 0x8b), SEG(LDTR, 0, 0, 0, 0x10000),
	};

	tv_set(v, VMCS_GUEST_CR0, 0x80000031);
	tv_set(v, VMCS_GUEST_CR4, 0x2010);
	tv_set(v, VMCS_GUEST_CR3, 0x20000);
	tv_set(v, VMCS_GUEST_RIP, 0x100000);
	set_segs(v, segs, ARRAY_SIZE(segs));
}

/* The processor's power-on state, run natively under unrestricted guest. */
static void base_real(struct tvmcs *v)
{
	static const struct seg_init segs[] = {
		SEG(CS, 0xf000, 0xffff0000, 0xffff, 0x9b), SEG(SS, 0, 0, 0xffff, 0x93),
		SEG(DS, 0, 0, 0xffff, 0x93), SEG(ES, 0, 0, 0xffff, 0x93),
		SEG(FS, 0, 0, 0xffff, 0x93), SEG(GS, 0, 0, 0xffff, 0x93),
		SEG(TR, 0, 0, 0xffff, 0x8b), SEG(LDTR, 0, 0, 0xffff, 0x82),
	};

	tv_set(v, VMCS_SECONDARY_VM_EXEC_CONTROL,
	       tv_get(v, VMCS_SECONDARY_VM_EXEC_CONTROL) | VMX_SECONDARY_EXEC_UNRESTRICTED_GUEST);
	tv_set(v, VMCS_GUEST_CR0, 0x30);
	tv_set(v, VMCS_GUEST_CR4, 0x2000);
	tv_set(v, VMCS_GUEST_RIP, 0xfff0);
	set_segs(v, segs, ARRAY_SIZE(segs));
}

static void base_v86(struct tvmcs *v)
{
	static const struct seg_init segs[] = {
		SEG(CS, 0x1000, 0x10000, 0xffff, 0xf3), SEG(SS, 0x2000, 0x20000, 0xffff, 0xf3),
		SEG(DS, 0x3000, 0x30000, 0xffff, 0xf3), SEG(ES, 0x3000, 0x30000, 0xffff, 0xf3),
		SEG(FS, 0, 0, 0xffff, 0xf3), SEG(GS, 0, 0, 0xffff, 0xf3),
		SEG(TR, 0x18, 0x30000, 0x2067, 0x8b), SEG(LDTR, 0, 0, 0, 0x10000),
	};

	tv_set(v, VMCS_GUEST_CR0, 0x80000031);
	tv_set(v, VMCS_GUEST_CR4, 0x2001);
	tv_set(v, VMCS_GUEST_CR3, 0x20000);
	tv_set(v, VMCS_GUEST_RFLAGS, 0x20202);
	tv_set(v, VMCS_GUEST_RIP, 0x100);
	set_segs(v, segs, ARRAY_SIZE(segs));
}

static void base_ia32e(struct tvmcs *v)
{
	static const struct seg_init segs[] = {
		SEG(CS, 0x08, 0, 0xffffffff, 0xa09b), SEG(SS, 0x10, 0, 0xffffffff, 0xc093),
		SEG(DS, 0x10, 0, 0xffffffff, 0xc093), SEG(ES, 0x10, 0, 0xffffffff, 0xc093),
		SEG(FS, 0x10, 0, 0xffffffff, 0xc093), SEG(GS, 0x10, 0, 0xffffffff, 0xc093),
		SEG(TR, 0x18, 0x30000, 0x67, 0x8b), SEG(LDTR, 0, 0, 0, 0x10000),
	};

	tv_set(v, VMCS_VM_ENTRY_CONTROLS,
	       tv_get(v, VMCS_VM_ENTRY_CONTROLS) | VMX_VM_ENTRY_IA32E_MODE);
	tv_set(v, VMCS_GUEST_CR0, 0x80000031);
	tv_set(v, VMCS_GUEST_CR4, 0x2020);
	tv_set(v, VMCS_GUEST_CR3, 0x40000);
	tv_set(v, VMCS_GUEST_IA32_EFER, 0x500);
	tv_set(v, VMCS_GUEST_RIP, 0xffffffff80001000ull);
	tv_set(v, VMCS_GUEST_GDTR_BASE, 0xffff800000031000ull);
	tv_set(v, VMCS_GUEST_IDTR_BASE, 0xffff800000032000ull);
	set_segs(v, segs, ARRAY_SIZE(segs));
	tv_set(v, VMCS_GUEST_FS_BASE, 0x00007fff00000000ull);
	tv_set(v, VMCS_GUEST_GS_BASE, 0xffff880000000000ull);
	tv_set(v, VMCS_GUEST_TR_BASE, 0xffff800000030000ull);
}

/* 32-bit protected mode with PAE paging: valid PDPTEs in the VMCS fields
 * (used with EPT) and at CR3 in guest memory (used without). */
static void base_pae(struct tvmcs *v)
{
	base_prot32(v);
	tv_set(v, VMCS_GUEST_CR4, 0x2030);
	tv_set(v, VMCS_GUEST_PDPTR0, PDPTE_VALID);
	tv_set(v, VMCS_GUEST_PDPTR1, 0);
	tv_set(v, VMCS_GUEST_PDPTR2, PDPTE_VALID | 0x18);
	tv_set(v, VMCS_GUEST_PDPTR3, 0x7fe);	/* not present: other bits ignored */
	mem_write64(v, 0x20000, PDPTE_VALID);
	mem_write64(v, 0x20010, PDPTE_VALID | 0x18);
	mem_write64(v, 0x20018, 0x7fe);
}

static struct tvmcs *make_vmcs(int cpu, int base)
{
	static void (*const builders[NR_BASES])(struct tvmcs *) = {
		[B_PROT32] = base_prot32, [B_REAL] = base_real, [B_V86] = base_v86,
		[B_IA32E] = base_ia32e, [B_PAE] = base_pae,
	};
	struct tvmcs *v = calloc(1, sizeof(*v));

	ck_assert_ptr_nonnull(v);
	v->env.caps = cpu_caps(cpu);
	v->env.read_field = tv_read;
	v->env.read_guest = tv_read_guest;
	v->env.ctx = v;
	base_common(v, v->env.caps);
	builders[base](v);
	return v;
}

/* ---- mutations ---------------------------------------------------------- */

enum { OP_NONE, OP_SET, OP_OR, OP_CLR, OP_MEM };

struct mut {
	int op;
	uint32_t field;		/* or a guest-physical address for OP_MEM */
	uint64_t value;
};

#define SET(f, v) { OP_SET, VMCS_##f, (v) }
#define OR(f, v) { OP_OR, VMCS_##f, (v) }
#define CLR(f, v) { OP_CLR, VMCS_##f, (v) }
#define MEM(a, v) { OP_MEM, (a), (v) }

static void apply(struct tvmcs *v, const struct mut *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t old = tv_get(v, m[i].field);

		switch (m[i].op) {
		case OP_SET:
			tv_set(v, m[i].field, m[i].value);
			break;
		case OP_OR:
			tv_set(v, m[i].field, old | m[i].value);
			break;
		case OP_CLR:
			tv_set(v, m[i].field, old & ~m[i].value);
			break;
		case OP_MEM:
			mem_write64(v, m[i].field, m[i].value);
			break;
		default:
			break;
		}
	}
}

static const char *describe(const struct vmx_entry_failure *f)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "[%u %s, %s] %s", f->id, f->name ? f->name : "?",
		 f->sdm ? f->sdm : "?", f->message);
	return buf;
}

/* ---- the baselines pass ------------------------------------------------- */

struct base_run {
	int cpu, base;
};

static const struct base_run base_runs[] = {
	{ CPU_MODERN, B_PROT32 }, { CPU_MODERN, B_REAL }, { CPU_MODERN, B_V86 },
	{ CPU_MODERN, B_IA32E }, { CPU_MODERN, B_PAE },
	{ CPU_LEGACY, B_PROT32 }, { CPU_LEGACY, B_V86 }, { CPU_LEGACY, B_IA32E },
	{ CPU_LEGACY, B_PAE },
	{ CPU_QUIRK, B_PROT32 }, { CPU_QUIRK, B_REAL }, { CPU_QUIRK, B_V86 },
	{ CPU_QUIRK, B_IA32E }, { CPU_QUIRK, B_PAE },
};

START_TEST(test_valid_baseline_passes)
{
	const struct base_run *r = &base_runs[_i];
	struct tvmcs *v = make_vmcs(r->cpu, r->base);
	struct vmx_entry_failure f;
	int err;

	memset(&f, 0, sizeof(f));
	err = vmx_check_entry(&v->env, &f);
	ck_assert_msg(err == 0, "cpu %d, %s guest: %s", r->cpu, base_names[r->base], describe(&f));
	free(v);
}
END_TEST

START_TEST(test_each_family_passes_alone)
{
	struct tvmcs *v = make_vmcs(CPU_MODERN, B_PROT32);
	struct vmx_entry_failure f;

	for (int fam = 0; fam < VMX_NR_CHECK_FAMILIES; fam++)
		ck_assert_int_eq(vmx_check_family(&v->env, (enum vmx_check_family)fam, &f), 0);
	free(v);
}
END_TEST

/* ---- one check fails ---------------------------------------------------- */

struct fail_case {
	const char *what;
	int cpu, base;
	struct mut m[4];
	unsigned id;		/* VMX_CHECK_* expected */
	uint32_t field;		/* field expected in the report */
	const char *text;	/* also expected in the message (may be NULL) */
};

#define C(id) VMX_CHECK_##id
#define F(f) VMCS_##f

static const struct fail_case fail_cases[] = {
	/* 26.2.1.1 VM-execution control fields */
	{ "pin-based allowed-0 bit cleared", CPU_MODERN, B_PROT32,
	  { CLR(PIN_BASED_VM_EXEC_CONTROL, 0x2) }, C(EXEC_PINBASED_ALLOWED0),
	  F(PIN_BASED_VM_EXEC_CONTROL), "IA32_VMX_TRUE_PINBASED_CTLS" },
	{ "pin-based bit not allowed", CPU_MODERN, B_PROT32,
	  { OR(PIN_BASED_VM_EXEC_CONTROL, 0x400) }, C(EXEC_PINBASED_ALLOWED1),
	  F(PIN_BASED_VM_EXEC_CONTROL), "bit 10 must be 0" },
	{ "legacy: default1 control cleared", CPU_LEGACY, B_PROT32,
	  { CLR(CPU_BASED_VM_EXEC_CONTROL, VMX_CPU_BASED_CR3_LOAD_EXITING) },
	  C(EXEC_PROCBASED_ALLOWED0), F(CPU_BASED_VM_EXEC_CONTROL), "IA32_VMX_PROCBASED_CTLS" },
	{ "processor-based bit 0 set", CPU_MODERN, B_PROT32,
	  { OR(CPU_BASED_VM_EXEC_CONTROL, 0x1) }, C(EXEC_PROCBASED_ALLOWED1),
	  F(CPU_BASED_VM_EXEC_CONTROL), NULL },
	{ "required secondary control cleared", CPU_QUIRK, B_PROT32,
	  { CLR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_ENABLE_RDTSCP) },
	  C(EXEC_SECONDARY_ALLOWED0), F(SECONDARY_VM_EXEC_CONTROL), "IA32_VMX_PROCBASED_CTLS2" },
	{ "secondary bit 21 not allowed", CPU_MODERN, B_PROT32,
	  { OR(SECONDARY_VM_EXEC_CONTROL, 1u << 21) }, C(EXEC_SECONDARY_ALLOWED1),
	  F(SECONDARY_VM_EXEC_CONTROL), "bit 21" },
	{ "legacy: EPT not allowed", CPU_LEGACY, B_PROT32,
	  { OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_ENABLE_EPT) },
	  C(EXEC_SECONDARY_ALLOWED1), F(SECONDARY_VM_EXEC_CONTROL), NULL },
	{ "tertiary bit not allowed", CPU_QUIRK, B_PROT32,
	  { OR(CPU_BASED_VM_EXEC_CONTROL, VMX_CPU_BASED_ACTIVATE_TERTIARY_CONTROLS),
	    SET(TERTIARY_VM_EXEC_CONTROL, 0x2) },
	  C(EXEC_TERTIARY_ALLOWED1), F(TERTIARY_VM_EXEC_CONTROL), "IA32_VMX_PROCBASED_CTLS3" },
	{ "five CR3 targets", CPU_MODERN, B_PROT32, { SET(CR3_TARGET_COUNT, 5) },
	  C(EXEC_CR3_TARGET_COUNT), F(CR3_TARGET_COUNT), "at most 4" },
	{ "I/O bitmap A misaligned", CPU_MODERN, B_PROT32, { SET(IO_BITMAP_A, 0x10001) },
	  C(EXEC_IO_BITMAP_A), F(IO_BITMAP_A), "bits 11:0" },
	{ "I/O bitmap B beyond MAXPHYADDR", CPU_MODERN, B_PROT32,
	  { SET(IO_BITMAP_B, 1ull << 39) }, C(EXEC_IO_BITMAP_B), F(IO_BITMAP_B),
	  "MAXPHYADDR = 39" },
	{ "I/O bitmap above 4G with IA32_VMX_BASIC[48]", CPU_QUIRK, B_PROT32,
	  { SET(IO_BITMAP_A, 1ull << 33) }, C(EXEC_IO_BITMAP_A), F(IO_BITMAP_A),
	  "IA32_VMX_BASIC[48]" },
	{ "MSR bitmap misaligned", CPU_MODERN, B_PROT32, { SET(MSR_BITMAP, 0x12800) },
	  C(EXEC_MSR_BITMAP), F(MSR_BITMAP), NULL },
	{ "virtual-APIC page misaligned", CPU_MODERN, B_PROT32,
	  { SET(VIRTUAL_APIC_PAGE_ADDR, 0x13010) }, C(EXEC_VIRTUAL_APIC_ADDR),
	  F(VIRTUAL_APIC_PAGE_ADDR), NULL },
	{ "TPR threshold bits 31:4", CPU_MODERN, B_PROT32, { SET(TPR_THRESHOLD, 0x10) },
	  C(EXEC_TPR_THRESHOLD), F(TPR_THRESHOLD), "bits 31:4" },
	{ "virtual NMIs without NMI exiting", CPU_MODERN, B_PROT32,
	  { CLR(PIN_BASED_VM_EXEC_CONTROL, VMX_PIN_BASED_NMI_EXITING) }, C(EXEC_VIRTUAL_NMIS),
	  F(PIN_BASED_VM_EXEC_CONTROL), "virtual NMIs" },
	{ "NMI-window exiting without virtual NMIs", CPU_MODERN, B_PROT32,
	  { CLR(PIN_BASED_VM_EXEC_CONTROL, VMX_PIN_BASED_VIRTUAL_NMIS),
	    OR(CPU_BASED_VM_EXEC_CONTROL, VMX_CPU_BASED_NMI_WINDOW_EXITING) },
	  C(EXEC_NMI_WINDOW), F(CPU_BASED_VM_EXEC_CONTROL), "NMI-window" },
	{ "APIC-access address misaligned", CPU_MODERN, B_PROT32,
	  { OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES),
	    SET(APIC_ACCESS_ADDR, 0x14001) },
	  C(EXEC_APIC_ACCESS_ADDR), F(APIC_ACCESS_ADDR), NULL },
	{ "APIC-register virtualization without TPR shadow", CPU_MODERN, B_PROT32,
	  { CLR(CPU_BASED_VM_EXEC_CONTROL, VMX_CPU_BASED_TPR_SHADOW),
	    OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_APIC_REGISTER_VIRT) },
	  C(EXEC_APICV_TPR_SHADOW), F(SECONDARY_VM_EXEC_CONTROL), "use TPR shadow" },
	{ "x2APIC mode with APIC-access virtualization", CPU_MODERN, B_PROT32,
	  { OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE |
					  VMX_SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES),
	    SET(APIC_ACCESS_ADDR, 0x14000) },
	  C(EXEC_X2APIC_APIC_ACCESS), F(SECONDARY_VM_EXEC_CONTROL), NULL },
	{ "virtual-interrupt delivery without external-interrupt exiting", CPU_MODERN, B_PROT32,
	  { OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY),
	    CLR(PIN_BASED_VM_EXEC_CONTROL, VMX_PIN_BASED_EXT_INTR_MASK) },
	  C(EXEC_VID_EXT_INTR), F(PIN_BASED_VM_EXEC_CONTROL), "external-interrupt exiting" },
	{ "posted interrupts without virtual-interrupt delivery", CPU_QUIRK, B_PROT32,
	  { OR(PIN_BASED_VM_EXEC_CONTROL, VMX_PIN_BASED_POSTED_INTR) }, C(EXEC_POSTED_INTR_VID),
	  F(SECONDARY_VM_EXEC_CONTROL), NULL },
	{ "posted interrupts without acknowledge on exit", CPU_QUIRK, B_PROT32,
	  { OR(PIN_BASED_VM_EXEC_CONTROL, VMX_PIN_BASED_POSTED_INTR),
	    OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY),
	    CLR(VM_EXIT_CONTROLS, VMX_VM_EXIT_ACK_INTR_ON_EXIT) },
	  C(EXEC_POSTED_INTR_ACK), F(VM_EXIT_CONTROLS), "acknowledge" },
	{ "posted-interrupt vector above 255", CPU_QUIRK, B_PROT32,
	  { OR(PIN_BASED_VM_EXEC_CONTROL, VMX_PIN_BASED_POSTED_INTR),
	    OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY),
	    SET(POSTED_INTR_NV, 0x100) },
	  C(EXEC_POSTED_INTR_VECTOR), F(POSTED_INTR_NV), NULL },
	{ "posted-interrupt descriptor misaligned", CPU_QUIRK, B_PROT32,
	  { OR(PIN_BASED_VM_EXEC_CONTROL, VMX_PIN_BASED_POSTED_INTR),
	    OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY),
	    SET(POSTED_INTR_DESC_ADDR, 0x15020) },
	  C(EXEC_POSTED_INTR_DESC), F(POSTED_INTR_DESC_ADDR), "bits 5:0" },
	{ "VPID 0", CPU_MODERN, B_PROT32, { SET(VIRTUAL_PROCESSOR_ID, 0) }, C(EXEC_VPID),
	  F(VIRTUAL_PROCESSOR_ID), NULL },
	{ "EPTP memory type WC", CPU_MODERN, B_PROT32, { SET(EPT_POINTER, 0x5019) },
	  C(EXEC_EPTP_MEMTYPE), F(EPT_POINTER), "6 (WB)" },
	{ "EPTP 5-level walk unsupported", CPU_MODERN, B_PROT32, { SET(EPT_POINTER, 0x5026) },
	  C(EXEC_EPTP_WALK_LENGTH), F(EPT_POINTER), "page-walk length 5" },
	{ "EPTP A/D unsupported", CPU_QUIRK, B_PROT32, { SET(EPT_POINTER, EPTP_VALID | 0x40) },
	  C(EXEC_EPTP_AD), F(EPT_POINTER), "[21]" },
	{ "EPTP reserved bit 7", CPU_MODERN, B_PROT32, { SET(EPT_POINTER, EPTP_VALID | 0x80) },
	  C(EXEC_EPTP_RESERVED), F(EPT_POINTER), "11:7" },
	{ "EPTP beyond MAXPHYADDR", CPU_MODERN, B_PROT32,
	  { SET(EPT_POINTER, EPTP_VALID | (1ull << 40)) }, C(EXEC_EPTP_RESERVED), F(EPT_POINTER),
	  "63:39" },
	{ "PML without EPT", CPU_MODERN, B_PROT32,
	  { CLR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_ENABLE_EPT),
	    OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_ENABLE_PML) },
	  C(EXEC_PML_EPT), F(SECONDARY_VM_EXEC_CONTROL), "enable PML" },
	{ "PML address misaligned", CPU_MODERN, B_PROT32,
	  { OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_ENABLE_PML),
	    SET(PML_ADDRESS, 0x16800) },
	  C(EXEC_PML_ADDR), F(PML_ADDRESS), NULL },
	{ "unrestricted guest without EPT", CPU_MODERN, B_REAL,
	  { CLR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_ENABLE_EPT) },
	  C(EXEC_UNRESTRICTED_EPT), F(SECONDARY_VM_EXEC_CONTROL), "unrestricted guest" },
	{ "mode-based execute control without EPT", CPU_MODERN, B_PROT32,
	  { CLR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_ENABLE_EPT),
	    OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_MODE_BASED_EPT_EXEC) },
	  C(EXEC_MBEC_EPT), F(SECONDARY_VM_EXEC_CONTROL), NULL },
	{ "VM function not supported", CPU_MODERN, B_PROT32,
	  { OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_ENABLE_VMFUNC),
	    SET(VM_FUNCTION_CONTROL, 1) },
	  C(EXEC_VMFUNC_RESERVED), F(VM_FUNCTION_CONTROL), "IA32_VMX_VMFUNC" },
	{ "EPTP switching without EPT", CPU_QUIRK, B_PROT32,
	  { OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_ENABLE_VMFUNC),
	    SET(VM_FUNCTION_CONTROL, 1),
	    CLR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_ENABLE_EPT) },
	  C(EXEC_EPTP_SWITCHING_EPT), F(SECONDARY_VM_EXEC_CONTROL), "EPTP switching" },
	{ "EPTP list misaligned", CPU_QUIRK, B_PROT32,
	  { OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_ENABLE_VMFUNC),
	    SET(VM_FUNCTION_CONTROL, 1), SET(EPTP_LIST_ADDRESS, 0x17001) },
	  C(EXEC_EPTP_LIST_ADDR), F(EPTP_LIST_ADDRESS), NULL },
	{ "VMREAD bitmap misaligned", CPU_MODERN, B_PROT32,
	  { OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_SHADOW_VMCS),
	    SET(VMREAD_BITMAP, 0x18008) },
	  C(EXEC_VMREAD_BITMAP), F(VMREAD_BITMAP), "VMCS shadowing" },
	{ "VMWRITE bitmap beyond MAXPHYADDR", CPU_MODERN, B_PROT32,
	  { OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_SHADOW_VMCS),
	    SET(VMREAD_BITMAP, 0x18000), SET(VMWRITE_BITMAP, 1ull << 40) },
	  C(EXEC_VMWRITE_BITMAP), F(VMWRITE_BITMAP), NULL },
	{ "#VE information address misaligned", CPU_MODERN, B_PROT32,
	  { OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_EPT_VIOLATION_VE),
	    SET(VE_INFORMATION_ADDRESS, 0x19004) },
	  C(EXEC_VE_INFO_ADDR), F(VE_INFORMATION_ADDRESS), NULL },
	{ "Intel PT guest-physical without load IA32_RTIT_CTL", CPU_MODERN, B_PROT32,
	  { OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_PT_USE_GPA) },
	  C(EXEC_PT_GUEST_PHYS), F(VM_ENTRY_CONTROLS), "IA32_RTIT_CTL" },

	/* 26.2.1.2 VM-exit control fields */
	{ "exit allowed-0 bit cleared", CPU_MODERN, B_PROT32, { CLR(VM_EXIT_CONTROLS, 0x1) },
	  C(EXIT_ALLOWED0), F(VM_EXIT_CONTROLS), "IA32_VMX_TRUE_EXIT_CTLS" },
	{ "exit bit 26 not allowed", CPU_MODERN, B_PROT32, { OR(VM_EXIT_CONTROLS, 1u << 26) },
	  C(EXIT_ALLOWED1), F(VM_EXIT_CONTROLS), NULL },
	{ "legacy: load IA32_EFER on exit not allowed", CPU_LEGACY, B_PROT32,
	  { OR(VM_EXIT_CONTROLS, VMX_VM_EXIT_LOAD_IA32_EFER) }, C(EXIT_ALLOWED1),
	  F(VM_EXIT_CONTROLS), "bit 21" },
	{ "save preemption timer without the timer", CPU_MODERN, B_PROT32,
	  { OR(VM_EXIT_CONTROLS, VMX_VM_EXIT_SAVE_VMX_PREEMPTION_TIMER) },
	  C(EXIT_SAVE_PREEMPTION_TIMER), F(VM_EXIT_CONTROLS), NULL },
	{ "MSR-store area misaligned", CPU_MODERN, B_PROT32,
	  { SET(VM_EXIT_MSR_STORE_COUNT, 2), SET(VM_EXIT_MSR_STORE_ADDR, 0x1a008) },
	  C(EXIT_MSR_STORE_AREA), F(VM_EXIT_MSR_STORE_ADDR), "bits 3:0" },
	{ "MSR-store area ends beyond MAXPHYADDR", CPU_MODERN, B_PROT32,
	  { SET(VM_EXIT_MSR_STORE_COUNT, 0x1000),
	    SET(VM_EXIT_MSR_STORE_ADDR, (1ull << 39) - 0x100) },
	  C(EXIT_MSR_STORE_AREA), F(VM_EXIT_MSR_STORE_ADDR), "last byte" },
	{ "MSR-load area beyond MAXPHYADDR", CPU_MODERN, B_PROT32,
	  { SET(VM_EXIT_MSR_LOAD_COUNT, 1), SET(VM_EXIT_MSR_LOAD_ADDR, 1ull << 39) },
	  C(EXIT_MSR_LOAD_AREA), F(VM_EXIT_MSR_LOAD_ADDR), NULL },

	/* 26.2.1.3 VM-entry control fields */
	{ "entry allowed-0 bit cleared", CPU_MODERN, B_PROT32, { CLR(VM_ENTRY_CONTROLS, 0x1) },
	  C(ENTRY_ALLOWED0), F(VM_ENTRY_CONTROLS), NULL },
	{ "entry bit 20 not allowed", CPU_MODERN, B_PROT32, { OR(VM_ENTRY_CONTROLS, 1u << 20) },
	  C(ENTRY_ALLOWED1), F(VM_ENTRY_CONTROLS), "bit 20" },
	{ "legacy: load debug controls cleared", CPU_LEGACY, B_PROT32,
	  { CLR(VM_ENTRY_CONTROLS, VMX_VM_ENTRY_LOAD_DEBUG_CONTROLS) }, C(ENTRY_ALLOWED0),
	  F(VM_ENTRY_CONTROLS), "IA32_VMX_ENTRY_CTLS" },
	{ "injection type 1", CPU_MODERN, B_PROT32, { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000120) },
	  C(ENTRY_INTR_TYPE), F(VM_ENTRY_INTR_INFO_FIELD), "reserved" },
	{ "legacy: pending MTF without MTF support", CPU_LEGACY, B_PROT32,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000700) }, C(ENTRY_INTR_TYPE),
	  F(VM_ENTRY_INTR_INFO_FIELD), "monitor trap flag" },
	{ "NMI with vector 3", CPU_MODERN, B_PROT32, { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000203) },
	  C(ENTRY_INTR_VECTOR), F(VM_ENTRY_INTR_INFO_FIELD), "vector 2" },
	{ "hardware exception vector 32", CPU_MODERN, B_PROT32,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000320) }, C(ENTRY_INTR_VECTOR),
	  F(VM_ENTRY_INTR_INFO_FIELD), "at most 31" },
	{ "other event with vector 1", CPU_MODERN, B_PROT32,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000701) }, C(ENTRY_INTR_VECTOR),
	  F(VM_ENTRY_INTR_INFO_FIELD), "vector 0" },
	{ "#GP without error code", CPU_MODERN, B_PROT32,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x8000030d) }, C(ENTRY_INTR_DELIVER_CODE),
	  F(VM_ENTRY_INTR_INFO_FIELD), "must be 1" },
	{ "#UD with error code", CPU_MODERN, B_PROT32,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000b06) }, C(ENTRY_INTR_DELIVER_CODE),
	  F(VM_ENTRY_INTR_INFO_FIELD), "#UD" },
	{ "external interrupt with error code", CPU_QUIRK, B_PROT32,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000820), SET(GUEST_RFLAGS, 0x202) },
	  C(ENTRY_INTR_DELIVER_CODE), F(VM_ENTRY_INTR_INFO_FIELD), "only hardware exceptions" },
	{ "#GP with error code in real mode", CPU_MODERN, B_REAL,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000b0d) }, C(ENTRY_INTR_DELIVER_CODE),
	  F(VM_ENTRY_INTR_INFO_FIELD), "real mode" },
	{ "injection reserved bit 12", CPU_MODERN, B_PROT32,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80001020), SET(GUEST_RFLAGS, 0x202) },
	  C(ENTRY_INTR_RESERVED), F(VM_ENTRY_INTR_INFO_FIELD), "30:12" },
	{ "error code bit 16", CPU_MODERN, B_PROT32,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000b0d),
	    SET(VM_ENTRY_EXCEPTION_ERROR_CODE, 0x10000) },
	  C(ENTRY_ERROR_CODE), F(VM_ENTRY_EXCEPTION_ERROR_CODE), "31:16" },
	{ "legacy: INT3 with instruction length 0", CPU_LEGACY, B_PROT32,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000603), SET(VM_ENTRY_INSTRUCTION_LEN, 0) },
	  C(ENTRY_INSTRUCTION_LEN), F(VM_ENTRY_INSTRUCTION_LEN), "1-15" },
	{ "software interrupt with instruction length 16", CPU_MODERN, B_PROT32,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000480), SET(VM_ENTRY_INSTRUCTION_LEN, 16) },
	  C(ENTRY_INSTRUCTION_LEN), F(VM_ENTRY_INSTRUCTION_LEN), "0-15" },
	{ "entry MSR-load area misaligned", CPU_MODERN, B_PROT32,
	  { SET(VM_ENTRY_MSR_LOAD_COUNT, 1), SET(VM_ENTRY_MSR_LOAD_ADDR, 0x1b004) },
	  C(ENTRY_MSR_LOAD_AREA), F(VM_ENTRY_MSR_LOAD_ADDR), "VM_ENTRY_MSR_LOAD_COUNT = 1" },
	{ "entry to SMM outside SMM", CPU_MODERN, B_PROT32,
	  { OR(VM_ENTRY_CONTROLS, VMX_VM_ENTRY_SMM) }, C(ENTRY_SMM), F(VM_ENTRY_CONTROLS),
	  "outside SMM" },
	{ "deactivate dual-monitor outside SMM", CPU_MODERN, B_PROT32,
	  { OR(VM_ENTRY_CONTROLS, VMX_VM_ENTRY_DEACT_DUAL_MONITOR) }, C(ENTRY_SMM),
	  F(VM_ENTRY_CONTROLS), "bit 11" },

	/* 26.2.2 host control registers and MSRs */
	{ "host CR0.PE clear", CPU_MODERN, B_PROT32, { SET(HOST_CR0, 0x80050032) },
	  C(HOST_CR0_FIXED0), F(HOST_CR0), "bit 0 (PE) must be 1" },
	{ "host CR0 bit 32", CPU_MODERN, B_PROT32, { SET(HOST_CR0, 0x180050033) },
	  C(HOST_CR0_FIXED1), F(HOST_CR0), "bit 32 must be 0" },
	{ "host CR4.VMXE clear", CPU_MODERN, B_PROT32, { SET(HOST_CR4, 0x620) },
	  C(HOST_CR4_FIXED0), F(HOST_CR4), "13 (VMXE)" },
	{ "host CR4.LA57 unsupported", CPU_MODERN, B_PROT32, { SET(HOST_CR4, 0x3620) },
	  C(HOST_CR4_FIXED1), F(HOST_CR4), "12 (LA57)" },
	{ "host CR4.CET without CR0.WP", CPU_QUIRK, B_PROT32,
	  { SET(HOST_CR4, 0x2620 | VMX_CR4_CET), SET(HOST_CR0, 0x80040033) },
	  C(HOST_CR4_CET_WP), F(HOST_CR4), "HOST_CR0" },
	{ "host CR3 beyond MAXPHYADDR", CPU_MODERN, B_PROT32, { SET(HOST_CR3, 1ull << 39) },
	  C(HOST_CR3), F(HOST_CR3), NULL },
	{ "host SYSENTER_ESP non-canonical", CPU_MODERN, B_PROT32,
	  { SET(HOST_IA32_SYSENTER_ESP, 1ull << 47) }, C(HOST_SYSENTER_ESP),
	  F(HOST_IA32_SYSENTER_ESP), "canonical" },
	{ "host SYSENTER_EIP non-canonical", CPU_MODERN, B_PROT32,
	  { SET(HOST_IA32_SYSENTER_EIP, 0x8000000000000000ull) }, C(HOST_SYSENTER_EIP),
	  F(HOST_IA32_SYSENTER_EIP), NULL },
	{ "host S_CET non-canonical", CPU_QUIRK, B_PROT32,
	  { OR(VM_EXIT_CONTROLS, VMX_VM_EXIT_LOAD_CET_STATE), SET(HOST_S_CET, NONCANON) },
	  C(HOST_S_CET), F(HOST_S_CET), "load CET state" },
	{ "host SSP table non-canonical", CPU_QUIRK, B_PROT32,
	  { OR(VM_EXIT_CONTROLS, VMX_VM_EXIT_LOAD_CET_STATE), SET(HOST_INTR_SSP_TABLE, NONCANON) },
	  C(HOST_INTR_SSP_TABLE), F(HOST_INTR_SSP_TABLE), NULL },
	{ "host PERF_GLOBAL_CTRL reserved bit", CPU_MODERN, B_PROT32,
	  { OR(VM_EXIT_CONTROLS, VMX_VM_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL),
	    SET(HOST_IA32_PERF_GLOBAL_CTRL, 1ull << 50) },
	  C(HOST_PERF_GLOBAL_CTRL), F(HOST_IA32_PERF_GLOBAL_CTRL), NULL },
	{ "host PAT type 2", CPU_MODERN, B_PROT32,
	  { SET(HOST_IA32_PAT, (PAT_VALID & ~0xffull) | 2) },
	  C(HOST_PAT), F(HOST_IA32_PAT), "byte 0" },
	{ "host EFER reserved bit", CPU_MODERN, B_PROT32, { SET(HOST_IA32_EFER, 0xd03) },
	  C(HOST_EFER_RESERVED), F(HOST_IA32_EFER), "0x2" },
	{ "host EFER.LMA clear on a 64-bit host", CPU_MODERN, B_PROT32,
	  { SET(HOST_IA32_EFER, 0x901) }, C(HOST_EFER_LMA), F(HOST_IA32_EFER), "LMA" },
	{ "host EFER.LME clear on a 64-bit host", CPU_MODERN, B_PROT32,
	  { SET(HOST_IA32_EFER, 0xc01) }, C(HOST_EFER_LME), F(HOST_IA32_EFER), "LME" },
	{ "host PKRS bits 63:32", CPU_QUIRK, B_PROT32,
	  { OR(VM_EXIT_CONTROLS, VMX_VM_EXIT_LOAD_PKRS), SET(HOST_IA32_PKRS, 1ull << 32) },
	  C(HOST_PKRS), F(HOST_IA32_PKRS), "63:32" },

	/* 26.2.3 host segment and descriptor-table registers */
	{ "host DS selector RPL 3", CPU_MODERN, B_PROT32, { SET(HOST_DS_SELECTOR, 0x1b) },
	  C(HOST_SELECTOR_RPL_TI), F(HOST_DS_SELECTOR), "RPL" },
	{ "host TR selector TI", CPU_MODERN, B_PROT32, { SET(HOST_TR_SELECTOR, 0x44) },
	  C(HOST_SELECTOR_RPL_TI), F(HOST_TR_SELECTOR), NULL },
	{ "host CS selector 0", CPU_MODERN, B_PROT32, { SET(HOST_CS_SELECTOR, 0) },
	  C(HOST_CS_SELECTOR), F(HOST_CS_SELECTOR), "must not be 0" },
	{ "host TR selector 0", CPU_MODERN, B_PROT32, { SET(HOST_TR_SELECTOR, 0) },
	  C(HOST_TR_SELECTOR), F(HOST_TR_SELECTOR), NULL },
	{ "legacy: 32-bit host with SS selector 0", CPU_LEGACY, B_PROT32,
	  { CLR(VM_EXIT_CONTROLS, VMX_VM_EXIT_HOST_ADDR_SPACE_SIZE), SET(HOST_SS_SELECTOR, 0) },
	  C(HOST_SS_SELECTOR), F(HOST_SS_SELECTOR), "host address-space size" },
	{ "host GDTR base non-canonical", CPU_MODERN, B_PROT32,
	  { SET(HOST_GDTR_BASE, 1ull << 47) }, C(HOST_BASE_CANONICAL), F(HOST_GDTR_BASE),
	  "63:47" },

	/* 26.2.4 address-space size */
	{ "legacy: 32-bit host, IA-32e guest", CPU_LEGACY, B_IA32E,
	  { CLR(VM_EXIT_CONTROLS, VMX_VM_EXIT_HOST_ADDR_SPACE_SIZE) }, C(HOST_ASZ_IA32E_GUEST),
	  F(VM_ENTRY_CONTROLS), "IA-32e mode guest" },
	{ "32-bit host with CR4.PCIDE", CPU_MODERN, B_PROT32,
	  { CLR(VM_EXIT_CONTROLS, VMX_VM_EXIT_HOST_ADDR_SPACE_SIZE | VMX_VM_EXIT_LOAD_IA32_EFER),
	    SET(HOST_CR4, 0x2620 | VMX_CR4_PCIDE) },
	  C(HOST_ASZ_CR4_PCIDE), F(HOST_CR4), "PCIDE" },
	{ "legacy: 32-bit host with RIP above 4G", CPU_LEGACY, B_PROT32,
	  { CLR(VM_EXIT_CONTROLS, VMX_VM_EXIT_HOST_ADDR_SPACE_SIZE) }, C(HOST_ASZ_RIP_HIGH),
	  F(HOST_RIP), "63:32" },
	{ "32-bit host with SSP above 4G", CPU_QUIRK, B_PROT32,
	  { CLR(VM_EXIT_CONTROLS, VMX_VM_EXIT_HOST_ADDR_SPACE_SIZE | VMX_VM_EXIT_LOAD_IA32_EFER),
	    OR(VM_EXIT_CONTROLS, VMX_VM_EXIT_LOAD_CET_STATE), SET(HOST_RIP, 0x1000),
	    SET(HOST_SSP, 1ull << 32) },
	  C(HOST_ASZ_SSP_HIGH), F(HOST_SSP), NULL },
	{ "64-bit host without CR4.PAE", CPU_MODERN, B_PROT32, { SET(HOST_CR4, 0x2600) },
	  C(HOST_ASZ_CR4_PAE), F(HOST_CR4), "PAE" },
	{ "64-bit host RIP non-canonical", CPU_MODERN, B_PROT32,
	  { SET(HOST_RIP, 0x0000800000000000ull) }, C(HOST_ASZ_RIP_CANONICAL), F(HOST_RIP), NULL },
	{ "64-bit host SSP non-canonical", CPU_QUIRK, B_PROT32,
	  { OR(VM_EXIT_CONTROLS, VMX_VM_EXIT_LOAD_CET_STATE), SET(HOST_SSP, NONCANON) },
	  C(HOST_ASZ_SSP_CANONICAL), F(HOST_SSP), NULL },

	/* 26.3.1.1 guest control registers, debug registers and MSRs */
	{ "guest CR0 without PE, NE, PG", CPU_MODERN, B_PROT32, { SET(GUEST_CR0, 0x60000010) },
	  C(GUEST_CR0_FIXED0), F(GUEST_CR0), "IA32_VMX_CR0_FIXED0 = 0x80000021; unrestricted" },
	{ "real-mode guest CR0 without NE", CPU_MODERN, B_REAL, { SET(GUEST_CR0, 0x10) },
	  C(GUEST_CR0_FIXED0), F(GUEST_CR0), "bit 5 (NE) must be 1" },
	{ "guest CR0 bit 32", CPU_MODERN, B_PROT32, { SET(GUEST_CR0, 0x180000031) },
	  C(GUEST_CR0_FIXED1), F(GUEST_CR0), NULL },
	{ "guest CR0.PG without PE", CPU_MODERN, B_REAL, { SET(GUEST_CR0, 0x80000030) },
	  C(GUEST_CR0_PG_PE), F(GUEST_CR0), "PE" },
	{ "guest CR4.VMXE clear", CPU_MODERN, B_PROT32, { SET(GUEST_CR4, 0x10) },
	  C(GUEST_CR4_FIXED0), F(GUEST_CR4), NULL },
	{ "guest CR4.LA57 unsupported", CPU_MODERN, B_PROT32, { SET(GUEST_CR4, 0x3010) },
	  C(GUEST_CR4_FIXED1), F(GUEST_CR4), "LA57" },
	{ "guest CR4.CET without CR0.WP", CPU_QUIRK, B_PROT32,
	  { SET(GUEST_CR4, 0x2010 | VMX_CR4_CET) }, C(GUEST_CR4_CET_WP), F(GUEST_CR4), "WP" },
	{ "legacy: guest DEBUGCTL reserved bit", CPU_LEGACY, B_PROT32,
	  { SET(GUEST_IA32_DEBUGCTL, 0x8) }, C(GUEST_DEBUGCTL), F(GUEST_IA32_DEBUGCTL),
	  "load debug controls" },
	{ "IA-32e guest without CR0.PG", CPU_MODERN, B_IA32E,
	  { OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_UNRESTRICTED_GUEST),
	    SET(GUEST_CR0, 0x31) },
	  C(GUEST_IA32E_PG), F(GUEST_CR0), "IA-32e" },
	{ "IA-32e guest without CR4.PAE", CPU_MODERN, B_IA32E, { SET(GUEST_CR4, 0x2000) },
	  C(GUEST_IA32E_PAE), F(GUEST_CR4), NULL },
	{ "32-bit guest with CR4.PCIDE", CPU_MODERN, B_PROT32,
	  { SET(GUEST_CR4, 0x2010 | VMX_CR4_PCIDE) }, C(GUEST_CR4_PCIDE), F(GUEST_CR4), NULL },
	{ "guest CR3 beyond MAXPHYADDR", CPU_MODERN, B_PROT32, { SET(GUEST_CR3, 1ull << 40) },
	  C(GUEST_CR3), F(GUEST_CR3), NULL },
	{ "legacy: guest DR7 bit 32", CPU_LEGACY, B_PROT32,
	  { SET(GUEST_DR7, (1ull << 32) | 0x400) }, C(GUEST_DR7), F(GUEST_DR7), NULL },
	{ "guest SYSENTER_ESP non-canonical", CPU_MODERN, B_PROT32,
	  { SET(GUEST_SYSENTER_ESP, 1ull << 47) }, C(GUEST_SYSENTER_ESP), F(GUEST_SYSENTER_ESP),
	  NULL },
	{ "guest SYSENTER_EIP non-canonical", CPU_MODERN, B_PROT32,
	  { SET(GUEST_SYSENTER_EIP, NONCANON) }, C(GUEST_SYSENTER_EIP), F(GUEST_SYSENTER_EIP),
	  NULL },
	{ "guest S_CET non-canonical", CPU_QUIRK, B_PROT32,
	  { OR(VM_ENTRY_CONTROLS, VMX_VM_ENTRY_LOAD_CET_STATE), SET(GUEST_S_CET, NONCANON) },
	  C(GUEST_S_CET), F(GUEST_S_CET), NULL },
	{ "guest SSP table non-canonical", CPU_QUIRK, B_PROT32,
	  { OR(VM_ENTRY_CONTROLS, VMX_VM_ENTRY_LOAD_CET_STATE),
	    SET(GUEST_INTR_SSP_TABLE, NONCANON) },
	  C(GUEST_INTR_SSP_TABLE), F(GUEST_INTR_SSP_TABLE), NULL },
	{ "guest PERF_GLOBAL_CTRL reserved bit", CPU_MODERN, B_PROT32,
	  { OR(VM_ENTRY_CONTROLS, VMX_VM_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL),
	    SET(GUEST_IA32_PERF_GLOBAL_CTRL, 1ull << 63) },
	  C(GUEST_PERF_GLOBAL_CTRL), F(GUEST_IA32_PERF_GLOBAL_CTRL), NULL },
	{ "guest PAT byte 7 = 8", CPU_MODERN, B_PROT32,
	  { SET(GUEST_IA32_PAT, PAT_VALID | (8ull << 56)) }, C(GUEST_PAT), F(GUEST_IA32_PAT),
	  "byte 7" },
	{ "guest EFER reserved bit", CPU_MODERN, B_PROT32, { SET(GUEST_IA32_EFER, 0x2) },
	  C(GUEST_EFER_RESERVED), F(GUEST_IA32_EFER), NULL },
	{ "guest EFER.LMA without IA-32e mode", CPU_MODERN, B_PROT32,
	  { SET(GUEST_IA32_EFER, 0x400) }, C(GUEST_EFER_LMA), F(GUEST_IA32_EFER), NULL },
	{ "IA-32e guest EFER.LMA clear", CPU_MODERN, B_IA32E, { SET(GUEST_IA32_EFER, 0x100) },
	  C(GUEST_EFER_LMA), F(GUEST_IA32_EFER), NULL },
	{ "paged guest EFER.LME without LMA", CPU_MODERN, B_PROT32,
	  { SET(GUEST_IA32_EFER, 0x100) }, C(GUEST_EFER_LME), F(GUEST_IA32_EFER), "LME" },
	{ "guest BNDCFGS reserved bit", CPU_MODERN, B_PROT32,
	  { OR(VM_ENTRY_CONTROLS, VMX_VM_ENTRY_LOAD_BNDCFGS), SET(GUEST_BNDCFGS, 0x4) },
	  C(GUEST_BNDCFGS), F(GUEST_BNDCFGS), NULL },
	{ "guest BNDCFGS base non-canonical", CPU_MODERN, B_PROT32,
	  { OR(VM_ENTRY_CONTROLS, VMX_VM_ENTRY_LOAD_BNDCFGS),
	    SET(GUEST_BNDCFGS, 0x0000800000000001ull) },
	  C(GUEST_BNDCFGS), F(GUEST_BNDCFGS), "canonical" },
	{ "guest PKRS bits 63:32", CPU_QUIRK, B_PROT32,
	  { OR(VM_ENTRY_CONTROLS, VMX_VM_ENTRY_LOAD_PKRS), SET(GUEST_IA32_PKRS, 1ull << 33) },
	  C(GUEST_PKRS), F(GUEST_IA32_PKRS), NULL },

	/* 26.3.1.2 guest segment registers */
	{ "TR selector TI", CPU_MODERN, B_PROT32, { SET(GUEST_TR_SELECTOR, 0x1c) },
	  C(GUEST_TR_SEL_TI), F(GUEST_TR_SELECTOR), "TI" },
	{ "usable LDTR selector TI", CPU_MODERN, B_PROT32,
	  { SET(GUEST_LDTR_SELECTOR, 0x2c), SET(GUEST_LDTR_LIMIT, 0xff),
	    SET(GUEST_LDTR_AR_BYTES, 0x82) },
	  C(GUEST_LDTR_SEL_TI), F(GUEST_LDTR_SELECTOR), NULL },
	{ "SS.RPL differs from CS.RPL", CPU_MODERN, B_PROT32, { SET(GUEST_SS_SELECTOR, 0x13) },
	  C(GUEST_SS_SEL_RPL), F(GUEST_SS_SELECTOR), "GUEST_CS_SELECTOR" },
	{ "v86 DS base not selector << 4", CPU_MODERN, B_V86, { SET(GUEST_DS_BASE, 0x30001) },
	  C(GUEST_V86_BASE), F(GUEST_DS_BASE), "0x30000" },
	{ "FS base non-canonical", CPU_MODERN, B_IA32E, { SET(GUEST_FS_BASE, 1ull << 47) },
	  C(GUEST_BASE_CANONICAL), F(GUEST_FS_BASE), NULL },
	{ "usable LDTR base non-canonical", CPU_MODERN, B_REAL,
	  { SET(GUEST_LDTR_BASE, NONCANON) }, C(GUEST_BASE_CANONICAL), F(GUEST_LDTR_BASE), NULL },
	{ "DS base above 4G", CPU_MODERN, B_PROT32, { SET(GUEST_DS_BASE, 1ull << 32) },
	  C(GUEST_BASE_HIGH), F(GUEST_DS_BASE), "usable" },
	{ "v86 SS limit", CPU_MODERN, B_V86, { SET(GUEST_SS_LIMIT, 0xfffff) },
	  C(GUEST_V86_LIMIT), F(GUEST_SS_LIMIT), "0xffff" },
	{ "v86 ES access rights", CPU_LEGACY, B_V86, { SET(GUEST_ES_AR_BYTES, 0xf1) },
	  C(GUEST_V86_AR), F(GUEST_ES_AR_BYTES), "0xf3" },
	{ "CS data segment without unrestricted guest", CPU_MODERN, B_PROT32,
	  { SET(GUEST_CS_AR_BYTES, 0xc093) }, C(GUEST_CS_TYPE), F(GUEST_CS_AR_BYTES),
	  "unrestricted guest is off" },
	{ "SS code segment", CPU_MODERN, B_PROT32, { SET(GUEST_SS_AR_BYTES, 0xc09b) },
	  C(GUEST_SS_TYPE), F(GUEST_SS_AR_BYTES), NULL },
	{ "DS not accessed", CPU_MODERN, B_PROT32, { SET(GUEST_DS_AR_BYTES, 0xc092) },
	  C(GUEST_DATA_TYPE), F(GUEST_DS_AR_BYTES), "accessed" },
	{ "ES execute-only code", CPU_MODERN, B_PROT32, { SET(GUEST_ES_AR_BYTES, 0xc099) },
	  C(GUEST_DATA_TYPE), F(GUEST_ES_AR_BYTES), "readable" },
	{ "GS system descriptor", CPU_MODERN, B_PROT32, { SET(GUEST_GS_AR_BYTES, 0xc083) },
	  C(GUEST_SEG_S), F(GUEST_GS_AR_BYTES), "S (bit 4) must be 1" },
	{ "CS.DPL differs from SS.DPL", CPU_MODERN, B_PROT32, { SET(GUEST_CS_AR_BYTES, 0xc0bb) },
	  C(GUEST_CS_DPL), F(GUEST_CS_AR_BYTES), "SS.DPL" },
	{ "SS.DPL differs from SS.RPL", CPU_MODERN, B_PROT32,
	  { SET(GUEST_CS_AR_BYTES, 0xc0fb), SET(GUEST_SS_AR_BYTES, 0xc0f3) },
	  C(GUEST_SS_DPL), F(GUEST_SS_AR_BYTES), "RPL" },
	{ "real mode SS.DPL 3", CPU_MODERN, B_REAL,
	  { SET(GUEST_CS_AR_BYTES, 0xfb), SET(GUEST_SS_AR_BYTES, 0xf3) },
	  C(GUEST_SS_DPL), F(GUEST_SS_AR_BYTES), "CR0.PE is 0" },
	{ "DS.DPL below its RPL", CPU_MODERN, B_PROT32, { SET(GUEST_DS_SELECTOR, 0x13) },
	  C(GUEST_DATA_DPL), F(GUEST_DS_AR_BYTES), "RPL 3" },
	{ "FS not present", CPU_MODERN, B_PROT32, { SET(GUEST_FS_AR_BYTES, 0xc013) },
	  C(GUEST_SEG_P), F(GUEST_FS_AR_BYTES), "P (bit 7)" },
	{ "DS access-rights bit 8", CPU_MODERN, B_PROT32, { SET(GUEST_DS_AR_BYTES, 0xc193) },
	  C(GUEST_SEG_AR_11_8), F(GUEST_DS_AR_BYTES), "11:8" },
	{ "64-bit CS with D/B", CPU_MODERN, B_IA32E, { SET(GUEST_CS_AR_BYTES, 0xe09b) },
	  C(GUEST_CS_DB), F(GUEST_CS_AR_BYTES), "D/B" },
	{ "CS G=1 with limit 0xfffff000", CPU_MODERN, B_PROT32,
	  { SET(GUEST_CS_LIMIT, 0xfffff000) }, C(GUEST_SEG_G), F(GUEST_CS_AR_BYTES),
	  "GUEST_CS_LIMIT" },
	{ "ES G=0 with limit 4G", CPU_MODERN, B_PROT32, { SET(GUEST_ES_AR_BYTES, 0x4093) },
	  C(GUEST_SEG_G), F(GUEST_ES_AR_BYTES), "must be 1" },
	{ "GS access-rights bit 17", CPU_MODERN, B_PROT32, { SET(GUEST_GS_AR_BYTES, 0x2c093) },
	  C(GUEST_SEG_AR_31_17), F(GUEST_GS_AR_BYTES), NULL },
	{ "TR available TSS", CPU_MODERN, B_PROT32, { SET(GUEST_TR_AR_BYTES, 0x89) },
	  C(GUEST_TR_TYPE), F(GUEST_TR_AR_BYTES), "busy" },
	{ "IA-32e TR 16-bit TSS", CPU_MODERN, B_IA32E, { SET(GUEST_TR_AR_BYTES, 0x83) },
	  C(GUEST_TR_TYPE), F(GUEST_TR_AR_BYTES), "64-bit TSS" },
	{ "TR with S", CPU_MODERN, B_PROT32, { SET(GUEST_TR_AR_BYTES, 0x9b) },
	  C(GUEST_TR_S), F(GUEST_TR_AR_BYTES), "must be 0" },
	{ "TR not present", CPU_MODERN, B_PROT32, { SET(GUEST_TR_AR_BYTES, 0x0b) },
	  C(GUEST_TR_P), F(GUEST_TR_AR_BYTES), NULL },
	{ "TR access-rights bit 8", CPU_MODERN, B_PROT32, { SET(GUEST_TR_AR_BYTES, 0x18b) },
	  C(GUEST_TR_AR_11_8), F(GUEST_TR_AR_BYTES), NULL },
	{ "TR G=1 with limit 0x67", CPU_MODERN, B_PROT32, { SET(GUEST_TR_AR_BYTES, 0x808b) },
	  C(GUEST_TR_G), F(GUEST_TR_AR_BYTES), "GUEST_TR_LIMIT" },
	{ "TR unusable", CPU_MODERN, B_PROT32, { SET(GUEST_TR_AR_BYTES, 0x1008b) },
	  C(GUEST_TR_UNUSABLE), F(GUEST_TR_AR_BYTES), "usable" },
	{ "TR access-rights bit 17", CPU_MODERN, B_PROT32, { SET(GUEST_TR_AR_BYTES, 0x2008b) },
	  C(GUEST_TR_AR_31_17), F(GUEST_TR_AR_BYTES), NULL },
	{ "LDTR type 3", CPU_MODERN, B_REAL, { SET(GUEST_LDTR_AR_BYTES, 0x83) },
	  C(GUEST_LDTR_TYPE), F(GUEST_LDTR_AR_BYTES), "LDT" },
	{ "LDTR with S", CPU_MODERN, B_REAL, { SET(GUEST_LDTR_AR_BYTES, 0x92) },
	  C(GUEST_LDTR_S), F(GUEST_LDTR_AR_BYTES), NULL },
	{ "LDTR not present", CPU_MODERN, B_REAL, { SET(GUEST_LDTR_AR_BYTES, 0x02) },
	  C(GUEST_LDTR_P), F(GUEST_LDTR_AR_BYTES), NULL },
	{ "LDTR access-rights bit 9", CPU_MODERN, B_REAL, { SET(GUEST_LDTR_AR_BYTES, 0x282) },
	  C(GUEST_LDTR_AR_11_8), F(GUEST_LDTR_AR_BYTES), NULL },
	{ "LDTR G=1 with limit 0xff00", CPU_MODERN, B_REAL,
	  { SET(GUEST_LDTR_AR_BYTES, 0x8082), SET(GUEST_LDTR_LIMIT, 0xff00) },
	  C(GUEST_LDTR_G), F(GUEST_LDTR_AR_BYTES), "bits 11:0" },
	{ "LDTR access-rights bit 31", CPU_MODERN, B_REAL,
	  { SET(GUEST_LDTR_AR_BYTES, 0x80000082) }, C(GUEST_LDTR_AR_31_17),
	  F(GUEST_LDTR_AR_BYTES), NULL },

	/* 26.3.1.3 guest descriptor-table registers */
	{ "IDTR base non-canonical", CPU_MODERN, B_IA32E, { SET(GUEST_IDTR_BASE, 1ull << 47) },
	  C(GUEST_DTR_BASE), F(GUEST_IDTR_BASE), NULL },
	{ "GDTR limit 0x10000", CPU_MODERN, B_PROT32, { SET(GUEST_GDTR_LIMIT, 0x10000) },
	  C(GUEST_DTR_LIMIT), F(GUEST_GDTR_LIMIT), "31:16" },

	/* 26.3.1.4 guest RIP, RFLAGS and SSP */
	{ "32-bit guest RIP above 4G", CPU_MODERN, B_PROT32, { SET(GUEST_RIP, 1ull << 32) },
	  C(GUEST_RIP_HIGH), F(GUEST_RIP), NULL },
	{ "compatibility-mode RIP above 4G", CPU_MODERN, B_IA32E,
	  { SET(GUEST_CS_AR_BYTES, 0xc09b) }, C(GUEST_RIP_HIGH), F(GUEST_RIP), "CS.L" },
	{ "64-bit RIP non-canonical", CPU_MODERN, B_IA32E, { SET(GUEST_RIP, 1ull << 47) },
	  C(GUEST_RIP_CANONICAL), F(GUEST_RIP), NULL },
	{ "RFLAGS bit 1 clear", CPU_MODERN, B_PROT32, { SET(GUEST_RFLAGS, 0) },
	  C(GUEST_RFLAGS_RESERVED), F(GUEST_RFLAGS), "bit 1 must be 1" },
	{ "RFLAGS bit 15", CPU_MODERN, B_PROT32, { SET(GUEST_RFLAGS, 0x8002) },
	  C(GUEST_RFLAGS_RESERVED), F(GUEST_RFLAGS), "reserved bits 0x8000" },
	{ "legacy: RFLAGS.VM in IA-32e mode", CPU_LEGACY, B_V86,
	  { OR(VM_ENTRY_CONTROLS, VMX_VM_ENTRY_IA32E_MODE), SET(GUEST_CR4, 0x2021) },
	  C(GUEST_RFLAGS_VM), F(GUEST_RFLAGS), "IA-32e mode guest" },
	{ "external interrupt with RFLAGS.IF clear", CPU_MODERN, B_PROT32,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000020) }, C(GUEST_RFLAGS_IF), F(GUEST_RFLAGS),
	  "IF" },
	{ "32-bit guest SSP above 4G", CPU_QUIRK, B_PROT32,
	  { OR(VM_ENTRY_CONTROLS, VMX_VM_ENTRY_LOAD_CET_STATE), SET(GUEST_SSP, 1ull << 32) },
	  C(GUEST_SSP_HIGH), F(GUEST_SSP), NULL },
	{ "64-bit guest SSP non-canonical", CPU_QUIRK, B_IA32E,
	  { OR(VM_ENTRY_CONTROLS, VMX_VM_ENTRY_LOAD_CET_STATE), SET(GUEST_SSP, NONCANON) },
	  C(GUEST_SSP_CANONICAL), F(GUEST_SSP), "63:56" },

	/* 26.3.1.5 guest non-register state */
	{ "activity state 4", CPU_MODERN, B_PROT32, { SET(GUEST_ACTIVITY_STATE, 4) },
	  C(GUEST_ACTIVITY_SUPPORTED), F(GUEST_ACTIVITY_STATE), NULL },
	{ "HLT with SS.DPL 3", CPU_MODERN, B_V86, { SET(GUEST_ACTIVITY_STATE, 1) },
	  C(GUEST_ACTIVITY_HLT_DPL), F(GUEST_ACTIVITY_STATE), "SS.DPL" },
	{ "HLT with MOV-SS blocking", CPU_MODERN, B_PROT32,
	  { SET(GUEST_ACTIVITY_STATE, 1), SET(GUEST_INTERRUPTIBILITY_INFO, 2) },
	  C(GUEST_ACTIVITY_BLOCKING), F(GUEST_ACTIVITY_STATE), "active" },
	{ "#GP injected into HLT", CPU_MODERN, B_PROT32,
	  { SET(GUEST_ACTIVITY_STATE, 1), SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000b0d) },
	  C(GUEST_ACTIVITY_INJECTION), F(GUEST_ACTIVITY_STATE), "HLT" },
	{ "external interrupt injected into shutdown", CPU_MODERN, B_PROT32,
	  { SET(GUEST_ACTIVITY_STATE, 2), SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000020),
	    SET(GUEST_RFLAGS, 0x202) },
	  C(GUEST_ACTIVITY_INJECTION), F(GUEST_ACTIVITY_STATE), "shutdown" },
	{ "NMI injected into wait-for-SIPI", CPU_MODERN, B_PROT32,
	  { SET(GUEST_ACTIVITY_STATE, 3), SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000202) },
	  C(GUEST_ACTIVITY_INJECTION), F(GUEST_ACTIVITY_STATE), "wait-for-SIPI" },
	{ "interruptibility bit 5", CPU_MODERN, B_PROT32,
	  { SET(GUEST_INTERRUPTIBILITY_INFO, 0x20) }, C(GUEST_INTR_RESERVED),
	  F(GUEST_INTERRUPTIBILITY_INFO), NULL },
	{ "STI and MOV-SS blocking", CPU_MODERN, B_PROT32,
	  { SET(GUEST_INTERRUPTIBILITY_INFO, 3), SET(GUEST_RFLAGS, 0x202) },
	  C(GUEST_INTR_STI_MOVSS), F(GUEST_INTERRUPTIBILITY_INFO), NULL },
	{ "STI blocking with IF clear", CPU_MODERN, B_PROT32,
	  { SET(GUEST_INTERRUPTIBILITY_INFO, 1) }, C(GUEST_INTR_STI_IF),
	  F(GUEST_INTERRUPTIBILITY_INFO), "IF" },
	{ "external interrupt injected with STI blocking", CPU_MODERN, B_PROT32,
	  { SET(GUEST_INTERRUPTIBILITY_INFO, 1), SET(GUEST_RFLAGS, 0x202),
	    SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000020) },
	  C(GUEST_INTR_EXT_INTR), F(GUEST_INTERRUPTIBILITY_INFO), NULL },
	{ "NMI injected with MOV-SS blocking", CPU_MODERN, B_PROT32,
	  { SET(GUEST_INTERRUPTIBILITY_INFO, 2), SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000202) },
	  C(GUEST_INTR_NMI_MOVSS), F(GUEST_INTERRUPTIBILITY_INFO), NULL },
	{ "SMI blocking outside SMM", CPU_MODERN, B_PROT32,
	  { SET(GUEST_INTERRUPTIBILITY_INFO, 4) }, C(GUEST_INTR_SMI_OUTSIDE),
	  F(GUEST_INTERRUPTIBILITY_INFO), "SMM" },
	{ "NMI injected with NMI blocking and virtual NMIs", CPU_MODERN, B_PROT32,
	  { SET(GUEST_INTERRUPTIBILITY_INFO, 8), SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000202) },
	  C(GUEST_INTR_VIRTUAL_NMI), F(GUEST_INTERRUPTIBILITY_INFO), "virtual NMIs" },
	{ "enclave interruption with MOV-SS blocking", CPU_MODERN, B_PROT32,
	  { SET(GUEST_INTERRUPTIBILITY_INFO, 0x12) }, C(GUEST_INTR_ENCLAVE),
	  F(GUEST_INTERRUPTIBILITY_INFO), "enclave" },
	{ "pending debug bit 4", CPU_MODERN, B_PROT32,
	  { SET(GUEST_PENDING_DBG_EXCEPTIONS, 0x10) }, C(GUEST_PENDING_DBG_RESERVED),
	  F(GUEST_PENDING_DBG_EXCEPTIONS), NULL },
	{ "STI blocking, TF set, BS clear", CPU_MODERN, B_PROT32,
	  { SET(GUEST_INTERRUPTIBILITY_INFO, 1), SET(GUEST_RFLAGS, 0x302) },
	  C(GUEST_PENDING_DBG_BS), F(GUEST_PENDING_DBG_EXCEPTIONS), "must be 1" },
	{ "HLT, TF clear, BS set", CPU_MODERN, B_PROT32,
	  { SET(GUEST_ACTIVITY_STATE, 1), SET(GUEST_PENDING_DBG_EXCEPTIONS, 0x4000) },
	  C(GUEST_PENDING_DBG_BS), F(GUEST_PENDING_DBG_EXCEPTIONS), "must be 0" },
	{ "RTM without enabled breakpoint", CPU_MODERN, B_PROT32,
	  { SET(GUEST_PENDING_DBG_EXCEPTIONS, 0x10000) }, C(GUEST_PENDING_DBG_RTM),
	  F(GUEST_PENDING_DBG_EXCEPTIONS), "bit 12" },
	{ "VMCS link pointer misaligned", CPU_MODERN, B_PROT32,
	  { SET(VMCS_LINK_POINTER, 0x1c010) }, C(GUEST_VMCS_LINK_PTR), F(VMCS_LINK_POINTER),
	  "bits 11:0" },
	{ "VMCS link pointer beyond MAXPHYADDR", CPU_LEGACY, B_PROT32,
	  { SET(VMCS_LINK_POINTER, 1ull << 36) }, C(GUEST_VMCS_LINK_PTR), F(VMCS_LINK_POINTER),
	  "MAXPHYADDR = 36" },

	/* 26.3.1.6 PDPTEs */
	{ "EPT: PDPTE field with reserved bit 1", CPU_MODERN, B_PAE,
	  { SET(GUEST_PDPTR2, PDPTE_VALID | 0x2) }, C(GUEST_PDPTE_RESERVED), F(GUEST_PDPTR2),
	  "0x2" },
	{ "EPT: PDPTE field beyond MAXPHYADDR", CPU_MODERN, B_PAE,
	  { SET(GUEST_PDPTR0, PDPTE_VALID | (1ull << 40)) }, C(GUEST_PDPTE_RESERVED),
	  F(GUEST_PDPTR0), NULL },
	{ "no EPT: PDPTE in memory with reserved bit 7", CPU_LEGACY, B_PAE,
	  { MEM(0x20008, PDPTE_VALID | 0x80) }, C(GUEST_PDPTE_RESERVED), F(GUEST_CR3),
	  "PDPTE 1" },
	{ "no EPT: PDPT outside guest memory", CPU_LEGACY, B_PAE,
	  { SET(GUEST_CR3, 0x1000000) }, C(GUEST_PDPTE_READ), F(GUEST_CR3), "cannot be read" },
};

/*
 * Checks a full entry cannot reach (an earlier family always fails first:
 * "entry to SMM" is refused outside SMM), run on their family alone, as
 * the mock backend does.
 */
static const struct fail_case family_only_cases[] = {
	{ "wait-for-SIPI with entry to SMM", CPU_MODERN, B_PROT32,
	  { OR(VM_ENTRY_CONTROLS, VMX_VM_ENTRY_SMM), SET(GUEST_ACTIVITY_STATE, 3) },
	  C(GUEST_ACTIVITY_SIPI_SMM), F(GUEST_ACTIVITY_STATE), NULL },
	{ "entry to SMM without SMI blocking", CPU_MODERN, B_PROT32,
	  { OR(VM_ENTRY_CONTROLS, VMX_VM_ENTRY_SMM) }, C(GUEST_INTR_SMI_ENTRY_SMM),
	  F(GUEST_INTERRUPTIBILITY_INFO), NULL },
};

/* The family a check id belongs to, by the numbering scheme (100 each). */
static int family_of_id(unsigned id)
{
	return (int)(id / 100) - 1;
}

static int error_of_family(int family)
{
	if (family <= VMX_CHECK_FAMILY_ENTRY_CONTROLS)
		return VCPU_EENTRY_CONTROL;
	if (family <= VMX_CHECK_FAMILY_HOST_ADDR_SPACE)
		return VCPU_EENTRY_HOST;
	return VCPU_EENTRY_GUEST;
}

static uint32_t qualification_of(unsigned id)
{
	if (id == VMX_CHECK_GUEST_PDPTE_RESERVED || id == VMX_CHECK_GUEST_PDPTE_READ)
		return 2;	/* VMX_ENTRY_FAIL_PDPTE */
	if (id == VMX_CHECK_GUEST_VMCS_LINK_PTR)
		return 4;	/* VMX_ENTRY_FAIL_VMCS_LINK_PTR */
	return 0;
}

/* Run a failing case (the whole entry, or only the check's own family) and
 * compare the report with what the row expects. */
static void run_fail_case(const struct fail_case *t, bool family_only)
{
	struct tvmcs *v = make_vmcs(t->cpu, t->base);
	struct vmx_entry_failure f;
	const char *fname = vmcs_field_name(t->field);
	int err, fam = family_of_id(t->id);

	apply(v, t->m, ARRAY_SIZE(t->m));
	memset(&f, 0, sizeof(f));
	if (family_only)
		err = vmx_check_family(&v->env, (enum vmx_check_family)fam, &f);
	else
		err = vmx_check_entry(&v->env, &f);

	ck_assert_msg(err == error_of_family(fam), "%s: error %d, %s", t->what, err, describe(&f));
	ck_assert_msg(f.id == t->id, "%s: expected check %u (%s), got %s", t->what, t->id,
		      vmx_check_name(t->id), describe(&f));
	ck_assert_msg(f.field == t->field, "%s: expected field %s, got %#x: %s", t->what, fname,
		      f.field, describe(&f));
	ck_assert_int_eq(f.family, fam);
	ck_assert_str_eq(f.name, vmx_check_name(t->id));
	ck_assert_str_eq(f.sdm, vmx_check_sdm(t->id));
	ck_assert_int_eq(f.kind, fam <= VMX_CHECK_FAMILY_ENTRY_CONTROLS ? VMX_CHECK_KIND_CONTROL :
				 fam <= VMX_CHECK_FAMILY_HOST_ADDR_SPACE ? VMX_CHECK_KIND_HOST :
									   VMX_CHECK_KIND_GUEST);
	ck_assert_uint_eq(f.qualification, qualification_of(t->id));
	ck_assert_msg(fname && strncmp(f.message, fname, strlen(fname)) == 0,
		      "%s: message does not start with %s: %s", t->what, fname, f.message);
	ck_assert_msg(!t->text || strstr(f.message, t->text), "%s: message lacks \"%s\": %s",
		      t->what, t->text, f.message);
	free(v);
}

START_TEST(test_mutation_fails_named_check)
{
	run_fail_case(&fail_cases[_i], false);
}
END_TEST

/* The same row, run on its family alone, reports the same check. */
START_TEST(test_family_alone_reports_same_check)
{
	run_fail_case(&fail_cases[_i], true);
}
END_TEST

START_TEST(test_unreachable_check_fails_in_its_family)
{
	run_fail_case(&family_only_cases[_i], true);
}
END_TEST

/* ---- mutations that must still pass ------------------------------------- */

struct pass_case {
	const char *what;
	int cpu, base;
	struct mut m[4];
};

static const struct pass_case pass_cases[] = {
	{ "secondary controls ignored when not activated", CPU_MODERN, B_PROT32,
	  { CLR(CPU_BASED_VM_EXEC_CONTROL, VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS),
	    SET(SECONDARY_VM_EXEC_CONTROL, 0xffffffff) } },
	{ "bitmap addresses ignored when not used", CPU_MODERN, B_PROT32,
	  { CLR(CPU_BASED_VM_EXEC_CONTROL, VMX_CPU_BASED_USE_IO_BITMAPS |
					   VMX_CPU_BASED_USE_MSR_BITMAPS),
	    SET(IO_BITMAP_A, 1), SET(MSR_BITMAP, 1) } },
	{ "TPR threshold bits 31:4 with virtual-interrupt delivery", CPU_MODERN, B_PROT32,
	  { OR(SECONDARY_VM_EXEC_CONTROL, VMX_SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY),
	    SET(TPR_THRESHOLD, 0x20) } },
	{ "EPTP with A/D where supported", CPU_MODERN, B_PROT32,
	  { SET(EPT_POINTER, EPTP_VALID | 0x40) } },
	{ "EPTP UC", CPU_MODERN, B_PROT32, { SET(EPT_POINTER, 0x5018) } },
	{ "5-level EPT where supported", CPU_QUIRK, B_PROT32, { SET(EPT_POINTER, 0x5026) } },
	{ "MSR areas with count 0 are not checked", CPU_MODERN, B_PROT32,
	  { SET(VM_EXIT_MSR_STORE_ADDR, 1), SET(VM_ENTRY_MSR_LOAD_ADDR, 1) } },
	{ "valid MSR areas", CPU_MODERN, B_PROT32,
	  { SET(VM_EXIT_MSR_LOAD_COUNT, 4), SET(VM_EXIT_MSR_LOAD_ADDR, 0x1a010),
	    SET(VM_ENTRY_MSR_LOAD_COUNT, 2), SET(VM_ENTRY_MSR_LOAD_ADDR, 0x1b000) } },
	{ "#PF with error code", CPU_MODERN, B_PROT32,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000b0e), SET(VM_ENTRY_EXCEPTION_ERROR_CODE, 2) } },
	{ "#CP with error code", CPU_MODERN, B_PROT32,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000b15) } },
	{ "#GP without error code in real mode", CPU_MODERN, B_REAL,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x8000030d) } },
	{ "IA32_VMX_BASIC[56]: #UD with error code", CPU_QUIRK, B_PROT32,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000b06) } },
	{ "IA32_VMX_BASIC[56]: #GP without error code", CPU_QUIRK, B_PROT32,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x8000030d) } },
	{ "IA32_VMX_MISC[30]: INT3 with length 0", CPU_MODERN, B_PROT32,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000603), SET(VM_ENTRY_INSTRUCTION_LEN, 0) } },
	{ "pending MTF VM exit", CPU_MODERN, B_PROT32,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000700) } },
	{ "external interrupt with IF set", CPU_MODERN, B_PROT32,
	  { SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000030), SET(GUEST_RFLAGS, 0x202) } },
	{ "#DB injected into HLT", CPU_MODERN, B_PROT32,
	  { SET(GUEST_ACTIVITY_STATE, 1), SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000301) } },
	{ "#MC injected into shutdown", CPU_MODERN, B_PROT32,
	  { SET(GUEST_ACTIVITY_STATE, 2), SET(VM_ENTRY_INTR_INFO_FIELD, 0x80000312) } },
	{ "STI blocking, TF set, BS set", CPU_MODERN, B_PROT32,
	  { SET(GUEST_INTERRUPTIBILITY_INFO, 1), SET(GUEST_RFLAGS, 0x302),
	    SET(GUEST_PENDING_DBG_EXCEPTIONS, 0x4000) } },
	{ "legacy: MOV-SS blocking, TF and BTF set, BS clear", CPU_LEGACY, B_PROT32,
	  { SET(GUEST_INTERRUPTIBILITY_INFO, 2), SET(GUEST_RFLAGS, 0x102),
	    SET(GUEST_IA32_DEBUGCTL, 0x2) } },
	{ "RTM pending debug with enabled breakpoint", CPU_MODERN, B_PROT32,
	  { SET(GUEST_PENDING_DBG_EXCEPTIONS, 0x11000) } },
	{ "valid VMCS link pointer", CPU_MODERN, B_PROT32, { SET(VMCS_LINK_POINTER, 0x1c000) } },
	{ "unusable segments are not checked", CPU_MODERN, B_PROT32,
	  { SET(GUEST_DS_AR_BYTES, 0x10000), SET(GUEST_DS_BASE, 1ull << 40),
	    SET(GUEST_ES_AR_BYTES, 0x1ffff), SET(GUEST_LDTR_SELECTOR, 0x2c) } },
	{ "unrestricted guest: CS type 3 with DPL 0", CPU_MODERN, B_REAL,
	  { SET(GUEST_CS_AR_BYTES, 0x93) } },
	{ "unrestricted guest: SS.RPL differs from CS.RPL", CPU_MODERN, B_REAL,
	  { SET(GUEST_GDTR_LIMIT, 0xffff), SET(GUEST_SS_SELECTOR, 3) } },
	{ "conforming CS with DPL below SS.DPL", CPU_MODERN, B_PROT32,
	  { SET(GUEST_CS_AR_BYTES, 0xc09f) } },
	{ "IA-32e compatibility mode", CPU_MODERN, B_IA32E,
	  { SET(GUEST_CS_AR_BYTES, 0xc09b), SET(GUEST_RIP, 0x1000) } },
	{ "LA57: 57-bit canonical RIP", CPU_QUIRK, B_IA32E,
	  { SET(GUEST_RIP, 0x00ff800000000000ull), SET(HOST_RIP, 0xff00000000001000ull) } },
	{ "IA-32e guest with CR4.PCIDE", CPU_MODERN, B_IA32E, { SET(GUEST_CR4, 0x22020) } },
	{ "PAE paging, EPT: the memory PDPTEs are not used", CPU_MODERN, B_PAE,
	  { MEM(0x20008, 0x7), SET(GUEST_CR3, 0x1000000) } },
	{ "no paging: PDPTEs not checked", CPU_MODERN, B_REAL,
	  { SET(GUEST_CR4, 0x2020), SET(GUEST_PDPTR0, 0xff) } },
};

START_TEST(test_mutation_still_passes)
{
	const struct pass_case *t = &pass_cases[_i];
	struct tvmcs *v = make_vmcs(t->cpu, t->base);
	struct vmx_entry_failure f;
	int err;

	apply(v, t->m, ARRAY_SIZE(t->m));
	memset(&f, 0, sizeof(f));
	err = vmx_check_entry(&v->env, &f);
	ck_assert_msg(err == 0, "%s: %s", t->what, describe(&f));
	free(v);
}
END_TEST

/* ---- order, reports and the id table ------------------------------------ */

START_TEST(test_control_failure_reported_before_host_and_guest)
{
	struct tvmcs *v = make_vmcs(CPU_MODERN, B_PROT32);
	struct vmx_entry_failure f;

	tv_set(v, VMCS_GUEST_CR0, 0);
	tv_set(v, VMCS_HOST_CR0, 0);
	tv_set(v, VMCS_CR3_TARGET_COUNT, 9);
	ck_assert_int_eq(vmx_check_entry(&v->env, &f), VCPU_EENTRY_CONTROL);
	ck_assert_uint_eq(f.id, VMX_CHECK_EXEC_CR3_TARGET_COUNT);
	ck_assert_int_eq(f.kind, VMX_CHECK_KIND_CONTROL);

	tv_set(v, VMCS_CR3_TARGET_COUNT, 0);
	ck_assert_int_eq(vmx_check_entry(&v->env, &f), VCPU_EENTRY_HOST);
	ck_assert_uint_eq(f.id, VMX_CHECK_HOST_CR0_FIXED0);
	ck_assert_int_eq(f.kind, VMX_CHECK_KIND_HOST);

	tv_set(v, VMCS_HOST_CR0, 0x80050033);
	ck_assert_int_eq(vmx_check_entry(&v->env, &f), VCPU_EENTRY_GUEST);
	ck_assert_uint_eq(f.id, VMX_CHECK_GUEST_CR0_FIXED0);
	ck_assert_int_eq(f.kind, VMX_CHECK_KIND_GUEST);
	free(v);
}
END_TEST

START_TEST(test_first_failure_in_sdm_order_within_family)
{
	struct tvmcs *v = make_vmcs(CPU_MODERN, B_PROT32);
	struct vmx_entry_failure f;

	/* Both the VPID and the EPTP are bad: VPID comes first in the SDM. */
	tv_set(v, VMCS_EPT_POINTER, 0x5019);
	tv_set(v, VMCS_VIRTUAL_PROCESSOR_ID, 0);
	ck_assert_int_eq(vmx_check_entry(&v->env, &f), VCPU_EENTRY_CONTROL);
	ck_assert_uint_eq(f.id, VMX_CHECK_EXEC_VPID);
	/* The guest family alone still sees a valid guest. */
	ck_assert_int_eq(vmx_check_family(&v->env, VMX_CHECK_FAMILY_GUEST_SEGMENTS, &f), 0);
	free(v);
}
END_TEST

START_TEST(test_message_names_field_value_and_requirement)
{
	struct tvmcs *v = make_vmcs(CPU_MODERN, B_PROT32);
	struct vmx_entry_failure f;

	tv_set(v, VMCS_GUEST_CR0, 0x60000031);
	ck_assert_int_eq(vmx_check_entry(&v->env, &f), VCPU_EENTRY_GUEST);
	ck_assert_str_eq(f.name, "guest-cr0-fixed0");
	ck_assert_str_eq(f.sdm, "26.3.1.1 Checks on Guest Control Registers, Debug Registers, "
				"and MSRs");
	ck_assert_uint_eq(f.field, VMCS_GUEST_CR0);
	ck_assert_uint_eq(f.value, 0x60000031);
	ck_assert_uint_eq(f.qualification, 0);
	ck_assert_str_eq(f.message,
			 "GUEST_CR0 = 0x60000031: bit 31 (PG) must be 1 "
			 "(IA32_VMX_CR0_FIXED0 = 0x80000021; unrestricted guest is off)");
	free(v);
}
END_TEST

START_TEST(test_failure_pointer_may_be_null)
{
	struct tvmcs *v = make_vmcs(CPU_MODERN, B_PROT32);

	ck_assert_int_eq(vmx_check_entry(&v->env, NULL), 0);
	tv_set(v, VMCS_GUEST_RFLAGS, 0);
	ck_assert_int_eq(vmx_check_entry(&v->env, NULL), VCPU_EENTRY_GUEST);
	free(v);
}
END_TEST

START_TEST(test_bad_arguments_are_refused)
{
	struct tvmcs *v = make_vmcs(CPU_MODERN, B_PROT32);
	struct vmx_check_env env = v->env;
	struct vmx_entry_failure f;

	ck_assert_int_eq(vmx_check_entry(NULL, &f), VCPU_EINVAL);
	ck_assert_int_eq(vmx_check_family(&v->env, VMX_NR_CHECK_FAMILIES, &f), VCPU_EINVAL);
	ck_assert_int_eq(vmx_check_family(&v->env, (enum vmx_check_family)-1, &f), VCPU_EINVAL);
	env.caps = NULL;
	ck_assert_int_eq(vmx_check_entry(&env, &f), VCPU_EINVAL);
	env = v->env;
	env.read_field = NULL;
	ck_assert_int_eq(vmx_check_entry(&env, &f), VCPU_EINVAL);
	free(v);
}
END_TEST

/* Without a guest-memory reader and without EPT, the PDPTE fields are used. */
START_TEST(test_pdptes_from_fields_without_reader)
{
	struct tvmcs *v = make_vmcs(CPU_LEGACY, B_PAE);
	struct vmx_entry_failure f;

	v->env.read_guest = NULL;
	tv_set(v, VMCS_GUEST_CR3, 0x1000000);
	ck_assert_int_eq(vmx_check_entry(&v->env, &f), 0);
	tv_set(v, VMCS_GUEST_PDPTR3, 0x1001 | (1ull << 63));
	ck_assert_int_eq(vmx_check_entry(&v->env, &f), VCPU_EENTRY_GUEST);
	ck_assert_uint_eq(f.id, VMX_CHECK_GUEST_PDPTE_RESERVED);
	ck_assert_uint_eq(f.field, VMCS_GUEST_PDPTR3);
	ck_assert_uint_eq(f.qualification, 2);
	free(v);
}
END_TEST

static const char *const family_sections[VMX_NR_CHECK_FAMILIES] = {
	"26.2.1.1 ", "26.2.1.2 ", "26.2.1.3 ", "26.2.2 ", "26.2.3 ", "26.2.4 ",
	"26.3.1.1 ", "26.3.1.2 ", "26.3.1.3 ", "26.3.1.4 ", "26.3.1.5 ", "26.3.1.6 ",
};

START_TEST(test_every_check_has_name_and_section)
{
	struct {
		unsigned id;
		int family;
		const char *name, *sdm;
	} list[] = {
#define LIST_ENTRY_(id, num, family, name, sdm) { (num), (family), (name), (sdm) },
		VMX_ENTRY_CHECK_LIST(LIST_ENTRY_)
#undef LIST_ENTRY_
	};
	unsigned n = vmx_check_count();

	ck_assert_uint_eq(n, ARRAY_SIZE(list));
	for (unsigned i = 0; i < n; i++) {
		unsigned id = vmx_check_id_at(i);

		ck_assert_uint_eq(id, list[i].id);
		ck_assert_int_eq(family_of_id(id), list[i].family);
		ck_assert_ptr_nonnull(vmx_check_name(id));
		ck_assert_str_eq(vmx_check_name(id), list[i].name);
		ck_assert_ptr_nonnull(vmx_check_sdm(id));
		ck_assert_msg(strncmp(vmx_check_sdm(id), family_sections[list[i].family],
				      strlen(family_sections[list[i].family])) == 0,
			      "check %u: section %s, family %d", id, vmx_check_sdm(id),
			      list[i].family);
		ck_assert_uint_gt(strlen(vmx_check_sdm(id)),
				  strlen(family_sections[list[i].family]));
		/* names are unique; the list is in family order */
		for (unsigned j = 0; j < i; j++) {
			ck_assert_uint_ne(list[j].id, id);
			ck_assert_str_ne(list[j].name, list[i].name);
			ck_assert_int_le(list[j].family, list[i].family);
		}
	}
	ck_assert_uint_eq(vmx_check_id_at(n), 0);
	ck_assert_ptr_null(vmx_check_name(0));
	ck_assert_ptr_null(vmx_check_name(99999));
	ck_assert_ptr_null(vmx_check_sdm(99999));
}
END_TEST

START_TEST(test_every_family_has_name)
{
	for (int fam = 0; fam < VMX_NR_CHECK_FAMILIES; fam++) {
		const char *name = vmx_check_family_name((enum vmx_check_family)fam);

		ck_assert_ptr_nonnull(name);
		for (int other = 0; other < fam; other++)
			ck_assert_str_ne(name, vmx_check_family_name((enum vmx_check_family)other));
	}
	ck_assert_str_eq(vmx_check_family_name(VMX_CHECK_FAMILY_GUEST_SEGMENTS), "guest-segments");
	ck_assert_ptr_null(vmx_check_family_name(VMX_NR_CHECK_FAMILIES));
}
END_TEST

/* Every check id is exercised by at least one failing row. */
START_TEST(test_every_check_is_tested)
{
	for (unsigned i = 0; i < vmx_check_count(); i++) {
		unsigned id = vmx_check_id_at(i);
		bool found = false;

		for (size_t k = 0; k < ARRAY_SIZE(fail_cases) && !found; k++)
			found = fail_cases[k].id == id;
		for (size_t k = 0; k < ARRAY_SIZE(family_only_cases) && !found; k++)
			found = family_only_cases[k].id == id;
		ck_assert_msg(found, "no failing case for check %u (%s)", id, vmx_check_name(id));
	}
}
END_TEST

static Suite *entry_check_suite(void)
{
	Suite *s = suite_create("entry_check");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, make_quirk, NULL);
	tcase_add_loop_test(tc, test_valid_baseline_passes, 0, (int)ARRAY_SIZE(base_runs));
	tcase_add_test(tc, test_each_family_passes_alone);
	tcase_add_loop_test(tc, test_mutation_fails_named_check, 0, (int)ARRAY_SIZE(fail_cases));
	tcase_add_loop_test(tc, test_family_alone_reports_same_check, 0,
			    (int)ARRAY_SIZE(fail_cases));
	tcase_add_loop_test(tc, test_unreachable_check_fails_in_its_family, 0,
			    (int)ARRAY_SIZE(family_only_cases));
	tcase_add_loop_test(tc, test_mutation_still_passes, 0, (int)ARRAY_SIZE(pass_cases));
	tcase_add_test(tc, test_control_failure_reported_before_host_and_guest);
	tcase_add_test(tc, test_first_failure_in_sdm_order_within_family);
	tcase_add_test(tc, test_message_names_field_value_and_requirement);
	tcase_add_test(tc, test_failure_pointer_may_be_null);
	tcase_add_test(tc, test_bad_arguments_are_refused);
	tcase_add_test(tc, test_pdptes_from_fields_without_reader);
	tcase_add_test(tc, test_every_check_has_name_and_section);
	tcase_add_test(tc, test_every_family_has_name);
	tcase_add_test(tc, test_every_check_is_tested);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(entry_check_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * Fuzz target: VMCS access and VM entry, on the mock's VMX instructions
 * (vm_mock_*) and through a VCPU (vcpu_vmread/vmwrite/run/migrate).
 *
 * Every operation is also run on a small reference model of the SDM's
 * rules, written here from Vol. 3C ("VMX Instruction Reference", "VM
 * Entries", Appendix B) and not from the library: per VMCS its revision
 * id, launch state, the logical CPU it is active on and the values of its
 * components; per logical CPU its current VMCS. Results (return code and
 * VM-instruction error) and values read back must agree with the model.
 * What the model cannot know (a VMCS the core wrote, the outcome of the
 * entry checks on it) it learns from the first answer and holds the mock
 * to from then on. Where every component of a VMCS is known, the entry
 * checks run from scratch on the model's values must give the mock's
 * (memoized) answer. The byte layout is in corpus/make_seeds_vmcs.py; with
 * LIBVCPU_FUZZ_TRACE set, each operation's result is printed.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "libvcpu/libvcpu.h"
#include "libvcpu/mock.h"

#define MAX_VMCS 9
#define MAX_PCPUS 4
#define MAX_OPS 96

/* ---- the SDM's component list and rules (Appendix B, A.3-A.6) ------------ */

static const uint32_t sdm_fields[] = {
#define FIELD_(name, enc) enc,
	VMCS_FIELD_LIST(FIELD_, FIELD_)
#undef FIELD_
};

#define NR_FIELDS (sizeof(sdm_fields) / sizeof(sdm_fields[0]))
#define NO_SLOT (-1)

enum width { W16, W64, W32, WNAT };

/* Encoding bits: 0 access (high), 9:1 index, 11:10 type, 14:13 width;
 * 12 and 31:15 reserved. A high access exists for 64-bit fields only. */
static int model_slot(uint32_t enc)
{
	if (enc & 0xffff9000u)
		return NO_SLOT;
	if ((enc & 1) && ((enc >> 13) & 3) != W64)
		return NO_SLOT;
	for (unsigned i = 0; i < NR_FIELDS; i++)
		if (sdm_fields[i] == (enc & ~1u))
			return (int)i;
	return NO_SLOT;
}

static bool read_only(uint32_t enc)
{
	return ((enc >> 10) & 3) == 1;
}

static uint64_t width_mask(uint32_t enc)
{
	if (enc & 1)
		return 0xffffffffull;
	switch ((enc >> 13) & 3) {
	case W16:
		return 0xffff;
	case W32:
		return 0xffffffffull;
	default:
		return ~0ull;
	}
}

/* Allowed-1 settings of a control: bits 63:32 of its capability MSR. */
static uint32_t allowed1(uint64_t msr)
{
	return (uint32_t)(msr >> 32);
}

static uint32_t secondary_allowed(const struct vmx_caps *caps)
{
	return (allowed1(caps->procbased_ctls) & VMX_BIT(31)) ? allowed1(caps->procbased_ctls2) : 0;
}

/*
 * A processor has a component when it has the feature that uses it. The
 * features struct vmx_caps cannot express (CET, PKS, FRED, HLAT, PASID,
 * SPP, PCONFIG, ENCLV, IPI virtualization, user interrupts, arch LBRs,
 * notify, SPEC_CTRL virtualization, event data) the library declares
 * absent (vmx.h).
 */
static bool supported(const struct vmx_caps *caps, uint32_t enc)
{
	uint32_t pin = allowed1(caps->pinbased_ctls), proc = allowed1(caps->procbased_ctls);
	uint32_t proc2 = secondary_allowed(caps);
	uint32_t exit = allowed1(caps->exit_ctls), entry = allowed1(caps->entry_ctls);

	if (model_slot(enc) == NO_SLOT)
		return false;
	switch (enc & ~1u) {
	case 0x0000:				return proc2 & VMX_BIT(5);	/* VPID */
	case 0x0002: case 0x2016:		return pin & VMX_BIT(7);	/* posted interrupts */
	case 0x0004: case 0x202a:		return proc2 & VMX_BIT(18);	/* EPT-violation #VE */
	case 0x0810: case 0x201c: case 0x201e:
	case 0x2020: case 0x2022:		return proc2 & VMX_BIT(9);	/* virtual-interrupt delivery */
	case 0x0812: case 0x200e:		return proc2 & VMX_BIT(17);	/* PML */
	case 0x201a: case 0x2400: case 0x280a:
	case 0x280c: case 0x280e: case 0x2810:	return proc2 & VMX_BIT(1);	/* EPT */
	case 0x2018: case 0x2024:		return proc2 & VMX_BIT(13);	/* VM functions */
	case 0x2026: case 0x2028:		return proc2 & VMX_BIT(14);	/* VMCS shadowing */
	case 0x202c:				return proc2 & VMX_BIT(20);	/* XSAVES */
	case 0x202e:				return proc2 & VMX_BIT(15);	/* ENCLS exiting */
	case 0x2032:				return proc2 & VMX_BIT(25);	/* TSC scaling */
	case 0x2014:				return proc2 & VMX_BIT(0);	/* APIC accesses */
	case 0x4020: case 0x4022:		return proc2 & VMX_BIT(10);	/* PAUSE-loop exiting */
	case 0x401e:				return proc & VMX_BIT(31);	/* secondary controls */
	case 0x2012: case 0x401c:		return proc & VMX_BIT(21);	/* TPR shadow */
	case 0x482e:				return pin & VMX_BIT(6);	/* preemption timer */
	case 0x2808:				return entry & VMX_BIT(13);	/* load PERF_GLOBAL_CTRL */
	case 0x2c04:				return exit & VMX_BIT(12);
	case 0x2804:				return entry & VMX_BIT(14);	/* load PAT */
	case 0x2c00:				return exit & VMX_BIT(19);
	case 0x2806:				return entry & VMX_BIT(15);	/* load EFER */
	case 0x2c02:				return exit & VMX_BIT(21);
	case 0x2812:				return entry & VMX_BIT(16);	/* load BNDCFGS */
	case 0x2814:				return entry & VMX_BIT(18);	/* load RTIT_CTL */
	case 0x4828: case 0x200c:		return caps->basic & VMX_BIT64(49);	/* dual-monitor SMM */
	case 0x6008: case 0x600a: case 0x600c:
	case 0x600e:	/* CR3-target values: as many as IA32_VMX_MISC[24:16] says */
		return ((enc & ~1u) - 0x6008) / 2 < ((caps->misc >> 16) & 0x1ff);
	case 0x0006: case 0x0008: case 0x0814: case 0x2030: case 0x2034: case 0x2036: case 0x2038:
	case 0x203a: case 0x203c: case 0x203e: case 0x2040: case 0x2042: case 0x2044: case 0x204a:
	case 0x204c: case 0x2052: case 0x2404: case 0x2816: case 0x2818: case 0x2c06: case 0x4024:
	case 0x6828: case 0x682a: case 0x682c: case 0x6c18: case 0x6c1a: case 0x6c1c:
		return false;
	default:
		/* FRED state (0x281a-0x2828, 0x2c08-0x2c16) is absent too. */
		return !((enc >= 0x281a && enc <= 0x2829) || (enc >= 0x2c08 && enc <= 0x2c17));
	}
}

/* VM-instruction errors as the mock's calls return them. */
static int error_code(unsigned number)
{
	switch (number) {
	case 7:
		return VCPU_EENTRY_CONTROL;
	case 8:
		return VCPU_EENTRY_HOST;
	case 12:
		return VCPU_EVMCS_UNSUPPORTED;
	case 13:
		return VCPU_EVMCS_READ_ONLY;
	default:
		return VCPU_EVMX_INSN;
	}
}

/* ---- the model --------------------------------------------------------- */

enum launch { CLEAR, LAUNCHED };

struct mvmcs {
	uint64_t hpa;
	uint32_t revision;
	enum launch launch;
	int active_on;			/* logical CPU, or -1 */
	bool known[NR_FIELDS];
	uint64_t val[NR_FIELDS];
};

/* The VCPU's software VMCS as the core keeps it (its own cache). */
struct mcore {
	bool known[NR_FIELDS];
	uint64_t val[NR_FIELDS];
	bool written[NR_FIELDS];	/* by vcpu_vmwrite since the last run */
	int pcpu;			/* where the core believes its VMCS is
					 * current (one VCPU: it is, or -1) */
};

struct ctx {
	struct fuzz_input in;
	struct vm *vm;
	struct vcpu *vcpu;
	const struct vmx_caps *caps;
	unsigned nr_pcpus;
	struct mvmcs vmcs[MAX_VMCS];
	unsigned nr_vmcs;
	int vcpu_vmcs;			/* index of the VCPU's VMCS */
	int current[MAX_PCPUS];		/* VMCS index per logical CPU, or -1 */
	uint64_t vmxon[MAX_PCPUS];
	struct mcore core;
	uint64_t template[NR_FIELDS];	/* a VMCS that enters: the VCPU's */
	bool in_template[NR_FIELDS];
	uint8_t *ram;
};

static const int error_slot_enc = 0x4400;	/* VM_INSTRUCTION_ERROR */

static bool shadow_supported(const struct ctx *c)
{
	return secondary_allowed(c->caps) & VMX_BIT(14);
}

static bool address_valid(const struct ctx *c, uint64_t hpa)
{
	if (hpa & 0xfff)
		return false;
	/* IA32_VMX_BASIC[48]: addresses are limited to 32 bits. */
	if ((c->caps->basic & VMX_BIT64(48)) && (hpa >> 32))
		return false;
	return !(hpa >> c->caps->maxphyaddr);
}

static int vmcs_at(const struct ctx *c, uint64_t hpa)
{
	for (unsigned i = 0; i < c->nr_vmcs; i++)
		if (c->vmcs[i].hpa == hpa)
			return (int)i;
	return -1;
}

/* VMfailInvalid without a current VMCS, else VMfailValid(number). */
static int vmfail(struct ctx *c, unsigned cpu, unsigned number)
{
	struct mvmcs *v;
	int slot = model_slot(error_slot_enc);

	if (c->current[cpu] < 0)
		return VCPU_EVMFAIL_INVALID;
	v = &c->vmcs[c->current[cpu]];
	v->known[slot] = true;
	v->val[slot] = number;
	return error_code(number);
}

static int model_vmclear(struct ctx *c, unsigned cpu, uint64_t hpa)
{
	int k;

	if (!address_valid(c, hpa))
		return vmfail(c, cpu, 2);
	if (hpa == c->vmxon[cpu])
		return vmfail(c, cpu, 3);
	k = vmcs_at(c, hpa);
	if (k >= 0) {
		struct mvmcs *v = &c->vmcs[k];

		/* The mock makes it current nowhere, wherever it was active
		 * (the SDM leaves VMCLEAR of a VMCS active elsewhere open). */
		if (v->active_on >= 0 && c->current[v->active_on] == k)
			c->current[v->active_on] = -1;
		v->active_on = -1;
		v->launch = CLEAR;
	}
	return 0;
}

static int model_vmptrld(struct ctx *c, unsigned cpu, uint64_t hpa)
{
	uint32_t want = (uint32_t)(c->caps->basic & 0x7fffffffu);
	struct mvmcs *v;
	int k;

	if (!address_valid(c, hpa))
		return vmfail(c, cpu, 9);
	if (hpa == c->vmxon[cpu])
		return vmfail(c, cpu, 10);
	k = vmcs_at(c, hpa);
	/* Memory the mock holds no VMCS in has no matching revision id. */
	if (k < 0)
		return vmfail(c, cpu, 11);
	v = &c->vmcs[k];
	/* Bits 30:0 the processor's revision; bit 31 a shadow VMCS, where
	 * the processor has VMCS shadowing. */
	if ((v->revision & 0x7fffffffu) != want || ((v->revision >> 31) && !shadow_supported(c)))
		return vmfail(c, cpu, 11);
	if (v->active_on >= 0 && v->active_on != (int)cpu)
		return VCPU_ESTATE;
	v->active_on = (int)cpu;
	c->current[cpu] = k;
	return 0;
}

static uint64_t read_value(uint64_t stored, uint32_t enc)
{
	return (enc & 1) ? stored >> 32 : stored & width_mask(enc);
}

static void write_value(bool *known, uint64_t *stored, uint32_t enc, uint64_t value)
{
	if (enc & 1) {
		*stored = (*stored & 0xffffffffull) | (value << 32);
	} else {
		*stored = value & width_mask(enc);
		*known = true;
	}
}

/* ---- the mock's VMX instructions against the model ------------------------- */

static bool trace;

static void expect(int got, int want, const char *what)
{
	if (trace)
		fprintf(stderr, "%s: %s\n", what, vcpu_error_name(got));
	FUZZ_ASSERT(got == want, "%s returned %s, the model says %s", what, vcpu_error_name(got),
		    vcpu_error_name(want));
}

/* Compare the VM-instruction error the mock reports with the model's. */
static void check_insn_error(struct ctx *c, unsigned cpu)
{
	uint32_t got = vm_mock_insn_error(c->vm, cpu);
	int slot = model_slot(error_slot_enc);
	struct mvmcs *v;

	if (c->current[cpu] < 0) {
		FUZZ_ASSERT(got == 0, "VM-instruction error %u without a current VMCS", got);
		return;
	}
	v = &c->vmcs[c->current[cpu]];
	if (!v->known[slot]) {
		v->known[slot] = true;
		v->val[slot] = got;
	}
	FUZZ_ASSERT(got == (uint32_t)v->val[slot], "VM-instruction error %u, the model says %u", got,
		    (unsigned)v->val[slot]);
}

static void op_vmclear(struct ctx *c, unsigned cpu, uint64_t hpa)
{
	expect(vm_mock_vmclear(c->vm, cpu, hpa), model_vmclear(c, cpu, hpa), "VMCLEAR");
	check_insn_error(c, cpu);
}

static void op_vmptrld(struct ctx *c, unsigned cpu, uint64_t hpa)
{
	expect(vm_mock_vmptrld(c->vm, cpu, hpa), model_vmptrld(c, cpu, hpa), "VMPTRLD");
	check_insn_error(c, cpu);
}

static void op_vmread(struct ctx *c, unsigned cpu, uint32_t enc)
{
	uint64_t got = 0xdeadbeefdeadbeefull;
	int r = vm_mock_vmread(c->vm, cpu, enc, &got), want, slot = model_slot(enc);
	struct mvmcs *v;

	if (c->current[cpu] < 0)
		want = VCPU_EVMFAIL_INVALID;
	else if (!supported(c->caps, enc))
		want = vmfail(c, cpu, 12);
	else
		want = 0;
	expect(r, want, "VMREAD");
	check_insn_error(c, cpu);
	if (r < 0)
		return;
	v = &c->vmcs[c->current[cpu]];
	if (!v->known[slot]) {
		/* Learn it: a full read gives the whole value, a high read
		 * only says nothing about the low half. */
		if (enc & 1)
			return;
		v->known[slot] = true;
		v->val[slot] = got;
	}
	FUZZ_ASSERT(got == read_value(v->val[slot], enc), "VMREAD 0x%x = 0x%llx, the model says 0x%llx",
		    enc, (unsigned long long)got, (unsigned long long)read_value(v->val[slot], enc));
}

static void op_vmwrite(struct ctx *c, unsigned cpu, uint32_t enc, uint64_t value)
{
	int r = vm_mock_vmwrite(c->vm, cpu, enc, value), want, slot = model_slot(enc);

	if (c->current[cpu] < 0)
		want = VCPU_EVMFAIL_INVALID;
	else if (!supported(c->caps, enc))
		want = vmfail(c, cpu, 12);
	else if (read_only(enc) && !(c->caps->misc & VMX_MISC_VMWRITE_SHADOW_RO_FIELDS))
		want = vmfail(c, cpu, 13);
	else
		want = 0;
	expect(r, want, "VMWRITE");
	if (r == 0) {
		struct mvmcs *v = &c->vmcs[c->current[cpu]];

		write_value(&v->known[slot], &v->val[slot], enc, value);
	}
	check_insn_error(c, cpu);
}

struct env_ctx {
	const struct ctx *c;
	const struct mvmcs *v;
};

static uint64_t env_read_field(void *opaque, uint32_t enc)
{
	const struct env_ctx *e = opaque;
	int slot = model_slot(enc);

	if (slot == NO_SLOT || !supported(e->c->caps, enc))
		return 0;
	return read_value(e->v->val[slot], enc);
}

static int env_read_guest(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	const struct env_ctx *e = opaque;

	return vm_read_guest(e->c->vm, gpa, buf, len);
}

/* The entry checks from scratch on the model's values, if it knows them all. */
static bool model_checks(struct ctx *c, const struct mvmcs *v, int *r, struct vmx_entry_failure *f)
{
	struct env_ctx e = { c, v };
	struct vmx_check_env env = { c->caps, env_read_field, env_read_guest, &e };

	for (unsigned i = 0; i < NR_FIELDS; i++)
		if (!v->known[i] && supported(c->caps, sdm_fields[i]))
			return false;
	*r = vmx_check_entry(&env, f);
	return true;
}

static void check_failure(int r, const struct vmx_entry_failure *f)
{
	enum vmx_check_kind kind = r == VCPU_EENTRY_CONTROL ? VMX_CHECK_KIND_CONTROL
				   : r == VCPU_EENTRY_HOST ? VMX_CHECK_KIND_HOST : VMX_CHECK_KIND_GUEST;

	FUZZ_ASSERT(vmx_check_name(f->id) && f->name && !strcmp(f->name, vmx_check_name(f->id)),
		    "failed entry (%s) names no check (id %u)", vcpu_error_name(r), f->id);
	FUZZ_ASSERT(f->kind == kind, "check %s is of kind %d, the entry failed with %s", f->name, f->kind,
		    vcpu_error_name(r));
	FUZZ_ASSERT(f->message[0], "check %s without a message", f->name);
}

static void op_vmenter(struct ctx *c, unsigned cpu, bool launch)
{
	struct vmx_entry_failure got_f, want_f;
	int r = vm_mock_vmenter(c->vm, cpu, launch, &got_f), want;
	struct mvmcs *v;
	int k = c->current[cpu];

	if (k < 0) {
		expect(r, VCPU_EVMFAIL_INVALID, "VM entry");
		return;
	}
	v = &c->vmcs[k];
	/* A shadow VMCS is for VMREAD and VMWRITE only (SDM 26.1). */
	if (v->revision >> 31) {
		expect(r, VCPU_EVMFAIL_INVALID, "VM entry with a shadow VMCS");
		return;
	}
	if (launch && v->launch != CLEAR) {
		expect(r, vmfail(c, cpu, 4), "VMLAUNCH");
	} else if (!launch && v->launch != LAUNCHED) {
		expect(r, vmfail(c, cpu, 5), "VMRESUME");
	} else {
		FUZZ_ASSERT(r == 0 || r == VCPU_EENTRY_CONTROL || r == VCPU_EENTRY_HOST || r == VCPU_EENTRY_GUEST,
			    "VM entry returned %s", vcpu_error_name(r));
		if (trace)
			fprintf(stderr, "%s: %s %s\n", launch ? "VMLAUNCH" : "VMRESUME", vcpu_error_name(r),
				r < 0 ? got_f.name : "");
		if (model_checks(c, v, &want, &want_f)) {
			expect(r, want, "VM entry checks");
			if (r < 0)
				FUZZ_ASSERT(got_f.id == want_f.id, "the mock failed check %s, from scratch %s fails",
					    got_f.name, want_f.name);
		}
		if (r < 0)
			check_failure(r, &got_f);
		if (r == VCPU_EENTRY_CONTROL || r == VCPU_EENTRY_HOST) {
			vmfail(c, cpu, r == VCPU_EENTRY_CONTROL ? 7 : 8);
		} else if (r == VCPU_EENTRY_GUEST) {
			/* SDM 26.7: reason 33 with bit 31 and the qualification
			 * are recorded; the launch state stays. */
			int reason = model_slot(VMCS_VM_EXIT_REASON), qual = model_slot(VMCS_EXIT_QUALIFICATION);

			v->known[reason] = v->known[qual] = true;
			v->val[reason] = VMX_EXIT_REASON_INVALID_STATE | VMX_EXIT_REASON_FAILED_VMENTRY;
			v->val[qual] = got_f.qualification;
		} else {
			v->launch = LAUNCHED;
		}
	}
	check_insn_error(c, cpu);
}

/* ---- the VCPU: its software VMCS, runs and migrations ---------------------- */

/* The core reads through to the mock only where its VMCS is current. */
static bool vcpu_vmcs_current(const struct ctx *c)
{
	return c->core.pcpu >= 0 && c->current[c->core.pcpu] == c->vcpu_vmcs;
}

static void op_vcpu_vmread(struct ctx *c, uint32_t enc)
{
	uint64_t got = 0;
	int r = vcpu_vmread(c->vcpu, enc, &got), slot = model_slot(enc), err = model_slot(error_slot_enc);

	if (!supported(c->caps, enc)) {
		expect(r, VCPU_EVMCS_UNSUPPORTED, "vcpu_vmread");
		c->core.known[err] = true;
		c->core.val[err] = 12;
		return;
	}
	if (r == VCPU_EVMFAIL_INVALID && !c->core.known[slot] && !vcpu_vmcs_current(c))
		return;
	expect(r, 0, "vcpu_vmread");
	if (!c->core.known[slot]) {
		if (enc & 1)
			return;
		c->core.known[slot] = true;
		c->core.val[slot] = got;
	}
	FUZZ_ASSERT(got == read_value(c->core.val[slot], enc), "vcpu_vmread 0x%x = 0x%llx, the model says 0x%llx",
		    enc, (unsigned long long)got, (unsigned long long)read_value(c->core.val[slot], enc));
}

static void op_vcpu_vmwrite(struct ctx *c, uint32_t enc, uint64_t value)
{
	int r, slot = model_slot(enc), err = model_slot(error_slot_enc);

	/* Real mode without unrestricted guest is fuzz_exits' (the emulator
	 * runs it): keep the guest's view of CR0.PE set there. */
	if (!vm_unrestricted_guest(c->vm) && (enc == VMCS_CR0_READ_SHADOW || enc == VMCS_CR0_GUEST_HOST_MASK))
		value |= VMX_CR0_PE;
	r = vcpu_vmwrite(c->vcpu, enc, value);
	if (!supported(c->caps, enc)) {
		expect(r, VCPU_EVMCS_UNSUPPORTED, "vcpu_vmwrite");
		c->core.known[err] = true;
		c->core.val[err] = 12;
		return;
	}
	if (read_only(enc) && !(c->caps->misc & VMX_MISC_VMWRITE_SHADOW_RO_FIELDS)) {
		expect(r, VCPU_EVMCS_READ_ONLY, "vcpu_vmwrite");
		c->core.known[err] = true;
		c->core.val[err] = 13;
		return;
	}
	/* A high write reads the low half first. */
	if (r == VCPU_EVMFAIL_INVALID && (enc & 1) && !c->core.known[slot] && !vcpu_vmcs_current(c))
		return;
	expect(r, 0, "vcpu_vmwrite");
	write_value(&c->core.known[slot], &c->core.val[slot], enc, value);
	c->core.written[slot] = c->core.known[slot];
}

/* What a run (entry, an HLT exit and its handler) may change itself. */
static bool run_changes(uint32_t enc)
{
	switch (enc) {
	case VMCS_GUEST_RIP:
	case VMCS_GUEST_RFLAGS:
	case VMCS_GUEST_INTERRUPTIBILITY_INFO:
	case VMCS_GUEST_PENDING_DBG_EXCEPTIONS:
	case VMCS_GUEST_ACTIVITY_STATE:
	case VMCS_VM_ENTRY_INTR_INFO_FIELD:
	case VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE:
	case VMCS_VM_ENTRY_INSTRUCTION_LEN:
	case VMCS_CPU_BASED_VM_EXEC_CONTROL:
	case VMCS_VM_ENTRY_CONTROLS:
		return true;
	default:
		return read_only(enc);
	}
}

/* A value written through the core reached the VMCS by the entry: the
 * core's write-back (only dirty slots) missed nothing. */
static void check_written_back(struct ctx *c, unsigned cpu, const bool *written, const uint64_t *val)
{
	for (unsigned i = 0; i < NR_FIELDS; i++) {
		uint64_t got = 0;

		if (!written[i] || run_changes(sdm_fields[i]))
			continue;
		expect(vm_mock_vmread(c->vm, cpu, sdm_fields[i], &got), 0, "VMREAD after a run");
		FUZZ_ASSERT(got == val[i], "%s = 0x%llx through the core, 0x%llx in the VMCS after the entry",
			    vmcs_field_name(sdm_fields[i]), (unsigned long long)val[i], (unsigned long long)got);
	}
}

/* The core's VMPTRLD before a run or after a VMCLEAR: 0 or its error. */
static int core_load(struct ctx *c, unsigned cpu)
{
	int r;

	if (c->core.pcpu == (int)cpu)
		return 0;
	r = model_vmptrld(c, cpu, c->vmcs[c->vcpu_vmcs].hpa);
	if (r == 0)
		c->core.pcpu = (int)cpu;
	return r;
}

static void check_run_result(struct ctx *c, int r)
{
	const char *detail = vcpu_error_detail(c->vcpu);

	FUZZ_ASSERT(r <= 0, "returned %d", r);
	FUZZ_ASSERT(r == 0 || (strcmp(vcpu_error_name(r), "VCPU_E?") && detail[0]),
		    "failed with %d (%s) and detail \"%s\"", r, vcpu_error_name(r), detail);
}

static void op_vcpu_run(struct ctx *c)
{
	struct vcpu_mock_exit hlt = { .exit = { .reason = VMX_EXIT_REASON_HLT, .instruction_len = 1 } };
	struct vcpu_booking before, after;
	unsigned cpu = c->core.pcpu >= 0 ? (unsigned)c->core.pcpu : vcpu_id(c->vcpu) % c->nr_pcpus;
	struct mvmcs *v = &c->vmcs[c->vcpu_vmcs];
	bool written[NR_FIELDS];
	uint64_t val[NR_FIELDS];
	unsigned number = 0;
	bool launch;
	int r, want;

	FUZZ_ASSERT(vcpu_mock_push_exit(c->vcpu, &hlt) == 0, "push HLT");
	vcpu_wake(c->vcpu);
	vcpu_get_booking(c->vcpu, &before);
	launch = !before.launched;
	want = core_load(c, cpu);
	memcpy(written, c->core.written, sizeof(written));
	memcpy(val, c->core.val, sizeof(val));
	memset(c->core.written, 0, sizeof(c->core.written));
	r = vcpu_run(c->vcpu);
	vcpu_get_booking(c->vcpu, &after);
	if (trace)
		fprintf(stderr, "vcpu_run: %s: %s\n", vcpu_error_name(r), vcpu_error_detail(c->vcpu));
	check_run_result(c, r);
	memset(c->core.known, 0, sizeof(c->core.known));
	if (want < 0) {
		expect(r, want, "vcpu_run's VMPTRLD");
		return;
	}
	if (!vcpu_vmcs_current(c) || (v->revision >> 31)) {
		/* The VMCS the core would enter is not current there (or is a
		 * shadow VMCS): VMfailInvalid, nothing written. */
		expect(r, VCPU_EVMFAIL_INVALID, "vcpu_run on a VMCS not current");
		return;
	}
	/* The core wrote its dirty components back: values unknown. */
	memset(v->known, 0, sizeof(v->known));
	if (r == 0) {
		v->launch = LAUNCHED;
		FUZZ_ASSERT(after.launched, "a run succeeded and the core is not launched");
		check_written_back(c, cpu, written, val);
		return;
	}
	if (r == VCPU_EVMX_INSN || r == VCPU_EENTRY_CONTROL || r == VCPU_EENTRY_HOST) {
		number = vm_mock_insn_error(c->vm, cpu);
		FUZZ_ASSERT(number == 4 || number == 5 || number == 7 || number == 8,
			    "vcpu_run: %s with VM-instruction error %u", vcpu_error_name(r), number);
		FUZZ_ASSERT(error_code(number) == r, "error %u returned as %s", number, vcpu_error_name(r));
		v->known[model_slot(error_slot_enc)] = true;
		v->val[model_slot(error_slot_enc)] = number;
	}
	/* A failed guest-state entry counts as an exit too. */
	if (after.exits - before.exits > (r == VCPU_EENTRY_GUEST ? 1u : 0u)) {
		/* An entry succeeded before the one that failed. */
		v->launch = r == VCPU_EVMX_INSN && number == 5 ? CLEAR : LAUNCHED;
		return;
	}
	/* The run's only entry failed: nothing launched. */
	FUZZ_ASSERT(after.launched == before.launched, "a failed entry changed the core's launch state");
	if (r == VCPU_EVMX_INSN) {
		FUZZ_ASSERT(number == (launch ? 4u : 5u), "%s failed with error %u",
			    launch ? "VMLAUNCH" : "VMRESUME", number);
		FUZZ_ASSERT(v->launch == (launch ? LAUNCHED : CLEAR), "error %u, but the model's VMCS is %s",
			    number, v->launch == CLEAR ? "clear" : "launched");
		return;
	}
	if (r == VCPU_EENTRY_CONTROL || r == VCPU_EENTRY_HOST || r == VCPU_EENTRY_GUEST) {
		const struct vmx_entry_failure *f = vcpu_entry_failure(c->vcpu);

		FUZZ_ASSERT(f, "vcpu_run failed with %s and no entry failure", vcpu_error_name(r));
		check_failure(r, f);
		FUZZ_ASSERT(strstr(vcpu_error_detail(c->vcpu), f->name), "detail does not name check %s: %s",
			    f->name, vcpu_error_detail(c->vcpu));
	}
	/* The instruction got past the launch-state check. */
	FUZZ_ASSERT(v->launch == (launch ? CLEAR : LAUNCHED), "%s went on with a %s VMCS (%s)",
		    launch ? "VMLAUNCH" : "VMRESUME", v->launch == CLEAR ? "clear" : "launched", vcpu_error_name(r));
}

static void op_vcpu_migrate(struct ctx *c, unsigned cpu)
{
	int r = vcpu_migrate(c->vcpu, cpu), want = 0;

	check_run_result(c, r);
	c->core.known[model_slot(error_slot_enc)] = false;
	if (cpu >= c->nr_pcpus) {
		expect(r, VCPU_EINVAL, "vcpu_migrate to a missing CPU");
		return;
	}
	if ((int)cpu == c->core.pcpu) {
		expect(r, 0, "vcpu_migrate in place");
		return;
	}
	/* VMCLEAR where it was (on CPU 0 if nowhere), VMPTRLD on the target. */
	if (c->core.pcpu >= 0) {
		want = model_vmclear(c, (unsigned)c->core.pcpu, c->vmcs[c->vcpu_vmcs].hpa);
		c->core.pcpu = -1;
	}
	if (want == 0)
		want = core_load(c, cpu);
	expect(r, want, "vcpu_migrate");
}

static void op_vcpu_check_entry(struct ctx *c)
{
	struct vmx_entry_failure f;
	int r = vcpu_check_entry(c->vcpu, &f);

	FUZZ_ASSERT(r == 0 || r == VCPU_EENTRY_CONTROL || r == VCPU_EENTRY_HOST || r == VCPU_EENTRY_GUEST ||
		    r == VCPU_EVMFAIL_INVALID, "vcpu_check_entry returned %s", vcpu_error_name(r));
	if (r != 0 && r != VCPU_EVMFAIL_INVALID)
		check_failure(r, &f);
}

/* ---- set-up ---------------------------------------------------------------- */

static int new_raw_vmcs(struct ctx *c)
{
	struct mvmcs *v = &c->vmcs[c->nr_vmcs];

	if (c->nr_vmcs == MAX_VMCS)
		return -1;
	FUZZ_ASSERT(vm_mock_alloc_vmcs(c->vm, &v->hpa) == 0, "vm_mock_alloc_vmcs");
	v->revision = (uint32_t)(c->caps->basic & 0x7fffffffu);
	v->launch = CLEAR;
	v->active_on = -1;
	/* A new region is all zeros. */
	for (unsigned i = 0; i < NR_FIELDS; i++)
		v->known[i] = true;
	return (int)c->nr_vmcs++;
}

static void put(struct ctx *c, uint32_t enc, uint64_t value)
{
	FUZZ_ASSERT(vcpu_vmwrite(c->vcpu, enc, value) == 0, "VMWRITE 0x%x", enc);
}

/* Flat 32-bit protected mode, paging off: a state both profiles enter
 * (no-ug on its identity map). */
static void protected_mode(struct ctx *c)
{
	static const uint32_t segs[] = { VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_DS_SELECTOR,
					 VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_GS_SELECTOR };

	FUZZ_ASSERT(vcpu_set_cr(c->vcpu, 0, VMX_CR0_PE | VMX_CR0_ET) == 0, "CR0");
	put(c, VMCS_GUEST_CS_SELECTOR, 0x08);
	put(c, VMCS_GUEST_CS_LIMIT, 0xffffffff);
	put(c, VMCS_GUEST_CS_AR_BYTES, 0xc09b);
	put(c, VMCS_GUEST_CS_BASE, 0);
	for (unsigned i = 0; i < 5; i++) {
		/* Selector, then limit, AR bytes and base of the same segment. */
		put(c, segs[i], 0x10);
		put(c, VMCS_GUEST_ES_LIMIT + (segs[i] - VMCS_GUEST_ES_SELECTOR), 0xffffffff);
		put(c, VMCS_GUEST_ES_AR_BYTES + (segs[i] - VMCS_GUEST_ES_SELECTOR), 0xc093);
		put(c, VMCS_GUEST_ES_BASE + (segs[i] - VMCS_GUEST_ES_SELECTOR), 0);
	}
	put(c, VMCS_GUEST_TR_SELECTOR, 0x18);
	put(c, VMCS_GUEST_TR_LIMIT, 0x67);
	put(c, VMCS_GUEST_TR_AR_BYTES, 0x8b);
	put(c, VMCS_GUEST_LDTR_AR_BYTES, VMX_AR_UNUSABLE_MASK);
	put(c, VMCS_GUEST_RIP, 0x1000);
}

static void make_vm(struct ctx *c)
{
	unsigned config = (unsigned)fuzz_take(&c->in, 1);
	struct vm_options opts = {
		.backend = "mock",
		.caps = vcpu_mock_profile(config & 1 ? "no-ug" : "modern"),
		.nr_pcpus = 1 + ((config >> 1) & 3),
	};
	unsigned raw = 1 + (unsigned)fuzz_take(&c->in, 1) % 4;
	struct mvmcs *v;

	FUZZ_ASSERT(vm_create(&opts, &c->vm) == 0, "vm_create: %s", vm_last_error());
	c->caps = vm_caps(c->vm);
	c->nr_pcpus = opts.nr_pcpus;
	for (unsigned cpu = 0; cpu < MAX_PCPUS; cpu++) {
		c->current[cpu] = -1;
		c->vmxon[cpu] = cpu < c->nr_pcpus ? vm_mock_vmxon_hpa(c->vm, cpu) : 0;
	}
	/* Guest RAM: the identity map without unrestricted guest, and what
	 * the PDPTE checks read. */
	c->ram = malloc(4096);
	FUZZ_ASSERT(c->ram, "out of memory");
	memset(c->ram, 0, 4096);
	FUZZ_ASSERT(vm_add_memory(c->vm, 0x40000000, 4096, c->ram) == 0, "RAM");
	if (!vm_unrestricted_guest(c->vm))
		FUZZ_ASSERT(vm_set_identity_map(c->vm, 0x40000000) == 0, "identity map");

	/* VCPU 0 or 1: vcpu_create VMCLEARs its region (on CPU 0), then loads
	 * it on id % nr_pcpus. */
	FUZZ_ASSERT(vcpu_create(c->vm, (config >> 3) & 1, &c->vcpu) == 0, "vcpu_create");
	c->vcpu_vmcs = (int)c->nr_vmcs++;
	v = &c->vmcs[c->vcpu_vmcs];
	v->hpa = vcpu_mock_vmcs_hpa(c->vcpu);
	v->revision = (uint32_t)(c->caps->basic & 0x7fffffffu);
	v->launch = CLEAR;
	v->active_on = -1;
	c->core.pcpu = -1;
	expect(core_load(c, vcpu_id(c->vcpu) % c->nr_pcpus), 0, "vcpu_create's VMPTRLD");

	/* The template: every component of a VCPU in protected mode. */
	protected_mode(c);
	for (unsigned i = 0; i < NR_FIELDS; i++) {
		uint32_t enc = sdm_fields[i];
		uint64_t value;

		if (supported(c->caps, enc) && !read_only(enc) && vcpu_vmread(c->vcpu, enc, &value) == 0) {
			c->template[i] = value;
			c->in_template[i] = true;
		}
	}
	while (raw--)
		new_raw_vmcs(c);
}

/* ---- operations ------------------------------------------------------------ */

static unsigned take_cpu(struct ctx *c)
{
	/* Sometimes one past the last: the mock refuses it. */
	return (unsigned)fuzz_take(&c->in, 1) % (c->nr_pcpus + 1);
}

static uint64_t take_address(struct ctx *c)
{
	unsigned sel = (unsigned)fuzz_take(&c->in, 1);
	const struct mvmcs *v = &c->vmcs[(sel >> 3) % c->nr_vmcs];

	switch (sel & 7) {
	case 4:
		return c->vmxon[(sel >> 3) % c->nr_pcpus];
	case 5:
		return v->hpa + 1 + (sel >> 3);
	case 6:
		return v->hpa | (1ull << (c->caps->maxphyaddr + (sel >> 3) % 8));
	case 7:
		return fuzz_take(&c->in, 8);
	default:
		return v->hpa;
	}
}

/* A listed component (its high half sometimes), one of the template's, or
 * any 32-bit encoding. */
static uint32_t take_field(struct ctx *c)
{
	unsigned sel = (unsigned)fuzz_take(&c->in, 2);
	uint32_t enc;

	switch (sel >> 14) {
	case 0:
	case 1:
		enc = sdm_fields[(sel & 0x1fff) % NR_FIELDS];
		return enc | ((sel & 0x2000) && ((enc >> 13) & 3) == W64);
	case 2:
		return sdm_fields[(sel & 0x3fff) % NR_FIELDS];
	default:
		return (uint32_t)fuzz_take(&c->in, 4);
	}
}

static void op_set_revision(struct ctx *c)
{
	unsigned sel = (unsigned)fuzz_take(&c->in, 1);
	struct mvmcs *v = &c->vmcs[(sel >> 2) % c->nr_vmcs];
	uint32_t rev = (uint32_t)(c->caps->basic & 0x7fffffffu);
	uint32_t raw = (uint32_t)fuzz_take(&c->in, 4);

	/* Changing the region of an active VMCS is undefined (SDM 24.11.1). */
	if (v->active_on >= 0)
		return;
	switch (sel & 3) {
	case 0:
		break;
	case 1:
		rev |= 0x80000000u;	/* a shadow VMCS */
		break;
	case 2:
		rev ^= 1;
		break;
	default:
		rev = raw;
		break;
	}
	FUZZ_ASSERT(vm_mock_set_revision(c->vm, v->hpa, rev) == 0, "vm_mock_set_revision");
	v->revision = rev;
}

/* VMWRITE every template component: a VMCS the checks should pass. */
static void op_program(struct ctx *c, unsigned cpu)
{
	for (unsigned i = 0; i < NR_FIELDS; i++)
		if (c->in_template[i])
			op_vmwrite(c, cpu, sdm_fields[i], c->template[i]);
}

/* One template component with a bit flipped or a new value. */
static void op_perturb(struct ctx *c, unsigned cpu, bool vcpu)
{
	unsigned i = (unsigned)fuzz_take(&c->in, 2) % NR_FIELDS;
	unsigned bit = (unsigned)fuzz_take(&c->in, 1);
	uint64_t value = bit & 0x80 ? fuzz_take(&c->in, 8) : c->template[i] ^ (1ull << (bit & 63));

	if (vcpu)
		op_vcpu_vmwrite(c, sdm_fields[i], value);
	else
		op_vmwrite(c, cpu, sdm_fields[i], value);
}

static void one_op(struct ctx *c)
{
	unsigned op = (unsigned)fuzz_take(&c->in, 1) % 18;
	unsigned cpu = take_cpu(c);
	bool bad_cpu = cpu >= c->nr_pcpus;
	uint64_t value, addr;
	uint32_t enc;

	switch (op) {
	case 0:
		addr = take_address(c);
		if (bad_cpu)
			expect(vm_mock_vmclear(c->vm, cpu, addr), VCPU_EINVAL, "VMCLEAR on a missing CPU");
		else
			op_vmclear(c, cpu, addr);
		return;
	case 1:
		addr = take_address(c);
		if (bad_cpu)
			expect(vm_mock_vmptrld(c->vm, cpu, addr), VCPU_EINVAL, "VMPTRLD on a missing CPU");
		else
			op_vmptrld(c, cpu, addr);
		return;
	case 2:
		enc = take_field(c);
		if (bad_cpu)
			expect(vm_mock_vmread(c->vm, cpu, enc, &value), VCPU_EINVAL, "VMREAD on a missing CPU");
		else
			op_vmread(c, cpu, enc);
		return;
	case 3:
		enc = take_field(c);
		value = fuzz_take(&c->in, 8);
		if (bad_cpu)
			expect(vm_mock_vmwrite(c->vm, cpu, enc, value), VCPU_EINVAL, "VMWRITE on a missing CPU");
		else
			op_vmwrite(c, cpu, enc, value);
		return;
	case 4:
	case 5:
		if (bad_cpu)
			expect(vm_mock_vmenter(c->vm, cpu, op == 4, &(struct vmx_entry_failure){ 0 }), VCPU_EINVAL,
			       "VM entry on a missing CPU");
		else
			op_vmenter(c, cpu, op == 4);
		return;
	case 6:
		if (!bad_cpu)
			check_insn_error(c, cpu);
		return;
	case 7:
		op_set_revision(c);
		return;
	case 8:
		new_raw_vmcs(c);
		return;
	case 9:
		if (!bad_cpu)
			op_program(c, cpu);
		return;
	case 10:
		if (!bad_cpu)
			op_perturb(c, cpu, false);
		return;
	case 11:
		op_vcpu_vmread(c, take_field(c));
		return;
	case 12:
		enc = take_field(c);
		op_vcpu_vmwrite(c, enc, fuzz_take(&c->in, 8));
		return;
	case 13:
		op_perturb(c, cpu, true);
		return;
	case 14:
		op_vcpu_run(c);
		return;
	case 15:
		op_vcpu_migrate(c, cpu);
		return;
	case 16:
		op_vcpu_check_entry(c);
		return;
	default:
		/* Read a component on every CPU: what learning needs. */
		enc = take_field(c);
		for (unsigned i = 0; i < c->nr_pcpus; i++)
			op_vmread(c, i, enc);
		return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx *c = calloc(1, sizeof(*c));
	unsigned nr_ops;

	FUZZ_ASSERT(c, "out of memory");
	trace = getenv("LIBVCPU_FUZZ_TRACE") != NULL;
	c->in = (struct fuzz_input){ data, size, 0 };
	make_vm(c);
	nr_ops = (unsigned)fuzz_take(&c->in, 1) % (MAX_OPS + 1);
	for (unsigned i = 0; i < nr_ops && !fuzz_done(&c->in); i++)
		one_op(c);
	FUZZ_ASSERT(vcpu_destroy(c->vcpu) == 0, "vcpu_destroy");
	FUZZ_ASSERT(vm_destroy(c->vm) == 0, "vm_destroy");
	free(c->ram);
	free(c);
	return 0;
}

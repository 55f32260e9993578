/*
 * Names and descriptions (exit reasons, VM-instruction errors, error codes),
 * control settings from the capability MSRs, and the core's freestanding
 * formatter (src/core/fmt.h) compared with the C library's snprintf.
 */
#include <check.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "harness.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- basic exit reasons (SDM Vol. 3D Appendix C) ------------------------ */

/* Names as the header's X-macro spells them, by SDM number; NULL where the
 * SDM assigns no reason (35, 38, 42). */
static const char *const sdm_exit_reasons[80] = {
	"EXCEPTION_NMI", "EXTERNAL_INTERRUPT", "TRIPLE_FAULT", "INIT_SIGNAL", "SIPI_SIGNAL",
	"IO_SMI", "OTHER_SMI", "INTERRUPT_WINDOW", "NMI_WINDOW", "TASK_SWITCH",
	/* 10 */ "CPUID", "GETSEC", "HLT", "INVD", "INVLPG", "RDPMC", "RDTSC", "RSM", "VMCALL",
	"VMCLEAR",
	/* 20 */ "VMLAUNCH", "VMPTRLD", "VMPTRST", "VMREAD", "VMRESUME", "VMWRITE", "VMOFF", "VMON",
	"CR_ACCESS", "DR_ACCESS",
	/* 30 */ "IO_INSTRUCTION", "MSR_READ", "MSR_WRITE", "INVALID_STATE", "MSR_LOAD_FAIL", NULL,
	"MWAIT_INSTRUCTION", "MONITOR_TRAP_FLAG", NULL, "MONITOR_INSTRUCTION",
	/* 40 */ "PAUSE_INSTRUCTION", "MCE_DURING_VMENTRY", NULL, "TPR_BELOW_THRESHOLD",
	"APIC_ACCESS", "EOI_INDUCED", "GDTR_IDTR", "LDTR_TR", "EPT_VIOLATION", "EPT_MISCONFIG",
	/* 50 */ "INVEPT", "RDTSCP", "PREEMPTION_TIMER", "INVVPID", "WBINVD", "XSETBV", "APIC_WRITE",
	"RDRAND", "INVPCID", "VMFUNC",
	/* 60 */ "ENCLS", "RDSEED", "PML_FULL", "XSAVES", "XRSTORS", "PCONFIG", "SPP", "UMWAIT",
	"TPAUSE", "LOADIWKEY",
	/* 70 */ "ENCLV", "SGX_CONFLICT", "ENQCMD_PASID_FAIL", "ENQCMDS_PASID_FAIL", "BUS_LOCK",
	"NOTIFY", "SEAMCALL", "TDCALL", "RDMSRLIST", "WRMSRLIST",
};

START_TEST(test_exit_reason_name_for_every_sdm_number)
{
	for (unsigned r = 0; r < 80; r++) {
		const char *got = vmx_exit_reason_name(r);

		if (!sdm_exit_reasons[r])
			ck_assert_msg(got == NULL, "reason %u is unused in the SDM, named %s", r, got);
		else
			ck_assert_msg(got && strcmp(got, sdm_exit_reasons[r]) == 0,
				      "reason %u: %s, want %s", r, got ? got : "(null)",
				      sdm_exit_reasons[r]);
	}
}
END_TEST

START_TEST(test_exit_reason_description_for_every_sdm_number)
{
	for (unsigned r = 0; r < 80; r++) {
		const char *d = vmx_exit_reason_description(r);

		if (!sdm_exit_reasons[r]) {
			ck_assert_msg(d == NULL, "reason %u is unused, described \"%s\"", r, d);
			continue;
		}
		ck_assert_msg(d && d[0], "reason %u has no description", r);
		for (unsigned o = 0; o < r; o++) {
			const char *od = vmx_exit_reason_description(o);

			ck_assert_msg(!od || strcmp(od, d) != 0, "reasons %u and %u both \"%s\"", o, r,
				      d);
		}
	}
	ck_assert_str_eq(vmx_exit_reason_description(0), "exception or NMI");
	ck_assert_str_eq(vmx_exit_reason_description(10), "CPUID");
	ck_assert_str_eq(vmx_exit_reason_description(12), "HLT");
	ck_assert_str_eq(vmx_exit_reason_description(28), "control-register access");
	ck_assert_str_eq(vmx_exit_reason_description(30), "I/O instruction");
	ck_assert_str_eq(vmx_exit_reason_description(48), "EPT violation");
}
END_TEST

START_TEST(test_exit_reason_name_and_description_follow_the_x_macro)
{
	unsigned n = 0;

#define CHECK_REASON_(name, num, desc)                                                       \
	do {                                                                                 \
		ck_assert_str_eq(vmx_exit_reason_name(num), #name);                          \
		ck_assert_str_eq(vmx_exit_reason_description(num), desc);                    \
		ck_assert_int_eq(VMX_EXIT_REASON_##name, num);                               \
		n++;                                                                         \
	} while (0);
	VMX_EXIT_REASON_LIST(CHECK_REASON_)
#undef CHECK_REASON_
	/* 0..79 less the three unused numbers. */
	ck_assert_uint_eq(n, 77);
	ck_assert_int_eq(VMX_NR_EXIT_REASONS, 80);
	ck_assert_int_eq(VMX_EXIT_REASON_MAX, 79);
}
END_TEST

START_TEST(test_exit_reason_out_of_range_is_null)
{
	static const unsigned rows[] = { 35, 38, 42, 80, 81, 100, 255, 0xffff, 0x10000,
					 0x80000021u, UINT_MAX };

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		ck_assert_msg(vmx_exit_reason_name(rows[i]) == NULL, "name(%u)", rows[i]);
		ck_assert_msg(vmx_exit_reason_description(rows[i]) == NULL, "description(%u)",
			      rows[i]);
	}
}
END_TEST

/* ---- VM-instruction errors (SDM Vol. 3C "VM Instruction Error Numbers") -- */

static const struct {
	const char *name;
	const char *sdm_text;
} sdm_insn_errors[29] = {
	[1] = { "VMCALL_IN_VMX_ROOT_OPERATION", "VMCALL executed in VMX root operation" },
	[2] = { "VMCLEAR_INVALID_ADDRESS", "VMCLEAR with invalid physical address" },
	[3] = { "VMCLEAR_VMXON_POINTER", "VMCLEAR with VMXON pointer" },
	[4] = { "VMLAUNCH_NONCLEAR_VMCS", "VMLAUNCH with non-clear VMCS" },
	[5] = { "VMRESUME_NONLAUNCHED_VMCS", "VMRESUME with non-launched VMCS" },
	[6] = { "VMRESUME_AFTER_VMXOFF",
		"VMRESUME after VMXOFF (VMXOFF and VMXON between VMLAUNCH and VMRESUME)" },
	[7] = { "ENTRY_INVALID_CONTROL_FIELD", "VM entry with invalid control field(s)" },
	[8] = { "ENTRY_INVALID_HOST_STATE_FIELD", "VM entry with invalid host-state field(s)" },
	[9] = { "VMPTRLD_INVALID_ADDRESS", "VMPTRLD with invalid physical address" },
	[10] = { "VMPTRLD_VMXON_POINTER", "VMPTRLD with VMXON pointer" },
	[11] = { "VMPTRLD_INCORRECT_VMCS_REVISION_ID",
		 "VMPTRLD with incorrect VMCS revision identifier" },
	[12] = { "UNSUPPORTED_VMCS_COMPONENT", "VMREAD/VMWRITE from/to unsupported VMCS component" },
	[13] = { "VMWRITE_READ_ONLY_VMCS_COMPONENT", "VMWRITE to read-only VMCS component" },
	[15] = { "VMXON_IN_VMX_ROOT_OPERATION", "VMXON executed in VMX root operation" },
	[16] = { "ENTRY_INVALID_EXECUTIVE_VMCS_POINTER",
		 "VM entry with invalid executive-VMCS pointer" },
	[17] = { "ENTRY_NONLAUNCHED_EXECUTIVE_VMCS", "VM entry with non-launched executive VMCS" },
	[18] = { "ENTRY_EXECUTIVE_VMCS_POINTER_NOT_VMXON_POINTER",
		 "VM entry with executive-VMCS pointer not VMXON pointer (when attempting to "
		 "deactivate the dual-monitor treatment of SMIs and SMM)" },
	[19] = { "VMCALL_NONCLEAR_VMCS", "VMCALL with non-clear VMCS (when attempting to activate "
					 "the dual-monitor treatment of SMIs and SMM)" },
	[20] = { "VMCALL_INVALID_VM_EXIT_CONTROL_FIELDS",
		 "VMCALL with invalid VM-exit control fields" },
	[22] = { "VMCALL_INCORRECT_MSEG_REVISION_ID",
		 "VMCALL with incorrect MSEG revision identifier (when attempting to activate the "
		 "dual-monitor treatment of SMIs and SMM)" },
	[23] = { "VMXOFF_UNDER_DUAL_MONITOR_TREATMENT",
		 "VMXOFF under dual-monitor treatment of SMIs and SMM" },
	[24] = { "VMCALL_INVALID_SMM_MONITOR_FEATURES",
		 "VMCALL with invalid SMM-monitor features (when attempting to activate the "
		 "dual-monitor treatment of SMIs and SMM)" },
	[25] = { "ENTRY_INVALID_EXECUTION_CONTROLS_IN_EXECUTIVE_VMCS",
		 "VM entry with invalid VM-execution control fields in executive VMCS (when "
		 "attempting to return from SMM)" },
	[26] = { "ENTRY_EVENTS_BLOCKED_BY_MOV_SS", "VM entry with events blocked by MOV SS" },
	[28] = { "INVALID_OPERAND_TO_INVEPT_INVVPID", "Invalid operand to INVEPT/INVVPID" },
};

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* The library's text is the SDM's (case of the first letter aside), or the
 * SDM's without its trailing parenthetical. */
static bool matches_sdm_text(const char *lib, const char *sdm)
{
	size_t n = strlen(lib);

	for (size_t i = 0; i < n; i++)
		if (ascii_lower((unsigned char)lib[i]) != ascii_lower((unsigned char)sdm[i]))
			return false;
	return sdm[n] == '\0' || strncmp(sdm + n, " (", 2) == 0;
}

START_TEST(test_insn_error_name_and_description_for_every_sdm_number)
{
	for (unsigned e = 0; e <= 28; e++) {
		const char *name = vmx_insn_error_name(e);
		const char *desc = vmx_insn_error_description(e);

		if (!sdm_insn_errors[e].name) {
			ck_assert_msg(name == NULL && desc == NULL, "error %u is not an SDM number", e);
			continue;
		}
		ck_assert_msg(name && strcmp(name, sdm_insn_errors[e].name) == 0, "error %u: %s", e,
			      name ? name : "(null)");
		ck_assert_msg(desc && matches_sdm_text(desc, sdm_insn_errors[e].sdm_text),
			      "error %u: \"%s\", SDM \"%s\"", e, desc ? desc : "(null)",
			      sdm_insn_errors[e].sdm_text);
	}
}
END_TEST

START_TEST(test_insn_error_unused_numbers_are_null)
{
	static const unsigned rows[] = { 0, 14, 21, 27, 29, 30, 64, 255, UINT_MAX };

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		ck_assert_msg(vmx_insn_error_name(rows[i]) == NULL, "name(%u)", rows[i]);
		ck_assert_msg(vmx_insn_error_description(rows[i]) == NULL, "description(%u)",
			      rows[i]);
	}
}
END_TEST

START_TEST(test_insn_error_enum_follows_the_x_macro)
{
	unsigned n = 0;

#define CHECK_INSN_(name, num, desc)                                                         \
	do {                                                                                 \
		ck_assert_int_eq(VMX_INSN_ERR_##name, num);                                  \
		ck_assert_str_eq(vmx_insn_error_name(num), #name);                           \
		ck_assert_str_eq(vmx_insn_error_description(num), desc);                     \
		n++;                                                                         \
	} while (0);
	VMX_INSN_ERROR_LIST(CHECK_INSN_)
#undef CHECK_INSN_
	ck_assert_uint_eq(n, 25);	/* 1..28 less 14, 21 and 27 */
	/* The numbers the design names by number. */
	ck_assert_int_eq(VMX_INSN_ERR_VMRESUME_NONLAUNCHED_VMCS, 5);
	ck_assert_int_eq(VMX_INSN_ERR_UNSUPPORTED_VMCS_COMPONENT, 12);
	ck_assert_int_eq(VMX_INSN_ERR_VMWRITE_READ_ONLY_VMCS_COMPONENT, 13);
}
END_TEST

/* ---- library error codes ------------------------------------------------ */

static const struct {
	int code;
	const char *name;
	const char *msg;
} errnos[] = {
#define ERRNO_ROW_(name, num, msg) { VCPU_##name, "VCPU_" #name, msg },
	VCPU_ERRNO_MAP(ERRNO_ROW_)
#undef ERRNO_ROW_
};

START_TEST(test_error_codes_are_negative_and_distinct)
{
	for (size_t i = 0; i < ARRAY_SIZE(errnos); i++) {
		ck_assert_msg(errnos[i].code < 0, "%s = %d", errnos[i].name, errnos[i].code);
		for (size_t j = 0; j < i; j++) {
			ck_assert_msg(errnos[j].code != errnos[i].code, "%s and %s are both %d",
				      errnos[j].name, errnos[i].name, errnos[i].code);
			ck_assert_msg(strcmp(errnos[j].msg, errnos[i].msg) != 0,
				      "%s and %s share a message", errnos[j].name, errnos[i].name);
		}
	}
	ck_assert_int_eq(VCPU_OK, 0);
	/* Values are stable: a few spelled out. */
	ck_assert_int_eq(VCPU_EINVAL, -1);
	ck_assert_int_eq(VCPU_ENOENT, -3);
	ck_assert_int_eq(VCPU_EVMCS_UNSUPPORTED, -21);
	ck_assert_int_eq(VCPU_EVMCS_READ_ONLY, -22);
	ck_assert_int_eq(VCPU_EBACKEND, -50);
}
END_TEST

START_TEST(test_error_name_and_strerror_for_every_code)
{
	for (size_t i = 0; i < ARRAY_SIZE(errnos); i++) {
		const char *msg = vcpu_strerror(errnos[i].code);

		ck_assert_str_eq(vcpu_error_name(errnos[i].code), errnos[i].name);
		ck_assert_msg(msg && strcmp(msg, errnos[i].msg) == 0, "strerror(%s) = \"%s\"",
			      errnos[i].name, msg ? msg : "(null)");
	}
	ck_assert_str_eq(vcpu_error_name(VCPU_OK), "VCPU_OK");
	ck_assert_ptr_nonnull(vcpu_strerror(VCPU_OK));
	ck_assert_int_gt((int)strlen(vcpu_strerror(VCPU_OK)), 0);
}
END_TEST

START_TEST(test_error_name_of_unknown_codes)
{
	static const int rows[] = { 1, 3, -15, -19, -28, -35, -51, -999, INT_MIN, INT_MAX };

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const char *msg = vcpu_strerror(rows[i]);

		ck_assert_msg(strcmp(vcpu_error_name(rows[i]), "VCPU_E?") == 0, "name(%d) = %s",
			      rows[i], vcpu_error_name(rows[i]));
		ck_assert_msg(msg && msg[0], "strerror(%d) empty", rows[i]);
		/* An unknown code must not pass for a known one. */
		for (size_t j = 0; j < ARRAY_SIZE(errnos); j++)
			ck_assert_msg(strcmp(msg, errnos[j].msg) != 0, "strerror(%d) is %s's", rows[i],
				      errnos[j].name);
	}
}
END_TEST

/* ---- control settings from capability MSRs (SDM Vol. 3D A.3-A.5) -------- */

static const enum vmx_ctl all_ctls[] = { VMX_CTL_PINBASED, VMX_CTL_PROCBASED, VMX_CTL_PROCBASED2,
					 VMX_CTL_EXIT, VMX_CTL_ENTRY };

/* The MSR the SDM says governs `ctl`: the TRUE_* MSR for the four
 * default1 classes when IA32_VMX_BASIC[55] is 1; IA32_VMX_PROCBASED_CTLS2
 * only where "activate secondary controls" (bit 63 of
 * IA32_VMX_PROCBASED_CTLS) may be 1, else the controls are all 0. */
static uint64_t sdm_ctl_msr(const struct vmx_caps *c, enum vmx_ctl ctl)
{
	bool use_true = (c->basic >> 55) & 1;

	switch (ctl) {
	case VMX_CTL_PINBASED:
		return use_true ? c->true_pinbased_ctls : c->pinbased_ctls;
	case VMX_CTL_PROCBASED:
		return use_true ? c->true_procbased_ctls : c->procbased_ctls;
	case VMX_CTL_PROCBASED2:
		return (c->procbased_ctls >> 63) & 1 ? c->procbased_ctls2 : 0;
	case VMX_CTL_EXIT:
		return use_true ? c->true_exit_ctls : c->exit_ctls;
	case VMX_CTL_ENTRY:
		return use_true ? c->true_entry_ctls : c->entry_ctls;
	}
	return 0;
}

static void check_ctls_follow_sdm(const char *what, const struct vmx_caps *c)
{
	for (size_t i = 0; i < ARRAY_SIZE(all_ctls); i++) {
		enum vmx_ctl ctl = all_ctls[i];
		uint64_t msr = sdm_ctl_msr(c, ctl);
		uint32_t req = (uint32_t)msr, allowed = (uint32_t)(msr >> 32);

		ck_assert_msg(vmx_ctl_required(c, ctl) == req, "%s ctl %d: required 0x%08x, want 0x%08x",
			      what, ctl, vmx_ctl_required(c, ctl), req);
		ck_assert_msg(vmx_ctl_allowed(c, ctl) == allowed,
			      "%s ctl %d: allowed 0x%08x, want 0x%08x", what, ctl,
			      vmx_ctl_allowed(c, ctl), allowed);
		ck_assert_uint_eq(vmx_ctl_adjust(c, ctl, 0), req & allowed);
		ck_assert_uint_eq(vmx_ctl_adjust(c, ctl, 0xffffffffu), allowed);
		for (unsigned bit = 0; bit < 32; bit++) {
			uint32_t b = 1u << bit;

			ck_assert_msg(vmx_ctl_can_set(c, ctl, b) == ((allowed & b) != 0),
				      "%s ctl %d bit %u can_set", what, ctl, bit);
			ck_assert_uint_eq(vmx_ctl_adjust(c, ctl, b), (b | req) & allowed);
		}
		ck_assert(vmx_ctl_can_set(c, ctl, 0));
		ck_assert(vmx_ctl_can_set(c, ctl, allowed));
	}
}

START_TEST(test_ctls_of_mock_profiles_follow_sdm_msr_selection)
{
	const struct vmx_caps *modern = vcpu_mock_profile("modern");
	const struct vmx_caps *no_ug = vcpu_mock_profile("no-ug");

	ck_assert_ptr_nonnull(modern);
	ck_assert_ptr_nonnull(no_ug);
	ck_assert_ptr_null(vcpu_mock_profile("no-such-cpu"));
	check_ctls_follow_sdm("modern", modern);
	check_ctls_follow_sdm("no-ug", no_ug);
}
END_TEST

START_TEST(test_ctls_modern_uses_true_msrs)
{
	const struct vmx_caps *c = vcpu_mock_profile("modern");

	/* IA32_VMX_BASIC[55] = 1: the default1 controls the TRUE MSRs let go
	 * (CR3-load/store exiting, save/load debug controls) are not required. */
	ck_assert(c->basic & VMX_BASIC_TRUE_CTLS);
	ck_assert_uint_eq(vmx_ctl_required(c, VMX_CTL_PROCBASED), (uint32_t)c->true_procbased_ctls);
	ck_assert_uint_eq(vmx_ctl_required(c, VMX_CTL_EXIT), (uint32_t)c->true_exit_ctls);
	ck_assert_uint_eq(vmx_ctl_required(c, VMX_CTL_ENTRY), (uint32_t)c->true_entry_ctls);
	ck_assert_uint_eq(vmx_ctl_required(c, VMX_CTL_PINBASED), (uint32_t)c->true_pinbased_ctls);
	ck_assert(!(vmx_ctl_required(c, VMX_CTL_PROCBASED) & VMX_CPU_BASED_CR3_LOAD_EXITING));
	ck_assert(!(vmx_ctl_required(c, VMX_CTL_PROCBASED) & VMX_CPU_BASED_CR3_STORE_EXITING));
	ck_assert(vmx_caps_unrestricted_guest(c));
	ck_assert(vmx_ctl_can_set(c, VMX_CTL_PROCBASED2, VMX_SECONDARY_EXEC_ENABLE_EPT));
}
END_TEST

START_TEST(test_ctls_no_ug_ignores_true_msrs_and_has_no_unrestricted_guest)
{
	const struct vmx_caps *c = vcpu_mock_profile("no-ug");

	/* IA32_VMX_BASIC[55] = 0: the TRUE MSRs do not exist. */
	ck_assert(!(c->basic & VMX_BASIC_TRUE_CTLS));
	ck_assert_uint_eq(vmx_ctl_required(c, VMX_CTL_PROCBASED), (uint32_t)c->procbased_ctls);
	ck_assert(vmx_ctl_required(c, VMX_CTL_PROCBASED) & VMX_CPU_BASED_CR3_LOAD_EXITING);
	ck_assert_uint_eq(vmx_ctl_required(c, VMX_CTL_EXIT), (uint32_t)c->exit_ctls);
	ck_assert(!vmx_caps_unrestricted_guest(c));
	ck_assert(!vmx_ctl_can_set(c, VMX_CTL_PROCBASED2, VMX_SECONDARY_EXEC_UNRESTRICTED_GUEST));
	ck_assert(!vmx_ctl_can_set(c, VMX_CTL_PROCBASED2, VMX_SECONDARY_EXEC_ENABLE_EPT));
	ck_assert(!vmx_ctl_can_set(c, VMX_CTL_PINBASED, VMX_PIN_BASED_VMX_PREEMPTION_TIMER));
}
END_TEST

/* A hand-made CPU whose TRUE and plain MSRs differ in their allowed-0 halves
 * (allowed-1 halves are the same, as the SDM says they are). */
static struct vmx_caps hand_caps(bool true_ctls, bool secondary_allowed)
{
	struct vmx_caps c;

	memset(&c, 0, sizeof(c));
	c.basic = 0x00da040000000001ull & ~(true_ctls ? 0 : VMX_BASIC_TRUE_CTLS);
	c.pinbased_ctls = 0x0000007f00000016ull;
	c.true_pinbased_ctls = 0x0000007f00000006ull;
	c.procbased_ctls = 0x7ff9fffe0401e172ull | (secondary_allowed ? 1ull << 63 : 0);
	c.true_procbased_ctls = 0x7ff9fffe04006172ull | (secondary_allowed ? 1ull << 63 : 0);
	c.exit_ctls = 0x003fffff00036dffull;
	c.true_exit_ctls = 0x003fffff00036dfbull;
	c.entry_ctls = 0x0000ffff000011ffull;
	c.true_entry_ctls = 0x0000ffff000011fbull;
	/* EPT (bit 1) and unrestricted guest (bit 7) allowed. */
	c.procbased_ctls2 = 0x000000ff00000000ull;
	return c;
}

START_TEST(test_ctls_true_msr_selection_by_basic_bit_55)
{
	struct vmx_caps with = hand_caps(true, true), without = hand_caps(false, true);

	ck_assert_uint_eq(vmx_ctl_required(&with, VMX_CTL_PINBASED), 0x00000006);
	ck_assert_uint_eq(vmx_ctl_required(&with, VMX_CTL_PROCBASED), 0x04006172);
	ck_assert_uint_eq(vmx_ctl_required(&with, VMX_CTL_EXIT), 0x00036dfb);
	ck_assert_uint_eq(vmx_ctl_required(&with, VMX_CTL_ENTRY), 0x000011fb);
	ck_assert_uint_eq(vmx_ctl_required(&without, VMX_CTL_PINBASED), 0x00000016);
	ck_assert_uint_eq(vmx_ctl_required(&without, VMX_CTL_PROCBASED), 0x0401e172);
	ck_assert_uint_eq(vmx_ctl_required(&without, VMX_CTL_EXIT), 0x00036dff);
	ck_assert_uint_eq(vmx_ctl_required(&without, VMX_CTL_ENTRY), 0x000011ff);
	ck_assert_uint_eq(vmx_ctl_allowed(&with, VMX_CTL_PROCBASED), 0xfff9fffe);
	ck_assert_uint_eq(vmx_ctl_allowed(&without, VMX_CTL_PROCBASED), 0xfff9fffe);
	ck_assert_uint_eq(vmx_ctl_allowed(&with, VMX_CTL_PINBASED), 0x7f);
	/* Wanting nothing yields exactly the must-be-1 bits. */
	ck_assert_uint_eq(vmx_ctl_adjust(&with, VMX_CTL_ENTRY, 0), 0x000011fb);
	ck_assert_uint_eq(vmx_ctl_adjust(&without, VMX_CTL_ENTRY, 0), 0x000011ff);
	/* A wanted bit the CPU cannot set (pin-based bit 7, posted interrupts) is
	 * dropped; one it can (bit 6, preemption timer) is kept. */
	ck_assert_uint_eq(vmx_ctl_adjust(&with, VMX_CTL_PINBASED,
					 VMX_PIN_BASED_POSTED_INTR | VMX_PIN_BASED_VMX_PREEMPTION_TIMER),
			  0x00000006 | VMX_PIN_BASED_VMX_PREEMPTION_TIMER);
	ck_assert(!vmx_ctl_can_set(&with, VMX_CTL_PINBASED, VMX_PIN_BASED_POSTED_INTR));
	ck_assert(!vmx_ctl_can_set(&with, VMX_CTL_PINBASED,
				   VMX_PIN_BASED_POSTED_INTR | VMX_PIN_BASED_NMI_EXITING));
	ck_assert(vmx_ctl_can_set(&with, VMX_CTL_PINBASED, VMX_PIN_BASED_NMI_EXITING));
	check_ctls_follow_sdm("hand, true ctls", &with);
	check_ctls_follow_sdm("hand, no true ctls", &without);
}
END_TEST

START_TEST(test_secondary_ctls_are_zero_when_activate_secondary_cannot_be_set)
{
	struct vmx_caps c = hand_caps(true, false);
	struct vmx_caps c_plain = hand_caps(false, false);

	/* Bit 63 of IA32_VMX_PROCBASED_CTLS is 0: IA32_VMX_PROCBASED_CTLS2 does
	 * not exist, whatever the struct holds. */
	ck_assert_uint_eq(vmx_ctl_required(&c, VMX_CTL_PROCBASED2), 0);
	ck_assert_uint_eq(vmx_ctl_allowed(&c, VMX_CTL_PROCBASED2), 0);
	ck_assert_uint_eq(vmx_ctl_adjust(&c, VMX_CTL_PROCBASED2, 0xffffffffu), 0);
	ck_assert(!vmx_ctl_can_set(&c, VMX_CTL_PROCBASED2, VMX_SECONDARY_EXEC_ENABLE_EPT));
	ck_assert(!vmx_caps_unrestricted_guest(&c));
	ck_assert_uint_eq(vmx_ctl_allowed(&c_plain, VMX_CTL_PROCBASED2), 0);
	ck_assert(!vmx_caps_unrestricted_guest(&c_plain));
	ck_assert(!vmx_ctl_can_set(&c, VMX_CTL_PROCBASED,
				   VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS));

	/* The same CPU with bit 63 set has them. */
	c = hand_caps(true, true);
	ck_assert_uint_eq(vmx_ctl_allowed(&c, VMX_CTL_PROCBASED2), 0xff);
	ck_assert(vmx_ctl_can_set(&c, VMX_CTL_PROCBASED, VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS));
	ck_assert(vmx_caps_unrestricted_guest(&c));
}
END_TEST

START_TEST(test_unrestricted_guest_needs_secondary_bit_7)
{
	struct vmx_caps c = hand_caps(true, true);

	/* Allowed-1 of secondary bit 7 is IA32_VMX_PROCBASED_CTLS2 bit 39. */
	c.procbased_ctls2 = 1ull << 39 | 1ull << 33;
	ck_assert(vmx_caps_unrestricted_guest(&c));
	/* Bit 7 in the allowed-0 half means nothing for "may be 1". */
	c.procbased_ctls2 = 1ull << 7 | 1ull << 33;
	ck_assert(!vmx_caps_unrestricted_guest(&c));
	c.procbased_ctls2 = 0x000000ff00000000ull & ~(1ull << 39);
	ck_assert(!vmx_caps_unrestricted_guest(&c));
	/* SDM 26.2.1.1: "unrestricted guest" 1 requires "enable EPT" 1, so a
	 * CPU that cannot enable EPT cannot run an unrestricted guest. */
	c.procbased_ctls2 = 1ull << 39;
	ck_assert(!vmx_caps_unrestricted_guest(&c));
}
END_TEST

/* ---- fmt_snprintf against the C library --------------------------------- */

enum arg_kind { A_NONE, A_INT, A_UINT, A_LONG, A_ULONG, A_LLONG, A_ULLONG, A_SIZE, A_CHAR,
		A_STR, A_PTR };

struct fmt_row {
	size_t size;
	const char *fmt;
	enum arg_kind kind;
	long long i;
	unsigned long long u;
	const char *s;
};

static int libc_vsnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int libc_vsnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

typedef int (*snprintf_fn)(char *, size_t, const char *, ...);

static int call_row(snprintf_fn f, char *buf, const struct fmt_row *r)
{
	switch (r->kind) {
	case A_NONE:
		return f(buf, r->size, r->fmt);
	case A_INT:
		return f(buf, r->size, r->fmt, (int)r->i);
	case A_UINT:
		return f(buf, r->size, r->fmt, (unsigned)r->u);
	case A_LONG:
		return f(buf, r->size, r->fmt, (long)r->i);
	case A_ULONG:
		return f(buf, r->size, r->fmt, (unsigned long)r->u);
	case A_LLONG:
		return f(buf, r->size, r->fmt, r->i);
	case A_ULLONG:
		return f(buf, r->size, r->fmt, r->u);
	case A_SIZE:
		return f(buf, r->size, r->fmt, (size_t)r->u);
	case A_CHAR:
		return f(buf, r->size, r->fmt, (int)r->i);
	case A_STR:
		return f(buf, r->size, r->fmt, r->s);
	case A_PTR:
		return f(buf, r->size, r->fmt, (void *)(uintptr_t)r->u);
	}
	return -1;
}

#define BUF 96

/* Runs every row through both and fails once, listing every mismatch
 * (output bytes, bytes past the output left alone, or return value). */
static void compare_rows(const struct fmt_row *rows, size_t n)
{
	char report[4096];
	size_t len = 0;
	unsigned bad = 0;

	report[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char got[BUF], want[BUF];
		int gn, wn;

		ck_assert_uint_le(rows[i].size, BUF);
		memset(got, '@', sizeof(got));
		memset(want, '@', sizeof(want));
		gn = call_row(fmt_snprintf, got, &rows[i]);
		wn = call_row(libc_vsnprintf, want, &rows[i]);
		if (gn == wn && memcmp(got, want, sizeof(got)) == 0)
			continue;
		bad++;
		got[BUF - 1] = want[BUF - 1] = '\0';
		if (len < sizeof(report))
			len += (size_t)snprintf(report + len, sizeof(report) - len,
						"\n  size %zu \"%s\": fmt %d \"%.*s\", libc %d \"%.*s\"",
						rows[i].size, rows[i].fmt, gn,
						rows[i].size ? (int)strlen(got) : 0, got, wn,
						rows[i].size ? (int)strlen(want) : 0, want);
	}
	ck_assert_msg(bad == 0, "%u of %zu rows differ from the C library:%s", bad, n, report);
}

#define S BUF
static const struct fmt_row fmt_signed_rows[] = {
	{ S, "%d", A_INT, 0, 0, NULL },
	{ S, "%d", A_INT, 42, 0, NULL },
	{ S, "%d", A_INT, -42, 0, NULL },
	{ S, "%d", A_INT, INT_MAX, 0, NULL },
	{ S, "%d", A_INT, INT_MIN, 0, NULL },
	{ S, "%i", A_INT, -7, 0, NULL },
	{ S, "%5d|", A_INT, 42, 0, NULL },
	{ S, "%5d|", A_INT, -42, 0, NULL },
	{ S, "%-5d|", A_INT, 42, 0, NULL },
	{ S, "%-5d|", A_INT, -42, 0, NULL },
	{ S, "%05d|", A_INT, 42, 0, NULL },
	{ S, "%05d|", A_INT, -42, 0, NULL },
	{ S, "%-05d|", A_INT, -42, 0, NULL },	/* '-' overrides '0' */
	{ S, "%1d|", A_INT, 12345, 0, NULL },	/* width smaller than the number */
	{ S, "%020d|", A_INT, INT_MIN, 0, NULL },
	{ S, "%ld", A_LONG, LONG_MIN, 0, NULL },
	{ S, "%ld", A_LONG, LONG_MAX, 0, NULL },
	{ S, "%li", A_LONG, -1, 0, NULL },
	{ S, "%lld", A_LLONG, LLONG_MIN, 0, NULL },
	{ S, "%lld", A_LLONG, LLONG_MAX, 0, NULL },
	{ S, "%25lld|", A_LLONG, -1234567890123ll, 0, NULL },
	{ S, "%-25lld|", A_LLONG, -1234567890123ll, 0, NULL },
};

static const struct fmt_row fmt_unsigned_rows[] = {
	{ S, "%u", A_UINT, 0, 0, NULL },
	{ S, "%u", A_UINT, 0, UINT_MAX, NULL },
	{ S, "%x", A_UINT, 0, 0xdeadbeef, NULL },
	{ S, "%X", A_UINT, 0, 0xdeadbeef, NULL },
	{ S, "%x", A_UINT, 0, 0, NULL },
	{ S, "%08x", A_UINT, 0, 0x1234, NULL },
	{ S, "%8X|", A_UINT, 0, 0xabc, NULL },
	{ S, "%-8x|", A_UINT, 0, 0xabc, NULL },
	{ S, "%lu", A_ULONG, 0, ULONG_MAX, NULL },
	{ S, "%lx", A_ULONG, 0, 0xfedcba9876543210ul, NULL },
	{ S, "%llu", A_ULLONG, 0, ULLONG_MAX, NULL },
	{ S, "%llx", A_ULLONG, 0, 0x0123456789abcdefull, NULL },
	{ S, "%016llx", A_ULLONG, 0, 0xabcdull, NULL },
	{ S, "%llX", A_ULLONG, 0, ULLONG_MAX, NULL },
	{ S, "%zu", A_SIZE, 0, SIZE_MAX, NULL },
	{ S, "%zx", A_SIZE, 0, 0x1000, NULL },
	{ S, "%5zu|", A_SIZE, 0, 7, NULL },
};

static const struct fmt_row fmt_alt_rows[] = {
	{ S, "%#x", A_UINT, 0, 255, NULL },
	{ S, "%#10x|", A_UINT, 0, 255, NULL },
	{ S, "%#-10x|", A_UINT, 0, 255, NULL },
	{ S, "%#010x|", A_UINT, 0, 255, NULL },
	{ S, "%#llx", A_ULLONG, 0, 0xffffffff00000000ull, NULL },
	{ S, "%#lx", A_ULONG, 0, 0x6800, NULL },
	{ S, "%#zx", A_SIZE, 0, 0x1000, NULL },
	/* C11 7.21.6.1: "#" prefixes 0X for %X, and nothing to a zero value. */
	{ S, "%#X", A_UINT, 0, 255, NULL },
	{ S, "%#x", A_UINT, 0, 0, NULL },
	{ S, "%#08x|", A_UINT, 0, 0, NULL },
	{ S, "%#llX", A_ULLONG, 0, 0xabcdef0ull, NULL },
};

static const struct fmt_row fmt_text_rows[] = {
	{ S, "", A_NONE, 0, 0, NULL },
	{ S, "plain text", A_NONE, 0, 0, NULL },
	{ S, "%%", A_NONE, 0, 0, NULL },
	{ S, "100%% sure", A_NONE, 0, 0, NULL },
	{ S, "%c", A_CHAR, 'A', 0, NULL },
	{ S, "[%3c]", A_CHAR, 'x', 0, NULL },
	{ S, "[%-3c]", A_CHAR, 'x', 0, NULL },
	{ S, "%s", A_STR, 0, 0, "hello" },
	{ S, "%s", A_STR, 0, 0, "" },
	{ S, "[%10s]", A_STR, 0, 0, "hello" },
	{ S, "[%-10s]", A_STR, 0, 0, "hello" },
	{ S, "[%2s]", A_STR, 0, 0, "hello" },
	{ S, "[%5s]", A_STR, 0, 0, "hello" },
	{ S, "VMREAD %s failed", A_STR, 0, 0, "GUEST_CR0" },
	{ S, "%p", A_PTR, 0, 0x1234, NULL },
	{ S, "%p", A_PTR, 0, 0x7ffc12345678ull, NULL },
	{ S, "[%20p]", A_PTR, 0, 0xdeadbeef, NULL },
	{ S, "[%-20p]", A_PTR, 0, 0xdeadbeef, NULL },
};

static const struct fmt_row fmt_truncation_rows[] = {
	{ 0, "hello %d", A_INT, 12345, 0, NULL },
	{ 1, "hello %d", A_INT, 12345, 0, NULL },
	{ 2, "hello %d", A_INT, 12345, 0, NULL },
	{ 6, "hello %d", A_INT, 12345, 0, NULL },
	{ 8, "hello %d", A_INT, 12345, 0, NULL },
	{ 11, "hello %d", A_INT, 12345, 0, NULL },
	{ 12, "hello %d", A_INT, 12345, 0, NULL },
	{ 13, "hello %d", A_INT, 12345, 0, NULL },
	{ 4, "%-10s|", A_STR, 0, 0, "ab" },
	{ 4, "%10s|", A_STR, 0, 0, "ab" },
	{ 5, "%08x", A_UINT, 0, 0xbeef, NULL },
	{ 3, "%d", A_INT, -12345, 0, NULL },
	{ 7, "%llu", A_ULLONG, 0, ULLONG_MAX, NULL },
	{ 1, "%%", A_NONE, 0, 0, NULL },
	{ 3, "%s", A_STR, 0, 0, "" },
	{ 0, "", A_NONE, 0, 0, NULL },
	{ 1, "", A_NONE, 0, 0, NULL },
};
#undef S

START_TEST(test_fmt_signed_conversions_match_libc)
{
	compare_rows(fmt_signed_rows, ARRAY_SIZE(fmt_signed_rows));
}
END_TEST

START_TEST(test_fmt_unsigned_and_hex_conversions_match_libc)
{
	compare_rows(fmt_unsigned_rows, ARRAY_SIZE(fmt_unsigned_rows));
}
END_TEST

START_TEST(test_fmt_alternate_form_matches_libc)
{
	compare_rows(fmt_alt_rows, ARRAY_SIZE(fmt_alt_rows));
}
END_TEST

START_TEST(test_fmt_text_char_string_pointer_match_libc)
{
	compare_rows(fmt_text_rows, ARRAY_SIZE(fmt_text_rows));
}
END_TEST

START_TEST(test_fmt_truncation_and_return_value_match_libc)
{
	compare_rows(fmt_truncation_rows, ARRAY_SIZE(fmt_truncation_rows));
}
END_TEST

START_TEST(test_fmt_several_conversions_in_one_call)
{
	char got[BUF], want[BUF];
	static const size_t sizes[] = { 0, 1, 9, 10, 17, 30, BUF };

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		int gn, wn;

		memset(got, '@', sizeof(got));
		memset(want, '@', sizeof(want));
		gn = fmt_snprintf(got, sizes[i], "%s=%d (%#x) %c%-4u|%5s%%%lld", "exit", 30, 0x1e, 'Q',
				  7u, "io", -5ll);
		wn = libc_vsnprintf(want, sizes[i], "%s=%d (%#x) %c%-4u|%5s%%%lld", "exit", 30, 0x1e,
				    'Q', 7u, "io", -5ll);
		ck_assert_int_eq(gn, wn);
		ck_assert_msg(memcmp(got, want, sizeof(got)) == 0, "size %zu: \"%s\" vs \"%s\"",
			      sizes[i], sizes[i] ? got : "", sizes[i] ? want : "");
	}
	ck_assert_str_eq(got, "exit=30 (0x1e) Q7   |   io%-5");
}
END_TEST

START_TEST(test_fmt_size_zero_writes_nothing_and_counts)
{
	char buf[8];

	memset(buf, '@', sizeof(buf));
	ck_assert_int_eq(fmt_snprintf(buf, 0, "%s-%d", "abc", 123), 7);
	for (size_t i = 0; i < sizeof(buf); i++)
		ck_assert_int_eq(buf[i], '@');
	/* C allows a null buffer with size 0. */
	ck_assert_int_eq(fmt_snprintf(NULL, 0, "%llu", ULLONG_MAX), 20);
	ck_assert_int_eq(fmt_snprintf(NULL, 0, "%s", ""), 0);
}
END_TEST

START_TEST(test_fmt_truncated_output_is_nul_terminated_prefix)
{
	char buf[16];
	int n;

	memset(buf, '@', sizeof(buf));
	n = fmt_snprintf(buf, 6, "%s", "0123456789");
	ck_assert_int_eq(n, 10);
	ck_assert_str_eq(buf, "01234");
	ck_assert_int_eq(buf[6], '@');
	memset(buf, '@', sizeof(buf));
	n = fmt_snprintf(buf, 1, "%d", 5);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(buf[0], '\0');
	ck_assert_int_eq(buf[1], '@');
}
END_TEST

static int via_fmt_vsnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int via_fmt_vsnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

START_TEST(test_fmt_vsnprintf_takes_a_va_list_like_vsnprintf)
{
	char a[BUF], b[BUF];

	ck_assert_int_eq(via_fmt_vsnprintf(a, sizeof(a), "%d %s %x %zu", -1, "x", 0xabu,
					   (size_t)9), 9);
	ck_assert_str_eq(a, "-1 x ab 9");
	ck_assert_int_eq(libc_vsnprintf(b, sizeof(b), "%d %s %x %zu", -1, "x", 0xabu, (size_t)9),
			 9);
	ck_assert_str_eq(a, b);
	ck_assert_int_eq(via_fmt_vsnprintf(a, 4, "%s", "abcdef"), 6);
	ck_assert_str_eq(a, "abc");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("names_fmt");
	TCase *tc;

	tc = tcase_create("exit_reasons");
	tcase_add_test(tc, test_exit_reason_name_for_every_sdm_number);
	tcase_add_test(tc, test_exit_reason_description_for_every_sdm_number);
	tcase_add_test(tc, test_exit_reason_name_and_description_follow_the_x_macro);
	tcase_add_test(tc, test_exit_reason_out_of_range_is_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("insn_errors");
	tcase_add_test(tc, test_insn_error_name_and_description_for_every_sdm_number);
	tcase_add_test(tc, test_insn_error_unused_numbers_are_null);
	tcase_add_test(tc, test_insn_error_enum_follows_the_x_macro);
	suite_add_tcase(s, tc);

	tc = tcase_create("error_codes");
	tcase_add_test(tc, test_error_codes_are_negative_and_distinct);
	tcase_add_test(tc, test_error_name_and_strerror_for_every_code);
	tcase_add_test(tc, test_error_name_of_unknown_codes);
	suite_add_tcase(s, tc);

	tc = tcase_create("vmx_caps");
	tcase_add_test(tc, test_ctls_of_mock_profiles_follow_sdm_msr_selection);
	tcase_add_test(tc, test_ctls_modern_uses_true_msrs);
	tcase_add_test(tc, test_ctls_no_ug_ignores_true_msrs_and_has_no_unrestricted_guest);
	tcase_add_test(tc, test_ctls_true_msr_selection_by_basic_bit_55);
	tcase_add_test(tc, test_secondary_ctls_are_zero_when_activate_secondary_cannot_be_set);
	tcase_add_test(tc, test_unrestricted_guest_needs_secondary_bit_7);
	suite_add_tcase(s, tc);

	tc = tcase_create("fmt");
	tcase_add_test(tc, test_fmt_signed_conversions_match_libc);
	tcase_add_test(tc, test_fmt_unsigned_and_hex_conversions_match_libc);
	tcase_add_test(tc, test_fmt_alternate_form_matches_libc);
	tcase_add_test(tc, test_fmt_text_char_string_pointer_match_libc);
	tcase_add_test(tc, test_fmt_truncation_and_return_value_match_libc);
	tcase_add_test(tc, test_fmt_several_conversions_in_one_call);
	tcase_add_test(tc, test_fmt_size_zero_writes_nothing_and_counts);
	tcase_add_test(tc, test_fmt_truncated_output_is_nul_terminated_prefix);
	tcase_add_test(tc, test_fmt_vsnprintf_takes_a_va_list_like_vsnprintf);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return run_suite(make_suite());
}

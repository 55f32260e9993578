/*
 * libvcpu - VM-entry checks that name the check that failed.
 *
 * The SDM's checks on VMX controls, on the host-state area and on the
 * guest-state area (Vol. 3C "VM Entries": "Checks on VMX Controls and
 * Host-State Area", "Checks on the Guest-State Area"), run in software
 * before hardware is touched. Each check has a stable id, the SDM section
 * it comes from, and produces a message naming the field, its value and
 * what was required. The mock backend runs them on every entry; every
 * backend runs them to explain an entry that failed.
 *
 * The processor they model supports Intel 64 (linear addresses of 57 bits
 * if IA32_VMX_CR4_FIXED1 allows CR4.LA57, else 48), is in IA-32e mode
 * exactly when the "host address-space size" VM-exit control is 1, and is
 * never in SMM. Checks that need memory a VMCS pointer refers to (the
 * virtual-APIC page, the VMCS the link pointer names) or CPUID leaves not
 * in struct vmx_caps are left out; src/core/entry_check*.c list them.
 */
#ifndef LIBVCPU_ENTRY_CHECK_H
#define LIBVCPU_ENTRY_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "libvcpu/export.h"
#include "libvcpu/vmx.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Families, in the order the processor performs them. A failure in a
 * control family is VMfailValid with VM-instruction error 7, in a host
 * family error 8; in a guest family the entry fails with basic exit
 * reason 33 (VMX_EXIT_REASON_INVALID_STATE).
 */
enum vmx_check_family {
	VMX_CHECK_FAMILY_EXEC_CONTROLS,		/* "Checks on VM-Execution Control Fields" */
	VMX_CHECK_FAMILY_EXIT_CONTROLS,		/* "Checks on VM-Exit Control Fields" */
	VMX_CHECK_FAMILY_ENTRY_CONTROLS,	/* "Checks on VM-Entry Control Fields" */
	VMX_CHECK_FAMILY_HOST_CR_MSR,		/* "Checks on Host Control Registers, MSRs, and SSP" */
	VMX_CHECK_FAMILY_HOST_SEGMENTS,		/* "Checks on Host Segment and Descriptor-Table Registers" */
	VMX_CHECK_FAMILY_HOST_ADDR_SPACE,	/* "Checks Related to Address-Space Size" */
	VMX_CHECK_FAMILY_GUEST_CR_MSR,		/* "Checks on Guest Control Registers, Debug Registers, and MSRs" */
	VMX_CHECK_FAMILY_GUEST_SEGMENTS,	/* "Checks on Guest Segment Registers" */
	VMX_CHECK_FAMILY_GUEST_DTR,		/* "Checks on Guest Descriptor-Table Registers" */
	VMX_CHECK_FAMILY_GUEST_RIP_RFLAGS,	/* "Checks on Guest RIP, RFLAGS, and SSP" */
	VMX_CHECK_FAMILY_GUEST_NON_REGISTER,	/* "Checks on Guest Non-Register State" */
	VMX_CHECK_FAMILY_GUEST_PDPTE,		/* "Checks on Guest Page-Directory-Pointer-Table Entries" */
	VMX_NR_CHECK_FAMILIES
};

enum vmx_check_kind {
	VMX_CHECK_KIND_CONTROL,	/* VMfailValid, VM-instruction error 7 */
	VMX_CHECK_KIND_HOST,	/* VMfailValid, VM-instruction error 8 */
	VMX_CHECK_KIND_GUEST,	/* exit reason 33 with the entry-failure bit */
};

/* What a failed check reports. Never a bare reason. */
struct vmx_entry_failure {
	unsigned id;			/* stable check id, VMX_CHECK_* */
	const char *name;		/* stable text id, e.g. "guest-cr0-fixed0" */
	const char *sdm;		/* SDM section number and title */
	enum vmx_check_family family;
	enum vmx_check_kind kind;
	uint32_t field;			/* VMCS encoding concerned, or VMCS_NO_FIELD */
	uint64_t value;			/* that field's value */
	uint32_t qualification;		/* exit qualification for kind GUEST
					 * (VMX_ENTRY_FAIL_*), else 0 */
	char message[256];		/* field, value and what was required */
};

/*
 * Where the checks read state from. read_field returns the current value of
 * a VMCS component (0 for one the CPU does not support). read_guest reads
 * guest-physical memory for the PDPTE checks (may be NULL: those checks
 * then use the VMCS PDPTE fields only).
 */
struct vmx_check_env {
	const struct vmx_caps *caps;
	uint64_t (*read_field)(void *ctx, uint32_t field);
	int (*read_guest)(void *ctx, uint64_t gpa, void *buf, size_t len);
	void *ctx;
};

/*
 * SDM sections, numbered as in the SDM editions where "VM Entries" is
 * chapter 26 (26.2.1.1-26.2.1.3 controls, 26.2.2-26.2.4 host state,
 * 26.3.1.1-26.3.1.6 guest state; later editions renumber the chapter).
 */
#define VMX_SDM_26_2_1_1 "26.2.1.1 VM-Execution Control Fields"
#define VMX_SDM_26_2_1_2 "26.2.1.2 VM-Exit Control Fields"
#define VMX_SDM_26_2_1_3 "26.2.1.3 VM-Entry Control Fields"
#define VMX_SDM_26_2_2   "26.2.2 Checks on Host Control Registers, MSRs, and SSP"
#define VMX_SDM_26_2_3   "26.2.3 Checks on Host Segment and Descriptor-Table Registers"
#define VMX_SDM_26_2_4   "26.2.4 Checks Related to Address-Space Size"
#define VMX_SDM_26_3_1_1 "26.3.1.1 Checks on Guest Control Registers, Debug Registers, and MSRs"
#define VMX_SDM_26_3_1_2 "26.3.1.2 Checks on Guest Segment Registers"
#define VMX_SDM_26_3_1_3 "26.3.1.3 Checks on Guest Descriptor-Table Registers"
#define VMX_SDM_26_3_1_4 "26.3.1.4 Checks on Guest RIP, RFLAGS, and SSP"
#define VMX_SDM_26_3_1_5 "26.3.1.5 Checks on Guest Non-Register State"
#define VMX_SDM_26_3_1_6 "26.3.1.6 Checks on Guest Page-Directory-Pointer-Table Entries"

/*
 * Every check, in the order the SDM lists them (which is the order they
 * run in). X(ID, number, family, name, SDM section). The numbers and names
 * are stable: a check keeps both for good, and a new check gets a new
 * number. Numbers are grouped by family, 100 per family (100 = execution
 * controls ... 1200 = PDPTEs); the list order, not the number, is the SDM
 * order.
 */
#define VMX_ENTRY_CHECK_LIST(X) \
	/* 26.2.1.1 VM-execution control fields */ \
	X(EXEC_PINBASED_ALLOWED0,     100, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-pinbased-allowed0", VMX_SDM_26_2_1_1) \
	X(EXEC_PINBASED_ALLOWED1,     101, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-pinbased-allowed1", VMX_SDM_26_2_1_1) \
	X(EXEC_PROCBASED_ALLOWED0,    102, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-procbased-allowed0", VMX_SDM_26_2_1_1) \
	X(EXEC_PROCBASED_ALLOWED1,    103, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-procbased-allowed1", VMX_SDM_26_2_1_1) \
	X(EXEC_SECONDARY_ALLOWED0,    104, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-secondary-allowed0", VMX_SDM_26_2_1_1) \
	X(EXEC_SECONDARY_ALLOWED1,    105, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-secondary-allowed1", VMX_SDM_26_2_1_1) \
	X(EXEC_TERTIARY_ALLOWED1,     106, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-tertiary-allowed1", VMX_SDM_26_2_1_1) \
	X(EXEC_CR3_TARGET_COUNT,      107, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-cr3-target-count", VMX_SDM_26_2_1_1) \
	X(EXEC_IO_BITMAP_A,           108, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-io-bitmap-a-address", VMX_SDM_26_2_1_1) \
	X(EXEC_IO_BITMAP_B,           109, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-io-bitmap-b-address", VMX_SDM_26_2_1_1) \
	X(EXEC_MSR_BITMAP,            110, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-msr-bitmap-address", VMX_SDM_26_2_1_1) \
	X(EXEC_VIRTUAL_APIC_ADDR,     111, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-virtual-apic-address", VMX_SDM_26_2_1_1) \
	X(EXEC_TPR_THRESHOLD,         112, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-tpr-threshold", VMX_SDM_26_2_1_1) \
	X(EXEC_VIRTUAL_NMIS,          113, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-virtual-nmis-need-nmi-exiting", VMX_SDM_26_2_1_1) \
	X(EXEC_NMI_WINDOW,            114, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-nmi-window-needs-virtual-nmis", VMX_SDM_26_2_1_1) \
	X(EXEC_APIC_ACCESS_ADDR,      115, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-apic-access-address", VMX_SDM_26_2_1_1) \
	X(EXEC_APICV_TPR_SHADOW,      116, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-apicv-needs-tpr-shadow", VMX_SDM_26_2_1_1) \
	X(EXEC_X2APIC_APIC_ACCESS,    117, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-x2apic-excludes-apic-access", VMX_SDM_26_2_1_1) \
	X(EXEC_VID_EXT_INTR,          118, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-vid-needs-ext-intr-exiting", VMX_SDM_26_2_1_1) \
	X(EXEC_POSTED_INTR_VID,       119, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-posted-intr-needs-vid", VMX_SDM_26_2_1_1) \
	X(EXEC_POSTED_INTR_ACK,       120, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-posted-intr-needs-ack-on-exit", VMX_SDM_26_2_1_1) \
	X(EXEC_POSTED_INTR_VECTOR,    121, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-posted-intr-vector", VMX_SDM_26_2_1_1) \
	X(EXEC_POSTED_INTR_DESC,      122, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-posted-intr-desc-address", VMX_SDM_26_2_1_1) \
	X(EXEC_VPID,                  123, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-vpid-nonzero", VMX_SDM_26_2_1_1) \
	X(EXEC_EPTP_MEMTYPE,          124, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-eptp-memory-type", VMX_SDM_26_2_1_1) \
	X(EXEC_EPTP_WALK_LENGTH,      125, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-eptp-walk-length", VMX_SDM_26_2_1_1) \
	X(EXEC_EPTP_AD,               126, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-eptp-accessed-dirty", VMX_SDM_26_2_1_1) \
	X(EXEC_EPTP_RESERVED,         127, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-eptp-reserved", VMX_SDM_26_2_1_1) \
	X(EXEC_PML_EPT,               128, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-pml-needs-ept", VMX_SDM_26_2_1_1) \
	X(EXEC_PML_ADDR,              129, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-pml-address", VMX_SDM_26_2_1_1) \
	X(EXEC_UNRESTRICTED_EPT,      130, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-unrestricted-guest-needs-ept", VMX_SDM_26_2_1_1) \
	X(EXEC_MBEC_EPT,              131, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-mode-based-ept-exec-needs-ept", VMX_SDM_26_2_1_1) \
	X(EXEC_VMFUNC_RESERVED,       132, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-vmfunc-reserved", VMX_SDM_26_2_1_1) \
	X(EXEC_EPTP_SWITCHING_EPT,    133, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-eptp-switching-needs-ept", VMX_SDM_26_2_1_1) \
	X(EXEC_EPTP_LIST_ADDR,        134, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-eptp-list-address", VMX_SDM_26_2_1_1) \
	X(EXEC_VMREAD_BITMAP,         135, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-vmread-bitmap-address", VMX_SDM_26_2_1_1) \
	X(EXEC_VMWRITE_BITMAP,        136, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-vmwrite-bitmap-address", VMX_SDM_26_2_1_1) \
	X(EXEC_VE_INFO_ADDR,          137, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-ve-info-address", VMX_SDM_26_2_1_1) \
	X(EXEC_PT_GUEST_PHYS,         138, VMX_CHECK_FAMILY_EXEC_CONTROLS, "exec-pt-gpa-needs-ept-and-rtit", VMX_SDM_26_2_1_1) \
	/* 26.2.1.2 VM-exit control fields */ \
	X(EXIT_ALLOWED0,              200, VMX_CHECK_FAMILY_EXIT_CONTROLS, "exit-allowed0", VMX_SDM_26_2_1_2) \
	X(EXIT_ALLOWED1,              201, VMX_CHECK_FAMILY_EXIT_CONTROLS, "exit-allowed1", VMX_SDM_26_2_1_2) \
	X(EXIT_SAVE_PREEMPTION_TIMER, 202, VMX_CHECK_FAMILY_EXIT_CONTROLS, "exit-save-preemption-timer", VMX_SDM_26_2_1_2) \
	X(EXIT_MSR_STORE_AREA,        203, VMX_CHECK_FAMILY_EXIT_CONTROLS, "exit-msr-store-area", VMX_SDM_26_2_1_2) \
	X(EXIT_MSR_LOAD_AREA,         204, VMX_CHECK_FAMILY_EXIT_CONTROLS, "exit-msr-load-area", VMX_SDM_26_2_1_2) \
	/* 26.2.1.3 VM-entry control fields */ \
	X(ENTRY_ALLOWED0,             300, VMX_CHECK_FAMILY_ENTRY_CONTROLS, "entry-allowed0", VMX_SDM_26_2_1_3) \
	X(ENTRY_ALLOWED1,             301, VMX_CHECK_FAMILY_ENTRY_CONTROLS, "entry-allowed1", VMX_SDM_26_2_1_3) \
	X(ENTRY_INTR_TYPE,            302, VMX_CHECK_FAMILY_ENTRY_CONTROLS, "entry-intr-type", VMX_SDM_26_2_1_3) \
	X(ENTRY_INTR_VECTOR,          303, VMX_CHECK_FAMILY_ENTRY_CONTROLS, "entry-intr-vector", VMX_SDM_26_2_1_3) \
	X(ENTRY_INTR_DELIVER_CODE,    304, VMX_CHECK_FAMILY_ENTRY_CONTROLS, "entry-intr-deliver-error-code", VMX_SDM_26_2_1_3) \
	X(ENTRY_INTR_RESERVED,        305, VMX_CHECK_FAMILY_ENTRY_CONTROLS, "entry-intr-reserved", VMX_SDM_26_2_1_3) \
	X(ENTRY_ERROR_CODE,           306, VMX_CHECK_FAMILY_ENTRY_CONTROLS, "entry-exception-error-code", VMX_SDM_26_2_1_3) \
	X(ENTRY_INSTRUCTION_LEN,      307, VMX_CHECK_FAMILY_ENTRY_CONTROLS, "entry-instruction-length", VMX_SDM_26_2_1_3) \
	X(ENTRY_MSR_LOAD_AREA,        308, VMX_CHECK_FAMILY_ENTRY_CONTROLS, "entry-msr-load-area", VMX_SDM_26_2_1_3) \
	X(ENTRY_SMM,                  309, VMX_CHECK_FAMILY_ENTRY_CONTROLS, "entry-smm-controls-outside-smm", VMX_SDM_26_2_1_3) \
	/* 26.2.2 host control registers, MSRs and SSP */ \
	X(HOST_CR0_FIXED0,            400, VMX_CHECK_FAMILY_HOST_CR_MSR, "host-cr0-fixed0", VMX_SDM_26_2_2) \
	X(HOST_CR0_FIXED1,            401, VMX_CHECK_FAMILY_HOST_CR_MSR, "host-cr0-fixed1", VMX_SDM_26_2_2) \
	X(HOST_CR4_FIXED0,            402, VMX_CHECK_FAMILY_HOST_CR_MSR, "host-cr4-fixed0", VMX_SDM_26_2_2) \
	X(HOST_CR4_FIXED1,            403, VMX_CHECK_FAMILY_HOST_CR_MSR, "host-cr4-fixed1", VMX_SDM_26_2_2) \
	X(HOST_CR4_CET_WP,            404, VMX_CHECK_FAMILY_HOST_CR_MSR, "host-cr4-cet-needs-cr0-wp", VMX_SDM_26_2_2) \
	X(HOST_CR3,                   405, VMX_CHECK_FAMILY_HOST_CR_MSR, "host-cr3-reserved", VMX_SDM_26_2_2) \
	X(HOST_SYSENTER_ESP,          406, VMX_CHECK_FAMILY_HOST_CR_MSR, "host-sysenter-esp-canonical", VMX_SDM_26_2_2) \
	X(HOST_SYSENTER_EIP,          407, VMX_CHECK_FAMILY_HOST_CR_MSR, "host-sysenter-eip-canonical", VMX_SDM_26_2_2) \
	X(HOST_S_CET,                 408, VMX_CHECK_FAMILY_HOST_CR_MSR, "host-s-cet-canonical", VMX_SDM_26_2_2) \
	X(HOST_INTR_SSP_TABLE,        409, VMX_CHECK_FAMILY_HOST_CR_MSR, "host-intr-ssp-table-canonical", VMX_SDM_26_2_2) \
	X(HOST_PERF_GLOBAL_CTRL,      410, VMX_CHECK_FAMILY_HOST_CR_MSR, "host-perf-global-ctrl-reserved", VMX_SDM_26_2_2) \
	X(HOST_PAT,                   411, VMX_CHECK_FAMILY_HOST_CR_MSR, "host-pat-memory-types", VMX_SDM_26_2_2) \
	X(HOST_EFER_RESERVED,         412, VMX_CHECK_FAMILY_HOST_CR_MSR, "host-efer-reserved", VMX_SDM_26_2_2) \
	X(HOST_EFER_LMA,              413, VMX_CHECK_FAMILY_HOST_CR_MSR, "host-efer-lma", VMX_SDM_26_2_2) \
	X(HOST_EFER_LME,              414, VMX_CHECK_FAMILY_HOST_CR_MSR, "host-efer-lme", VMX_SDM_26_2_2) \
	X(HOST_PKRS,                  415, VMX_CHECK_FAMILY_HOST_CR_MSR, "host-pkrs-reserved", VMX_SDM_26_2_2) \
	/* 26.2.3 host segment and descriptor-table registers */ \
	X(HOST_SELECTOR_RPL_TI,       500, VMX_CHECK_FAMILY_HOST_SEGMENTS, "host-selector-rpl-ti", VMX_SDM_26_2_3) \
	X(HOST_CS_SELECTOR,           501, VMX_CHECK_FAMILY_HOST_SEGMENTS, "host-cs-selector-nonzero", VMX_SDM_26_2_3) \
	X(HOST_TR_SELECTOR,           502, VMX_CHECK_FAMILY_HOST_SEGMENTS, "host-tr-selector-nonzero", VMX_SDM_26_2_3) \
	X(HOST_SS_SELECTOR,           503, VMX_CHECK_FAMILY_HOST_SEGMENTS, "host-ss-selector-nonzero", VMX_SDM_26_2_3) \
	X(HOST_BASE_CANONICAL,        504, VMX_CHECK_FAMILY_HOST_SEGMENTS, "host-base-canonical", VMX_SDM_26_2_3) \
	/* 26.2.4 address-space size */ \
	X(HOST_ASZ_IA32E_GUEST,       600, VMX_CHECK_FAMILY_HOST_ADDR_SPACE, "host-32bit-excludes-ia32e-guest", VMX_SDM_26_2_4) \
	X(HOST_ASZ_CR4_PCIDE,         601, VMX_CHECK_FAMILY_HOST_ADDR_SPACE, "host-32bit-cr4-pcide", VMX_SDM_26_2_4) \
	X(HOST_ASZ_RIP_HIGH,          602, VMX_CHECK_FAMILY_HOST_ADDR_SPACE, "host-32bit-rip-high", VMX_SDM_26_2_4) \
	X(HOST_ASZ_SSP_HIGH,          603, VMX_CHECK_FAMILY_HOST_ADDR_SPACE, "host-32bit-ssp-high", VMX_SDM_26_2_4) \
	X(HOST_ASZ_CR4_PAE,           604, VMX_CHECK_FAMILY_HOST_ADDR_SPACE, "host-64bit-cr4-pae", VMX_SDM_26_2_4) \
	X(HOST_ASZ_RIP_CANONICAL,     605, VMX_CHECK_FAMILY_HOST_ADDR_SPACE, "host-64bit-rip-canonical", VMX_SDM_26_2_4) \
	X(HOST_ASZ_SSP_CANONICAL,     606, VMX_CHECK_FAMILY_HOST_ADDR_SPACE, "host-64bit-ssp-canonical", VMX_SDM_26_2_4) \
	/* 26.3.1.1 guest control registers, debug registers and MSRs */ \
	X(GUEST_CR0_FIXED0,           700, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-cr0-fixed0", VMX_SDM_26_3_1_1) \
	X(GUEST_CR0_FIXED1,           701, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-cr0-fixed1", VMX_SDM_26_3_1_1) \
	X(GUEST_CR0_PG_PE,            702, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-cr0-pg-needs-pe", VMX_SDM_26_3_1_1) \
	X(GUEST_CR4_FIXED0,           703, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-cr4-fixed0", VMX_SDM_26_3_1_1) \
	X(GUEST_CR4_FIXED1,           704, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-cr4-fixed1", VMX_SDM_26_3_1_1) \
	X(GUEST_CR4_CET_WP,           705, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-cr4-cet-needs-cr0-wp", VMX_SDM_26_3_1_1) \
	X(GUEST_DEBUGCTL,             706, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-debugctl-reserved", VMX_SDM_26_3_1_1) \
	X(GUEST_IA32E_PG,             707, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-ia32e-needs-cr0-pg", VMX_SDM_26_3_1_1) \
	X(GUEST_IA32E_PAE,            708, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-ia32e-needs-cr4-pae", VMX_SDM_26_3_1_1) \
	X(GUEST_CR4_PCIDE,            709, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-cr4-pcide-needs-ia32e", VMX_SDM_26_3_1_1) \
	X(GUEST_CR3,                  710, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-cr3-reserved", VMX_SDM_26_3_1_1) \
	X(GUEST_DR7,                  711, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-dr7-high", VMX_SDM_26_3_1_1) \
	X(GUEST_SYSENTER_ESP,         712, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-sysenter-esp-canonical", VMX_SDM_26_3_1_1) \
	X(GUEST_SYSENTER_EIP,         713, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-sysenter-eip-canonical", VMX_SDM_26_3_1_1) \
	X(GUEST_S_CET,                714, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-s-cet-canonical", VMX_SDM_26_3_1_1) \
	X(GUEST_INTR_SSP_TABLE,       715, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-intr-ssp-table-canonical", VMX_SDM_26_3_1_1) \
	X(GUEST_PERF_GLOBAL_CTRL,     716, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-perf-global-ctrl-reserved", VMX_SDM_26_3_1_1) \
	X(GUEST_PAT,                  717, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-pat-memory-types", VMX_SDM_26_3_1_1) \
	X(GUEST_EFER_RESERVED,        718, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-efer-reserved", VMX_SDM_26_3_1_1) \
	X(GUEST_EFER_LMA,             719, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-efer-lma", VMX_SDM_26_3_1_1) \
	X(GUEST_EFER_LME,             720, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-efer-lme", VMX_SDM_26_3_1_1) \
	X(GUEST_BNDCFGS,              721, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-bndcfgs", VMX_SDM_26_3_1_1) \
	X(GUEST_PKRS,                 722, VMX_CHECK_FAMILY_GUEST_CR_MSR, "guest-pkrs-reserved", VMX_SDM_26_3_1_1) \
	/* 26.3.1.2 guest segment registers */ \
	X(GUEST_TR_SEL_TI,            800, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-tr-selector-ti", VMX_SDM_26_3_1_2) \
	X(GUEST_LDTR_SEL_TI,          801, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-ldtr-selector-ti", VMX_SDM_26_3_1_2) \
	X(GUEST_SS_SEL_RPL,           802, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-ss-rpl-equals-cs-rpl", VMX_SDM_26_3_1_2) \
	X(GUEST_V86_BASE,             803, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-v86-base", VMX_SDM_26_3_1_2) \
	X(GUEST_BASE_CANONICAL,       804, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-base-canonical", VMX_SDM_26_3_1_2) \
	X(GUEST_BASE_HIGH,            805, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-base-high", VMX_SDM_26_3_1_2) \
	X(GUEST_V86_LIMIT,            806, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-v86-limit", VMX_SDM_26_3_1_2) \
	X(GUEST_V86_AR,               807, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-v86-access-rights", VMX_SDM_26_3_1_2) \
	X(GUEST_CS_TYPE,              808, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-cs-type", VMX_SDM_26_3_1_2) \
	X(GUEST_SS_TYPE,              809, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-ss-type", VMX_SDM_26_3_1_2) \
	X(GUEST_DATA_TYPE,            810, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-data-segment-type", VMX_SDM_26_3_1_2) \
	X(GUEST_SEG_S,                811, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-segment-s", VMX_SDM_26_3_1_2) \
	X(GUEST_CS_DPL,               812, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-cs-dpl", VMX_SDM_26_3_1_2) \
	X(GUEST_SS_DPL,               813, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-ss-dpl", VMX_SDM_26_3_1_2) \
	X(GUEST_DATA_DPL,             814, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-data-segment-dpl", VMX_SDM_26_3_1_2) \
	X(GUEST_SEG_P,                815, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-segment-present", VMX_SDM_26_3_1_2) \
	X(GUEST_SEG_AR_11_8,          816, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-segment-ar-reserved-11-8", VMX_SDM_26_3_1_2) \
	X(GUEST_CS_DB,                817, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-cs-db-with-l", VMX_SDM_26_3_1_2) \
	X(GUEST_SEG_G,                818, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-segment-granularity", VMX_SDM_26_3_1_2) \
	X(GUEST_SEG_AR_31_17,         819, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-segment-ar-reserved-31-17", VMX_SDM_26_3_1_2) \
	X(GUEST_TR_TYPE,              820, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-tr-type", VMX_SDM_26_3_1_2) \
	X(GUEST_TR_S,                 821, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-tr-s", VMX_SDM_26_3_1_2) \
	X(GUEST_TR_P,                 822, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-tr-present", VMX_SDM_26_3_1_2) \
	X(GUEST_TR_AR_11_8,           823, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-tr-ar-reserved-11-8", VMX_SDM_26_3_1_2) \
	X(GUEST_TR_G,                 824, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-tr-granularity", VMX_SDM_26_3_1_2) \
	X(GUEST_TR_UNUSABLE,          825, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-tr-usable", VMX_SDM_26_3_1_2) \
	X(GUEST_TR_AR_31_17,          826, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-tr-ar-reserved-31-17", VMX_SDM_26_3_1_2) \
	X(GUEST_LDTR_TYPE,            827, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-ldtr-type", VMX_SDM_26_3_1_2) \
	X(GUEST_LDTR_S,               828, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-ldtr-s", VMX_SDM_26_3_1_2) \
	X(GUEST_LDTR_P,               829, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-ldtr-present", VMX_SDM_26_3_1_2) \
	X(GUEST_LDTR_AR_11_8,         830, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-ldtr-ar-reserved-11-8", VMX_SDM_26_3_1_2) \
	X(GUEST_LDTR_G,               831, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-ldtr-granularity", VMX_SDM_26_3_1_2) \
	X(GUEST_LDTR_AR_31_17,        832, VMX_CHECK_FAMILY_GUEST_SEGMENTS, "guest-ldtr-ar-reserved-31-17", VMX_SDM_26_3_1_2) \
	/* 26.3.1.3 guest descriptor-table registers */ \
	X(GUEST_DTR_BASE,             900, VMX_CHECK_FAMILY_GUEST_DTR, "guest-dtr-base-canonical", VMX_SDM_26_3_1_3) \
	X(GUEST_DTR_LIMIT,            901, VMX_CHECK_FAMILY_GUEST_DTR, "guest-dtr-limit-high", VMX_SDM_26_3_1_3) \
	/* 26.3.1.4 guest RIP, RFLAGS and SSP */ \
	X(GUEST_RIP_HIGH,            1000, VMX_CHECK_FAMILY_GUEST_RIP_RFLAGS, "guest-rip-high", VMX_SDM_26_3_1_4) \
	X(GUEST_RIP_CANONICAL,       1001, VMX_CHECK_FAMILY_GUEST_RIP_RFLAGS, "guest-rip-canonical", VMX_SDM_26_3_1_4) \
	X(GUEST_RFLAGS_RESERVED,     1002, VMX_CHECK_FAMILY_GUEST_RIP_RFLAGS, "guest-rflags-reserved", VMX_SDM_26_3_1_4) \
	X(GUEST_RFLAGS_VM,           1003, VMX_CHECK_FAMILY_GUEST_RIP_RFLAGS, "guest-rflags-vm", VMX_SDM_26_3_1_4) \
	X(GUEST_RFLAGS_IF,           1004, VMX_CHECK_FAMILY_GUEST_RIP_RFLAGS, "guest-rflags-if-for-ext-intr", VMX_SDM_26_3_1_4) \
	X(GUEST_SSP_HIGH,            1005, VMX_CHECK_FAMILY_GUEST_RIP_RFLAGS, "guest-ssp-high", VMX_SDM_26_3_1_4) \
	X(GUEST_SSP_CANONICAL,       1006, VMX_CHECK_FAMILY_GUEST_RIP_RFLAGS, "guest-ssp-canonical", VMX_SDM_26_3_1_4) \
	/* 26.3.1.5 guest non-register state */ \
	X(GUEST_ACTIVITY_SUPPORTED,  1100, VMX_CHECK_FAMILY_GUEST_NON_REGISTER, "guest-activity-supported", VMX_SDM_26_3_1_5) \
	X(GUEST_ACTIVITY_HLT_DPL,    1101, VMX_CHECK_FAMILY_GUEST_NON_REGISTER, "guest-activity-hlt-ss-dpl", VMX_SDM_26_3_1_5) \
	X(GUEST_ACTIVITY_BLOCKING,   1102, VMX_CHECK_FAMILY_GUEST_NON_REGISTER, "guest-activity-active-when-blocking", VMX_SDM_26_3_1_5) \
	X(GUEST_ACTIVITY_INJECTION,  1103, VMX_CHECK_FAMILY_GUEST_NON_REGISTER, "guest-activity-allows-injection", VMX_SDM_26_3_1_5) \
	X(GUEST_ACTIVITY_SIPI_SMM,   1104, VMX_CHECK_FAMILY_GUEST_NON_REGISTER, "guest-activity-sipi-entry-to-smm", VMX_SDM_26_3_1_5) \
	X(GUEST_INTR_RESERVED,       1105, VMX_CHECK_FAMILY_GUEST_NON_REGISTER, "guest-intr-state-reserved", VMX_SDM_26_3_1_5) \
	X(GUEST_INTR_STI_MOVSS,      1106, VMX_CHECK_FAMILY_GUEST_NON_REGISTER, "guest-intr-state-sti-and-mov-ss", VMX_SDM_26_3_1_5) \
	X(GUEST_INTR_STI_IF,         1107, VMX_CHECK_FAMILY_GUEST_NON_REGISTER, "guest-intr-state-sti-needs-if", VMX_SDM_26_3_1_5) \
	X(GUEST_INTR_EXT_INTR,       1108, VMX_CHECK_FAMILY_GUEST_NON_REGISTER, "guest-intr-state-ext-intr-injection", VMX_SDM_26_3_1_5) \
	X(GUEST_INTR_NMI_MOVSS,      1109, VMX_CHECK_FAMILY_GUEST_NON_REGISTER, "guest-intr-state-nmi-injection-mov-ss", VMX_SDM_26_3_1_5) \
	X(GUEST_INTR_SMI_OUTSIDE,    1110, VMX_CHECK_FAMILY_GUEST_NON_REGISTER, "guest-intr-state-smi-outside-smm", VMX_SDM_26_3_1_5) \
	X(GUEST_INTR_SMI_ENTRY_SMM,  1111, VMX_CHECK_FAMILY_GUEST_NON_REGISTER, "guest-intr-state-smi-entry-to-smm", VMX_SDM_26_3_1_5) \
	X(GUEST_INTR_VIRTUAL_NMI,    1112, VMX_CHECK_FAMILY_GUEST_NON_REGISTER, "guest-intr-state-nmi-blocking-virtual-nmi", VMX_SDM_26_3_1_5) \
	X(GUEST_INTR_ENCLAVE,        1113, VMX_CHECK_FAMILY_GUEST_NON_REGISTER, "guest-intr-state-enclave-mov-ss", VMX_SDM_26_3_1_5) \
	X(GUEST_PENDING_DBG_RESERVED, 1114, VMX_CHECK_FAMILY_GUEST_NON_REGISTER, "guest-pending-dbg-reserved", VMX_SDM_26_3_1_5) \
	X(GUEST_PENDING_DBG_BS,      1115, VMX_CHECK_FAMILY_GUEST_NON_REGISTER, "guest-pending-dbg-bs", VMX_SDM_26_3_1_5) \
	X(GUEST_PENDING_DBG_RTM,     1116, VMX_CHECK_FAMILY_GUEST_NON_REGISTER, "guest-pending-dbg-rtm", VMX_SDM_26_3_1_5) \
	X(GUEST_VMCS_LINK_PTR,       1117, VMX_CHECK_FAMILY_GUEST_NON_REGISTER, "guest-vmcs-link-pointer", VMX_SDM_26_3_1_5) \
	/* 26.3.1.6 guest PDPTEs */ \
	X(GUEST_PDPTE_RESERVED,      1200, VMX_CHECK_FAMILY_GUEST_PDPTE, "guest-pdpte-reserved", VMX_SDM_26_3_1_6) \
	X(GUEST_PDPTE_READ,          1201, VMX_CHECK_FAMILY_GUEST_PDPTE, "guest-pdpte-readable", VMX_SDM_26_3_1_6)

/* VMX_CHECK_<ID> = number. */
enum vmx_entry_check_id {
#define VMX_ENTRY_CHECK_ENUM_(id, num, family, name, sdm) VMX_CHECK_##id = (num),
	VMX_ENTRY_CHECK_LIST(VMX_ENTRY_CHECK_ENUM_)
#undef VMX_ENTRY_CHECK_ENUM_
};

/* Run every check of one family. Returns 0 if all pass, else the family's
 * VCPU_EENTRY_* error with *failure filled. */
LIBVCPU_API int vmx_check_family(const struct vmx_check_env *env, enum vmx_check_family family,
				 struct vmx_entry_failure *failure);

/* Run all families in order; the first failing check is reported. */
LIBVCPU_API int vmx_check_entry(const struct vmx_check_env *env, struct vmx_entry_failure *failure);

/* Number of checks and the name / SDM section of check `id` (NULL if none). */
LIBVCPU_API unsigned vmx_check_count(void);
LIBVCPU_API const char *vmx_check_name(unsigned id);
LIBVCPU_API const char *vmx_check_sdm(unsigned id);
LIBVCPU_API const char *vmx_check_family_name(enum vmx_check_family family);

/* The id of the i-th check in SDM order (0 <= i < vmx_check_count()), or 0. */
LIBVCPU_API unsigned vmx_check_id_at(unsigned i);

#ifdef __cplusplus
}
#endif

#endif /* LIBVCPU_ENTRY_CHECK_H */

/*
 * libvcpu - the architectural vocabulary of VT-x.
 *
 * Capability MSRs, control bits, exit reasons, VM-instruction errors and the
 * bit layouts of fields, as the Intel SDM (Vol. 3C and 3D Appendices A-C)
 * defines them. Names are Linux's asm/vmx.h spellings behind the VMX_
 * prefix. Nothing here depends on a backend.
 */
#ifndef LIBVCPU_VMX_H
#define LIBVCPU_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "libvcpu/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VMX_BIT(n) (1u << (n))
#define VMX_BIT64(n) (1ull << (n))

/* ---- MSRs (SDM Vol. 4 and Appendix A) ---------------------------------- */
#define VMX_MSR_IA32_FEATURE_CONTROL      0x0000003au
#define VMX_MSR_IA32_TSC                  0x00000010u
#define VMX_MSR_IA32_APIC_BASE            0x0000001bu
#define VMX_MSR_IA32_SYSENTER_CS          0x00000174u
#define VMX_MSR_IA32_SYSENTER_ESP         0x00000175u
#define VMX_MSR_IA32_SYSENTER_EIP         0x00000176u
#define VMX_MSR_IA32_DEBUGCTL             0x000001d9u
#define VMX_MSR_IA32_PAT                  0x00000277u
#define VMX_MSR_IA32_VMX_BASIC            0x00000480u
#define VMX_MSR_IA32_VMX_PINBASED_CTLS    0x00000481u
#define VMX_MSR_IA32_VMX_PROCBASED_CTLS   0x00000482u
#define VMX_MSR_IA32_VMX_EXIT_CTLS        0x00000483u
#define VMX_MSR_IA32_VMX_ENTRY_CTLS       0x00000484u
#define VMX_MSR_IA32_VMX_MISC             0x00000485u
#define VMX_MSR_IA32_VMX_CR0_FIXED0       0x00000486u
#define VMX_MSR_IA32_VMX_CR0_FIXED1       0x00000487u
#define VMX_MSR_IA32_VMX_CR4_FIXED0       0x00000488u
#define VMX_MSR_IA32_VMX_CR4_FIXED1       0x00000489u
#define VMX_MSR_IA32_VMX_VMCS_ENUM        0x0000048au
#define VMX_MSR_IA32_VMX_PROCBASED_CTLS2  0x0000048bu
#define VMX_MSR_IA32_VMX_EPT_VPID_CAP     0x0000048cu
#define VMX_MSR_IA32_VMX_TRUE_PINBASED_CTLS  0x0000048du
#define VMX_MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x0000048eu
#define VMX_MSR_IA32_VMX_TRUE_EXIT_CTLS   0x0000048fu
#define VMX_MSR_IA32_VMX_TRUE_ENTRY_CTLS  0x00000490u
#define VMX_MSR_IA32_VMX_VMFUNC           0x00000491u
#define VMX_MSR_IA32_VMX_PROCBASED_CTLS3  0x00000492u
#define VMX_MSR_IA32_EFER                 0xc0000080u
#define VMX_MSR_IA32_STAR                 0xc0000081u
#define VMX_MSR_IA32_LSTAR                0xc0000082u
#define VMX_MSR_IA32_FS_BASE              0xc0000100u
#define VMX_MSR_IA32_GS_BASE              0xc0000101u
#define VMX_MSR_IA32_KERNEL_GS_BASE       0xc0000102u
#define VMX_MSR_IA32_TSC_AUX              0xc0000103u

/* IA32_VMX_BASIC (Appendix A.1) */
#define VMX_BASIC_REVISION_MASK           0x7fffffffull
#define VMX_BASIC_32BIT_PHYS_ADDR_ONLY    VMX_BIT64(48)
#define VMX_BASIC_DUAL_MONITOR_TREATMENT  VMX_BIT64(49)
#define VMX_BASIC_INOUT                   VMX_BIT64(54)
#define VMX_BASIC_TRUE_CTLS               VMX_BIT64(55)
#define VMX_BASIC_NO_HW_ERRCODE_CHECK     VMX_BIT64(56)

/* IA32_VMX_MISC (Appendix A.6) */
#define VMX_MISC_SAVE_EFER_LMA            VMX_BIT64(5)
#define VMX_MISC_ACTIVITY_HLT             VMX_BIT64(6)
#define VMX_MISC_ACTIVITY_SHUTDOWN        VMX_BIT64(7)
#define VMX_MISC_ACTIVITY_WAIT_SIPI       VMX_BIT64(8)
#define VMX_MISC_VMWRITE_SHADOW_RO_FIELDS VMX_BIT64(29)
#define VMX_MISC_ZERO_LEN_INS             VMX_BIT64(30)

/*
 * The capability MSRs a VMM reads before it writes a VMCS. A backend fills
 * this from hardware (or KVM, or a mock profile); the core derives every
 * control setting and fixed CR bit from it, never from a guess.
 */
struct vmx_caps {
	uint64_t basic;
	uint64_t pinbased_ctls;
	uint64_t procbased_ctls;
	uint64_t exit_ctls;
	uint64_t entry_ctls;
	uint64_t misc;
	uint64_t cr0_fixed0;
	uint64_t cr0_fixed1;
	uint64_t cr4_fixed0;
	uint64_t cr4_fixed1;
	uint64_t vmcs_enum;
	uint64_t procbased_ctls2;
	uint64_t ept_vpid_cap;
	uint64_t true_pinbased_ctls;
	uint64_t true_procbased_ctls;
	uint64_t true_exit_ctls;
	uint64_t true_entry_ctls;
	uint64_t vmfunc;
	uint64_t procbased_ctls3;
	unsigned maxphyaddr;	/* CPUID.80000008H:EAX[7:0] */
};

/* Which control a capability query is about. */
enum vmx_ctl {
	VMX_CTL_PINBASED,
	VMX_CTL_PROCBASED,
	VMX_CTL_PROCBASED2,
	VMX_CTL_EXIT,
	VMX_CTL_ENTRY,
};

/* Bits a control field must have set (allowed-0 settings that are 1),
 * honouring the TRUE_* MSRs where IA32_VMX_BASIC[55] says they exist. */
LIBVCPU_API uint32_t vmx_ctl_required(const struct vmx_caps *caps, enum vmx_ctl ctl);
/* Bits a control field may have set (allowed-1 settings). */
LIBVCPU_API uint32_t vmx_ctl_allowed(const struct vmx_caps *caps, enum vmx_ctl ctl);
/* (wanted | required) & allowed: the value to write for a wanted set. */
LIBVCPU_API uint32_t vmx_ctl_adjust(const struct vmx_caps *caps, enum vmx_ctl ctl, uint32_t wanted);
/* True if every bit of `bits` may be 1 in that control. */
LIBVCPU_API bool vmx_ctl_can_set(const struct vmx_caps *caps, enum vmx_ctl ctl, uint32_t bits);

/* Unrestricted guest is available: allowed-1 of secondary control bit 7
 * (IA32_VMX_PROCBASED_CTLS2 bit 39), with secondary controls allowed, and
 * of "enable EPT", which unrestricted guest requires (SDM 26.2.1.1). */
LIBVCPU_API bool vmx_caps_unrestricted_guest(const struct vmx_caps *caps);
/* Does a processor with these capability MSRs have this VMCS component
 * (VMREAD/VMWRITE of one it lacks fails with VM-instruction error 12)? */
LIBVCPU_API bool vmx_caps_field_supported(const struct vmx_caps *caps, uint32_t field);

/* ---- Pin-based VM-execution controls (SDM Table "Pin-Based ...") ------- */
#define VMX_PIN_BASED_EXT_INTR_MASK       VMX_BIT(0)
#define VMX_PIN_BASED_NMI_EXITING         VMX_BIT(3)
#define VMX_PIN_BASED_VIRTUAL_NMIS        VMX_BIT(5)
#define VMX_PIN_BASED_VMX_PREEMPTION_TIMER VMX_BIT(6)
#define VMX_PIN_BASED_POSTED_INTR         VMX_BIT(7)

/* ---- Primary processor-based VM-execution controls --------------------- */
#define VMX_CPU_BASED_INTR_WINDOW_EXITING VMX_BIT(2)
#define VMX_CPU_BASED_USE_TSC_OFFSETTING  VMX_BIT(3)
#define VMX_CPU_BASED_HLT_EXITING         VMX_BIT(7)
#define VMX_CPU_BASED_INVLPG_EXITING      VMX_BIT(9)
#define VMX_CPU_BASED_MWAIT_EXITING       VMX_BIT(10)
#define VMX_CPU_BASED_RDPMC_EXITING       VMX_BIT(11)
#define VMX_CPU_BASED_RDTSC_EXITING       VMX_BIT(12)
#define VMX_CPU_BASED_CR3_LOAD_EXITING    VMX_BIT(15)
#define VMX_CPU_BASED_CR3_STORE_EXITING   VMX_BIT(16)
#define VMX_CPU_BASED_ACTIVATE_TERTIARY_CONTROLS VMX_BIT(17)
#define VMX_CPU_BASED_CR8_LOAD_EXITING    VMX_BIT(19)
#define VMX_CPU_BASED_CR8_STORE_EXITING   VMX_BIT(20)
#define VMX_CPU_BASED_TPR_SHADOW          VMX_BIT(21)
#define VMX_CPU_BASED_NMI_WINDOW_EXITING  VMX_BIT(22)
#define VMX_CPU_BASED_MOV_DR_EXITING      VMX_BIT(23)
#define VMX_CPU_BASED_UNCOND_IO_EXITING   VMX_BIT(24)
#define VMX_CPU_BASED_USE_IO_BITMAPS      VMX_BIT(25)
#define VMX_CPU_BASED_MONITOR_TRAP_FLAG   VMX_BIT(27)
#define VMX_CPU_BASED_USE_MSR_BITMAPS     VMX_BIT(28)
#define VMX_CPU_BASED_MONITOR_EXITING     VMX_BIT(29)
#define VMX_CPU_BASED_PAUSE_EXITING       VMX_BIT(30)
#define VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS VMX_BIT(31)

/* ---- Secondary processor-based VM-execution controls ------------------- */
#define VMX_SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES VMX_BIT(0)
#define VMX_SECONDARY_EXEC_ENABLE_EPT     VMX_BIT(1)
#define VMX_SECONDARY_EXEC_DESC           VMX_BIT(2)
#define VMX_SECONDARY_EXEC_ENABLE_RDTSCP  VMX_BIT(3)
#define VMX_SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE VMX_BIT(4)
#define VMX_SECONDARY_EXEC_ENABLE_VPID    VMX_BIT(5)
#define VMX_SECONDARY_EXEC_WBINVD_EXITING VMX_BIT(6)
#define VMX_SECONDARY_EXEC_UNRESTRICTED_GUEST VMX_BIT(7)
#define VMX_SECONDARY_EXEC_APIC_REGISTER_VIRT VMX_BIT(8)
#define VMX_SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY VMX_BIT(9)
#define VMX_SECONDARY_EXEC_PAUSE_LOOP_EXITING VMX_BIT(10)
#define VMX_SECONDARY_EXEC_RDRAND_EXITING VMX_BIT(11)
#define VMX_SECONDARY_EXEC_ENABLE_INVPCID VMX_BIT(12)
#define VMX_SECONDARY_EXEC_ENABLE_VMFUNC  VMX_BIT(13)
#define VMX_SECONDARY_EXEC_SHADOW_VMCS    VMX_BIT(14)
#define VMX_SECONDARY_EXEC_ENCLS_EXITING  VMX_BIT(15)
#define VMX_SECONDARY_EXEC_RDSEED_EXITING VMX_BIT(16)
#define VMX_SECONDARY_EXEC_ENABLE_PML     VMX_BIT(17)
#define VMX_SECONDARY_EXEC_EPT_VIOLATION_VE VMX_BIT(18)
#define VMX_SECONDARY_EXEC_PT_CONCEAL_VMX VMX_BIT(19)
#define VMX_SECONDARY_EXEC_ENABLE_XSAVES  VMX_BIT(20)
#define VMX_SECONDARY_EXEC_MODE_BASED_EPT_EXEC VMX_BIT(22)
#define VMX_SECONDARY_EXEC_PT_USE_GPA     VMX_BIT(24)
#define VMX_SECONDARY_EXEC_TSC_SCALING    VMX_BIT(25)
#define VMX_SECONDARY_EXEC_ENABLE_USR_WAIT_PAUSE VMX_BIT(26)
#define VMX_SECONDARY_EXEC_BUS_LOCK_DETECTION VMX_BIT(30)
#define VMX_SECONDARY_EXEC_NOTIFY_VM_EXITING VMX_BIT(31)

/* ---- Primary VM-exit controls ------------------------------------------ */
#define VMX_VM_EXIT_SAVE_DEBUG_CONTROLS   VMX_BIT(2)
#define VMX_VM_EXIT_HOST_ADDR_SPACE_SIZE  VMX_BIT(9)
#define VMX_VM_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL VMX_BIT(12)
#define VMX_VM_EXIT_ACK_INTR_ON_EXIT      VMX_BIT(15)
#define VMX_VM_EXIT_SAVE_IA32_PAT         VMX_BIT(18)
#define VMX_VM_EXIT_LOAD_IA32_PAT         VMX_BIT(19)
#define VMX_VM_EXIT_SAVE_IA32_EFER        VMX_BIT(20)
#define VMX_VM_EXIT_LOAD_IA32_EFER        VMX_BIT(21)
#define VMX_VM_EXIT_SAVE_VMX_PREEMPTION_TIMER VMX_BIT(22)
#define VMX_VM_EXIT_CLEAR_BNDCFGS         VMX_BIT(23)
#define VMX_VM_EXIT_PT_CONCEAL_PIP        VMX_BIT(24)
#define VMX_VM_EXIT_CLEAR_IA32_RTIT_CTL   VMX_BIT(25)
#define VMX_VM_EXIT_LOAD_CET_STATE        VMX_BIT(28)
#define VMX_VM_EXIT_LOAD_PKRS             VMX_BIT(29)
#define VMX_VM_EXIT_ACTIVATE_SECONDARY_CONTROLS VMX_BIT(31)

/* ---- VM-entry controls ------------------------------------------------- */
#define VMX_VM_ENTRY_LOAD_DEBUG_CONTROLS  VMX_BIT(2)
#define VMX_VM_ENTRY_IA32E_MODE           VMX_BIT(9)
#define VMX_VM_ENTRY_SMM                  VMX_BIT(10)
#define VMX_VM_ENTRY_DEACT_DUAL_MONITOR   VMX_BIT(11)
#define VMX_VM_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL VMX_BIT(13)
#define VMX_VM_ENTRY_LOAD_IA32_PAT        VMX_BIT(14)
#define VMX_VM_ENTRY_LOAD_IA32_EFER       VMX_BIT(15)
#define VMX_VM_ENTRY_LOAD_BNDCFGS         VMX_BIT(16)
#define VMX_VM_ENTRY_PT_CONCEAL_PIP       VMX_BIT(17)
#define VMX_VM_ENTRY_LOAD_IA32_RTIT_CTL   VMX_BIT(18)
#define VMX_VM_ENTRY_LOAD_CET_STATE       VMX_BIT(20)
#define VMX_VM_ENTRY_LOAD_PKRS            VMX_BIT(22)

/* ---- Control registers, RFLAGS, EFER ----------------------------------- */
#define VMX_CR0_PE  VMX_BIT64(0)
#define VMX_CR0_MP  VMX_BIT64(1)
#define VMX_CR0_EM  VMX_BIT64(2)
#define VMX_CR0_TS  VMX_BIT64(3)
#define VMX_CR0_ET  VMX_BIT64(4)
#define VMX_CR0_NE  VMX_BIT64(5)
#define VMX_CR0_WP  VMX_BIT64(16)
#define VMX_CR0_AM  VMX_BIT64(18)
#define VMX_CR0_NW  VMX_BIT64(29)
#define VMX_CR0_CD  VMX_BIT64(30)
#define VMX_CR0_PG  VMX_BIT64(31)

#define VMX_CR4_VME        VMX_BIT64(0)
#define VMX_CR4_PVI        VMX_BIT64(1)
#define VMX_CR4_TSD        VMX_BIT64(2)
#define VMX_CR4_DE         VMX_BIT64(3)
#define VMX_CR4_PSE        VMX_BIT64(4)
#define VMX_CR4_PAE        VMX_BIT64(5)
#define VMX_CR4_MCE        VMX_BIT64(6)
#define VMX_CR4_PGE        VMX_BIT64(7)
#define VMX_CR4_PCE        VMX_BIT64(8)
#define VMX_CR4_OSFXSR     VMX_BIT64(9)
#define VMX_CR4_OSXMMEXCPT VMX_BIT64(10)
#define VMX_CR4_UMIP       VMX_BIT64(11)
#define VMX_CR4_LA57       VMX_BIT64(12)
#define VMX_CR4_VMXE       VMX_BIT64(13)
#define VMX_CR4_SMXE       VMX_BIT64(14)
#define VMX_CR4_FSGSBASE   VMX_BIT64(16)
#define VMX_CR4_PCIDE      VMX_BIT64(17)
#define VMX_CR4_OSXSAVE    VMX_BIT64(18)
#define VMX_CR4_SMEP       VMX_BIT64(20)
#define VMX_CR4_SMAP       VMX_BIT64(21)
#define VMX_CR4_PKE        VMX_BIT64(22)
#define VMX_CR4_CET        VMX_BIT64(23)
#define VMX_CR4_PKS        VMX_BIT64(24)

#define VMX_RFLAGS_CF      VMX_BIT64(0)
#define VMX_RFLAGS_FIXED1  VMX_BIT64(1)	/* reads as 1 */
#define VMX_RFLAGS_PF      VMX_BIT64(2)
#define VMX_RFLAGS_AF      VMX_BIT64(4)
#define VMX_RFLAGS_ZF      VMX_BIT64(6)
#define VMX_RFLAGS_SF      VMX_BIT64(7)
#define VMX_RFLAGS_TF      VMX_BIT64(8)
#define VMX_RFLAGS_IF      VMX_BIT64(9)
#define VMX_RFLAGS_DF      VMX_BIT64(10)
#define VMX_RFLAGS_OF      VMX_BIT64(11)
#define VMX_RFLAGS_IOPL    (3ull << 12)
#define VMX_RFLAGS_NT      VMX_BIT64(14)
#define VMX_RFLAGS_RF      VMX_BIT64(16)
#define VMX_RFLAGS_VM      VMX_BIT64(17)
#define VMX_RFLAGS_AC      VMX_BIT64(18)
#define VMX_RFLAGS_VIF     VMX_BIT64(19)
#define VMX_RFLAGS_VIP     VMX_BIT64(20)
#define VMX_RFLAGS_ID      VMX_BIT64(21)
/* Bits 63:22, 15, 5 and 3 must be 0; bit 1 must be 1. */
#define VMX_RFLAGS_RESERVED (~0x3f7fd7ull)

#define VMX_EFER_SCE   VMX_BIT64(0)
#define VMX_EFER_LME   VMX_BIT64(8)
#define VMX_EFER_LMA   VMX_BIT64(10)
#define VMX_EFER_NXE   VMX_BIT64(11)

/* ---- Interruption-information format (entry, exit, IDT-vectoring) ------ */
#define VMX_INTR_INFO_VECTOR_MASK         0xffu
#define VMX_INTR_INFO_INTR_TYPE_MASK      0x700u
#define VMX_INTR_INFO_INTR_TYPE_SHIFT     8
#define VMX_INTR_INFO_DELIVER_CODE_MASK   VMX_BIT(11)
#define VMX_INTR_INFO_UNBLOCK_NMI         VMX_BIT(12)
#define VMX_INTR_INFO_VALID_MASK          VMX_BIT(31)
#define VMX_INTR_INFO_RESVD_BITS_MASK     0x7ffff000u

enum vmx_intr_type {
	VMX_INTR_TYPE_EXT_INTR = 0,
	VMX_INTR_TYPE_RESERVED = 1,
	VMX_INTR_TYPE_NMI_INTR = 2,
	VMX_INTR_TYPE_HARD_EXCEPTION = 3,
	VMX_INTR_TYPE_SOFT_INTR = 4,
	VMX_INTR_TYPE_PRIV_SW_EXCEPTION = 5,
	VMX_INTR_TYPE_SOFT_EXCEPTION = 6,
	VMX_INTR_TYPE_OTHER_EVENT = 7,
};

/* Exception vectors. */
enum vmx_vector {
	VMX_VECTOR_DE = 0, VMX_VECTOR_DB = 1, VMX_VECTOR_NMI = 2, VMX_VECTOR_BP = 3,
	VMX_VECTOR_OF = 4, VMX_VECTOR_BR = 5, VMX_VECTOR_UD = 6, VMX_VECTOR_NM = 7,
	VMX_VECTOR_DF = 8, VMX_VECTOR_TS = 10, VMX_VECTOR_NP = 11, VMX_VECTOR_SS = 12,
	VMX_VECTOR_GP = 13, VMX_VECTOR_PF = 14, VMX_VECTOR_MF = 16, VMX_VECTOR_AC = 17,
	VMX_VECTOR_MC = 18, VMX_VECTOR_XM = 19, VMX_VECTOR_VE = 20, VMX_VECTOR_CP = 21,
};

/* Guest interruptibility state */
#define VMX_GUEST_INTR_STATE_STI          VMX_BIT(0)
#define VMX_GUEST_INTR_STATE_MOV_SS       VMX_BIT(1)
#define VMX_GUEST_INTR_STATE_SMI          VMX_BIT(2)
#define VMX_GUEST_INTR_STATE_NMI          VMX_BIT(3)
#define VMX_GUEST_INTR_STATE_ENCLAVE_INTR VMX_BIT(4)

/* Guest activity state */
enum vmx_activity {
	VMX_GUEST_ACTIVITY_ACTIVE = 0,
	VMX_GUEST_ACTIVITY_HLT = 1,
	VMX_GUEST_ACTIVITY_SHUTDOWN = 2,
	VMX_GUEST_ACTIVITY_WAIT_SIPI = 3,
};

/* Segment access rights as the VMCS holds them (not as LAR reports them). */
#define VMX_AR_TYPE_MASK     0x0fu
#define VMX_AR_TYPE_ACCESSED VMX_BIT(0)
#define VMX_AR_TYPE_WRITABLE VMX_BIT(1)	/* data; "readable" for code */
#define VMX_AR_TYPE_CODE     VMX_BIT(3)
#define VMX_AR_S_MASK        VMX_BIT(4)
#define VMX_AR_DPL_SHIFT     5
#define VMX_AR_DPL_MASK      (3u << 5)
#define VMX_AR_P_MASK        VMX_BIT(7)
#define VMX_AR_AVL_MASK      VMX_BIT(12)
#define VMX_AR_L_MASK        VMX_BIT(13)
#define VMX_AR_DB_MASK       VMX_BIT(14)
#define VMX_AR_G_MASK        VMX_BIT(15)
#define VMX_AR_UNUSABLE_MASK VMX_BIT(16)
#define VMX_AR_RESERVED_MASK 0xfffe0f00u

/* Basic exit reason field (VMCS_VM_EXIT_REASON) */
#define VMX_EXIT_REASON_BASIC_MASK        0xffffu
#define VMX_EXIT_REASON_ENCLAVE_MODE      VMX_BIT(27)
#define VMX_EXIT_REASON_PENDING_MTF       VMX_BIT(28)
#define VMX_EXIT_REASON_FROM_ROOT         VMX_BIT(29)
#define VMX_EXIT_REASON_FAILED_VMENTRY    VMX_BIT(31)

/*
 * Basic exit reasons, SDM Vol. 3D Appendix C. X(name, number, description).
 * Numbers 35, 38 and 42 are not used by the SDM.
 */
#define VMX_EXIT_REASON_LIST(X)                                                   \
	X(EXCEPTION_NMI,          0, "exception or NMI")                          \
	X(EXTERNAL_INTERRUPT,     1, "external interrupt")                        \
	X(TRIPLE_FAULT,           2, "triple fault")                              \
	X(INIT_SIGNAL,            3, "INIT signal")                               \
	X(SIPI_SIGNAL,            4, "start-up IPI")                              \
	X(IO_SMI,                 5, "I/O system-management interrupt")           \
	X(OTHER_SMI,              6, "other SMI")                                 \
	X(INTERRUPT_WINDOW,       7, "interrupt window")                          \
	X(NMI_WINDOW,             8, "NMI window")                                \
	X(TASK_SWITCH,            9, "task switch")                               \
	X(CPUID,                 10, "CPUID")                                     \
	X(GETSEC,                11, "GETSEC")                                    \
	X(HLT,                   12, "HLT")                                       \
	X(INVD,                  13, "INVD")                                      \
	X(INVLPG,                14, "INVLPG")                                    \
	X(RDPMC,                 15, "RDPMC")                                     \
	X(RDTSC,                 16, "RDTSC")                                     \
	X(RSM,                   17, "RSM")                                       \
	X(VMCALL,                18, "VMCALL")                                    \
	X(VMCLEAR,               19, "VMCLEAR")                                   \
	X(VMLAUNCH,              20, "VMLAUNCH")                                  \
	X(VMPTRLD,               21, "VMPTRLD")                                   \
	X(VMPTRST,               22, "VMPTRST")                                   \
	X(VMREAD,                23, "VMREAD")                                    \
	X(VMRESUME,              24, "VMRESUME")                                  \
	X(VMWRITE,               25, "VMWRITE")                                   \
	X(VMOFF,                 26, "VMXOFF")                                    \
	X(VMON,                  27, "VMXON")                                     \
	X(CR_ACCESS,             28, "control-register access")                   \
	X(DR_ACCESS,             29, "MOV DR")                                    \
	X(IO_INSTRUCTION,        30, "I/O instruction")                           \
	X(MSR_READ,              31, "RDMSR")                                     \
	X(MSR_WRITE,             32, "WRMSR")                                     \
	X(INVALID_STATE,         33, "VM-entry failure due to invalid guest state") \
	X(MSR_LOAD_FAIL,         34, "VM-entry failure due to MSR loading")       \
	X(MWAIT_INSTRUCTION,     36, "MWAIT")                                     \
	X(MONITOR_TRAP_FLAG,     37, "monitor trap flag")                         \
	X(MONITOR_INSTRUCTION,   39, "MONITOR")                                   \
	X(PAUSE_INSTRUCTION,     40, "PAUSE")                                     \
	X(MCE_DURING_VMENTRY,    41, "VM-entry failure due to machine-check event") \
	X(TPR_BELOW_THRESHOLD,   43, "TPR below threshold")                       \
	X(APIC_ACCESS,           44, "APIC access")                               \
	X(EOI_INDUCED,           45, "virtualized EOI")                           \
	X(GDTR_IDTR,             46, "access to GDTR or IDTR")                    \
	X(LDTR_TR,               47, "access to LDTR or TR")                      \
	X(EPT_VIOLATION,         48, "EPT violation")                             \
	X(EPT_MISCONFIG,         49, "EPT misconfiguration")                      \
	X(INVEPT,                50, "INVEPT")                                    \
	X(RDTSCP,                51, "RDTSCP")                                    \
	X(PREEMPTION_TIMER,      52, "VMX-preemption timer expired")              \
	X(INVVPID,               53, "INVVPID")                                   \
	X(WBINVD,                54, "WBINVD or WBNOINVD")                        \
	X(XSETBV,                55, "XSETBV")                                    \
	X(APIC_WRITE,            56, "APIC write")                                \
	X(RDRAND,                57, "RDRAND")                                    \
	X(INVPCID,               58, "INVPCID")                                   \
	X(VMFUNC,                59, "VMFUNC")                                    \
	X(ENCLS,                 60, "ENCLS")                                     \
	X(RDSEED,                61, "RDSEED")                                    \
	X(PML_FULL,              62, "page-modification log full")                \
	X(XSAVES,                63, "XSAVES")                                    \
	X(XRSTORS,               64, "XRSTORS")                                   \
	X(PCONFIG,               65, "PCONFIG")                                   \
	X(SPP,                   66, "SPP-related event")                         \
	X(UMWAIT,                67, "UMWAIT")                                    \
	X(TPAUSE,                68, "TPAUSE")                                    \
	X(LOADIWKEY,             69, "LOADIWKEY")                                 \
	X(ENCLV,                 70, "ENCLV")                                     \
	X(SGX_CONFLICT,          71, "SGX conflict")                              \
	X(ENQCMD_PASID_FAIL,     72, "ENQCMD PASID translation failure")          \
	X(ENQCMDS_PASID_FAIL,    73, "ENQCMDS PASID translation failure")         \
	X(BUS_LOCK,              74, "bus lock")                                  \
	X(NOTIFY,                75, "instruction timeout (notify)")              \
	X(SEAMCALL,              76, "SEAMCALL")                                  \
	X(TDCALL,                77, "TDCALL")                                    \
	X(RDMSRLIST,             78, "RDMSRLIST")                                 \
	X(WRMSRLIST,             79, "WRMSRLIST")

enum vmx_exit_reason {
#define VMX_EXIT_REASON_ENUM_(name, num, desc) VMX_EXIT_REASON_##name = (num),
	VMX_EXIT_REASON_LIST(VMX_EXIT_REASON_ENUM_)
#undef VMX_EXIT_REASON_ENUM_
	VMX_EXIT_REASON_MAX = 79,
};

/* Dispatch tables have one slot per basic reason below this bound. */
#define VMX_NR_EXIT_REASONS 80

/* "CPUID" for 10 (the name after VMX_EXIT_REASON_); NULL if not an SDM reason.
 * Takes the basic reason (bits 15:0). */
LIBVCPU_API const char *vmx_exit_reason_name(unsigned basic_reason);
/* "CPUID" -> "CPUID", 28 -> "control-register access"; NULL if unknown. */
LIBVCPU_API const char *vmx_exit_reason_description(unsigned basic_reason);

/*
 * VM-instruction error numbers (SDM Vol. 3C "VM Instruction Error Numbers").
 * X(name, number, description).
 */
#define VMX_INSN_ERROR_LIST(X)                                                          \
	X(VMCALL_IN_VMX_ROOT_OPERATION,            1, "VMCALL executed in VMX root operation") \
	X(VMCLEAR_INVALID_ADDRESS,                 2, "VMCLEAR with invalid physical address") \
	X(VMCLEAR_VMXON_POINTER,                   3, "VMCLEAR with VMXON pointer")        \
	X(VMLAUNCH_NONCLEAR_VMCS,                  4, "VMLAUNCH with non-clear VMCS")      \
	X(VMRESUME_NONLAUNCHED_VMCS,               5, "VMRESUME with non-launched VMCS")   \
	X(VMRESUME_AFTER_VMXOFF,                   6, "VMRESUME after VMXOFF")             \
	X(ENTRY_INVALID_CONTROL_FIELD,             7, "VM entry with invalid control field(s)") \
	X(ENTRY_INVALID_HOST_STATE_FIELD,          8, "VM entry with invalid host-state field(s)") \
	X(VMPTRLD_INVALID_ADDRESS,                 9, "VMPTRLD with invalid physical address") \
	X(VMPTRLD_VMXON_POINTER,                  10, "VMPTRLD with VMXON pointer")        \
	X(VMPTRLD_INCORRECT_VMCS_REVISION_ID,     11, "VMPTRLD with incorrect VMCS revision identifier") \
	X(UNSUPPORTED_VMCS_COMPONENT,             12, "VMREAD/VMWRITE from/to unsupported VMCS component") \
	X(VMWRITE_READ_ONLY_VMCS_COMPONENT,       13, "VMWRITE to read-only VMCS component") \
	X(VMXON_IN_VMX_ROOT_OPERATION,            15, "VMXON executed in VMX root operation") \
	X(ENTRY_INVALID_EXECUTIVE_VMCS_POINTER,   16, "VM entry with invalid executive-VMCS pointer") \
	X(ENTRY_NONLAUNCHED_EXECUTIVE_VMCS,       17, "VM entry with non-launched executive VMCS") \
	X(ENTRY_EXECUTIVE_VMCS_POINTER_NOT_VMXON_POINTER, 18, "VM entry with executive-VMCS pointer not VMXON pointer") \
	X(VMCALL_NONCLEAR_VMCS,                   19, "VMCALL with non-clear VMCS")        \
	X(VMCALL_INVALID_VM_EXIT_CONTROL_FIELDS,  20, "VMCALL with invalid VM-exit control fields") \
	X(VMCALL_INCORRECT_MSEG_REVISION_ID,      22, "VMCALL with incorrect MSEG revision identifier") \
	X(VMXOFF_UNDER_DUAL_MONITOR_TREATMENT,    23, "VMXOFF under dual-monitor treatment of SMIs and SMM") \
	X(VMCALL_INVALID_SMM_MONITOR_FEATURES,    24, "VMCALL with invalid SMM-monitor features") \
	X(ENTRY_INVALID_EXECUTION_CONTROLS_IN_EXECUTIVE_VMCS, 25, "VM entry with invalid VM-execution control fields in executive VMCS") \
	X(ENTRY_EVENTS_BLOCKED_BY_MOV_SS,         26, "VM entry with events blocked by MOV SS") \
	X(INVALID_OPERAND_TO_INVEPT_INVVPID,      28, "invalid operand to INVEPT/INVVPID")

enum vmx_insn_error {
#define VMX_INSN_ERROR_ENUM_(name, num, desc) VMX_INSN_ERR_##name = (num),
	VMX_INSN_ERROR_LIST(VMX_INSN_ERROR_ENUM_)
#undef VMX_INSN_ERROR_ENUM_
};

/* "VMRESUME_NONLAUNCHED_VMCS" for 5; NULL if not an SDM number. */
LIBVCPU_API const char *vmx_insn_error_name(unsigned number);
/* "VMRESUME with non-launched VMCS" for 5; NULL if not an SDM number. */
LIBVCPU_API const char *vmx_insn_error_description(unsigned number);

#ifdef __cplusplus
}
#endif

#endif /* LIBVCPU_VMX_H */

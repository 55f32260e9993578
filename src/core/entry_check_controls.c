/*
 * libvcpu - VM-entry checks on the VMX controls (SDM 26.2.1): execution
 * controls (26.2.1.1), exit controls (26.2.1.2), entry controls (26.2.1.3).
 * A failure here is VMfailValid with VM-instruction error 7.
 *
 * Left out, because the state they need is not in struct vmx_caps or in the
 * VMCS:
 *  - TPR threshold bits 3:0 against VTPR bits 7:4 (reads the virtual-APIC
 *    page, host memory);
 *  - "sub-page write permissions for EPT" and the tertiary controls' own
 *    rules (HLAT, IPI virtualization): only their reserved bits are checked;
 *  - EPTP bit 7 (supervisor shadow-stack control) of later SDM editions: it
 *    is one of the reserved bits 11:7 here, as in the chapter-26 editions;
 *  - secondary VM-exit controls (no IA32_VMX_EXIT_CTLS2 in struct vmx_caps);
 *  - "entry to SMM" and "deactivate dual-monitor treatment" both 1: the
 *    processor is never in SMM here, so either being 1 already fails.
 */
#include "entry_check_internal.h"
#include "fmt.h"
#include "libvcpu/exit.h"

/* IA32_VMX_EPT_VPID_CAP (Appendix A.10) */
#define EPT_CAP_WALK_4   VMX_BIT64(6)
#define EPT_CAP_WALK_5   VMX_BIT64(7)
#define EPT_CAP_UC       VMX_BIT64(8)
#define EPT_CAP_WB       VMX_BIT64(14)
#define EPT_CAP_AD       VMX_BIT64(21)

/* EPTP (SDM 24.6.11) */
#define EPTP_MEMTYPE_MASK  0x7ull
#define EPTP_MEMTYPE_UC    0ull
#define EPTP_MEMTYPE_WB    6ull
#define EPTP_WALK_SHIFT    3
#define EPTP_WALK_MASK     (7ull << EPTP_WALK_SHIFT)
#define EPTP_AD            VMX_BIT64(6)
#define EPTP_RESERVED_11_7 0xf80ull

#define VMFUNC_EPTP_SWITCHING VMX_BIT64(0)

/* IA32_VMX_MISC[24:16]: number of CR3-target values supported. */
#define MISC_CR3_TARGETS(misc) ((unsigned)((misc) >> 16) & 0x1ff)

static const char *ctl_msr_name(struct ec *c, enum vmx_ctl ctl)
{
	bool use_true = (c->caps->basic & VMX_BASIC_TRUE_CTLS) != 0;

	switch (ctl) {
	case VMX_CTL_PINBASED:
		return use_true ? "IA32_VMX_TRUE_PINBASED_CTLS" : "IA32_VMX_PINBASED_CTLS";
	case VMX_CTL_PROCBASED:
		return use_true ? "IA32_VMX_TRUE_PROCBASED_CTLS" : "IA32_VMX_PROCBASED_CTLS";
	case VMX_CTL_PROCBASED2:
		return "IA32_VMX_PROCBASED_CTLS2";
	case VMX_CTL_EXIT:
		return use_true ? "IA32_VMX_TRUE_EXIT_CTLS" : "IA32_VMX_EXIT_CTLS";
	case VMX_CTL_ENTRY:
		return use_true ? "IA32_VMX_TRUE_ENTRY_CTLS" : "IA32_VMX_ENTRY_CTLS";
	}
	return "?";
}

/* Reserved bits set properly: the allowed-0 and allowed-1 settings. */
static int check_allowed(struct ec *c, enum vmx_ctl ctl, uint32_t field, uint32_t value,
			 unsigned id0, unsigned id1)
{
	uint32_t must1 = vmx_ctl_required(c->caps, ctl);
	uint32_t may1 = vmx_ctl_allowed(c->caps, ctl);
	char bits[96];

	if (~value & must1)
		return vmx_ec_fail(c, id0, field, value,
				   "%s must be 1 (allowed-0 settings of %s = %#x)",
				   vmx_ec_bits(bits, sizeof(bits), ~value & must1, NULL),
				   ctl_msr_name(c, ctl), must1);
	if (value & ~may1)
		return vmx_ec_fail(c, id1, field, value,
				   "%s must be 0 (allowed-1 settings of %s = %#x)",
				   vmx_ec_bits(bits, sizeof(bits), value & ~may1, NULL),
				   ctl_msr_name(c, ctl), may1);
	return 0;
}

/*
 * An MSR-load/store area (26.2.1.2, 26.2.1.3): if the count is not 0, the
 * address is 16-byte aligned and neither it nor its last byte (address +
 * count * 16 - 1) is beyond the physical-address width.
 */
static int check_msr_area(struct ec *c, unsigned id, uint32_t count_field, uint32_t addr_field)
{
	uint32_t count = (uint32_t)vmx_ec_read(c, count_field);
	const char *count_name = vmcs_field_name(count_field);
	uint64_t addr, last;
	char why[64];
	int err;

	if (!count)
		return 0;
	fmt_snprintf(why, sizeof(why), "%s = %u", count_name, count);
	err = vmx_ec_check_pointer(c, id, addr_field, 4, why);
	if (err)
		return err;
	addr = vmx_ec_read(c, addr_field);
	last = addr + (uint64_t)count * 16 - 1;
	if (vmx_ec_above(last, c->ptr_bits))
		return vmx_ec_fail(c, id, addr_field, addr,
				   "the area's last byte %#llx (%s = %u entries of 16 bytes) is "
				   "beyond the %u-bit physical-address width",
				   (unsigned long long)last, count_name, count, c->ptr_bits);
	return 0;
}

/* ---- 26.2.1.1 VM-execution control fields ------------------------------ */

static int exec_pinbased(struct ec *c)
{
	return check_allowed(c, VMX_CTL_PINBASED, VMCS_PIN_BASED_VM_EXEC_CONTROL, vmx_ec_pin(c),
			     VMX_CHECK_EXEC_PINBASED_ALLOWED0, VMX_CHECK_EXEC_PINBASED_ALLOWED1);
}

static int exec_procbased(struct ec *c)
{
	return check_allowed(c, VMX_CTL_PROCBASED, VMCS_CPU_BASED_VM_EXEC_CONTROL, vmx_ec_proc(c),
			     VMX_CHECK_EXEC_PROCBASED_ALLOWED0, VMX_CHECK_EXEC_PROCBASED_ALLOWED1);
}

static int exec_secondary(struct ec *c)
{
	if (!(vmx_ec_proc(c) & VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS))
		return 0;
	return check_allowed(c, VMX_CTL_PROCBASED2, VMCS_SECONDARY_VM_EXEC_CONTROL, vmx_ec_proc2(c),
			     VMX_CHECK_EXEC_SECONDARY_ALLOWED0, VMX_CHECK_EXEC_SECONDARY_ALLOWED1);
}

/* Tertiary controls have no allowed-0 settings (Appendix A.3.4). */
static int exec_tertiary(struct ec *c)
{
	uint64_t bad = vmx_ec_proc3(c) & ~c->caps->procbased_ctls3;
	char bits[96];

	if (!bad)
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_EXEC_TERTIARY_ALLOWED1, VMCS_TERTIARY_VM_EXEC_CONTROL,
			   vmx_ec_proc3(c), "%s must be 0 (IA32_VMX_PROCBASED_CTLS3 = %#llx)",
			   vmx_ec_bits(bits, sizeof(bits), bad, NULL),
			   (unsigned long long)c->caps->procbased_ctls3);
}

static int exec_cr3_target_count(struct ec *c)
{
	uint32_t count = (uint32_t)vmx_ec_read(c, VMCS_CR3_TARGET_COUNT);
	unsigned max = MISC_CR3_TARGETS(c->caps->misc);

	if (count <= max)
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_EXEC_CR3_TARGET_COUNT, VMCS_CR3_TARGET_COUNT, count,
			   "must be at most %u (IA32_VMX_MISC[24:16])", max);
}

static int exec_io_bitmaps(struct ec *c)
{
	int err;

	if (!(vmx_ec_proc(c) & VMX_CPU_BASED_USE_IO_BITMAPS))
		return 0;
	err = vmx_ec_check_pointer(c, VMX_CHECK_EXEC_IO_BITMAP_A, VMCS_IO_BITMAP_A, 12,
				   "\"use I/O bitmaps\" is on");
	if (err)
		return err;
	return vmx_ec_check_pointer(c, VMX_CHECK_EXEC_IO_BITMAP_B, VMCS_IO_BITMAP_B, 12,
				    "\"use I/O bitmaps\" is on");
}

static int exec_msr_bitmap(struct ec *c)
{
	if (!(vmx_ec_proc(c) & VMX_CPU_BASED_USE_MSR_BITMAPS))
		return 0;
	return vmx_ec_check_pointer(c, VMX_CHECK_EXEC_MSR_BITMAP, VMCS_MSR_BITMAP, 12,
				    "\"use MSR bitmaps\" is on");
}

static int exec_virtual_apic(struct ec *c)
{
	if (!(vmx_ec_proc(c) & VMX_CPU_BASED_TPR_SHADOW))
		return 0;
	return vmx_ec_check_pointer(c, VMX_CHECK_EXEC_VIRTUAL_APIC_ADDR,
				    VMCS_VIRTUAL_APIC_PAGE_ADDR, 12, "\"use TPR shadow\" is on");
}

static int exec_tpr_threshold(struct ec *c)
{
	uint32_t thr;

	if (!(vmx_ec_proc(c) & VMX_CPU_BASED_TPR_SHADOW) ||
	    (vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY))
		return 0;
	thr = (uint32_t)vmx_ec_read(c, VMCS_TPR_THRESHOLD);
	if (!(thr & ~0xfu))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_EXEC_TPR_THRESHOLD, VMCS_TPR_THRESHOLD, thr,
			   "bits 31:4 must be 0 (\"use TPR shadow\" is on, "
			   "\"virtual-interrupt delivery\" is off)");
}

static int exec_virtual_nmis(struct ec *c)
{
	if ((vmx_ec_pin(c) & VMX_PIN_BASED_NMI_EXITING) || !(vmx_ec_pin(c) & VMX_PIN_BASED_VIRTUAL_NMIS))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_EXEC_VIRTUAL_NMIS, VMCS_PIN_BASED_VM_EXEC_CONTROL, vmx_ec_pin(c),
			   "bit 5 (virtual NMIs) must be 0 when bit 3 (NMI exiting) is 0");
}

static int exec_nmi_window(struct ec *c)
{
	if ((vmx_ec_pin(c) & VMX_PIN_BASED_VIRTUAL_NMIS) || !(vmx_ec_proc(c) & VMX_CPU_BASED_NMI_WINDOW_EXITING))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_EXEC_NMI_WINDOW, VMCS_CPU_BASED_VM_EXEC_CONTROL, vmx_ec_proc(c),
			   "bit 22 (NMI-window exiting) must be 0: \"virtual NMIs\" is off "
			   "(PIN_BASED_VM_EXEC_CONTROL = %#x)", vmx_ec_pin(c));
}

static int exec_apic_access(struct ec *c)
{
	if (!(vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES))
		return 0;
	return vmx_ec_check_pointer(c, VMX_CHECK_EXEC_APIC_ACCESS_ADDR, VMCS_APIC_ACCESS_ADDR, 12,
				    "\"virtualize APIC accesses\" is on");
}

static int exec_apicv_tpr_shadow(struct ec *c)
{
	static vmx_ec_bit_names names = {
		[4] = "virtualize x2APIC mode", [8] = "APIC-register virtualization",
		[9] = "virtual-interrupt delivery",
	};
	const uint32_t need_tpr = VMX_SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE |
				  VMX_SECONDARY_EXEC_APIC_REGISTER_VIRT |
				  VMX_SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY;
	char bits[128];

	if ((vmx_ec_proc(c) & VMX_CPU_BASED_TPR_SHADOW) || !(vmx_ec_proc2(c) & need_tpr))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_EXEC_APICV_TPR_SHADOW, VMCS_SECONDARY_VM_EXEC_CONTROL,
			   vmx_ec_proc2(c), "%s must be 0: \"use TPR shadow\" is off",
			   vmx_ec_bits(bits, sizeof(bits), vmx_ec_proc2(c) & need_tpr, &names));
}

static int exec_x2apic_apic_access(struct ec *c)
{
	if (!(vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE) ||
	    !(vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_EXEC_X2APIC_APIC_ACCESS, VMCS_SECONDARY_VM_EXEC_CONTROL,
			   vmx_ec_proc2(c), "bit 0 (virtualize APIC accesses) must be 0 when bit 4 "
			   "(virtualize x2APIC mode) is 1");
}

static int exec_vid_ext_intr(struct ec *c)
{
	if (!(vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY) ||
	    (vmx_ec_pin(c) & VMX_PIN_BASED_EXT_INTR_MASK))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_EXEC_VID_EXT_INTR, VMCS_PIN_BASED_VM_EXEC_CONTROL, vmx_ec_pin(c),
			   "bit 0 (external-interrupt exiting) must be 1: \"virtual-interrupt "
			   "delivery\" is on");
}

static int exec_posted_vid(struct ec *c)
{
	if (!(vmx_ec_pin(c) & VMX_PIN_BASED_POSTED_INTR) ||
	    (vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_EXEC_POSTED_INTR_VID, VMCS_SECONDARY_VM_EXEC_CONTROL,
			   vmx_ec_proc2(c), "bit 9 (virtual-interrupt delivery) must be 1: \"process "
			   "posted interrupts\" is on");
}

static int exec_posted_ack(struct ec *c)
{
	if (!(vmx_ec_pin(c) & VMX_PIN_BASED_POSTED_INTR) || (vmx_ec_exit(c) & VMX_VM_EXIT_ACK_INTR_ON_EXIT))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_EXEC_POSTED_INTR_ACK, VMCS_VM_EXIT_CONTROLS, vmx_ec_exit(c),
			   "bit 15 (acknowledge interrupt on exit) must be 1: \"process posted "
			   "interrupts\" is on");
}

static int exec_posted_vector(struct ec *c)
{
	uint64_t nv;

	if (!(vmx_ec_pin(c) & VMX_PIN_BASED_POSTED_INTR))
		return 0;
	nv = vmx_ec_read(c, VMCS_POSTED_INTR_NV);
	if (!(nv & 0xff00))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_EXEC_POSTED_INTR_VECTOR, VMCS_POSTED_INTR_NV, nv,
			   "must be a vector 0-255 (bits 15:8 must be 0)");
}

static int exec_posted_desc(struct ec *c)
{
	if (!(vmx_ec_pin(c) & VMX_PIN_BASED_POSTED_INTR))
		return 0;
	return vmx_ec_check_pointer(c, VMX_CHECK_EXEC_POSTED_INTR_DESC, VMCS_POSTED_INTR_DESC_ADDR,
				    6, "\"process posted interrupts\" is on");
}

static int exec_vpid(struct ec *c)
{
	if (!(vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_ENABLE_VPID) ||
	    vmx_ec_read(c, VMCS_VIRTUAL_PROCESSOR_ID))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_EXEC_VPID, VMCS_VIRTUAL_PROCESSOR_ID, 0,
			   "must not be 0 (\"enable VPID\" is on)");
}

static uint64_t eptp(struct ec *c)
{
	return vmx_ec_read(c, VMCS_EPT_POINTER);
}

static int exec_eptp_memtype(struct ec *c)
{
	uint64_t cap = c->caps->ept_vpid_cap, v;
	uint64_t type;

	if (!(vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_ENABLE_EPT))
		return 0;
	v = eptp(c);
	type = v & EPTP_MEMTYPE_MASK;
	if ((type == EPTP_MEMTYPE_UC && (cap & EPT_CAP_UC)) ||
	    (type == EPTP_MEMTYPE_WB && (cap & EPT_CAP_WB)))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_EXEC_EPTP_MEMTYPE, VMCS_EPT_POINTER, v,
			   "memory type (bits 2:0) %llu is not supported: IA32_VMX_EPT_VPID_CAP = "
			   "%#llx allows%s%s%s", (unsigned long long)type, (unsigned long long)cap,
			   (cap & EPT_CAP_UC) ? " 0 (UC)" : "", (cap & EPT_CAP_WB) ? " 6 (WB)" : "",
			   (cap & (EPT_CAP_UC | EPT_CAP_WB)) ? "" : " none");
}

static int exec_eptp_walk(struct ec *c)
{
	uint64_t cap = c->caps->ept_vpid_cap, v;
	unsigned walk;

	if (!(vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_ENABLE_EPT))
		return 0;
	v = eptp(c);
	walk = (unsigned)((v & EPTP_WALK_MASK) >> EPTP_WALK_SHIFT) + 1;
	if ((walk == 4 && (cap & EPT_CAP_WALK_4)) || (walk == 5 && (cap & EPT_CAP_WALK_5)))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_EXEC_EPTP_WALK_LENGTH, VMCS_EPT_POINTER, v,
			   "page-walk length %u (bits 5:3 = %u) is not supported: must be 4 (bits "
			   "5:3 = 3)%s", walk, walk - 1,
			   (cap & EPT_CAP_WALK_5) ? " or 5 (bits 5:3 = 4)" : "");
}

static int exec_eptp_ad(struct ec *c)
{
	uint64_t v;

	if (!(vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_ENABLE_EPT))
		return 0;
	v = eptp(c);
	if (!(v & EPTP_AD) || (c->caps->ept_vpid_cap & EPT_CAP_AD))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_EXEC_EPTP_AD, VMCS_EPT_POINTER, v,
			   "bit 6 (accessed/dirty flags) must be 0: IA32_VMX_EPT_VPID_CAP[21] = 0");
}

static int exec_eptp_reserved(struct ec *c)
{
	uint64_t v;

	if (!(vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_ENABLE_EPT))
		return 0;
	v = eptp(c);
	if (v & EPTP_RESERVED_11_7)
		return vmx_ec_fail(c, VMX_CHECK_EXEC_EPTP_RESERVED, VMCS_EPT_POINTER, v,
				   "reserved bits 11:7 must be 0");
	if (vmx_ec_above(v, c->phys_bits))
		return vmx_ec_fail(c, VMX_CHECK_EXEC_EPTP_RESERVED, VMCS_EPT_POINTER, v,
				   "bits 63:%u must be 0 (MAXPHYADDR = %u)", c->phys_bits,
				   c->phys_bits);
	return 0;
}

/* A secondary control that needs "enable EPT" (PML, unrestricted guest,
 * mode-based execute control for EPT). */
static int needs_ept(struct ec *c, unsigned id, uint32_t control, const char *what)
{
	if (!(vmx_ec_proc2(c) & control) || (vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_ENABLE_EPT))
		return 0;
	return vmx_ec_fail(c, id, VMCS_SECONDARY_VM_EXEC_CONTROL, vmx_ec_proc2(c),
			   "bit 1 (enable EPT) must be 1: \"%s\" is on", what);
}

static int exec_pml_ept(struct ec *c)
{
	return needs_ept(c, VMX_CHECK_EXEC_PML_EPT, VMX_SECONDARY_EXEC_ENABLE_PML, "enable PML");
}

static int exec_pml_addr(struct ec *c)
{
	if (!(vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_ENABLE_PML))
		return 0;
	return vmx_ec_check_pointer(c, VMX_CHECK_EXEC_PML_ADDR, VMCS_PML_ADDRESS, 12,
				    "\"enable PML\" is on");
}

static int exec_unrestricted_ept(struct ec *c)
{
	return needs_ept(c, VMX_CHECK_EXEC_UNRESTRICTED_EPT, VMX_SECONDARY_EXEC_UNRESTRICTED_GUEST,
			 "unrestricted guest");
}

static int exec_mbec_ept(struct ec *c)
{
	return needs_ept(c, VMX_CHECK_EXEC_MBEC_EPT, VMX_SECONDARY_EXEC_MODE_BASED_EPT_EXEC,
			 "mode-based execute control for EPT");
}

static int exec_vmfunc_reserved(struct ec *c)
{
	uint64_t v, bad;
	char bits[96];

	if (!(vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_ENABLE_VMFUNC))
		return 0;
	v = vmx_ec_read(c, VMCS_VM_FUNCTION_CONTROL);
	bad = v & ~c->caps->vmfunc;
	if (!bad)
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_EXEC_VMFUNC_RESERVED, VMCS_VM_FUNCTION_CONTROL, v,
			   "%s must be 0 (IA32_VMX_VMFUNC = %#llx)",
			   vmx_ec_bits(bits, sizeof(bits), bad, NULL),
			   (unsigned long long)c->caps->vmfunc);
}

static bool eptp_switching(struct ec *c)
{
	return (vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_ENABLE_VMFUNC) &&
	       (vmx_ec_read(c, VMCS_VM_FUNCTION_CONTROL) & VMFUNC_EPTP_SWITCHING);
}

static int exec_eptp_switching_ept(struct ec *c)
{
	if (!eptp_switching(c) || (vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_ENABLE_EPT))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_EXEC_EPTP_SWITCHING_EPT, VMCS_SECONDARY_VM_EXEC_CONTROL,
			   vmx_ec_proc2(c), "bit 1 (enable EPT) must be 1: the \"EPTP switching\" VM "
			   "function is on");
}

static int exec_eptp_list(struct ec *c)
{
	if (!eptp_switching(c))
		return 0;
	return vmx_ec_check_pointer(c, VMX_CHECK_EXEC_EPTP_LIST_ADDR, VMCS_EPTP_LIST_ADDRESS, 12,
				    "\"EPTP switching\" is on");
}

static int exec_vmcs_shadow_bitmaps(struct ec *c)
{
	int err;

	if (!(vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_SHADOW_VMCS))
		return 0;
	err = vmx_ec_check_pointer(c, VMX_CHECK_EXEC_VMREAD_BITMAP, VMCS_VMREAD_BITMAP, 12,
				   "\"VMCS shadowing\" is on");
	if (err)
		return err;
	return vmx_ec_check_pointer(c, VMX_CHECK_EXEC_VMWRITE_BITMAP, VMCS_VMWRITE_BITMAP, 12,
				    "\"VMCS shadowing\" is on");
}

static int exec_ve_info(struct ec *c)
{
	if (!(vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_EPT_VIOLATION_VE))
		return 0;
	return vmx_ec_check_pointer(c, VMX_CHECK_EXEC_VE_INFO_ADDR, VMCS_VE_INFORMATION_ADDRESS,
				    12, "\"EPT-violation #VE\" is on");
}

/* "Intel PT uses guest physical addresses" needs "enable EPT", the
 * "load IA32_RTIT_CTL" entry control and the "clear IA32_RTIT_CTL" exit
 * control. */
static int exec_pt_guest_phys(struct ec *c)
{
	if (!(vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_PT_USE_GPA))
		return 0;
	if (!(vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_ENABLE_EPT))
		return needs_ept(c, VMX_CHECK_EXEC_PT_GUEST_PHYS, VMX_SECONDARY_EXEC_PT_USE_GPA,
				 "Intel PT uses guest physical addresses");
	if (!(vmx_ec_entry(c) & VMX_VM_ENTRY_LOAD_IA32_RTIT_CTL))
		return vmx_ec_fail(c, VMX_CHECK_EXEC_PT_GUEST_PHYS, VMCS_VM_ENTRY_CONTROLS,
				   vmx_ec_entry(c), "bit 18 (load IA32_RTIT_CTL) must be 1: \"Intel PT "
				   "uses guest physical addresses\" is on");
	if (!(vmx_ec_exit(c) & VMX_VM_EXIT_CLEAR_IA32_RTIT_CTL))
		return vmx_ec_fail(c, VMX_CHECK_EXEC_PT_GUEST_PHYS, VMCS_VM_EXIT_CONTROLS,
				   vmx_ec_exit(c), "bit 25 (clear IA32_RTIT_CTL) must be 1: \"Intel PT "
				   "uses guest physical addresses\" is on");
	return 0;
}

static const vmx_ec_check_fn exec_controls_checks[] = {
	exec_pinbased, exec_procbased, exec_secondary, exec_tertiary,
	exec_cr3_target_count, exec_io_bitmaps, exec_msr_bitmap, exec_virtual_apic,
	exec_tpr_threshold, exec_virtual_nmis, exec_nmi_window, exec_apic_access,
	exec_apicv_tpr_shadow, exec_x2apic_apic_access, exec_vid_ext_intr,
	exec_posted_vid, exec_posted_ack, exec_posted_vector, exec_posted_desc,
	exec_vpid, exec_eptp_memtype, exec_eptp_walk, exec_eptp_ad, exec_eptp_reserved,
	exec_pml_ept, exec_pml_addr, exec_unrestricted_ept, exec_mbec_ept,
	exec_vmfunc_reserved, exec_eptp_switching_ept, exec_eptp_list,
	exec_vmcs_shadow_bitmaps, exec_ve_info, exec_pt_guest_phys,
};

const struct vmx_ec_family vmx_ec_family_exec_controls = {
	exec_controls_checks, VMX_EC_ARRAY_SIZE(exec_controls_checks)
};

/* ---- 26.2.1.2 VM-exit control fields ----------------------------------- */

static int exit_allowed(struct ec *c)
{
	return check_allowed(c, VMX_CTL_EXIT, VMCS_VM_EXIT_CONTROLS, vmx_ec_exit(c),
			     VMX_CHECK_EXIT_ALLOWED0, VMX_CHECK_EXIT_ALLOWED1);
}

static int exit_save_preemption_timer(struct ec *c)
{
	if ((vmx_ec_pin(c) & VMX_PIN_BASED_VMX_PREEMPTION_TIMER) ||
	    !(vmx_ec_exit(c) & VMX_VM_EXIT_SAVE_VMX_PREEMPTION_TIMER))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_EXIT_SAVE_PREEMPTION_TIMER, VMCS_VM_EXIT_CONTROLS, vmx_ec_exit(c),
			   "bit 22 (save VMX-preemption timer value) must be 0: \"activate "
			   "VMX-preemption timer\" is off");
}

static int exit_msr_store(struct ec *c)
{
	return check_msr_area(c, VMX_CHECK_EXIT_MSR_STORE_AREA, VMCS_VM_EXIT_MSR_STORE_COUNT,
			      VMCS_VM_EXIT_MSR_STORE_ADDR);
}

static int exit_msr_load(struct ec *c)
{
	return check_msr_area(c, VMX_CHECK_EXIT_MSR_LOAD_AREA, VMCS_VM_EXIT_MSR_LOAD_COUNT,
			      VMCS_VM_EXIT_MSR_LOAD_ADDR);
}

static const vmx_ec_check_fn exit_controls_checks[] = {
	exit_allowed, exit_save_preemption_timer, exit_msr_store, exit_msr_load,
};

const struct vmx_ec_family vmx_ec_family_exit_controls = {
	exit_controls_checks, VMX_EC_ARRAY_SIZE(exit_controls_checks)
};

/* ---- 26.2.1.3 VM-entry control fields ---------------------------------- */

static int entry_allowed(struct ec *c)
{
	return check_allowed(c, VMX_CTL_ENTRY, VMCS_VM_ENTRY_CONTROLS, vmx_ec_entry(c),
			     VMX_CHECK_ENTRY_ALLOWED0, VMX_CHECK_ENTRY_ALLOWED1);
}

/* Type 1 is reserved; type 7 (other event) only with the 1-setting of
 * "monitor trap flag". */
static int entry_intr_type(struct ec *c)
{
	uint32_t info = vmx_ec_injected_event(c);
	unsigned type = vmx_ec_intr_type(info);

	if (!info)
		return 0;
	if (type == VMX_INTR_TYPE_RESERVED)
		return vmx_ec_fail(c, VMX_CHECK_ENTRY_INTR_TYPE, VMCS_VM_ENTRY_INTR_INFO_FIELD,
				   info, "interruption type (bits 10:8) 1 is reserved");
	if (type == VMX_INTR_TYPE_OTHER_EVENT &&
	    !vmx_ctl_can_set(c->caps, VMX_CTL_PROCBASED, VMX_CPU_BASED_MONITOR_TRAP_FLAG))
		return vmx_ec_fail(c, VMX_CHECK_ENTRY_INTR_TYPE, VMCS_VM_ENTRY_INTR_INFO_FIELD,
				   info, "interruption type 7 (other event) is reserved: the CPU "
				   "does not support \"monitor trap flag\"");
	return 0;
}

static int entry_intr_vector(struct ec *c)
{
	uint32_t info = vmx_ec_injected_event(c);
	unsigned type = vmx_ec_intr_type(info), vector = info & VMX_INTR_INFO_VECTOR_MASK;
	const char *need;

	if (!info)
		return 0;
	if (type == VMX_INTR_TYPE_NMI_INTR && vector != VMX_VECTOR_NMI)
		need = "an NMI must have vector 2";
	else if (type == VMX_INTR_TYPE_HARD_EXCEPTION && vector > 31)
		need = "a hardware exception must have a vector at most 31";
	else if (type == VMX_INTR_TYPE_OTHER_EVENT && vector != 0)
		need = "other event (pending MTF VM exit) must have vector 0";
	else
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_ENTRY_INTR_VECTOR, VMCS_VM_ENTRY_INTR_INFO_FIELD, info,
			   "vector %u: %s", vector, need);
}

/*
 * Bit 11 is 1 iff the guest is not in real mode under unrestricted guest,
 * the type is hardware exception and the vector is one that pushes an error
 * code (8, 10-14, 17, 21). With IA32_VMX_BASIC[56] a hardware exception may
 * be delivered with or without one (Appendix A.1).
 */
static int entry_intr_deliver_code(struct ec *c)
{
	uint32_t info = vmx_ec_injected_event(c);
	unsigned type = vmx_ec_intr_type(info), vector = info & VMX_INTR_INFO_VECTOR_MASK;
	bool has = (info & VMX_INTR_INFO_DELIVER_CODE_MASK) != 0;
	const char *why = NULL;

	if (!info)
		return 0;
	if ((vmx_ec_proc2(c) & VMX_SECONDARY_EXEC_UNRESTRICTED_GUEST) &&
	    !(vmx_ec_read(c, VMCS_GUEST_CR0) & VMX_CR0_PE))
		why = "the guest is in real mode (unrestricted guest, GUEST_CR0.PE = 0)";
	else if (type != VMX_INTR_TYPE_HARD_EXCEPTION)
		why = "only hardware exceptions deliver an error code";
	else if (c->caps->basic & VMX_BASIC_NO_HW_ERRCODE_CHECK)
		return 0;
	else if (!vmx_vector_has_error_code(vector))
		why = "this exception has no error code";

	if (has == !why)
		return 0;
	if (!why)
		return vmx_ec_fail(c, VMX_CHECK_ENTRY_INTR_DELIVER_CODE,
				   VMCS_VM_ENTRY_INTR_INFO_FIELD, info,
				   "bit 11 (deliver error code) must be 1: hardware exception "
				   "%u (%s) pushes an error code", vector,
				   vmx_ec_vector_name(vector));
	return vmx_ec_fail(c, VMX_CHECK_ENTRY_INTR_DELIVER_CODE, VMCS_VM_ENTRY_INTR_INFO_FIELD,
			   info, "bit 11 (deliver error code) must be 0 for %s %u (%s): %s",
			   vmx_ec_intr_type_name(type), vector, vmx_ec_vector_name(vector), why);
}

static int entry_intr_reserved(struct ec *c)
{
	uint32_t info = vmx_ec_injected_event(c);

	if (!(info & VMX_INTR_INFO_RESVD_BITS_MASK))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_ENTRY_INTR_RESERVED, VMCS_VM_ENTRY_INTR_INFO_FIELD, info,
			   "reserved bits 30:12 must be 0");
}

/* Later SDM editions say bits 31:16 (the 2016 text's 31:15 was an erratum). */
static int entry_error_code(struct ec *c)
{
	uint32_t info = vmx_ec_injected_event(c);
	uint64_t code;

	if (!(info & VMX_INTR_INFO_DELIVER_CODE_MASK))
		return 0;
	code = vmx_ec_read(c, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE);
	if (!(code & 0xffff0000u))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_ENTRY_ERROR_CODE, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, code,
			   "bits 31:16 must be 0 (an error code is delivered)");
}

static int entry_instruction_len(struct ec *c)
{
	uint32_t info = vmx_ec_injected_event(c);
	unsigned type = vmx_ec_intr_type(info);
	bool zero_ok = (c->caps->misc & VMX_MISC_ZERO_LEN_INS) != 0;
	uint64_t len;

	if (!info || (type != VMX_INTR_TYPE_SOFT_INTR && type != VMX_INTR_TYPE_PRIV_SW_EXCEPTION &&
		      type != VMX_INTR_TYPE_SOFT_EXCEPTION))
		return 0;
	len = vmx_ec_read(c, VMCS_VM_ENTRY_INSTRUCTION_LEN);
	if (len <= 15 && (len || zero_ok))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_ENTRY_INSTRUCTION_LEN, VMCS_VM_ENTRY_INSTRUCTION_LEN, len,
			   "must be %s-15 when injecting a %s (IA32_VMX_MISC[30] = %d)",
			   zero_ok ? "0" : "1", vmx_ec_intr_type_name(type), zero_ok);
}

static int entry_msr_load(struct ec *c)
{
	return check_msr_area(c, VMX_CHECK_ENTRY_MSR_LOAD_AREA, VMCS_VM_ENTRY_MSR_LOAD_COUNT,
			      VMCS_VM_ENTRY_MSR_LOAD_ADDR);
}

static int entry_smm(struct ec *c)
{
	static vmx_ec_bit_names names = {
		[10] = "entry to SMM", [11] = "deactivate dual-monitor treatment",
	};
	const uint32_t smm = VMX_VM_ENTRY_SMM | VMX_VM_ENTRY_DEACT_DUAL_MONITOR;
	char bits[96];

	if (!(vmx_ec_entry(c) & smm))
		return 0;
	return vmx_ec_fail(c, VMX_CHECK_ENTRY_SMM, VMCS_VM_ENTRY_CONTROLS, vmx_ec_entry(c),
			   "%s must be 0 outside SMM",
			   vmx_ec_bits(bits, sizeof(bits), vmx_ec_entry(c) & smm, &names));
}

static const vmx_ec_check_fn entry_controls_checks[] = {
	entry_allowed, entry_intr_type, entry_intr_vector, entry_intr_deliver_code,
	entry_intr_reserved, entry_error_code, entry_instruction_len, entry_msr_load,
	entry_smm,
};

const struct vmx_ec_family vmx_ec_family_entry_controls = {
	entry_controls_checks, VMX_EC_ARRAY_SIZE(entry_controls_checks)
};

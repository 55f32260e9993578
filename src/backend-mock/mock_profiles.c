/*
 * libvcpu - the mock's capability profiles and which VMCS components each
 * profile's processor has.
 *
 * "modern" follows the capability MSRs of a Skylake-server-class Intel CPU;
 * "no-ug" follows a Core 2 Penryn: VMX without EPT, unrestricted guest or
 * true controls (the configuration that needs virtual-8086 mode for real
 * mode). Values are as such processors report them, rounded to the
 * features the library models.
 */
#include <string.h>

#include "mock_internal.h"

static const struct vmx_caps profile_modern = {
	.basic = 0x00da040000000004ull,		/* revision 4, 1 KiB, WB, INS/OUTS info, true ctls */
	.pinbased_ctls = 0x0000007f00000016ull,
	.procbased_ctls = 0xfff9fffe0401e172ull,
	.exit_ctls = 0x01ffffff00036dffull,
	.entry_ctls = 0x0003ffff000011ffull,
	.misc = 0x000000007004c1e7ull,		/* HLT/shutdown/wait-SIPI, VMWRITE to exit info */
	.cr0_fixed0 = 0x80000021ull,
	.cr0_fixed1 = 0xffffffffull,
	.cr4_fixed0 = 0x00002000ull,
	.cr4_fixed1 = 0x003767ffull,
	.vmcs_enum = 0x0000002eull,
	.procbased_ctls2 = 0x035fffff00000000ull,
	.ept_vpid_cap = 0x00000f0106734141ull,
	.true_pinbased_ctls = 0x0000007f00000016ull,
	.true_procbased_ctls = 0xfff9fffe04006172ull,
	.true_exit_ctls = 0x01ffffff00036dfbull,
	.true_entry_ctls = 0x0003ffff000011fbull,
	.vmfunc = 1,
	.maxphyaddr = 39,
};

static const struct vmx_caps profile_no_ug = {
	.basic = 0x005a08000000000dull,		/* revision 13, 2 KiB, WB, INS/OUTS info */
	.pinbased_ctls = 0x0000003f00000016ull,
	.procbased_ctls = 0xf7f9fffe0401e172ull,
	.exit_ctls = 0x0003ffff00036dffull,
	.entry_ctls = 0x00003fff000011ffull,
	.misc = 0x00000000000403c0ull,
	.cr0_fixed0 = 0x80000021ull,
	.cr0_fixed1 = 0xffffffffull,
	.cr4_fixed0 = 0x00002000ull,
	.cr4_fixed1 = 0x000067ffull,
	.vmcs_enum = 0x0000002cull,
	.procbased_ctls2 = 0x0000004100000000ull,	/* APIC-access virtualization, WBINVD exiting */
	.maxphyaddr = 36,
};

const struct vmx_caps *vcpu_mock_profile(const char *name)
{
	if (!name || !strcmp(name, "modern"))
		return &profile_modern;
	if (!strcmp(name, "no-ug"))
		return &profile_no_ug;
	return NULL;
}


/*
 * vmxhost scenarios: real-mode guests on the raw VMX backend. With
 * unrestricted guest (allowed-1 bit 7 of IA32_VMX_PROCBASED_CTLS2) they run
 * natively on EPT; without it, in the core's virtual-8086 mode with the
 * instructions VM86 cannot run emulated. Either way the guest must print
 * the same.
 */
#include <string.h>

#include "demo_guest.h"
#include "scenario.h"
#include "vmx_guest.h"

static int realmode_basic(void)
{
	static struct vmx_guest g;
	int r = vmx_guest_create(&g, VMX_GUEST_REAL, vmx_guest_rm_basic,
				 (size_t)(vmx_guest_rm_basic_end - vmx_guest_rm_basic));

	if (r == 0)
		r = vmx_guest_answer_vendor(&g);
	if (r == 0) {
		kprintf("  guest at %04lx:0000 (guest-physical %#lx, host-physical %#lx), %s\n", g.gpa >> 4, g.gpa,
			plat_virt_to_phys(g.ram), vmx_guest_cpu_kind(&g));
		r = vmx_guest_run(&g);
		vmx_guest_print(&g);
	}
	if (r < 0)
		r = scenario_fail("%s%s", vm_unrestricted_guest(g.vm) ? "" : "real mode without unrestricted "
				  "guest (the core's VM86 path): ", g.detail);
	else
		r = vmx_guest_expect_basic(&g, vmx_guest_rm_basic_msg);
	vmx_guest_destroy(&g);
	return r;
}

/* minivm's demo guest from 0000:7C00 as demo_guest.c runs it (RAM at its
 * own physical addresses, in the host's low memory, so that it runs without
 * EPT too); its output must be the emulate backend's. */
static int demo_guest(void)
{
	static struct demo_guest_run vmx, emulated;
	int r = demo_guest_run("vmx", &vmx);

	demo_guest_print(&vmx);
	if (r < 0)
		return scenario_fail("%s%s", vmx_unrestricted_guest() ? "" : "real mode without unrestricted "
				     "guest (the core's VM86 path): ", vmx.detail);
	if (vmx.exits[VMX_EXIT_REASON_CPUID] != 1 || vmx.exits[VMX_EXIT_REASON_HLT] != 1)
		return scenario_fail("%u CPUID and %u HLT exits, expected one each", vmx.exits[VMX_EXIT_REASON_CPUID],
				     vmx.exits[VMX_EXIT_REASON_HLT]);
	r = demo_guest_run("emulate", &emulated);
	if (r < 0)
		return scenario_fail("on the emulate backend: %s", emulated.detail);
	if (strcmp(vmx.output, emulated.output) != 0)
		return scenario_fail("the output differs from the emulate backend's");
	kprintf("  the same output as on the emulate backend (%zu bytes)\n", vmx.output_len);
	return 0;
}

SCENARIOS(vmx_realmode,
	{ "vmx-realmode-basic", realmode_basic },
	{ "vmx-demo-guest", demo_guest });

/*
 * vmxhost scenarios: guests on libvcpu's raw VMX backend and the exits they
 * make, through the library's public API only: port I/O, CPUID and HLT; a
 * CR0 write against the read shadow; #UD through the exception bitmap. The
 * guests run in 32-bit protected mode, natively on every VMX processor (on
 * the core's identity map where there is no unrestricted guest).
 */
#include <string.h>

#include "scenario.h"
#include "vmx_guest.h"

static int finish(struct vmx_guest *g, int result)
{
	vmx_guest_destroy(g);
	return result;
}

/* ---- I/O, CPUID, HLT ------------------------------------------------------- */

static int io_cpuid_hlt(void)
{
	static struct vmx_guest g;
	int r = vmx_guest_create(&g, VMX_GUEST_PM32, vmx_guest_pm_basic,
				 (size_t)(vmx_guest_pm_basic_end - vmx_guest_pm_basic));

	if (r == 0)
		r = vmx_guest_answer_vendor(&g);
	if (r < 0)
		return finish(&g, scenario_fail("%s", g.detail));
	kprintf("  guest at %#lx, %s\n", g.gpa, vmx_guest_cpu_kind(&g));
	vmx_guest_print_vm(&g);
	r = vmx_guest_run(&g);
	vmx_guest_print(&g);
	if (r < 0)
		return finish(&g, scenario_fail("%s", g.detail));
	return finish(&g, vmx_guest_expect_basic(&g, vmx_guest_pm_basic_msg));
}

/* ---- the CR0 read shadow -------------------------------------------------------- */

struct cr0_seen {
	struct vmx_guest *g;
	uint64_t mask;
	unsigned nr;
	uint64_t shadow[4], real[4];	/* after each CR-access exit */
};

static uint64_t vmread(struct vcpu *vcpu, uint32_t field)
{
	uint64_t v = 0;

	vcpu_vmread(vcpu, field, &v);
	return v;
}

/* The core's default handling of MOV to CR0, then what it left. */
static int cr_access(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	struct cr0_seen *seen = opaque;
	struct vmx_cr_access a = vmx_decode_cr_access(exit->qualification);
	int r;

	vmx_guest_note_exit(seen->g, exit);
	r = vcpu_default_exit_handler(vcpu, exit);
	kprintf("  exit 28: MOV to CR%u from %s; now shadow %#lx, real %#lx\n", a.cr, vcpu_reg_name(a.gpr),
		vmread(vcpu, VMCS_CR0_READ_SHADOW), vmread(vcpu, VMCS_GUEST_CR0));
	if (seen->nr < 4) {
		seen->shadow[seen->nr] = vmread(vcpu, VMCS_CR0_READ_SHADOW);
		seen->real[seen->nr++] = vmread(vcpu, VMCS_GUEST_CR0);
	}
	return r;
}

static int cr0_read_shadow(void)
{
	static const uint16_t want[] = { 30, 28, 30, 30, 28, 30, 12 };
	static struct vmx_guest g;
	struct cr0_seen seen = { .g = &g };
	int r = vmx_guest_create(&g, VMX_GUEST_PM32, vmx_guest_pm_cr0,
				 (size_t)(vmx_guest_pm_cr0_end - vmx_guest_pm_cr0));

	if (r < 0)
		return finish(&g, scenario_fail("%s", g.detail));
	vm_set_exit_handler(g.vm, VMX_EXIT_REASON_CR_ACCESS, cr_access, &seen);
	seen.mask = vmread(g.vcpu, VMCS_CR0_GUEST_HOST_MASK);
	kprintf("  CR0 guest/host mask %#lx (NE %s), IA32_VMX_CR0_FIXED0 %#lx\n", seen.mask,
		seen.mask & VMX_CR0_NE ? "host-owned" : "guest-owned", vm_caps(g.vm)->cr0_fixed0);
	r = vmx_guest_run(&g);
	vmx_guest_print(&g);
	if (r < 0)
		return finish(&g, scenario_fail("%s", g.detail));
	if (!vmx_guest_exits_are(&g, want, sizeof(want) / sizeof(want[0])))
		return finish(&g, scenario_fail("exits are not OUT, CR, OUT, OUT, CR, OUT, HLT"));
	if (g.nr_reports != 4 || !(g.reports[0] & VMX_CR0_NE) || g.reports[1] != (g.reports[0] & ~VMX_CR0_NE) ||
	    g.reports[2] != (g.reports[1] | VMX_CR0_TS) || g.reports[3] != g.reports[0])
		return finish(&g, scenario_fail("the guest did not read back the CR0 it wrote"));
	if (seen.nr != 2 || seen.shadow[0] & VMX_CR0_NE || !(seen.real[0] & VMX_CR0_NE) ||
	    !(seen.shadow[1] & VMX_CR0_NE))
		return finish(&g, scenario_fail("after the first CR exit NE should be 0 in the shadow and 1 "
						"in the real CR0"));
	return finish(&g, 0);
}

/* ---- an exception through the exception bitmap ---------------------------------- */

struct ud_seen {
	struct vmx_guest *g;
	uint64_t rip_wanted;
	bool ok;
};

/* #UD: the vector, a hardware exception, at the UD2; step over it. */
static int exception(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	struct ud_seen *seen = opaque;
	struct vmx_intr_info i = vmx_decode_intr_info(exit->intr_info);
	uint64_t rip = 0;

	vmx_guest_note_exit(seen->g, exit);
	vcpu_get_reg(vcpu, VCPU_REG_RIP, &rip);
	kprintf("  exit 0: interruption info %#x (vector %u, type %u, valid %u) at RIP %#lx\n", exit->intr_info,
		i.vector, i.type, i.valid, rip);
	seen->ok = i.valid && i.vector == VMX_VECTOR_UD && i.type == VMX_INTR_TYPE_HARD_EXCEPTION &&
		   rip == seen->rip_wanted;
	if (!seen->ok)
		return VCPU_EXIT_RETURN;
	/* A fault: RIP is at the UD2 (two bytes; the exit gives no length). */
	return vcpu_set_reg(vcpu, VCPU_REG_RIP, rip + 2);
}

static int exception_bitmap(void)
{
	static const uint16_t want[] = { 30, 0, 30, 12 };
	static struct vmx_guest g;
	struct ud_seen seen = { .g = &g };
	int r = vmx_guest_create(&g, VMX_GUEST_PM32, vmx_guest_pm_ud,
				 (size_t)(vmx_guest_pm_ud_end - vmx_guest_pm_ud));

	if (r == 0)
		r = vcpu_set_exception_intercept(g.vcpu, VMX_VECTOR_UD, true);
	if (r < 0)
		return finish(&g, scenario_fail("%s", g.detail[0] ? g.detail : vcpu_error_name(r)));
	seen.rip_wanted = g.gpa + (uint64_t)(vmx_guest_pm_ud_ud2 - vmx_guest_pm_ud);
	vm_set_exit_handler(g.vm, VMX_EXIT_REASON_EXCEPTION_NMI, exception, &seen);
	r = vmx_guest_run(&g);
	vmx_guest_print(&g);
	if (r < 0)
		return finish(&g, scenario_fail("%s", g.detail));
	if (!seen.ok)
		return finish(&g, scenario_fail("the exception exit was not #UD at the UD2"));
	if (!vmx_guest_exits_are(&g, want, sizeof(want) / sizeof(want[0])) || strcmp(g.console, "UD") != 0)
		return finish(&g, scenario_fail("expected exits OUT, exception, OUT, HLT and \"UD\""));
	return finish(&g, 0);
}

/* ---- pause-loop exiting ----------------------------------------------------------- */

/* A guest spinning on PAUSE exits once the loop outlasts PLE_Window (in TSC
 * ticks); without the control the library refuses by name. */
static int pause_loop_exit(void)
{
	static const uint16_t want[] = { 30, 40 };
	static struct vmx_guest g;
	struct vcpu_booking b;
	uint64_t ecx = 0;
	int r = vmx_guest_create(&g, VMX_GUEST_PM32, vmx_guest_pm_pause,
				 (size_t)(vmx_guest_pm_pause_end - vmx_guest_pm_pause));

	if (r < 0)
		return finish(&g, scenario_fail("%s", g.detail));
	r = vcpu_set_pause_loop_exiting(g.vcpu, 128, 20000);
	if (r == VCPU_ENOTSUP) {
		kprintf("  refused: %s\n", vcpu_error_detail(g.vcpu));
		if (!strstr(vcpu_error_detail(g.vcpu), "bit 10"))
			return finish(&g, scenario_fail("the refusal does not name the control"));
		return finish(&g, 0);
	}
	if (r < 0)
		return finish(&g, scenario_fail("%s: %s", vcpu_error_name(r), vcpu_error_detail(g.vcpu)));
	kprintf("  PLE_Gap 128, PLE_Window 20000 TSC ticks\n");
	r = vmx_guest_run(&g);
	vmx_guest_print(&g);
	if (r < 0)
		return finish(&g, scenario_fail("%s", g.detail));
	vcpu_get_booking(g.vcpu, &b);
	vcpu_get_reg(g.vcpu, VCPU_REG_RCX, &ecx);
	kprintf("  pause exits %lu, PAUSEs left in the loop %lu of %u\n", (unsigned long)b.pause_exits,
		(unsigned long)ecx, 0x100000);
	if (!vmx_guest_exits_are(&g, want, sizeof(want) / sizeof(want[0])) || strcmp(g.console, "P") != 0 ||
	    b.pause_exits != 1 || ecx == 0)
		return finish(&g, scenario_fail("expected OUT then a pause-loop exit in the middle of the loop"));
	return finish(&g, 0);
}

SCENARIOS(vmx_exits,
	{ "vmx-io-cpuid-hlt", io_cpuid_hlt },
	{ "vmx-cr0-read-shadow", cr0_read_shadow },
	{ "vmx-exception-bitmap", exception_bitmap },
	{ "vmx-pause-loop-exit", pause_loop_exit });

/*
 * vmxhost scenarios: VM entries that fail. The core's VM-entry checks run on
 * the state before VMLAUNCH; a state that fails one is reported with the
 * check's name and SDM section, and the processor is never asked (Bochs logs
 * no "VMENTER FAIL"). A state only the processor can judge fails on the
 * processor, and is reported with its exit reason and qualification. Each
 * time the state is then put right and the same VCPU enters for real.
 */
#include "fmt.h"
#include "host.h"
#include "scenario.h"
#include "vmx_guest.h"

/* A state one VMWRITE away from right, refused with `want_err` by a check
 * of `want_kind`; then the field's old value written back and the guest run
 * to its HLT. */
struct bad_entry {
	uint32_t field;
	uint64_t bad_value;
	int want_err;
	enum vmx_check_kind want_kind;
};

static int refused_then_run(const struct bad_entry *bad)
{
	static struct vmx_guest g;
	const struct vmx_entry_failure *f;
	struct vcpu_booking booking;
	uint64_t good = 0;
	int r, result = 0;

	r = vmx_guest_create(&g, VMX_GUEST_PM32, vmx_guest_pm_basic,
			     (size_t)(vmx_guest_pm_basic_end - vmx_guest_pm_basic));
	if (r == 0)
		r = vmx_guest_answer_vendor(&g);
	if (r == 0 && ((r = vcpu_vmread(g.vcpu, bad->field, &good)) < 0 ||
		       (r = vcpu_vmwrite(g.vcpu, bad->field, bad->bad_value)) < 0))
		fmt_snprintf(g.detail, sizeof(g.detail), "VMWRITE %s: %s", vmcs_field_name(bad->field),
			     vcpu_error_detail(g.vcpu));
	if (r < 0) {
		result = scenario_fail("%s", g.detail);
		goto out;
	}
	kprintf("  %s = %#lx (was %#lx)\n", vmcs_field_name(bad->field), bad->bad_value, good);

	r = vmx_guest_run(&g);
	f = vcpu_entry_failure(g.vcpu);
	vcpu_get_booking(g.vcpu, &booking);
	kprintf("  vcpu_run: %s\n  %s\n", vcpu_error_name(r), vcpu_error_detail(g.vcpu));
	if (f)
		kprintf("  check %u \"%s\", SDM %s\n", f->id, f->name, f->sdm);
	if (r != bad->want_err || !f || f->kind != bad->want_kind) {
		result = scenario_fail("expected %s from a named check, got %s", vcpu_error_name(bad->want_err),
				       vcpu_error_name(r));
		goto out;
	}
	if (g.console_len || booking.launched) {
		result = scenario_fail("the guest ran (%zu bytes of output, launched %d)", g.console_len,
				       booking.launched);
		goto out;
	}

	/* Put right: the VCPU was never launched, so this is a VMLAUNCH. */
	g.nr_exits = 0;
	r = vcpu_vmwrite(g.vcpu, bad->field, good);
	if (r == 0)
		r = vmx_guest_run(&g);
	vmx_guest_print(&g);
	if (r < 0)
		result = scenario_fail("after %s was put right: %s", vmcs_field_name(bad->field), g.detail);
	else
		result = vmx_guest_expect_basic(&g, vmx_guest_pm_basic_msg);
out:
	vmx_guest_destroy(&g);
	return result;
}

/* RFLAGS bit 1 is reserved as 1 (SDM "Checks on Guest RIP, RFLAGS, and SSP"):
 * an entry failure the processor reports as exit reason 33. */
static int invalid_guest_state(void)
{
	return refused_then_run(&(struct bad_entry){ VMCS_GUEST_RFLAGS, 0, VCPU_EENTRY_GUEST,
						     VMX_CHECK_KIND_GUEST });
}

/* More CR3-target values than IA32_VMX_MISC[24:16] allows (at most 256):
 * VMfailValid with VM-instruction error 7. */
static int invalid_control(void)
{
	return refused_then_run(&(struct bad_entry){ VMCS_CR3_TARGET_COUNT, 257, VCPU_EENTRY_CONTROL,
						     VMX_CHECK_KIND_CONTROL });
}

/* A host CR4 without VMXE: VMfailValid with error 8. */
static int invalid_host_state(void)
{
	uint64_t cr4;

	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	return refused_then_run(&(struct bad_entry){ VMCS_HOST_CR4, cr4 & ~VMX_CR4_VMXE, VCPU_EENTRY_HOST,
						     VMX_CHECK_KIND_HOST });
}

/*
 * A VMCS link pointer that names a page without the VMCS revision: the core
 * cannot read the memory a VMCS pointer names, so its checks pass; the
 * processor fails the entry as exit reason 33 with qualification 4 (SDM
 * 26.3.1.5, "Checks on Guest Non-Register State"; 27.8, "VM-Entry Failures
 * During or After Loading Guest State").
 */
static int hardware_entry_failure(void)
{
	static struct vmx_guest g;
	const struct vmx_exit *exit;
	void *page = plat_alloc_pages(1);
	int r = page ? 0 : VCPU_ENOMEM, result;

	if (r == 0)
		r = vmx_guest_create(&g, VMX_GUEST_PM32, vmx_guest_pm_basic,
				     (size_t)(vmx_guest_pm_basic_end - vmx_guest_pm_basic));
	if (r == 0)
		r = vmx_guest_answer_vendor(&g);
	if (r == 0)
		r = vcpu_vmwrite(g.vcpu, VMCS_VMCS_LINK_POINTER, plat_virt_to_phys(page));
	if (r < 0) {
		result = scenario_fail("%s", g.detail[0] ? g.detail : vcpu_error_name(r));
		goto out;
	}
	kprintf("  VMCS_LINK_POINTER = %#lx, a page of zeros (revision 0)\n", plat_virt_to_phys(page));
	r = vmx_guest_run(&g);
	exit = vcpu_last_exit(g.vcpu);
	kprintf("  vcpu_run: %s\n  %s\n", vcpu_error_name(r), vcpu_error_detail(g.vcpu));
	kprintf("  exit reason %#x, qualification %lu\n", exit->reason, exit->qualification);
	if (r != VCPU_EENTRY_GUEST || exit->reason != (VMX_EXIT_REASON_INVALID_STATE | VMX_EXIT_REASON_FAILED_VMENTRY) ||
	    exit->qualification != 4 || g.console_len) {
		result = scenario_fail("expected the processor's failed entry: reason 33 with bit 31, "
				       "qualification 4, and no guest output");
		goto out;
	}
	g.nr_exits = 0;
	r = vcpu_vmwrite(g.vcpu, VMCS_VMCS_LINK_POINTER, ~0ull);
	if (r == 0)
		r = vmx_guest_run(&g);
	vmx_guest_print(&g);
	result = r < 0 ? scenario_fail("after the link pointer was put right: %s", g.detail)
		       : vmx_guest_expect_basic(&g, vmx_guest_pm_basic_msg);
out:
	vmx_guest_destroy(&g);
	plat_free_pages(page, 1);
	return result;
}

SCENARIOS(vmx_entry,
	{ "vmx-invalid-guest-state", invalid_guest_state },
	{ "vmx-invalid-control", invalid_control },
	{ "vmx-invalid-host-state", invalid_host_state },
	{ "vmx-hardware-entry-failure", hardware_entry_failure });

/*
 * vmxhost scenarios: the processor. What VMX this CPU (or Bochs model)
 * offers, and a bare VMXON/VMXOFF that proves the host is set up the way
 * VMX operation needs (SDM Vol. 3C, 24.7 and 24.8).
 */
#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"
#include "scenario.h"

#define CPUID_1_ECX_VMX		(1u << 5)
#define FEATURE_CONTROL_LOCKED	(1u << 0)
#define FEATURE_CONTROL_VMXON	(1u << 2)	/* VMXON outside SMX */
#define PROCBASED_SECONDARY	(1ull << 63)	/* allowed-1 of control bit 31 */
#define SECONDARY_EPT		(1ull << 33)	/* allowed-1 of control bit 1 */
#define SECONDARY_VPID		(1ull << 37)	/* ... bit 5 */
#define SECONDARY_UNRESTRICTED	(1ull << 39)	/* ... bit 7 */
#define MSR_VMX_PROCBASED_CTLS	0x482
#define MSR_VMX_MISC		0x485

/* IA32_VMX_BASIC (SDM Vol. 3D, A.1). */
static uint32_t basic_revision(uint64_t basic)
{
	return (uint32_t)(basic & 0x7fffffff);
}

static uint32_t basic_region_size(uint64_t basic)
{
	return (uint32_t)(basic >> 32 & 0x1fff);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static int vmx_capabilities(void)
{
	uint32_t r[4];

	cpuid_count(1, 0, r);
	kprintf("  CPUID.1:ECX = %#x, VMX (bit 5): %s\n", r[2], yes_no(r[2] & CPUID_1_ECX_VMX));
	if (!(r[2] & CPUID_1_ECX_VMX))
		return scenario_fail("CPUID.1:ECX.VMX is 0: this CPU has no VMX");

	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);

	kprintf("  IA32_FEATURE_CONTROL = %#lx (locked: %s, VMX outside SMX: %s)\n", fc,
		yes_no(fc & FEATURE_CONTROL_LOCKED), yes_no(fc & FEATURE_CONTROL_VMXON));
	if ((fc & FEATURE_CONTROL_LOCKED) && !(fc & FEATURE_CONTROL_VMXON))
		return scenario_fail("IA32_FEATURE_CONTROL is locked with VMX off (firmware setting)");

	uint64_t basic = rdmsr(MSR_VMX_BASIC);

	kprintf("  IA32_VMX_BASIC = %#lx: revision %u, VMCS region %u bytes, memory type %u, "
		"true controls (bit 55): %s\n", basic, basic_revision(basic), basic_region_size(basic),
		(unsigned)(basic >> 50 & 0xf), yes_no(basic >> 55 & 1));

	uint64_t proc = rdmsr(MSR_VMX_PROCBASED_CTLS);
	uint64_t proc2 = proc & PROCBASED_SECONDARY ? rdmsr(MSR_VMX_PROCBASED_CTLS2) : 0;

	kprintf("  IA32_VMX_PROCBASED_CTLS2 = %#lx: secondary controls: %s, EPT: %s, VPID: %s, "
		"unrestricted guest (allowed-1 bit 7): %s\n", proc2, yes_no(proc & PROCBASED_SECONDARY),
		yes_no(proc2 & SECONDARY_EPT), yes_no(proc2 & SECONDARY_VPID),
		yes_no(proc2 & SECONDARY_UNRESTRICTED));
	kprintf("  IA32_VMX_MISC = %#lx, CR0 fixed0/1 = %#lx/%#lx, CR4 fixed0/1 = %#lx/%#lx\n",
		rdmsr(MSR_VMX_MISC), rdmsr(MSR_VMX_CR0_FIXED0), rdmsr(MSR_VMX_CR0_FIXED1),
		rdmsr(MSR_VMX_CR4_FIXED0), rdmsr(MSR_VMX_CR4_FIXED1));

	if (basic_revision(basic) == 0)
		return scenario_fail("IA32_VMX_BASIC gives revision 0");
	if (basic_region_size(basic) == 0 || basic_region_size(basic) > PAGE_SIZE)
		return scenario_fail("VMCS region size %u is not in 1..4096", basic_region_size(basic));
	return 0;
}

/* The outcome of a VMX instruction (SDM Vol. 3C, 31.2). */
enum vmx_result { VMX_SUCCEED, VMX_FAIL_INVALID, VMX_FAIL_VALID };

static const char *const vmx_result_names[] = { "VMsucceed", "VMfailInvalid", "VMfailValid" };

static enum vmx_result vmx_outcome(bool cf, bool zf)
{
	return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_SUCCEED;
}

static enum vmx_result vmxon(uint64_t region_pa)
{
	bool cf, zf;

	__asm__ volatile("vmxon %2" : "=@ccc"(cf), "=@ccz"(zf) : "m"(region_pa) : "memory");
	return vmx_outcome(cf, zf);
}

static enum vmx_result vmxoff(void)
{
	bool cf, zf;

	__asm__ volatile("vmxoff" : "=@ccc"(cf), "=@ccz"(zf) : : "memory");
	return vmx_outcome(cf, zf);
}

/* CR0 and CR4 as VMX operation requires them: every bit set in FIXED0 set,
 * every bit clear in FIXED1 clear (SDM Vol. 3D, A.7 and A.8). */
static const char *cr_check(uint64_t cr0, uint64_t cr4)
{
	if ((cr0 & rdmsr(MSR_VMX_CR0_FIXED0)) != rdmsr(MSR_VMX_CR0_FIXED0) ||
	    (cr0 & ~rdmsr(MSR_VMX_CR0_FIXED1)))
		return "CR0";
	if ((cr4 & rdmsr(MSR_VMX_CR4_FIXED0)) != rdmsr(MSR_VMX_CR4_FIXED0) ||
	    (cr4 & ~rdmsr(MSR_VMX_CR4_FIXED1)))
		return "CR4";
	return NULL;
}

static int vmxon_vmxoff(void)
{
	uint32_t id[4];

	cpuid_count(1, 0, id);
	if (!(id[2] & CPUID_1_ECX_VMX))
		return scenario_fail("no VMX (CPUID.1:ECX.VMX is 0): VMXON would raise #UD");
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);

	if (!(fc & FEATURE_CONTROL_LOCKED)) {
		/* Unlocked (no firmware did it): lock it with VMX on, as an OS does. */
		wrmsr(MSR_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMXON);
		kprintf("  IA32_FEATURE_CONTROL was unlocked: locked with VMX on\n");
	}
	uint32_t revision = basic_revision(rdmsr(MSR_VMX_BASIC));
	uint32_t *region = plat_alloc_pages(1);

	if (!region)
		return scenario_fail("no page for the VMXON region");
	uint64_t pa = plat_virt_to_phys(region);
	uint64_t cr4 = read_cr4();
	const char *bad = cr_check(read_cr0(), cr4 | CR4_VMXE);
	int result = 0;

	kprintf("  CR0 = %#lx, CR4 = %#lx (+VMXE), VMXON region at %#lx, revision %u\n",
		read_cr0(), cr4, pa, revision);
	if (bad) {
		result = scenario_fail("%s does not meet IA32_VMX_%s_FIXED0/1", bad, bad);
		goto out;
	}
	write_cr4(cr4 | CR4_VMXE);

	/* A region with the wrong revision is refused (VMfailInvalid). */
	*region = revision + 1;
	enum vmx_result r = vmxon(pa);

	kprintf("  VMXON with revision %u: %s\n", revision + 1, vmx_result_names[r]);
	if (r == VMX_SUCCEED) {
		vmxoff();
		result = scenario_fail("VMXON accepted a region with the wrong revision");
		goto restore;
	}
	*region = revision;
	r = vmxon(pa);
	kprintf("  VMXON: %s\n", vmx_result_names[r]);
	if (r != VMX_SUCCEED) {
		result = scenario_fail("VMXON: %s", vmx_result_names[r]);
		goto restore;
	}
	r = vmxoff();
	kprintf("  VMXOFF: %s\n", vmx_result_names[r]);
	if (r != VMX_SUCCEED)
		result = scenario_fail("VMXOFF: %s", vmx_result_names[r]);
restore:
	write_cr4(cr4);
out:
	plat_free_pages(region, 1);
	return result;
}

SCENARIOS(cpu,
	{ "cpu-vmx-capabilities", vmx_capabilities },
	{ "vmxon-vmxoff", vmxon_vmxoff });

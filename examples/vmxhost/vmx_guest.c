/* vmxhost: a small guest on the raw VMX backend (see vmx_guest.h). */
#include <string.h>

#include "fmt.h"
#include "host.h"
#include "scenario.h"
#include "vmx_guest.h"

#define DEBUGCON		0xe9
#define STACK_TOP		(VMX_GUEST_PAGES * PAGE_SIZE - 16)

static int fail(struct vmx_guest *g, int err, const char *what, const char *detail)
{
	fmt_snprintf(g->detail, sizeof(g->detail), "%s: %s%s%s", what, vcpu_error_name(err),
		     detail && *detail ? ": " : "", detail ? detail : "");
	return err;
}

static int port_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool in, uint32_t *value)
{
	struct vmx_guest *g = opaque;

	(void)vcpu;
	(void)size;
	if (in)
		return VCPU_ENODEV;
	if (port == DEBUGCON && g->console_len + 1 < sizeof(g->console)) {
		g->console[g->console_len++] = (char)*value;
		g->console[g->console_len] = '\0';
	} else if (port == VMX_GUEST_REPORT_PORT && g->nr_reports < sizeof(g->reports) / sizeof(g->reports[0])) {
		g->reports[g->nr_reports++] = *value;
	}
	return 0;
}

void vmx_guest_note_exit(struct vmx_guest *g, const struct vmx_exit *exit)
{
	if (g->nr_exits < VMX_GUEST_MAX_EXITS)
		g->exits[g->nr_exits] = (uint16_t)vmx_exit_basic_reason(exit);
	g->nr_exits++;
}

static int record_exit(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	struct vmx_guest *g = opaque;

	vmx_guest_note_exit(g, exit);
	if (g->nr_exits > VMX_GUEST_MAX_EXITS * 16)
		return VCPU_EINTR;	/* a runaway guest: the scenario fails, never hangs */
	return vcpu_default_exit_handler(vcpu, exit);
}

/* ---- guest state ----------------------------------------------------------- */

struct segment {
	uint32_t selector, base, limit, ar;
};

/* ES, CS, SS, DS, FS, GS: consecutive encodings (SDM Vol. 3D, App. B). */
static int set_segment(struct vcpu *vcpu, unsigned index, struct segment s)
{
	int r;

	if ((r = vcpu_vmwrite(vcpu, VMCS_GUEST_ES_SELECTOR + 2 * index, s.selector)) < 0 ||
	    (r = vcpu_vmwrite(vcpu, VMCS_GUEST_ES_BASE + 2 * index, s.base)) < 0 ||
	    (r = vcpu_vmwrite(vcpu, VMCS_GUEST_ES_LIMIT + 2 * index, s.limit)) < 0 ||
	    (r = vcpu_vmwrite(vcpu, VMCS_GUEST_ES_AR_BYTES + 2 * index, s.ar)) < 0)
		return r;
	return 0;
}

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, NR_SEGS };

/* Flat 4 GiB segments, 32-bit (D/B, G): code execute/read, data read/write,
 * both accessed. CR0 as the guest sees it: PE, ET, NE. */
static int set_protected_mode(struct vmx_guest *g)
{
	const struct segment code = { 0x08, 0, 0xffffffffu, 0xc09b };
	const struct segment data = { 0x10, 0, 0xffffffffu, 0xc093 };
	int r = 0;

	for (unsigned s = 0; s < NR_SEGS && r == 0; s++)
		r = set_segment(g->vcpu, s, s == SEG_CS ? code : data);
	if (r == 0)
		r = vcpu_set_cr(g->vcpu, 0, VMX_CR0_PE | VMX_CR0_ET | VMX_CR0_NE);
	if (r == 0)
		r = vcpu_set_reg(g->vcpu, VCPU_REG_RIP, g->gpa);
	if (r == 0)
		r = vcpu_set_reg(g->vcpu, VCPU_REG_RSP, g->gpa + STACK_TOP);
	return r;
}

/* Real mode at VMX_GUEST_RM_GPA: every segment there, 64 KiB. */
static int set_real_mode(struct vmx_guest *g)
{
	const uint32_t selector = (uint32_t)(g->gpa >> 4);
	int r = 0;

	for (unsigned s = 0; s < NR_SEGS && r == 0; s++)
		r = set_segment(g->vcpu, s, (struct segment){ selector, (uint32_t)g->gpa, 0xffff,
							      s == SEG_CS ? 0x9bu : 0x93u });
	if (r == 0)
		r = vcpu_set_reg(g->vcpu, VCPU_REG_RIP, 0);
	if (r == 0)
		r = vcpu_set_reg(g->vcpu, VCPU_REG_RSP, STACK_TOP);
	return r;
}

/* ---- lifetime ---------------------------------------------------------------- */

static int add_memory(struct vmx_guest *g, enum vmx_guest_mode mode)
{
	int r;

	if (mode == VMX_GUEST_REAL && !vm_unrestricted_guest(g->vm)) {
		uint8_t *low = host_low_memory_claim();

		if (!low)
			return fail(g, VCPU_EBUSY, "guest RAM", "the host's low memory is in use");
		g->low_memory = true;
		g->ram = low + (VMX_GUEST_RM_GPA - plat_virt_to_phys(low));
	} else {
		g->ram = plat_alloc_pages(VMX_GUEST_PAGES);
		if (!g->ram)
			return fail(g, VCPU_ENOMEM, "guest RAM", "");
		g->ram_allocated = true;
	}
	if (mode == VMX_GUEST_REAL)
		g->gpa = VMX_GUEST_RM_GPA;
	else
		g->gpa = plat_virt_to_phys(g->ram);	/* right with EPT and without */
	/* Without unrestricted guest, paging-off modes (real mode too, in
	 * virtual-8086 mode) run on an identity map: the backend's own. */
	r = vm_add_memory(g->vm, g->gpa, VMX_GUEST_PAGES * PAGE_SIZE, g->ram);
	return r < 0 ? fail(g, r, "vm_add_memory", vm_last_error()) : 0;
}

int vmx_guest_create(struct vmx_guest *g, enum vmx_guest_mode mode, const void *code, size_t len)
{
	int r;

	memset(g, 0, sizeof(*g));
	if (len > VMX_GUEST_PAGES * PAGE_SIZE / 2)
		return fail(g, VCPU_EINVAL, "guest code", "too big");
	r = vm_create(&(struct vm_options){ .backend = "vmx" }, &g->vm);
	if (r < 0)
		return fail(g, r, "vm_create", vm_last_error());
	r = add_memory(g, mode);
	if (r < 0)
		return r;
	memcpy(g->ram, code, len);
	vm_set_callbacks(g->vm, &(struct vm_callbacks){ .port_io = port_io }, g);
	for (unsigned reason = 0; reason < VMX_NR_EXIT_REASONS; reason++)
		vm_set_exit_handler(g->vm, reason, record_exit, g);
	r = vcpu_create(g->vm, 0, &g->vcpu);
	if (r < 0)
		return fail(g, r, "vcpu_create", vm_last_error());
	r = mode == VMX_GUEST_REAL ? set_real_mode(g) : set_protected_mode(g);
	if (r < 0)
		return fail(g, r, "setting the guest's state", vcpu_error_detail(g->vcpu));
	return 0;
}

int vmx_guest_run(struct vmx_guest *g)
{
	int r = vcpu_run(g->vcpu);

	if (r < 0)
		fail(g, r, "vcpu_run", vcpu_error_detail(g->vcpu));
	return r;
}

void vmx_guest_destroy(struct vmx_guest *g)
{
	if (g->vm)
		vm_destroy(g->vm);
	if (g->ram_allocated)
		plat_free_pages(g->ram, VMX_GUEST_PAGES);
	if (g->low_memory)
		host_low_memory_release();
	g->ram_allocated = g->low_memory = false;
	g->vm = NULL;
	g->vcpu = NULL;
	g->ram = NULL;
}

/* ---- results ------------------------------------------------------------------ */

bool vmx_guest_exits_are(const struct vmx_guest *g, const uint16_t *reasons, unsigned n)
{
	if (g->nr_exits != n)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (g->exits[i] != reasons[i])
			return false;
	return true;
}

void vmx_guest_print(const struct vmx_guest *g)
{
	unsigned n = g->nr_exits < VMX_GUEST_MAX_EXITS ? g->nr_exits : VMX_GUEST_MAX_EXITS;

	kprintf("  exits (%u):", g->nr_exits);
	for (unsigned i = 0; i < n;) {
		unsigned run = 1;

		while (i + run < n && g->exits[i + run] == g->exits[i])
			run++;
		if (run > 1)
			kprintf(" %ux%u", run, g->exits[i]);
		else
			kprintf(" %u", g->exits[i]);
		i += run;
	}
	kprintf("%s\n", g->nr_exits > n ? " ..." : "");
	if (g->console_len)
		kprintf("  console: %s%s", g->console, g->console[g->console_len - 1] == '\n' ? "" : "\n");
	for (unsigned i = 0; i < g->nr_reports; i++)
		kprintf("  report %u: %#x\n", i, g->reports[i]);
}

void vmx_guest_print_vm(const struct vmx_guest *g)
{
	uint64_t msrs = 0;

	kprintf("  VMCS revision %lu;", vm_caps(g->vm)->basic & 0x7fffffff);
	for (unsigned c = 0; c < VM_NR_CAPABILITIES; c++)
		if (vm_has_capability(g->vm, (enum vm_capability)c))
			kprintf(" %s;", vm_capability_name((enum vm_capability)c));
	vcpu_vmread(g->vcpu, VMCS_VM_ENTRY_MSR_LOAD_COUNT, &msrs);
	kprintf("\n  guest EFER and PAT: %s (%lu MSRs in the VM-entry MSR-load area)\n",
		msrs ? "through MSR-load areas" : "VMCS fields", msrs);
}

static uint32_t le32(const char *s)
{
	return (uint32_t)(uint8_t)s[0] | (uint32_t)(uint8_t)s[1] << 8 | (uint32_t)(uint8_t)s[2] << 16 |
	       (uint32_t)(uint8_t)s[3] << 24;
}

int vmx_guest_answer_vendor(struct vmx_guest *g)
{
	const char *v = VMX_GUEST_VENDOR;
	/* CPUID leaf 0: the highest leaf in EAX, the vendor in EBX, EDX, ECX. */
	const struct vcpu_cpuid_entry leaf0 = { 0, VCPU_CPUID_SUBLEAF_ANY, 1, le32(v), le32(v + 8), le32(v + 4) };
	int r = vm_set_cpuid(g->vm, &leaf0, 1);

	return r < 0 ? fail(g, r, "vm_set_cpuid", "") : 0;
}

int vmx_guest_expect_basic(const struct vmx_guest *g, const char *line)
{
	const size_t n = strlen(line), tail = sizeof(VMX_GUEST_VENDOR);	/* vendor and newline */
	char want[sizeof(g->console)];

	fmt_snprintf(want, sizeof(want), "%s%s\n", line, VMX_GUEST_VENDOR);
	if (strcmp(g->console, want) != 0)
		return scenario_fail("the guest printed \"%s\", not \"%s\"", g->console, want);
	if (g->nr_exits != n + 1 + tail + 1)
		return scenario_fail("%u exits, expected %zu", g->nr_exits, n + 1 + tail + 1);
	for (unsigned i = 0; i < g->nr_exits && i < VMX_GUEST_MAX_EXITS; i++) {
		unsigned want_reason = i == n ? VMX_EXIT_REASON_CPUID
				       : i == g->nr_exits - 1 ? VMX_EXIT_REASON_HLT : VMX_EXIT_REASON_IO_INSTRUCTION;

		if (g->exits[i] != want_reason)
			return scenario_fail("exit %u is reason %u, expected %u", i, g->exits[i], want_reason);
	}
	return 0;
}

const char *vmx_guest_cpu_kind(const struct vmx_guest *g)
{
	return vm_unrestricted_guest(g->vm) ? "EPT and unrestricted guest" : "no unrestricted guest";
}

bool vmx_unrestricted_guest(void)
{
	struct vm *vm;
	bool ug = false;

	if (vm_create(&(struct vm_options){ .backend = "vmx" }, &vm) == 0) {
		ug = vm_unrestricted_guest(vm);
		vm_destroy(vm);
	}
	return ug;
}

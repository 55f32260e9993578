/*
 * libvcpu - the emulate backend: a guest run entirely in the instruction
 * emulator (src/emulate), no virtualization at all, on any host.
 *
 * Like KVM it describes itself with capability MSRs of its own: HLT and
 * unconditional I/O exiting are always on, interrupt-window and RDTSC
 * exiting and TSC offsetting may be set, and the exception bitmap is
 * honoured. The emulator stops before each I/O, HLT and CPUID (and RDTSC
 * if asked) and on exceptions in the bitmap; those stops become exits
 * with SDM reasons and qualifications, so the core's handlers and the
 * embedder's run unchanged. The guest runs in slices; the end of a slice
 * is an external-interrupt exit, so the core can look at its event queue.
 *
 * Guest state lives in the emulator; the core's software VMCS caches it
 * (fetched on first read after an exit, written back when dirty). Fields
 * the emulator has no use for (debug registers, XCR0, EFER, PAT) stay in
 * the core. MMIO: an access outside guest RAM goes to the VM's mmio
 * callback while the instruction executes, as the core's EPT-violation
 * handler would call it.
 */
#include <string.h>

#include "core.h"
#include "emulate_internal.h"
#include "libvcpu/emulate.h"

#define EMU_PROC_REQUIRED (VMX_CPU_BASED_HLT_EXITING | VMX_CPU_BASED_UNCOND_IO_EXITING)
#define EMU_PROC_ALLOWED  (EMU_PROC_REQUIRED | VMX_CPU_BASED_INTR_WINDOW_EXITING | \
			   VMX_CPU_BASED_RDTSC_EXITING | VMX_CPU_BASED_USE_TSC_OFFSETTING)

struct emulate_vcpu {
	struct emu *emu;
	struct vcpu *vcpu;
};

static struct emulate_vcpu *ev_of(const struct vcpu *vcpu)
{
	return vcpu->backend;
}

/* ---- which fields live where ------------------------------------------------ */

/* Guest state the emulator holds (everything else a guest field names is
 * kept by the core or unsupported). */
static bool in_emulator(unsigned slot)
{
	if (slot >= SLOT_GPR_BASE && slot < SLOT_GPR_BASE + 8)
		return true;
	if (slot == SLOT_CR2)
		return true;
	if (slot >= VMCS_NR_FIELD_SLOTS)
		return false;
	return emu_has_field(vmcs_slot_field(slot));
}

/* Controls and exit information the core keeps for this backend. */
static bool core_kept(uint32_t field)
{
	switch (field) {
	case VMCS_CPU_BASED_VM_EXEC_CONTROL:
	case VMCS_EXCEPTION_BITMAP:
	case VMCS_VM_ENTRY_INTR_INFO_FIELD:
	case VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE:
	case VMCS_VM_ENTRY_INSTRUCTION_LEN:
	case VMCS_TSC_OFFSET:
		return true;
	default:
		return vmcs_field_type(field) == VMCS_TYPE_EXIT_INFO;
	}
}

static bool emulate_field_supported(struct vm *vm, uint32_t field)
{
	unsigned slot = vmcs_slot_of(field);

	(void)vm;
	return slot != SLOT_NONE && (core_kept(field) || in_emulator(slot));
}

static int emulate_read_slot(struct vcpu *vcpu, unsigned slot, uint64_t *value)
{
	struct emu *emu = ev_of(vcpu)->emu;

	if (slot >= SLOT_GPR_BASE && slot < SLOT_GPR_BASE + 8)
		*value = emu_get_reg(emu, (enum vcpu_reg)(slot - SLOT_GPR_BASE));
	else if (slot == SLOT_CR2)
		*value = emu_get_reg(emu, VCPU_REG_CR2);
	else if (slot < VMCS_NR_FIELD_SLOTS && in_emulator(slot))
		return emu_get_field(emu, vmcs_slot_field(slot), value);
	else
		*value = vcpu->vmcs.val[slot];
	return 0;
}

static int emulate_flush(struct vcpu *vcpu, const slot_set *dirty)
{
	struct emu *emu = ev_of(vcpu)->emu;

	for (unsigned w = 0; w < SLOT_WORDS; w++) {
		for (uint64_t bits = dirty->w[w]; bits; bits &= bits - 1) {
			unsigned slot = w * 64 + (unsigned)__builtin_ctzll(bits);
			uint64_t v = vcpu->vmcs.val[slot];
			int r = 0;

			if (slot >= SLOT_GPR_BASE && slot < SLOT_GPR_BASE + 8)
				r = emu_set_reg(emu, (enum vcpu_reg)(slot - SLOT_GPR_BASE), v);
			else if (slot == SLOT_CR2)
				r = emu_set_reg(emu, VCPU_REG_CR2, v);
			else if (slot >= SLOT_GPR_BASE + 8 && slot < SLOT_GPR_BASE + 16 && v)
				return vcpu_fail(vcpu, VCPU_ENOTSUP, "the emulate backend has no %s",
						 vcpu_reg_name((enum vcpu_reg)(slot - SLOT_GPR_BASE)));
			else if (slot < VMCS_NR_FIELD_SLOTS && in_emulator(slot))
				r = emu_set_field(emu, vmcs_slot_field(slot), v);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* ---- memory -------------------------------------------------------------------- */

/* Outside the RAM window: other regions, else the VM's mmio callback. */
static int guest_access(void *opaque, uint64_t phys, void *buf, unsigned len, bool write)
{
	struct emulate_vcpu *ev = opaque;
	struct vm *vm = ev->vcpu->vm;
	int r;

	if (vm_region_of(vm, phys) && vm_region_of(vm, phys + len - 1))
		return write ? vm_write_guest(vm, phys, buf, len) : vm_read_guest(vm, phys, buf, len);
	r = vm->cb.mmio ? vm->cb.mmio(vm->cb_opaque, ev->vcpu, phys, len, write, buf) : VCPU_ENODEV;
	if (r == VCPU_ENODEV)
		return vcpu_fail(ev->vcpu, VCPU_EFAULT, "guest %s %u byte(s) at guest-physical 0x%llx, "
				 "outside guest RAM, and no device claims it", write ? "wrote" : "read", len,
				 (unsigned long long)phys);
	return r < 0 ? r : 0;
}

static int guest_read(void *opaque, uint64_t phys, void *buf, unsigned len)
{
	return guest_access(opaque, phys, buf, len, false);
}

static int guest_write(void *opaque, uint64_t phys, const void *buf, unsigned len)
{
	return guest_access(opaque, phys, (void *)buf, len, true);
}

/* The TSC the guest reads when RDTSC does not exit. */
static uint64_t guest_tsc(void *opaque)
{
	struct emulate_vcpu *ev = opaque;
	const struct vcpu *vcpu = ev->vcpu;
	uint64_t tsc = __builtin_ia32_rdtsc();

	if (vcpu->vmcs.val[VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL] & VMX_CPU_BASED_USE_TSC_OFFSETTING)
		tsc += vcpu->vmcs.val[VMCS_SLOT_TSC_OFFSET];
	return tsc;
}

static const struct emu_ops guest_ops = {
	.read = guest_read,
	.write = guest_write,
	.rdtsc = guest_tsc,
};

/* ---- VM and VCPU ------------------------------------------------------------------ */

static int emulate_vm_init(struct vm *vm, const struct vm_options *opts)
{
	struct vmx_caps *c = &vm->caps;

	(void)opts;
	memset(c, 0, sizeof(*c));
	c->basic = 1 | VMX_BASIC_TRUE_CTLS | VMX_BASIC_INOUT;
	c->procbased_ctls = c->true_procbased_ctls = EMU_PROC_REQUIRED | (uint64_t)EMU_PROC_ALLOWED << 32;
	c->cr0_fixed1 = 0xffffffffull;
	c->cr4_fixed1 = 0x00000000000006ffull;
	c->maxphyaddr = 32;
	/* Guest state and exit information change with every exit. */
	for (unsigned slot = 0; slot < NR_SLOTS; slot++)
		if (in_emulator(slot))
			slot_set_add(&vm->volatile_slots, slot);
	for (unsigned slot = 0; slot < VMCS_NR_FIELD_SLOTS; slot++)
		if (vmcs_field_type(vmcs_slot_field(slot)) == VMCS_TYPE_EXIT_INFO)
			slot_set_add(&vm->volatile_slots, slot);
	return cpuid_load_host(vm);
}

static void emulate_vm_fini(struct vm *vm)
{
	(void)vm;
}

static int emulate_vcpu_init(struct vcpu *vcpu)
{
	struct emulate_vcpu *ev = plat_alloc_aligned(sizeof(*ev), 64);
	struct memory_region *low = vm_region_of(vcpu->vm, 0);
	struct emu_config config = { .ops = &guest_ops };
	int r;

	if (!ev)
		return VCPU_ENOMEM;
	memset(ev, 0, sizeof(*ev));
	ev->vcpu = vcpu;
	config.opaque = ev;
	/* The region at guest-physical 0 is the emulator's fast path. */
	if (low && low->gpa == 0) {
		config.ram = low->host;
		config.ram_size = low->size;
	}
	r = emu_create(&config, &ev->emu);
	if (r < 0) {
		plat_free(ev);
		return vcpu_fail(vcpu, r, "the instruction emulator could not be created");
	}
	vcpu->backend = ev;
	/* Every slot the emulator holds starts unknown; the core's set-up
	 * overwrites them. */
	for (unsigned slot = 0; slot < NR_SLOTS; slot++)
		if (in_emulator(slot))
			slot_set_del(&vcpu->vmcs.cached, slot);
	return 0;
}

static void emulate_vcpu_fini(struct vcpu *vcpu)
{
	struct emulate_vcpu *ev = ev_of(vcpu);

	emu_destroy(ev->emu);
	plat_free(ev);
	vcpu->backend = NULL;
}

static int emulate_vmclear(struct vcpu *vcpu)
{
	(void)vcpu;
	return 0;
}

static int emulate_vmptrld(struct vcpu *vcpu, unsigned pcpu)
{
	(void)vcpu;
	(void)pcpu;
	return 0;
}

static const char *emulate_field_refuses(struct vcpu *vcpu, uint32_t field, uint64_t value)
{
	struct vmx_intr_info event = vmx_decode_intr_info((uint32_t)value);

	(void)vcpu;
	if (field == VMCS_CPU_BASED_VM_EXEC_CONTROL &&
	    ((value & ~(uint64_t)EMU_PROC_ALLOWED) || (value & EMU_PROC_REQUIRED) != EMU_PROC_REQUIRED))
		return "the emulator always stops for HLT and port I/O, and can be asked for interrupt "
		       "windows, RDTSC exits and TSC offsetting, nothing else";
	if (field == VMCS_VM_ENTRY_INTR_INFO_FIELD && event.valid && event.type != VMX_INTR_TYPE_EXT_INTR &&
	    event.type != VMX_INTR_TYPE_NMI_INTR && event.type != VMX_INTR_TYPE_HARD_EXCEPTION)
		return "the emulator injects external interrupts, NMIs and hardware exceptions only";
	return NULL;
}

static uint64_t emulate_host_tsc(struct vm *vm)
{
	(void)vm;
	return __builtin_ia32_rdtsc();
}

const struct vcpu_backend_ops emulate_backend_ops = {
	.name = "emulate",
	.caps = VCPU_BACKEND_CAP_ALL_MODES | VCPU_BACKEND_CAP_EXCEPTION_BITMAP |
		VCPU_BACKEND_CAP_TSC_OFFSET | VCPU_BACKEND_CAP_NMI_QUEUE,
	.vm_init = emulate_vm_init,
	.vm_fini = emulate_vm_fini,
	.vcpu_init = emulate_vcpu_init,
	.vcpu_fini = emulate_vcpu_fini,
	.vmclear = emulate_vmclear,
	.vmptrld = emulate_vmptrld,
	.read_slot = emulate_read_slot,
	.flush = emulate_flush,
	.enter = emulate_enter,
	.field_supported = emulate_field_supported,
	.host_tsc = emulate_host_tsc,
	.field_refuses = emulate_field_refuses,
};

/* For emulate_exit.c. */
struct emu *emulate_emu_of(const struct vcpu *vcpu)
{
	return ev_of(vcpu)->emu;
}

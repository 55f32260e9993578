/*
 * libvcpu - guest real mode without unrestricted guest: virtual-8086 mode
 * plus trap-and-emulate (the seed's second answer), and the instruction
 * emulator for the states VM86 cannot represent.
 *
 * The software VMCS always holds the guest's own view: real-mode segments
 * with their access rights, RFLAGS with VM clear and the guest's IOPL. Only
 * around the hardware entry is it turned into VM86 form (access rights
 * 0xF3, RFLAGS.VM set, IOPL 0, every exception intercepted) and back. With
 * IOPL 0 and CR4.VME off, every instruction VM86 cannot run for a real-mode
 * guest faults: CLI, STI, PUSHF, POPF, INT n, IRET and the privileged ones
 * (HLT, MOV CR, LMSW, LGDT...) raise #GP, and the core has the emulator run
 * that one instruction on the guest's real-mode state. What the emulator
 * stops for (I/O, HLT, CPUID, RDTSC when asked, CR writes, an exception the
 * embedder intercepts) becomes the exit VT-x would have given, for the
 * usual handlers. Other exceptions are delivered through the guest's IVT.
 * Events the core injects are delivered through the IVT by the emulator.
 *
 * VM86 needs every segment's base to be its selector times 16 and its limit
 * 64 KiB. After the guest leaves protected mode (stale descriptor caches)
 * or sets up big real mode, that does not hold: the guest then runs in the
 * emulator, a slice at a time, until it does again.
 */
#include "core.h"
#include "libvcpu/emulate.h"

#define VM86_AR 0xf3u			/* present, DPL 3, read/write data, accessed */
#define EMULATED_SLICE 10000		/* instructions before the core looks round */

static const uint16_t ar_slot[] = {
	VMCS_SLOT_GUEST_ES_AR_BYTES, VMCS_SLOT_GUEST_CS_AR_BYTES, VMCS_SLOT_GUEST_SS_AR_BYTES,
	VMCS_SLOT_GUEST_DS_AR_BYTES, VMCS_SLOT_GUEST_FS_AR_BYTES, VMCS_SLOT_GUEST_GS_AR_BYTES,
};
static const uint16_t selector_slot[] = {
	VMCS_SLOT_GUEST_ES_SELECTOR, VMCS_SLOT_GUEST_CS_SELECTOR, VMCS_SLOT_GUEST_SS_SELECTOR,
	VMCS_SLOT_GUEST_DS_SELECTOR, VMCS_SLOT_GUEST_FS_SELECTOR, VMCS_SLOT_GUEST_GS_SELECTOR,
};
static const uint16_t base_slot[] = {
	VMCS_SLOT_GUEST_ES_BASE, VMCS_SLOT_GUEST_CS_BASE, VMCS_SLOT_GUEST_SS_BASE,
	VMCS_SLOT_GUEST_DS_BASE, VMCS_SLOT_GUEST_FS_BASE, VMCS_SLOT_GUEST_GS_BASE,
};
static const uint16_t limit_slot[] = {
	VMCS_SLOT_GUEST_ES_LIMIT, VMCS_SLOT_GUEST_CS_LIMIT, VMCS_SLOT_GUEST_SS_LIMIT,
	VMCS_SLOT_GUEST_DS_LIMIT, VMCS_SLOT_GUEST_FS_LIMIT, VMCS_SLOT_GUEST_GS_LIMIT,
};

bool realmode_active(struct vcpu *vcpu)
{
	return !vcpu->vm->unrestricted_guest && !(cr0_guest_view(vcpu) & VMX_CR0_PE);
}

/* Can VM86 mode hold the guest's segments? */
static bool vm86_representable(struct vcpu *vcpu)
{
	for (unsigned s = 0; s < 6; s++) {
		uint64_t selector = vmcs_val(vcpu, selector_slot[s]);

		if (vmcs_val(vcpu, base_slot[s]) != selector << 4 || vmcs_val(vcpu, limit_slot[s]) != 0xffff)
			return false;
	}
	return true;
}

/* ---- the emulator, on the guest's memory -------------------------------------- */

static int guest_access(void *opaque, uint64_t gpa, void *buf, unsigned len, bool write)
{
	struct vcpu *vcpu = opaque;
	struct vm *vm = vcpu->vm;
	int r;

	if (vm_region_of(vm, gpa) && vm_region_of(vm, gpa + len - 1))
		return write ? vm_write_guest(vm, gpa, buf, len) : vm_read_guest(vm, gpa, buf, len);
	r = vm->cb.mmio ? vm->cb.mmio(vm->cb_opaque, vcpu, gpa, len, write, buf) : VCPU_ENODEV;
	if (r == VCPU_ENODEV)
		return vcpu_fail(vcpu, VCPU_EFAULT, "guest %s %u byte(s) at guest-physical 0x%llx, outside "
				 "guest RAM, and no device claims it", write ? "wrote" : "read", len,
				 (unsigned long long)gpa);
	return r < 0 ? r : 0;
}

static int guest_read(void *opaque, uint64_t gpa, void *buf, unsigned len)
{
	return guest_access(opaque, gpa, buf, len, false);
}

static int guest_write(void *opaque, uint64_t gpa, const void *buf, unsigned len)
{
	return guest_access(opaque, gpa, (void *)buf, len, true);
}

static const struct emu_ops guest_ops = { .read = guest_read, .write = guest_write };

/* The VCPU's emulator with the guest's current state in it. */
static int load_emulator(struct vcpu *vcpu, struct emu **out)
{
	struct vm *vm = vcpu->vm;
	uint64_t proc = vmcs_val(vcpu, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL);
	int r;

	if (!vcpu->emu) {
		struct memory_region *low = vm_region_of(vm, 0);
		struct emu_config config = { .ops = &guest_ops, .opaque = vcpu, .cache_entries = 1024 };

		if (low && low->gpa == 0) {
			config.ram = low->host;
			config.ram_size = low->size;
		}
		r = emu_create(&config, &vcpu->emu);
		if (r < 0)
			return vcpu_fail(vcpu, r, "the real-mode emulator could not be created");
	}
	/* The guest ran on the hardware since: its code may have changed. */
	emu_flush_code(vcpu->emu);
	r = vcpu_state_to_emu(vcpu, vcpu->emu);
	if (r < 0)
		return vcpu_fail(vcpu, r, "loading the guest's state into the emulator");
	/* Stop where VT-x would exit (CPUID always; CR writes go to the core). */
	emu_set_intercepts(vcpu->emu, EMU_INTERCEPT_IO | EMU_INTERCEPT_HLT | EMU_INTERCEPT_CPUID |
			   EMU_INTERCEPT_CR_WRITE | (proc & VMX_CPU_BASED_RDTSC_EXITING ? EMU_INTERCEPT_RDTSC : 0),
			   (uint32_t)vmcs_val(vcpu, VMCS_SLOT_EXCEPTION_BITMAP));
	*out = vcpu->emu;
	return 0;
}

static int emulator_error(struct vcpu *vcpu, int r)
{
	return vcpu_fail(vcpu, r, "real-mode emulation at %04llx:%04llx: %s",
			 (unsigned long long)vmcs_val(vcpu, VMCS_SLOT_GUEST_CS_SELECTOR),
			 (unsigned long long)vmcs_val(vcpu, VMCS_SLOT_GUEST_RIP), emu_error_detail(vcpu->emu));
}

/* After the emulator stopped: its state back, and 1 with vcpu->exit filled
 * if the stop is an exit, 0 if the guest simply goes on. */
static int emulated_stop(struct vcpu *vcpu, const struct emu_stop *stop)
{
	vcpu_state_from_emu(vcpu, vcpu->emu);
	if (stop->reason == EMU_STOP_STEP)
		return 0;
	vmx_exit_from_emu_stop(&vcpu->exit, stop);
	return 1;
}

void realmode_vcpu_fini(struct vcpu *vcpu)
{
	emu_destroy(vcpu->emu);
	vcpu->emu = NULL;
}

/* ---- VM86 form around the hardware entry ------------------------------------------ */

struct guest_view {
	uint64_t ar[6];
	uint64_t rflags;
	uint64_t exception_bitmap;
};

static void to_vm86(struct vcpu *vcpu, struct guest_view *saved)
{
	for (unsigned s = 0; s < 6; s++) {
		saved->ar[s] = vmcs_val(vcpu, ar_slot[s]);
		vmcs_put(vcpu, ar_slot[s], VM86_AR);
	}
	saved->rflags = vmcs_val(vcpu, VMCS_SLOT_GUEST_RFLAGS);
	vmcs_put(vcpu, VMCS_SLOT_GUEST_RFLAGS, (saved->rflags & ~VMX_RFLAGS_IOPL) | VMX_RFLAGS_VM);
	saved->exception_bitmap = vmcs_val(vcpu, VMCS_SLOT_EXCEPTION_BITMAP);
	vmcs_put(vcpu, VMCS_SLOT_EXCEPTION_BITMAP, 0xffffffffu);
}

/* The exit's VM86 state back into the guest's view: access rights and the
 * guest's IOPL restored (a real-mode segment load changes neither). */
static void from_vm86(struct vcpu *vcpu, const struct guest_view *saved)
{
	uint64_t rflags = vmcs_val(vcpu, VMCS_SLOT_GUEST_RFLAGS);

	for (unsigned s = 0; s < 6; s++)
		vmcs_put(vcpu, ar_slot[s], saved->ar[s]);
	vmcs_put(vcpu, VMCS_SLOT_GUEST_RFLAGS,
		 (rflags & ~(VMX_RFLAGS_VM | VMX_RFLAGS_IOPL)) | (saved->rflags & VMX_RFLAGS_IOPL));
	vmcs_put(vcpu, VMCS_SLOT_EXCEPTION_BITMAP, saved->exception_bitmap);
}

/* ---- events and exceptions ----------------------------------------------------------- */

/* The entry's injected event, delivered through the IVT by the emulator.
 * 1 with vcpu->exit filled (a triple fault), 0, or an error. */
static int deliver_injected(struct vcpu *vcpu)
{
	uint64_t info = vmcs_val(vcpu, VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD);
	struct vmx_intr_info i = vmx_decode_intr_info((uint32_t)info);
	struct emu_stop stop;
	struct emu *emu;
	int r;

	if (!i.valid)
		return 0;
	vmcs_put(vcpu, VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD, info & ~(uint64_t)VMX_INTR_INFO_VALID_MASK);
	if ((r = load_emulator(vcpu, &emu)) < 0)
		return r;
	/* A software event returns past its instruction. */
	if (i.type == VMX_INTR_TYPE_SOFT_INTR || i.type == VMX_INTR_TYPE_SOFT_EXCEPTION ||
	    i.type == VMX_INTR_TYPE_PRIV_SW_EXCEPTION)
		emu_set_reg(emu, VCPU_REG_RIP, (emu_get_reg(emu, VCPU_REG_RIP) +
			    vmcs_val(vcpu, VMCS_SLOT_VM_ENTRY_INSTRUCTION_LEN)) & 0xffff);
	if ((r = emu_inject(emu, i.vector, &stop)) < 0)
		return emulator_error(vcpu, r);
	return emulated_stop(vcpu, &stop);
}

/* Emulate the instruction at CS:IP (it faulted in VM86 mode). */
static int emulate_one(struct vcpu *vcpu)
{
	struct emu_stop stop;
	struct emu *emu;
	int r;

	if ((r = load_emulator(vcpu, &emu)) < 0)
		return r;
	if ((r = emu_step(emu, &stop)) < 0)
		return emulator_error(vcpu, r);
	return emulated_stop(vcpu, &stop);
}

/* A VM86 exception exit the embedder did not ask for: the core's to take.
 * 1 if it is an exit after all (vcpu->exit filled), 0 to enter again. */
static int vm86_exception(struct vcpu *vcpu, const struct vmx_intr_info *i)
{
	/* #GP: an instruction VM86 cannot run for a real-mode guest; INT3
	 * and INTO: software exceptions the IVT must take, returning past
	 * them. The emulator runs the instruction itself. */
	if (i->vector == VMX_VECTOR_GP || i->type == VMX_INTR_TYPE_SOFT_EXCEPTION)
		return emulate_one(vcpu);
	/* Any other fault or trap: through the IVT, RIP where VT-x left it. */
	vmcs_put(vcpu, VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD,
		 vmx_intr_info_make(i->vector, VMX_INTR_TYPE_HARD_EXCEPTION, false));
	return deliver_injected(vcpu);
}

/* ---- entering ------------------------------------------------------------------------ */

/* The guest in the emulator for a slice, or until an exit or until VM86
 * can hold its state again. */
static int run_emulated(struct vcpu *vcpu)
{
	struct emu_stop stop;
	struct emu *emu;
	int r;

	if ((r = load_emulator(vcpu, &emu)) < 0)
		return r;
	for (unsigned n = 0; n < EMULATED_SLICE; n++) {
		if ((r = emu_step(emu, &stop)) < 0)
			return emulator_error(vcpu, r);
		if (stop.reason != EMU_STOP_STEP)
			return emulated_stop(vcpu, &stop);
		vcpu_state_from_emu(vcpu, emu);
		if (!realmode_active(vcpu) || vm86_representable(vcpu))
			break;
	}
	/* Back to the core's loop: its events, its requests. */
	vmx_exit_from_emu_stop(&vcpu->exit, &stop);
	return 0;
}

/* An exit that asks nothing of the handlers: back to the core's loop. */
static int nothing_happened(struct vcpu *vcpu)
{
	vmx_exit_from_emu_stop(&vcpu->exit, &(struct emu_stop){ .reason = EMU_STOP_STEP });
	return 0;
}

int realmode_enter(struct vcpu *vcpu, bool launch)
{
	struct vm *vm = vcpu->vm;
	struct guest_view saved;
	int r;

	/* The VM86 form is the core's own: a guest view with RFLAGS.VM and
	 * CR0.PE clear is neither real nor virtual-8086 mode, and the
	 * emulator would hand every event back unhandled, forever. */
	if (vmcs_val(vcpu, VMCS_SLOT_GUEST_RFLAGS) & VMX_RFLAGS_VM)
		return vcpu_fail(vcpu, VCPU_EGUEST_STATE, "guest RFLAGS 0x%llx has VM set while CR0.PE is clear",
				 (unsigned long long)vmcs_val(vcpu, VMCS_SLOT_GUEST_RFLAGS));
	for (;;) {
		struct vmx_intr_info i;

		r = deliver_injected(vcpu);
		if (r != 0)
			return r < 0 ? r : 0;
		if (!vm86_representable(vcpu))
			return run_emulated(vcpu);
		to_vm86(vcpu, &saved);
		r = vmcs_flush(vcpu);
		if (r == 0)
			r = vm->ops->enter(vcpu, launch);
		vmcs_invalidate_volatile(vcpu);
		from_vm86(vcpu, &saved);
		if (r < 0 || vmx_exit_is_failed_entry(&vcpu->exit))
			return r;
		launch = false;
		vcpu->launched = true;
		i = vmx_decode_intr_info(vcpu->exit.intr_info);
		/* An exception exit the bitmap cannot name (not valid, vector
		 * 32 or above) is no VM86 fault: the handlers judge it. */
		if (vmx_exit_basic_reason(&vcpu->exit) != VMX_EXIT_REASON_EXCEPTION_NMI || !i.valid ||
		    i.vector >= 32 || i.type == VMX_INTR_TYPE_NMI_INTR || ((saved.exception_bitmap >> i.vector) & 1))
			return 0;
		/* The core's own exception: take it and go on, unless the core
		 * has something to do first. */
		r = vm86_exception(vcpu, &i);
		if (r != 0)
			return r < 0 ? r : 0;
		if (exit_request_pending(vcpu) || vcpu->events.any || !realmode_active(vcpu))
			return nothing_happened(vcpu);
	}
}

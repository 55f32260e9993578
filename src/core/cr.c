/*
 * libvcpu - virtual control registers: CR0/CR4 guest/host masks and read
 * shadows, CR3 substitution and CR8, and the CR-access exit.
 *
 * The guest reads CRn as (read shadow & mask) | (real & ~mask); a MOV to
 * CRn exits when it would change a masked ("host-owned") bit away from the
 * shadow (SDM Vol. 3C "VM Exits Due to Control-Register Accesses"). The
 * shadow holds the guest's own value (the virtual CR); the real value the
 * processor uses is derived from it within IA32_VMX_CRn_FIXED0/FIXED1.
 *
 * CR0 bits:
 *   PE, PG          trap & emulate. Without unrestricted guest both stay 1 in
 *                   the real CR0 (FIXED0): paging-off protected mode runs on
 *                   the identity map, real mode in virtual-8086 mode.
 *   NE              host-owned: FIXED0 forces it; the guest sees its own.
 *   WP, CD, NW      trap & pass through: memory virtualization is told.
 *   MP EM TS ET AM  guest-owned, pass through.
 *   63:32, others   reserved: a write setting them gets #GP.
 * CR4 bits:
 *   VMXE            host-owned: FIXED0 forces it; hidden from the guest,
 *                   which may not set it (no nested VMX).
 *   PSE PAE PGE PCIDE SMEP SMAP PKE LA57  trap & pass through (paging).
 *   TSD DE MCE PCE OSFXSR OSXMMEXCPT FSGSBASE OSXSAVE  guest-owned.
 *   anything FIXED1 does not allow: reserved, #GP.
 *
 * A backend without CR shadowing (KVM, which owns the shadows) gets the
 * guest's values as they are: the guest's view is the real register.
 */
#include "core.h"

#define CR0_GUEST_OWNED (VMX_CR0_MP | VMX_CR0_EM | VMX_CR0_TS | VMX_CR0_ET | VMX_CR0_AM)
#define CR0_PAGING_BITS (VMX_CR0_PE | VMX_CR0_PG | VMX_CR0_WP | VMX_CR0_CD | VMX_CR0_NW)
#define CR4_GUEST_OWNED (VMX_CR4_TSD | VMX_CR4_DE | VMX_CR4_MCE | VMX_CR4_PCE | VMX_CR4_OSFXSR | \
			 VMX_CR4_OSXMMEXCPT | VMX_CR4_FSGSBASE | VMX_CR4_OSXSAVE)
#define CR4_PAGING_BITS (VMX_CR4_PSE | VMX_CR4_PAE | VMX_CR4_PGE | VMX_CR4_PCIDE | VMX_CR4_SMEP | \
			 VMX_CR4_SMAP | VMX_CR4_PKE | VMX_CR4_LA57)
/* Real CR4 bits that would break the identity map (its pages are user
 * pages with 4 MiB 32-bit PDEs). */
#define CR4_IDENTITY_MAP_CLEAR (VMX_CR4_PAE | VMX_CR4_PGE | VMX_CR4_PCIDE | VMX_CR4_SMEP | \
				VMX_CR4_SMAP | VMX_CR4_PKE | VMX_CR4_LA57)

/* ---- values ------------------------------------------------------------ */

static uint64_t cr0_forced_on(const struct vm *vm)
{
	uint64_t on = vm->caps.cr0_fixed0;

	/* Unrestricted guest lifts FIXED0's PE and PG (SDM 26.3.1.1). */
	if (vm->unrestricted_guest)
		on &= ~(VMX_CR0_PE | VMX_CR0_PG);
	return on;
}

static uint64_t cr0_real(const struct vm *vm, uint64_t virt)
{
	return (virt | cr0_forced_on(vm)) & vm->caps.cr0_fixed1;
}

static bool guest_paging(uint64_t cr0)
{
	return (cr0 & VMX_CR0_PG) != 0;
}

static bool on_identity_map(const struct vm *vm, uint64_t cr0_virt)
{
	return !vm->unrestricted_guest && !guest_paging(cr0_virt);
}

static uint64_t cr4_real(const struct vm *vm, uint64_t virt, uint64_t cr0_virt)
{
	uint64_t real = (virt | vm->caps.cr4_fixed0) & vm->caps.cr4_fixed1;

	if (on_identity_map(vm, cr0_virt))
		real = (real & ~CR4_IDENTITY_MAP_CLEAR) | VMX_CR4_PSE;
	return real;
}

static bool shadowed(const struct vm *vm)
{
	return vm_feature(vm, VCPU_BACKEND_CAP_CR_SHADOW);
}

static uint64_t masked_view(struct vcpu *vcpu, unsigned real_slot, unsigned shadow_slot,
			    unsigned mask_slot)
{
	uint64_t mask;

	if (!shadowed(vcpu->vm))
		return vmcs_val(vcpu, real_slot);
	mask = vmcs_val(vcpu, mask_slot);

	return (vmcs_val(vcpu, shadow_slot) & mask) | (vmcs_val(vcpu, real_slot) & ~mask);
}

uint64_t cr0_guest_view(struct vcpu *vcpu)
{
	return masked_view(vcpu, VMCS_SLOT_GUEST_CR0, VMCS_SLOT_CR0_READ_SHADOW,
			   VMCS_SLOT_CR0_GUEST_HOST_MASK);
}

uint64_t cr4_guest_view(struct vcpu *vcpu)
{
	return masked_view(vcpu, VMCS_SLOT_GUEST_CR4, VMCS_SLOT_CR4_READ_SHADOW,
			   VMCS_SLOT_CR4_GUEST_HOST_MASK);
}

static uint64_t cr3_guest_view(struct vcpu *vcpu)
{
	return vcpu->vm->unrestricted_guest ? vmcs_val(vcpu, VMCS_SLOT_GUEST_CR3) : vcpu->cr3_virtual;
}

static int tell_memory(struct vcpu *vcpu, unsigned reg, uint64_t old_value, uint64_t new_value)
{
	struct vm *vm = vcpu->vm;
	struct vcpu_paging_change change = { reg, old_value, new_value };
	int r;

	if (!vm->cb.paging_changed)
		return 0;
	r = vm->cb.paging_changed(vm->cb_opaque, vcpu, &change);
	if (r < 0)
		return vcpu_fail(vcpu, r, "paging callback failed (%s) on %s 0x%llx -> 0x%llx", vcpu_error_name(r),
				 reg == VCPU_PAGING_EFER ? "EFER" : reg == 0 ? "CR0" : reg == 3 ? "CR3" : "CR4",
				 (unsigned long long)old_value, (unsigned long long)new_value);
	return r;
}

/* The real CR3 and CR4 follow the guest's paging: the identity map while
 * paging is off and unrestricted guest is not in use. */
static void sync_paging_state(struct vcpu *vcpu, uint64_t cr0_virt);

void cr_sync_paging(struct vcpu *vcpu)
{
	sync_paging_state(vcpu, cr0_guest_view(vcpu));
}

static void sync_paging_state(struct vcpu *vcpu, uint64_t cr0_virt)
{
	struct vm *vm = vcpu->vm;

	if (!shadowed(vm))
		return;
	vmcs_put(vcpu, VMCS_SLOT_GUEST_CR4,
		 cr4_real(vm, vmcs_val(vcpu, VMCS_SLOT_CR4_READ_SHADOW), cr0_virt));
	if (vm->unrestricted_guest)
		return;
	if (on_identity_map(vm, cr0_virt))
		vmcs_put(vcpu, VMCS_SLOT_GUEST_CR3, vm->identity_map_gpa);
	else
		vmcs_put(vcpu, VMCS_SLOT_GUEST_CR3, vcpu->cr3_virtual);
}

/* ---- writes ------------------------------------------------------------ */

static uint64_t guest_efer(struct vcpu *vcpu)
{
	return vmcs_val(vcpu, vcpu->vm->efer_slot);
}

static void set_long_mode_active(struct vcpu *vcpu, bool active)
{
	uint64_t efer = guest_efer(vcpu), entry;

	/* EFER.LMA and the "IA-32e mode guest" entry control move together. */
	efer = active ? efer | VMX_EFER_LMA : efer & ~VMX_EFER_LMA;
	vmcs_put(vcpu, vcpu->vm->efer_slot, efer);
	if (vm_has_slot(vcpu->vm, VMCS_SLOT_VM_ENTRY_CONTROLS)) {
		entry = vmcs_val(vcpu, VMCS_SLOT_VM_ENTRY_CONTROLS);
		entry = active ? entry | VMX_VM_ENTRY_IA32E_MODE : entry & ~VMX_VM_ENTRY_IA32E_MODE;
		vmcs_put(vcpu, VMCS_SLOT_VM_ENTRY_CONTROLS, entry);
	}
}

/*
 * Writes return VCPU_EINVAL with *fault saying why where the guest would
 * get #GP(0) instead (SDM Vol. 2 "MOV - Move to/from Control Registers").
 */
static const char *cr0_write_fault(struct vcpu *vcpu, uint64_t old, uint64_t v)
{
	if (v >> 32)
		return "bits 63:32 are reserved";
	if ((v & VMX_CR0_PG) && !(v & VMX_CR0_PE))
		return "PG set without PE";
	if ((v & VMX_CR0_NW) && !(v & VMX_CR0_CD))
		return "NW set without CD";
	if (!(old & VMX_CR0_PG) && (v & VMX_CR0_PG) && (guest_efer(vcpu) & VMX_EFER_LME) &&
	    !(cr4_guest_view(vcpu) & VMX_CR4_PAE))
		return "PG set with EFER.LME but without CR4.PAE";
	if ((old & VMX_CR0_PG) && !(v & VMX_CR0_PG) && vcpu_in_long_mode(vcpu))
		return "PG cleared in 64-bit mode";
	return NULL;
}

static int cr0_write(struct vcpu *vcpu, uint64_t v, const char **fault)
{
	struct vm *vm = vcpu->vm;
	uint64_t old = cr0_guest_view(vcpu);

	*fault = cr0_write_fault(vcpu, old, v);
	if (*fault)
		return VCPU_EINVAL;
	if (shadowed(vm)) {
		vmcs_put(vcpu, VMCS_SLOT_CR0_READ_SHADOW, v);
		vmcs_put(vcpu, VMCS_SLOT_GUEST_CR0, cr0_real(vm, v));
	} else {
		vmcs_put(vcpu, VMCS_SLOT_GUEST_CR0, v);
	}
	if (guest_paging(old) != guest_paging(v)) {
		if (guest_efer(vcpu) & VMX_EFER_LME)
			set_long_mode_active(vcpu, guest_paging(v));
		sync_paging_state(vcpu, v);
	}
	if ((old ^ v) & CR0_PAGING_BITS)
		return tell_memory(vcpu, 0, old, v);
	return 0;
}

static const char *cr4_write_fault(struct vcpu *vcpu, uint64_t old, uint64_t v)
{
	uint64_t allowed = vcpu->vm->caps.cr4_fixed1 & ~(VMX_CR4_VMXE | VMX_CR4_SMXE);
	bool lma = (guest_efer(vcpu) & VMX_EFER_LMA) != 0;

	if (v & ~allowed)
		return "sets a reserved bit (or VMXE/SMXE, which are not offered)";
	if (lma && !(v & VMX_CR4_PAE))
		return "PAE cleared in IA-32e mode";
	if (!lma && (v & VMX_CR4_PCIDE) && !(old & VMX_CR4_PCIDE))
		return "PCIDE set outside IA-32e mode";
	if (lma && ((old ^ v) & VMX_CR4_LA57))
		return "LA57 changed in IA-32e mode";
	return NULL;
}

static int cr4_write(struct vcpu *vcpu, uint64_t v, const char **fault)
{
	struct vm *vm = vcpu->vm;
	uint64_t old = cr4_guest_view(vcpu);

	*fault = cr4_write_fault(vcpu, old, v);
	if (*fault)
		return VCPU_EINVAL;
	if (shadowed(vm)) {
		vmcs_put(vcpu, VMCS_SLOT_CR4_READ_SHADOW, v);
		vmcs_put(vcpu, VMCS_SLOT_GUEST_CR4, cr4_real(vm, v, cr0_guest_view(vcpu)));
	} else {
		vmcs_put(vcpu, VMCS_SLOT_GUEST_CR4, v);
	}
	if ((old ^ v) & CR4_PAGING_BITS)
		return tell_memory(vcpu, 4, old, v);
	return 0;
}

static int cr3_write(struct vcpu *vcpu, uint64_t v, const char **fault)
{
	struct vm *vm = vcpu->vm;
	uint64_t old = cr3_guest_view(vcpu);

	/* With CR4.PCIDE, bit 63 is the "no flush" hint, not an address bit;
	 * without it, it is as reserved as the bits beyond MAXPHYADDR. */
	if (cr4_guest_view(vcpu) & VMX_CR4_PCIDE)
		v &= ~(1ull << 63);
	if (v >> vm->caps.maxphyaddr) {
		*fault = "sets bits beyond the physical-address width";
		return VCPU_EINVAL;
	}
	if (vm->unrestricted_guest) {
		vmcs_put(vcpu, VMCS_SLOT_GUEST_CR3, v);
	} else {
		vcpu->cr3_virtual = v;
		if (!on_identity_map(vm, cr0_guest_view(vcpu)))
			vmcs_put(vcpu, VMCS_SLOT_GUEST_CR3, v);
	}
	return tell_memory(vcpu, 3, old, v);
}

static int cr8_write(struct vcpu *vcpu, uint64_t v, const char **fault)
{
	if (v > 15) {
		*fault = "bits 63:4 are reserved";
		return VCPU_EINVAL;
	}
	vcpu->tpr = v;
	return 0;
}

/* WRMSR to IA32_EFER: SCE, LME and NXE are writable, LMA follows paging
 * (writes to it are ignored), and LME may not change while paging is on. */
int efer_write(struct vcpu *vcpu, uint64_t v, const char **fault)
{
	uint64_t old = guest_efer(vcpu);
	uint64_t writable = VMX_EFER_SCE | VMX_EFER_LME | VMX_EFER_NXE;

	*fault = NULL;
	if (v & ~(writable | VMX_EFER_LMA))
		*fault = "sets a reserved bit";
	else if (((old ^ v) & VMX_EFER_LME) && guest_paging(cr0_guest_view(vcpu)))
		*fault = "changes LME while paging is on";
	if (*fault)
		return VCPU_EINVAL;
	v = (v & writable) | (old & VMX_EFER_LMA);
	vmcs_put(vcpu, vcpu->vm->efer_slot, v);
	if (old != v)
		return tell_memory(vcpu, VCPU_PAGING_EFER, old, v);
	return 0;
}

static int cr_write(struct vcpu *vcpu, unsigned cr, uint64_t v, const char **fault)
{
	*fault = NULL;
	switch (cr) {
	case 0:
		return cr0_write(vcpu, v, fault);
	case 3:
		return cr3_write(vcpu, v, fault);
	case 4:
		return cr4_write(vcpu, v, fault);
	case 8:
		return cr8_write(vcpu, v, fault);
	default:
		*fault = "no such control register";
		return VCPU_EINVAL;
	}
}

static int cr_read(struct vcpu *vcpu, unsigned cr, uint64_t *v)
{
	switch (cr) {
	case 0:
		*v = cr0_guest_view(vcpu);
		return 0;
	case 3:
		*v = cr3_guest_view(vcpu);
		return 0;
	case 4:
		*v = cr4_guest_view(vcpu);
		return 0;
	case 8:
		*v = vcpu->tpr;
		return 0;
	default:
		return VCPU_EINVAL;
	}
}

/* ---- set-up and public access ------------------------------------------ */

void cr_init_vcpu(struct vcpu *vcpu)
{
	const struct vmx_caps *caps = &vcpu->vm->caps;
	const uint64_t cr0 = VMX_CR0_CD | VMX_CR0_NW | VMX_CR0_ET;

	vcpu->cr3_virtual = 0;
	if (!shadowed(vcpu->vm)) {
		vmcs_put(vcpu, VMCS_SLOT_GUEST_CR0, cr0);
		vmcs_put(vcpu, VMCS_SLOT_GUEST_CR3, 0);
		vmcs_put(vcpu, VMCS_SLOT_GUEST_CR4, 0);
		return;
	}

	/* Own every bit the guest may not set freely: the FIXED bits and all
	 * bits outside the guest-owned sets. */
	vmcs_put(vcpu, VMCS_SLOT_CR0_GUEST_HOST_MASK,
		 ~CR0_GUEST_OWNED | caps->cr0_fixed0 | ~caps->cr0_fixed1);
	vmcs_put(vcpu, VMCS_SLOT_CR4_GUEST_HOST_MASK,
		 ~CR4_GUEST_OWNED | caps->cr4_fixed0 | ~caps->cr4_fixed1);
	vmcs_put(vcpu, VMCS_SLOT_CR0_READ_SHADOW, cr0);
	vmcs_put(vcpu, VMCS_SLOT_GUEST_CR0, cr0_real(vcpu->vm, cr0));
	vmcs_put(vcpu, VMCS_SLOT_CR4_READ_SHADOW, 0);
	vmcs_put(vcpu, VMCS_SLOT_GUEST_CR3, 0);
	sync_paging_state(vcpu, cr0);
}

int vcpu_get_cr(struct vcpu *vcpu, unsigned cr, uint64_t *value)
{
	if (!vcpu || !value)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	return cr_read(vcpu, cr, value);
}

int vcpu_set_cr(struct vcpu *vcpu, unsigned cr, uint64_t value)
{
	const char *fault;
	int r;

	if (!vcpu)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	r = cr_write(vcpu, cr, value, &fault);
	if (r == VCPU_EINVAL && fault)
		return vcpu_fail(vcpu, r, "CR%u = 0x%llx refused: %s", cr, (unsigned long long)value,
				 fault);
	return r;
}

/* ---- the exit ---------------------------------------------------------- */

int exit_handle_cr_access(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	struct vmx_cr_access a = vmx_decode_cr_access(exit->qualification);
	const char *fault = NULL;
	uint64_t value, view;
	int r;

	switch (a.type) {
	case VMX_CR_ACCESS_MOV_TO_CR:
		value = vcpu_gpr(vcpu, a.gpr);
		if (!vcpu_in_long_mode(vcpu))
			value &= 0xffffffffull;
		r = cr_write(vcpu, a.cr, value, &fault);
		break;
	case VMX_CR_ACCESS_MOV_FROM_CR:
		if (cr_read(vcpu, a.cr, &value) < 0) {
			/* No such control register: #UD, as the instruction would. */
			vcpu_raise_ud(vcpu);
			return VCPU_EXIT_RESUME;
		}
		vcpu_set_gpr(vcpu, a.gpr, vcpu_in_long_mode(vcpu) ? value : value & 0xffffffffull);
		r = 0;
		break;
	case VMX_CR_ACCESS_CLTS:
		r = cr0_write(vcpu, cr0_guest_view(vcpu) & ~VMX_CR0_TS, &fault);
		break;
	case VMX_CR_ACCESS_LMSW:
	default:
		/* LMSW loads CR0[3:0] but can set PE, never clear it. */
		view = cr0_guest_view(vcpu);
		r = cr0_write(vcpu, (view & ~0xfull) | (a.lmsw_source & 0xfu) | (view & VMX_CR0_PE),
			      &fault);
		break;
	}
	if (r < 0 && fault) {
		/* What the processor would have done without the exit. */
		vcpu_raise_gp(vcpu);
		return VCPU_EXIT_RESUME;
	}
	/* Anything else failed the embedder's callback: the run fails. */
	if (r < 0)
		return r;
	vcpu_skip_instruction(vcpu);
	return VCPU_EXIT_RESUME;
}

/*
 * libvcpu - EPT violations that are MMIO: a guest access to guest-physical
 * memory that no region backs. Where the backend decoded the instruction
 * and carries the data (KVM), the embedder's mmio callback completes it;
 * where it did not (VMX hardware, the mock) the instruction emulator must
 * decode it first, which is not built yet: refused by name.
 */
#include "core.h"

int exit_handle_ept_violation(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	struct vmx_ept_violation v = vmx_decode_ept_violation(exit->qualification);
	struct vm *vm = vcpu->vm;
	uint64_t gpa = exit->guest_physical_address;
	int r = VCPU_ENODEV;

	if (!exit->data)
		return vcpu_fail(vcpu, VCPU_ENOTSUP, "EPT violation at guest-physical 0x%llx (%s): MMIO on "
				 "this backend needs the instruction emulator, which is not built yet",
				 (unsigned long long)gpa, v.write ? "write" : v.fetch ? "fetch" : "read");
	if (exit->data_count != 1 || !exit->data_size || exit->data_size > 8)
		return vcpu_fail(vcpu, VCPU_EBACKEND, "MMIO exit carries %u elements of %u bytes",
				 exit->data_count, exit->data_size);
	/* Guest RAM is no device's to decode: the embedder's mmio callback
	 * only ever sees addresses outside it. */
	if (vm_region_of(vm, gpa) && vm_region_of(vm, gpa + exit->data_size - 1))
		return vcpu_fail(vcpu, VCPU_EBACKEND, "MMIO exit for guest-physical 0x%llx, which is guest "
				 "RAM", (unsigned long long)gpa);
	if (vm->cb.mmio)
		r = vm->cb.mmio(vm->cb_opaque, vcpu, gpa, exit->data_size, v.write, exit->data);
	if (r == VCPU_ENODEV)
		return vcpu_fail(vcpu, VCPU_EFAULT, "guest %s %u byte(s) at guest-physical 0x%llx, outside "
				 "guest RAM, and no device claims it (RIP 0x%llx)", v.write ? "wrote" : "read",
				 exit->data_size, (unsigned long long)gpa,
				 (unsigned long long)vmcs_val(vcpu, VMCS_SLOT_GUEST_RIP));
	if (r < 0)
		return vcpu_fail(vcpu, r, "MMIO at guest-physical 0x%llx failed", (unsigned long long)gpa);
	return VCPU_EXIT_RESUME;
}

/*
 * libvcpu - CPUID on KVM: the VM's table starts as what KVM supports
 * (KVM_GET_SUPPORTED_CPUID) and each VCPU gets it, with its own APIC ID,
 * through KVM_SET_CPUID2.
 *
 * What KVM supports is fixed for the life of the host kernel and module,
 * and asking costs hundreds of microseconds (more than creating the VM),
 * so the answer is kept once per process and device.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "kvm_internal.h"

struct supported_cpuid {
	dev_t device;
	unsigned nr;
	struct vcpu_cpuid_entry entries[];
};

/* Published once, never freed; a VM on another device asks afresh. */
static _Atomic(struct supported_cpuid *) supported_cache;

static int ask_kvm(int kvm_fd, dev_t device, struct supported_cpuid **out)
{
	for (unsigned nent = 64;; nent *= 2) {
		size_t size = sizeof(struct kvm_cpuid2) + nent * sizeof(struct kvm_cpuid_entry2);
		struct kvm_cpuid2 *c = plat_alloc_aligned(size, 16);
		struct supported_cpuid *s;

		if (!c)
			return VCPU_ENOMEM;
		memset(c, 0, size);
		c->nent = nent;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
			int err = errno;

			plat_free(c);
			if (err == E2BIG && nent < 1024)
				continue;
			return vm_fail(VCPU_EBACKEND, "KVM_GET_SUPPORTED_CPUID: %s", strerror(err));
		}
		s = plat_alloc_aligned(sizeof(*s) + c->nent * sizeof(s->entries[0]), 16);
		if (!s) {
			plat_free(c);
			return VCPU_ENOMEM;
		}
		s->device = device;
		s->nr = c->nent;
		for (unsigned i = 0; i < c->nent; i++) {
			const struct kvm_cpuid_entry2 *e = &c->entries[i];

			s->entries[i] = (struct vcpu_cpuid_entry){
				e->function,
				(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ? e->index : VCPU_CPUID_SUBLEAF_ANY,
				e->eax, e->ebx, e->ecx, e->edx,
			};
		}
		plat_free(c);
		*out = s;
		return 0;
	}
}

int kvm_cpuid_load(struct vm *vm, int kvm_fd)
{
	struct supported_cpuid *s = atomic_load_explicit(&supported_cache, memory_order_acquire);
	struct supported_cpuid *expected = NULL;
	struct stat st;
	int r;

	if (fstat(kvm_fd, &st) < 0)
		return vm_fail(VCPU_EBACKEND, "fstat of the KVM device: %s", strerror(errno));
	if (s && s->device == st.st_rdev)
		return cpuid_replace(vm, s->entries, s->nr);
	r = ask_kvm(kvm_fd, st.st_rdev, &s);
	if (r < 0)
		return r;
	r = cpuid_replace(vm, s->entries, s->nr);
	/* The first answer is kept; a racing or other-device one is not. */
	if (!atomic_compare_exchange_strong_explicit(&supported_cache, &expected, s, memory_order_acq_rel,
						     memory_order_acquire))
		plat_free(s);
	return r;
}

int kvm_cpuid_apply(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	size_t size = sizeof(struct kvm_cpuid2) + (vm->nr_cpuid + 1) * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *c = plat_alloc_aligned(size, 16);
	int r;

	if (!c)
		return VCPU_ENOMEM;
	memset(c, 0, size);
	c->nent = vm->nr_cpuid;
	for (unsigned i = 0; i < vm->nr_cpuid; i++) {
		struct vcpu_cpuid_entry e = vm->cpuid[i];

		cpuid_patch_for_vcpu(vcpu, &e);
		c->entries[i] = (struct kvm_cpuid_entry2){
			.function = e.leaf,
			.index = e.subleaf == VCPU_CPUID_SUBLEAF_ANY ? 0 : e.subleaf,
			.flags = e.subleaf == VCPU_CPUID_SUBLEAF_ANY ? 0 : KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
			.eax = e.eax, .ebx = e.ebx, .ecx = e.ecx, .edx = e.edx,
		};
	}
	r = kvm_vcpu_ioctl(vcpu, KVM_SET_CPUID2, c, "KVM_SET_CPUID2");
	plat_free(c);
	return r < 0 ? r : 0;
}

/* All or nothing: KVM takes no CPUID change once a VCPU has run, so that
 * is refused before any VCPU gets the new table. */
int kvm_cpuid_changed(struct vm *vm)
{
	for (unsigned i = 0; i < VM_MAX_VCPUS; i++) {
		const struct vcpu *vcpu = vm->vcpus[i];

		if (vcpu && vcpu->state != VCPU_STATE_DESTROYED && vcpu->launched)
			return vm_fail(VCPU_EBUSY, "KVM takes no CPUID changes after a VCPU first ran "
				       "(VCPU %u has)", i);
	}
	for (unsigned i = 0; i < VM_MAX_VCPUS; i++) {
		struct vcpu *vcpu = vm->vcpus[i];
		int r;

		if (!vcpu || vcpu->state == VCPU_STATE_DESTROYED)
			continue;
		r = kvm_cpuid_apply(vcpu);
		if (r < 0)
			return vm_fail(r, "KVM refused the CPUID table for VCPU %u: %s", i,
				       vcpu_error_detail(vcpu));
	}
	return 0;
}

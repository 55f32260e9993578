/*
 * libvcpu - a VM: its backend, capability profile, memory, exit handlers,
 * callbacks and CPUID table.
 */
#include <stdarg.h>
#include <string.h>

#include "core.h"
#include "fmt.h"

static const struct vcpu_backend_ops *const backends[] = {
	&mock_backend_ops,
	&emulate_backend_ops,
#ifdef LIBVCPU_HAVE_KVM
	&kvm_backend_ops,
#endif
#ifdef LIBVCPU_HAVE_VMX_RAW
	&vmx_raw_backend_ops,
#endif
};

/* Why the last handle-less call of this thread failed (like dlerror()). */
static _Thread_local char last_error[256];

int vm_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

const char *vm_last_error(void)
{
	return last_error;
}

const struct vcpu_backend_ops *backend_find(const char *name)
{
	for (unsigned i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (!strcmp(backends[i]->name, name))
			return backends[i];
	return NULL;
}

bool backend_ops_complete(const struct vcpu_backend_ops *ops)
{
	if (!ops->name || !ops->vm_init || !ops->vm_fini || !ops->vcpu_init || !ops->vcpu_fini ||
	    !ops->vmclear || !ops->vmptrld || !ops->read_slot || !ops->flush || !ops->enter ||
	    !ops->field_supported)
		return false;
	if ((ops->caps & (VCPU_BACKEND_CAP_IO_BITMAPS | VCPU_BACKEND_CAP_MSR_BITMAPS)) && !ops->page_hpa)
		return false;
	return !(ops->caps & VCPU_BACKEND_CAP_EPT) || ops->eptp;
}

/* Capability MSRs that no processor reports would make the core compute
 * nonsense (MAXPHYADDR is also a shift count): refuse them. */
static bool caps_consistent(const struct vmx_caps *caps)
{
	static const enum vmx_ctl ctls[] = { VMX_CTL_PINBASED, VMX_CTL_PROCBASED, VMX_CTL_PROCBASED2,
					     VMX_CTL_EXIT, VMX_CTL_ENTRY };

	if (caps->maxphyaddr < 32 || caps->maxphyaddr > 52 || !(caps->basic & VMX_BASIC_REVISION_MASK))
		return false;
	for (unsigned i = 0; i < sizeof(ctls) / sizeof(ctls[0]); i++)
		if (vmx_ctl_required(caps, ctls[i]) & ~vmx_ctl_allowed(caps, ctls[i]))
			return false;
	return !(caps->cr0_fixed0 & ~caps->cr0_fixed1) && !(caps->cr4_fixed0 & ~caps->cr4_fixed1);
}

int vm_create(const struct vm_options *opts, struct vm **out)
{
	static const struct vm_options defaults = { .backend = "mock" };
	const struct vcpu_backend_ops *ops;
	struct vm *vm;
	int r;

	last_error[0] = '\0';
	if (!out)
		return VCPU_EINVAL;
	if (!opts)
		opts = &defaults;
	ops = backend_find(opts->backend ? opts->backend : "mock");
	if (!ops)
		return vm_fail(VCPU_ENOENT, "no backend \"%s\" in this build", opts->backend);
	if (!backend_ops_complete(ops))
		return vm_fail(VCPU_EBACKEND, "backend %s lacks a required operation", ops->name);
	if (opts->nr_pcpus > VM_MAX_PCPUS)
		return vm_fail(VCPU_ELIMIT, "%u logical CPUs asked, at most %u", opts->nr_pcpus, VM_MAX_PCPUS);

	vm = plat_alloc_aligned(sizeof(*vm), 64);
	if (!vm)
		return VCPU_ENOMEM;
	memset(vm, 0, sizeof(*vm));
	vm->ops = ops;
	vm->features = ops->caps;
	vm->nr_pcpus = opts->nr_pcpus ? opts->nr_pcpus : 1;
	vm->unknown_port_policy = VM_UNKNOWN_PORT_IGNORE;

	r = ops->vm_init(vm, opts);
	if (r == 0 && !caps_consistent(&vm->caps)) {
		ops->vm_fini(vm);
		r = vm_fail(VCPU_EINVAL, "capability MSRs no processor reports (MAXPHYADDR %u)",
			    vm->caps.maxphyaddr);
	}
	if (r < 0) {
		plat_free(vm);
		return r;
	}
	for (unsigned slot = 0; slot < VMCS_NR_FIELD_SLOTS; slot++)
		if (ops->field_supported(vm, vmcs_slot_field(slot)))
			slot_set_add(&vm->supported, slot);
	/* Without those fields the guest's EFER and PAT stay in the core; a
	 * backend loads them as it can (an MSR-load area on raw VMX). */
	vm->efer_slot = slot_set_has(&vm->supported, VMCS_SLOT_GUEST_IA32_EFER) ? VMCS_SLOT_GUEST_IA32_EFER
										   : SLOT_EFER;
	vm->pat_slot = slot_set_has(&vm->supported, VMCS_SLOT_GUEST_IA32_PAT) ? VMCS_SLOT_GUEST_IA32_PAT
										 : SLOT_PAT;
	/* The VM-instruction error changes only on VMfailValid, never on an
	 * exit: the core keeps the one its own VMREAD/VMWRITE left. */
	slot_set_del(&vm->volatile_slots, VMCS_SLOT_VM_INSTRUCTION_ERROR);
	/* A backend that runs every mode itself (KVM) is unrestricted by
	 * definition; on VMX it takes EPT and the secondary control. */
	vm->unrestricted_guest = vm_feature(vm, VCPU_BACKEND_CAP_ALL_MODES) ||
				 (!opts->no_unrestricted_guest && vm_feature(vm, VCPU_BACKEND_CAP_EPT) &&
				  vmx_caps_unrestricted_guest(&vm->caps));
	*out = vm;
	return 0;
}

static void vcpu_free(struct vcpu *vcpu)
{
	if (vcpu->state != VCPU_STATE_DESTROYED)
		vcpu_destroy(vcpu);
	plat_free(vcpu->io_bitmap);
	plat_free(vcpu->msr_bitmap);
	plat_free(vcpu);
}

int vm_destroy(struct vm *vm)
{
	if (!vm)
		return VCPU_EINVAL;
	for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
		if (vm->vcpus[i] && vm->vcpus[i]->state == VCPU_STATE_RUNNING)
			return VCPU_EBUSY;
	for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			vcpu_free(vm->vcpus[i]);
	vm->ops->vm_fini(vm);
	plat_free(vm->cpuid);
	plat_free(vm);
	return 0;
}

const char *vm_backend_name(const struct vm *vm)
{
	return vm->ops->name;
}

const struct vmx_caps *vm_caps(const struct vm *vm)
{
	return &vm->caps;
}

bool vm_unrestricted_guest(const struct vm *vm)
{
	return vm->unrestricted_guest;
}

static const unsigned capability_bit[VM_NR_CAPABILITIES] = {
	[VM_CAP_VMX_CONTROLS] = VCPU_BACKEND_CAP_VMX_CONTROLS,
	[VM_CAP_CR_SHADOW] = VCPU_BACKEND_CAP_CR_SHADOW,
	[VM_CAP_IO_BITMAPS] = VCPU_BACKEND_CAP_IO_BITMAPS,
	[VM_CAP_EXCEPTION_BITMAP] = VCPU_BACKEND_CAP_EXCEPTION_BITMAP,
	[VM_CAP_TSC_OFFSET] = VCPU_BACKEND_CAP_TSC_OFFSET,
	[VM_CAP_VMX_INSTRUCTIONS] = VCPU_BACKEND_CAP_VMX_INSN,
};

bool vm_has_capability(const struct vm *vm, enum vm_capability cap)
{
	return vm && (unsigned)cap < VM_NR_CAPABILITIES && vm_feature(vm, capability_bit[cap]);
}

const char *vm_capability_name(enum vm_capability cap)
{
	static const char *const names[VM_NR_CAPABILITIES] = {
		[VM_CAP_VMX_CONTROLS] = "VMX controls and host state",
		[VM_CAP_CR_SHADOW] = "CR0/CR4 guest/host masks and read shadows",
		[VM_CAP_IO_BITMAPS] = "I/O bitmaps",
		[VM_CAP_EXCEPTION_BITMAP] = "exception bitmap",
		[VM_CAP_TSC_OFFSET] = "TSC offsetting",
		[VM_CAP_VMX_INSTRUCTIONS] = "VMCLEAR/VMPTRLD and launch state",
	};

	return (unsigned)cap < VM_NR_CAPABILITIES ? names[cap] : NULL;
}

void vm_set_callbacks(struct vm *vm, const struct vm_callbacks *cb, void *opaque)
{
	if (cb)
		vm->cb = *cb;
	else
		memset(&vm->cb, 0, sizeof(vm->cb));
	vm->cb_opaque = opaque;
}

void vm_set_unknown_port_policy(struct vm *vm, enum vm_unknown_port_policy policy)
{
	vm->unknown_port_policy = policy;
}

int vm_set_exit_handler(struct vm *vm, unsigned basic_reason, vcpu_exit_handler_fn fn, void *opaque)
{
	if (!vm || basic_reason >= VMX_NR_EXIT_REASONS)
		return VCPU_EINVAL;
	vm->handlers[basic_reason].fn = fn;
	vm->handlers[basic_reason].opaque = fn ? opaque : NULL;
	return 0;
}

int vm_set_cpuid(struct vm *vm, const struct vcpu_cpuid_entry *entries, unsigned n)
{
	struct vcpu_cpuid_entry *old;
	unsigned old_n;
	int r;

	if (!vm || (n && !entries))
		return VCPU_EINVAL;
	if (!vm->ops->cpuid_changed)
		return cpuid_replace(vm, entries, n);
	/* A backend that answers CPUID itself may refuse the table; the VM
	 * then keeps the one its VCPUs have. */
	old = vm->cpuid;
	old_n = vm->nr_cpuid;
	vm->cpuid = NULL;
	vm->nr_cpuid = 0;
	r = cpuid_replace(vm, entries, n);
	if (r == 0)
		r = vm->ops->cpuid_changed(vm);
	if (r < 0) {
		plat_free(vm->cpuid);
		vm->cpuid = old;
		vm->nr_cpuid = old_n;
		cpuid_refresh_limits(vm);
		return r;
	}
	plat_free(old);
	return 0;
}

int cpuid_replace(struct vm *vm, const struct vcpu_cpuid_entry *entries, unsigned n)
{
	struct vcpu_cpuid_entry *copy = NULL;

	if (n > VM_MAX_CPUID_ENTRIES)
		return VCPU_ELIMIT;
	if (n) {
		copy = plat_alloc_aligned(n * sizeof(*copy), 16);
		if (!copy)
			return VCPU_ENOMEM;
		memcpy(copy, entries, n * sizeof(*copy));
	}
	plat_free(vm->cpuid);
	vm->cpuid = copy;
	vm->nr_cpuid = n;
	cpuid_refresh_limits(vm);
	return 0;
}

/* The highest leaves, answered so often that they are kept apart. */
void cpuid_refresh_limits(struct vm *vm)
{
	const struct vcpu_cpuid_entry *basic = cpuid_find(vm, 0, 0);
	const struct vcpu_cpuid_entry *extended = cpuid_find(vm, 0x80000000u, 0);
	const struct vcpu_cpuid_entry *hypervisor = cpuid_find(vm, 0x40000000u, 0);

	vm->cpuid_max_basic = basic ? basic->eax : 0;
	vm->cpuid_max_extended = extended ? extended->eax : 0;
	vm->cpuid_max_hypervisor = hypervisor ? hypervisor->eax : 0;
}

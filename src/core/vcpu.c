/*
 * libvcpu - VCPU lifecycle and the run loop.
 *
 *   created --run--> running --exit handled, RETURN--> runnable --run--> ...
 *                       |--HLT, nothing pending--> blocked --event queued--> runnable
 *   any state but running --destroy--> destroyed (the handle stays valid until
 *   vm_destroy, so late calls get VCPU_EDESTROYED instead of a dangling pointer)
 */
#include <string.h>

#include "core.h"
#include "fmt.h"

int vcpu_fail(struct vcpu *vcpu, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(vcpu->detail, sizeof(vcpu->detail), fmt, ap);
	va_end(ap);
	return err;
}

static int vcpu_usable(const struct vcpu *vcpu)
{
	if (!vcpu)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	if (vcpu->state == VCPU_STATE_RUNNING)
		return VCPU_EBUSY;
	return 0;
}

int vcpu_create(struct vm *vm, unsigned id, struct vcpu **out)
{
	struct vcpu *vcpu;
	int r;

	if (!vm || !out)
		return VCPU_EINVAL;
	if (id >= VM_MAX_VCPUS)
		return VCPU_ELIMIT;
	if (vm->vcpus[id])
		return VCPU_EEXIST;

	vcpu = plat_alloc_aligned(sizeof(*vcpu), 4096);
	if (!vcpu)
		return VCPU_ENOMEM;
	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->io_bitmap = plat_alloc_aligned(8192, 4096);
	vcpu->msr_bitmap = plat_alloc_aligned(4096, 4096);
	if (!vcpu->io_bitmap || !vcpu->msr_bitmap) {
		r = VCPU_ENOMEM;
		goto fail_free;
	}
	/* Intercept every port and MSR until the embedder says otherwise. */
	memset(vcpu->io_bitmap, 0xff, 8192);
	memset(vcpu->msr_bitmap, 0xff, 4096);

	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->state = VCPU_STATE_CREATED;
	vcpu->pcpu = -1;
	vcpu->vmcs.revision_id = (uint32_t)(vm->caps.basic & VMX_BASIC_REVISION_MASK);
	vcpu->booking.id = id;

	r = vm->ops->vcpu_init(vcpu);
	if (r < 0)
		goto fail_free;
	vcpu_setup_controls(vcpu);
	vcpu_setup_power_on_state(vcpu);

	r = vm->ops->vmclear(vcpu);
	if (r == 0)
		r = vm->ops->vmptrld(vcpu, id % vm->nr_pcpus);
	if (r < 0) {
		vm->ops->vcpu_fini(vcpu);
		goto fail_free;
	}
	vcpu->pcpu = (int)(id % vm->nr_pcpus);
	vm->vcpus[id] = vcpu;
	*out = vcpu;
	return 0;

fail_free:
	plat_free(vcpu->io_bitmap);
	plat_free(vcpu->msr_bitmap);
	plat_free(vcpu);
	return r;
}

int vcpu_destroy(struct vcpu *vcpu)
{
	int r = vcpu_usable(vcpu);

	if (r < 0)
		return r;
	if (vcpu->pcpu >= 0)
		vcpu->vm->ops->vmclear(vcpu);
	vcpu->vm->ops->vcpu_fini(vcpu);
	vcpu->pcpu = -1;
	vcpu->launched = false;
	vcpu->state = VCPU_STATE_DESTROYED;
	return 0;
}

int vcpu_wake(struct vcpu *vcpu)
{
	if (!vcpu)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	if (vcpu->state == VCPU_STATE_BLOCKED)
		vcpu->state = VCPU_STATE_RUNNABLE;
	return 0;
}

int vcpu_migrate(struct vcpu *vcpu, unsigned pcpu)
{
	int r = vcpu_usable(vcpu);

	if (r < 0)
		return r;
	if (pcpu >= vcpu->vm->nr_pcpus)
		return vcpu_fail(vcpu, VCPU_EINVAL, "logical CPU %u does not exist (VM has %u)", pcpu,
				 vcpu->vm->nr_pcpus);
	if ((int)pcpu == vcpu->pcpu)
		return 0;
	/* VMCLEAR where it was: its data reaches memory and the launch state
	 * becomes clear, so the next entry must be a VMLAUNCH. */
	if (vcpu->pcpu >= 0) {
		r = vcpu->vm->ops->vmclear(vcpu);
		if (r < 0)
			return vcpu_fail(vcpu, r, "VMCLEAR on logical CPU %d failed", vcpu->pcpu);
	}
	vcpu->launched = false;
	vcpu->pcpu = -1;
	r = vcpu->vm->ops->vmptrld(vcpu, pcpu);
	if (r < 0)
		return vcpu_fail(vcpu, r, "VMPTRLD on logical CPU %u failed", pcpu);
	vcpu->pcpu = (int)pcpu;
	vcpu->booking.migrations++;
	return 0;
}

int vcpu_run(struct vcpu *vcpu)
{
	struct vm *vm;
	int r = vcpu_usable(vcpu);

	if (r < 0)
		return r;
	vm = vcpu->vm;
	if (vcpu->state == VCPU_STATE_BLOCKED && !vcpu->events.any)
		return vcpu_fail(vcpu, VCPU_EBLOCKED, "VCPU %u is halted and no interrupt is queued",
				 vcpu->id);
	if (vcpu->pcpu < 0) {
		r = vm->ops->vmptrld(vcpu, vcpu->id % vm->nr_pcpus);
		if (r < 0)
			return r;
		vcpu->pcpu = (int)(vcpu->id % vm->nr_pcpus);
	}
	vcpu->state = VCPU_STATE_RUNNING;
	vcpu->halted = false;
	vcpu->detail[0] = '\0';
	vcpu->has_entry_failure = false;

	for (;;) {
		if (vcpu->events.any) {
			r = event_prepare_entry(vcpu);
			if (r < 0)
				break;
		}
		r = vmcs_flush(vcpu);
		if (r < 0)
			break;
		r = vm->ops->enter(vcpu, !vcpu->launched);
		vcpu->booking.entries++;
		if (r < 0)
			break;
		/* A failed entry (bit 31) leaves the launch state as it was. */
		if (!vmx_exit_is_failed_entry(&vcpu->exit))
			vcpu->launched = true;
		vcpu->booking.exits++;
		/* Every VM exit clears the valid bit of the entry event (SDM
		 * "Information for VM Exits"); the backend has done so too. */
		vcpu->vmcs.val[VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD] &= ~(uint64_t)VMX_INTR_INFO_VALID_MASK;
		vmcs_invalidate_volatile(vcpu);
		if (vcpu->exit.idt_vectoring_info & VMX_INTR_INFO_VALID_MASK)
			event_save_idt_vectoring(vcpu);
		r = exit_dispatch(vcpu);
		if (r != VCPU_EXIT_RESUME)
			break;
	}
	vcpu->state = vcpu->halted ? VCPU_STATE_BLOCKED : VCPU_STATE_RUNNABLE;
	return r > 0 ? 0 : r;
}

void vcpu_get_booking(const struct vcpu *vcpu, struct vcpu_booking *out)
{
	*out = vcpu->booking;
	out->state = vcpu->state;
	out->pcpu = vcpu->pcpu;
	out->launched = vcpu->launched;
}

struct vm *vcpu_vm(const struct vcpu *vcpu)
{
	return vcpu->vm;
}

unsigned vcpu_id(const struct vcpu *vcpu)
{
	return vcpu->id;
}

const struct vmx_exit *vcpu_last_exit(const struct vcpu *vcpu)
{
	return &vcpu->exit;
}

const char *vcpu_error_detail(const struct vcpu *vcpu)
{
	return vcpu->detail;
}

const struct vmx_entry_failure *vcpu_entry_failure(const struct vcpu *vcpu)
{
	return vcpu->has_entry_failure ? &vcpu->entry_failure : NULL;
}

const char *vcpu_state_name(enum vcpu_state state)
{
	static const char *const names[] = { "created", "runnable", "running", "blocked", "destroyed" };

	return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

void vcpu_skip_instruction(struct vcpu *vcpu)
{
	uint64_t rip = vmcs_val(vcpu, VMCS_SLOT_GUEST_RIP) + vcpu->exit.instruction_len;

	/* Outside 64-bit mode the instruction pointer wraps at the code
	 * segment's size: 32 bits, or 16 in a 16-bit segment (real mode).
	 * Below 64 KiB no mode wraps, so the mode is not even read. */
	if (rip > 0xffff && !vcpu_in_long_mode(vcpu))
		rip &= (vmcs_val(vcpu, VMCS_SLOT_GUEST_CS_AR_BYTES) & VMX_AR_DB_MASK) ? 0xffffffffull : 0xffffull;
	vmcs_put(vcpu, VMCS_SLOT_GUEST_RIP, rip);
}

bool vcpu_in_long_mode(struct vcpu *vcpu)
{
	return (vmcs_val(vcpu, VMCS_SLOT_VM_ENTRY_CONTROLS) & VMX_VM_ENTRY_IA32E_MODE) &&
	       (vmcs_val(vcpu, VMCS_SLOT_GUEST_CS_AR_BYTES) & VMX_AR_L_MASK);
}

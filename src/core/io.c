/*
 * libvcpu - I/O instruction exits and the I/O bitmaps.
 *
 * With "use I/O bitmaps", an access exits if the bit of any port it touches
 * is set in bitmap A (ports 0000-7FFF) or B (8000-FFFF), or if it wraps
 * past port FFFF (SDM Vol. 3C "I/O Bitmaps"). Intercepted accesses go to
 * the embedder's port callback; a port nobody decodes reads as all ones
 * (an empty ISA bus) or fails the run, as the VM's policy says.
 */
#include <string.h>

#include "core.h"

/* Elements a REP INS/OUTS moves per exit before the guest re-executes it:
 * bounds the time one exit can take. */
#define IO_STRING_MAX_PER_EXIT 4096

static bool bitmap_test(const uint8_t *bitmap, unsigned port)
{
	return (bitmap[port / 8] >> (port % 8)) & 1;
}

bool vcpu_io_intercepted(struct vcpu *vcpu, uint16_t port, unsigned size)
{
	uint64_t proc = vmcs_val(vcpu, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL);

	if (!(proc & VMX_CPU_BASED_USE_IO_BITMAPS))
		return (proc & VMX_CPU_BASED_UNCOND_IO_EXITING) != 0;
	if ((unsigned)port + size > 0x10000u)
		return true;
	for (unsigned p = port; p < (unsigned)port + size; p++)
		if (bitmap_test(vcpu->io_bitmap, p))
			return true;
	return false;
}

int vcpu_set_io_intercept(struct vcpu *vcpu, uint16_t port, unsigned count, bool intercept)
{
	if (!vcpu)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	if ((unsigned)port + count > 0x10000u)
		return vcpu_fail(vcpu, VCPU_EINVAL, "ports 0x%x..+%u run past 0xffff", port, count);
	if (!intercept && !vm_feature(vcpu->vm, VCPU_BACKEND_CAP_IO_BITMAPS))
		return vcpu_fail(vcpu, VCPU_ENOTSUP, "backend %s exits on every port (no I/O bitmaps)",
				 vcpu->vm->ops->name);
	for (unsigned p = port; p < (unsigned)port + count; p++) {
		uint8_t bit = (uint8_t)(1u << (p % 8));

		if (intercept)
			vcpu->io_bitmap[p / 8] |= bit;
		else
			vcpu->io_bitmap[p / 8] &= (uint8_t)~bit;
	}
	return 0;
}

static uint32_t size_mask(unsigned size)
{
	return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

/* One port access through the callback, the bitmaps and the policy. */
static int port_access(struct vcpu *vcpu, uint16_t port, unsigned size, bool in, uint32_t *value)
{
	struct vm *vm = vcpu->vm;
	int r = VCPU_ENODEV;

	/* A port the embedder let through has no device here: the bus floats. */
	if (vcpu_io_intercepted(vcpu, port, size) && vm->cb.port_io)
		r = vm->cb.port_io(vm->cb_opaque, vcpu, port, size, in, value);
	if (r != VCPU_ENODEV)
		return r < 0 ? vcpu_fail(vcpu, r, "port 0x%x %s failed", port, in ? "read" : "write") : 0;
	vcpu->booking.unknown_port_accesses++;
	if (vm->unknown_port_policy == VM_UNKNOWN_PORT_FAIL)
		return vcpu_fail(vcpu, VCPU_ENODEV, "guest %s %u byte(s) %s port 0x%x at RIP 0x%llx: no "
				 "device decodes it", in ? "read" : "wrote", size, in ? "from" : "to",
				 port, (unsigned long long)vmcs_val(vcpu, VMCS_SLOT_GUEST_RIP));
	if (in)
		*value = size_mask(size);
	return 0;
}

static unsigned address_bits(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	if (vcpu->vm->caps.basic & VMX_BASIC_INOUT)
		return vmx_io_insn_address_bits(exit->instruction_info);
	if (vcpu_in_long_mode(vcpu))
		return 64;
	return (vmcs_val(vcpu, VMCS_SLOT_GUEST_CS_AR_BYTES) & VMX_AR_DB_MASK) ? 32 : 16;
}

static uint64_t segment_base(struct vcpu *vcpu, unsigned seg)
{
	static const uint16_t base_slot[] = {
		VMCS_SLOT_GUEST_ES_BASE, VMCS_SLOT_GUEST_CS_BASE, VMCS_SLOT_GUEST_SS_BASE,
		VMCS_SLOT_GUEST_DS_BASE, VMCS_SLOT_GUEST_FS_BASE, VMCS_SLOT_GUEST_GS_BASE,
	};

	/* 64-bit mode ignores the bases of ES, CS, SS and DS. */
	if (vcpu_in_long_mode(vcpu) && seg < VMX_SEG_FS)
		return 0;
	return vmcs_val(vcpu, base_slot[seg]);
}

/* INS/OUTS, with or without REP, on guest-physical memory (paging off). */
static int io_string(struct vcpu *vcpu, const struct vmx_exit *exit, const struct vmx_io_access *a)
{
	unsigned bits = address_bits(vcpu, exit);
	uint64_t amask = bits == 64 ? ~0ull : (1ull << bits) - 1;
	unsigned index_reg = a->in ? VCPU_REG_RDI : VCPU_REG_RSI;
	unsigned seg = a->in ? VMX_SEG_ES
			     : ((vcpu->vm->caps.basic & VMX_BASIC_INOUT) ? vmx_io_insn_segment(exit->instruction_info)
									  : VMX_SEG_DS);
	uint64_t index = vcpu_gpr(vcpu, index_reg), rcx = vcpu_gpr(vcpu, VCPU_REG_RCX);
	uint64_t count = a->rep ? rcx & amask : 1, done;
	int64_t step = (vmcs_val(vcpu, VMCS_SLOT_GUEST_RFLAGS) & VMX_RFLAGS_DF) ? -(int64_t)a->size : a->size;
	int r = 0;

	if (!bits || seg > VMX_SEG_GS)
		return vcpu_fail(vcpu, VCPU_EUNHANDLED_EXIT,
				 "INS/OUTS instruction information 0x%x has an address size or segment "
				 "the SDM does not define", exit->instruction_info);
	if (cr0_guest_view(vcpu) & VMX_CR0_PG)
		return vcpu_fail(vcpu, VCPU_ENOTSUP,
				 "string I/O on port 0x%x with guest paging on needs a page walk, which "
				 "the core does not do yet", a->port);
	for (done = 0; done < count && done < IO_STRING_MAX_PER_EXIT; done++) {
		uint64_t gpa = (segment_base(vcpu, seg) + (index & amask)) & (bits == 64 ? ~0ull : 0xffffffffull);
		uint32_t value = 0;

		if (!a->in && (r = vm_read_guest(vcpu->vm, gpa, &value, a->size)) < 0)
			return vcpu_fail(vcpu, r, "OUTS reads guest address 0x%llx outside guest memory",
					 (unsigned long long)gpa);
		r = port_access(vcpu, a->port, a->size, a->in, &value);
		if (r < 0)
			return r;
		if (a->in && (r = vm_write_guest(vcpu->vm, gpa, &value, a->size)) < 0)
			return vcpu_fail(vcpu, r, "INS writes guest address 0x%llx outside guest memory",
					 (unsigned long long)gpa);
		index = (index & ~amask) | ((index + (uint64_t)step) & amask);
	}
	vcpu_set_gpr(vcpu, index_reg, index);
	if (a->rep)
		vcpu_set_gpr(vcpu, VCPU_REG_RCX, (rcx & ~amask) | ((count - done) & amask));
	/* A REP with elements left re-executes: the guest exits again. */
	if (!a->rep || count == done)
		vcpu_skip_instruction(vcpu);
	return VCPU_EXIT_RESUME;
}

/* The backend carries the data (KVM): each element to or from its buffer;
 * the backend completes the instruction (registers, RIP) itself. */
static int io_data(struct vcpu *vcpu, const struct vmx_exit *exit, const struct vmx_io_access *a)
{
	uint8_t *p = exit->data;

	if (exit->data_size != a->size || exit->data_count > IO_STRING_MAX_PER_EXIT * 16)
		return vcpu_fail(vcpu, VCPU_EBACKEND, "I/O exit carries %u elements of %u bytes for a "
				 "%u-byte access", exit->data_count, exit->data_size, a->size);
	for (uint32_t i = 0; i < exit->data_count; i++, p += a->size) {
		uint32_t value = 0;
		int r;

		memcpy(&value, p, a->size);
		r = port_access(vcpu, a->port, a->size, a->in, &value);
		if (r < 0)
			return r;
		if (a->in)
			memcpy(p, &value, a->size);
	}
	return VCPU_EXIT_RESUME;
}

int exit_handle_io(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	struct vmx_io_access a;
	uint32_t value;
	uint64_t rax;
	int r;

	if (!vmx_io_qualification_valid(exit->qualification))
		return vcpu_fail(vcpu, VCPU_EUNHANDLED_EXIT,
				 "I/O exit qualification 0x%llx is not an SDM layout",
				 (unsigned long long)exit->qualification);
	a = vmx_decode_io(exit->qualification);
	if (exit->data)
		return io_data(vcpu, exit, &a);
	if (a.string)
		return io_string(vcpu, exit, &a);

	rax = vcpu_gpr(vcpu, VCPU_REG_RAX);
	value = (uint32_t)rax & size_mask(a.size);
	r = port_access(vcpu, a.port, a.size, a.in, &value);
	if (r < 0)
		return r;
	if (a.in) {
		/* IN AL/AX keeps the rest of RAX; IN EAX zero-extends. */
		if (a.size == 4)
			rax = value;
		else
			rax = (rax & ~(uint64_t)size_mask(a.size)) | (value & size_mask(a.size));
		vcpu_set_gpr(vcpu, VCPU_REG_RAX, rax);
	}
	vcpu_skip_instruction(vcpu);
	return VCPU_EXIT_RESUME;
}

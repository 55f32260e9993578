/*
 * libvcpu emulator - port I/O: IN and OUT (an immediate port 0-255 or DX),
 * and what INS and OUTS share with them: the permission check and the
 * accesses through the caller's io callbacks.
 */
#include "exec.h"

/*
 * CPL <= IOPL allows every port, except in virtual-8086 mode, where the
 * TSS I/O bitmap decides whatever IOPL is: a set bit for any byte of the
 * access raises #GP(0). CPL is 0 outside VM86 here, so real and protected
 * mode always pass.
 */
int emu_io_permitted(struct emu *e, uint16_t port, unsigned size)
{
	if (!emu_vm86(e) && emu_cpl(e) <= (e->eflags & F_IOPL) >> 12)
		return EMU_NEXT;
	for (unsigned i = 0; i < size; i++) {
		uint32_t p = (uint32_t)port + i;

		/* Past port 0xFFFF the bitmap's terminating byte (all ones) answers. */
		if (!e->vm86_io_bitmap || p > 0xffff || (e->vm86_io_bitmap[p >> 3] >> (p & 7)) & 1)
			return emu_raise_error(e, EXC_GP, 0);
	}
	return EMU_NEXT;
}

int emu_port_in(struct emu *e, uint16_t port, unsigned size, uint32_t *v)
{
	int r;

	*v = emu_size_mask(size);
	if (e->ops && e->ops->io_in) {
		r = e->ops->io_in(e->opaque, port, size, v);
		if (r < 0)
			return emu_fail(e, r, "reading %u bytes from port 0x%04x", size, port);
		*v &= emu_size_mask(size);
	}
	return 0;
}

int emu_port_out(struct emu *e, uint16_t port, unsigned size, uint32_t v)
{
	int r;

	if (e->ops && e->ops->io_out) {
		r = e->ops->io_out(e->opaque, port, size, v & emu_size_mask(size));
		if (r < 0)
			return emu_fail(e, r, "writing %u bytes to port 0x%04x", size, port);
	}
	return 0;
}

static uint16_t port_number(const struct emu *e, const struct emu_operand *op)
{
	return op->kind == OPK_IMM ? (uint8_t)op->value : (uint16_t)e->gpr[R_DX];
}

/* IN AL/AX/EAX, port: the register is written only once the port answered. */
static int exec_in(struct emu *e, const struct emu_insn *in)
{
	unsigned size = in->op[0].size;
	uint16_t port = port_number(e, &in->op[1]);
	uint32_t v;
	int rc;

	if (in->prefixes & PFX_LOCK)
		return emu_raise(e, EXC_UD);
	if ((rc = emu_io_permitted(e, port, size)) != 0 || (rc = emu_port_in(e, port, size, &v)) != 0)
		return rc;
	emu_set_gpr(e, R_AX, size, v);
	return EMU_NEXT;
}

/* OUT port, AL/AX/EAX. */
static int exec_out(struct emu *e, const struct emu_insn *in)
{
	unsigned size = in->op[1].size;
	uint16_t port = port_number(e, &in->op[0]);
	int rc;

	if (in->prefixes & PFX_LOCK)
		return emu_raise(e, EXC_UD);
	if ((rc = emu_io_permitted(e, port, size)) != 0)
		return rc;
	return emu_port_out(e, port, size, emu_get_gpr(e, R_AX, size));
}

const struct emu_op_entry emu_ops_io[] = {
	{ X86_INS_IN, exec_in }, { X86_INS_OUT, exec_out },
	{ 0, NULL }
};

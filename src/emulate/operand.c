/*
 * libvcpu emulator - reading and writing decoded operands.
 */
#include "emu_internal.h"

int emu_op_read(struct emu *e, const struct emu_insn *in, const struct emu_operand *op, uint32_t *v)
{
	switch (op->kind) {
	case OPK_REG:
		*v = emu_get_gpr(e, op->reg, op->size);
		return 0;
	case OPK_IMM:
		*v = (uint32_t)op->value & emu_size_mask(op->size);
		return 0;
	case OPK_MEM:
		return emu_read_val(e, op->seg, emu_effective_offset(e, in, op), op->size, v);
	case OPK_SREG:
		*v = e->seg[op->reg].selector;
		return 0;
	case OPK_CREG:
		*v = op->reg == 0 ? e->cr0 : op->reg == 2 ? e->cr2 : op->reg == 3 ? e->cr3 : e->cr4;
		return 0;
	default:
		return emu_fail(e, VCPU_EUNIMPLEMENTED, "operand kind %u cannot be read", op->kind);
	}
}

int emu_op_write(struct emu *e, const struct emu_insn *in, const struct emu_operand *op, uint32_t v)
{
	switch (op->kind) {
	case OPK_REG:
		emu_set_gpr(e, op->reg, op->size, v);
		return 0;
	case OPK_MEM:
		return emu_write_val(e, op->seg, emu_effective_offset(e, in, op), op->size, v);
	default:
		return emu_fail(e, VCPU_EUNIMPLEMENTED, "operand kind %u cannot be written", op->kind);
	}
}

/*
 * libvcpu emulator - integer arithmetic and logic: ADD, ADC, SUB, SBB, CMP,
 * AND, OR, XOR, TEST, INC, DEC, NEG, NOT, with the flags each defines.
 */
#include "exec.h"

enum alu_op { ALU_ADD, ALU_ADC, ALU_SUB, ALU_SBB, ALU_CMP, ALU_AND, ALU_OR, ALU_XOR, ALU_TEST };

static int binary(struct emu *e, const struct emu_insn *in, enum alu_op op)
{
	const struct emu_operand *dst = &in->op[0], *src = &in->op[1];
	unsigned size = dst->size;
	uint32_t a, b, r, carry = e->eflags & F_CF;
	int rc;

	if ((rc = emu_op_read(e, in, dst, &a)) != 0 || (rc = emu_op_read(e, in, src, &b)) != 0)
		return rc;
	b &= emu_size_mask(size);
	switch (op) {
	case ALU_ADD: r = a + b; break;
	case ALU_ADC: r = a + b + carry; break;
	case ALU_SUB: case ALU_CMP: r = a - b; break;
	case ALU_SBB: r = a - b - carry; break;
	case ALU_AND: case ALU_TEST: r = a & b; break;
	case ALU_OR: r = a | b; break;
	default: r = a ^ b; break;
	}
	if (op != ALU_CMP && op != ALU_TEST && (rc = emu_op_write(e, in, dst, r)) != 0)
		return rc;
	switch (op) {
	case ALU_ADD: emu_flags_add(e, a, b, 0, size); break;
	case ALU_ADC: emu_flags_add(e, a, b, carry, size); break;
	case ALU_SUB: case ALU_CMP: emu_flags_sub(e, a, b, 0, size); break;
	case ALU_SBB: emu_flags_sub(e, a, b, carry, size); break;
	default: emu_flags_logic(e, r, size); break;
	}
	return EMU_NEXT;
}

static int exec_add(struct emu *e, const struct emu_insn *in) { return binary(e, in, ALU_ADD); }
static int exec_adc(struct emu *e, const struct emu_insn *in) { return binary(e, in, ALU_ADC); }
static int exec_sub(struct emu *e, const struct emu_insn *in) { return binary(e, in, ALU_SUB); }
static int exec_sbb(struct emu *e, const struct emu_insn *in) { return binary(e, in, ALU_SBB); }
static int exec_cmp(struct emu *e, const struct emu_insn *in) { return binary(e, in, ALU_CMP); }
static int exec_and(struct emu *e, const struct emu_insn *in) { return binary(e, in, ALU_AND); }
static int exec_or(struct emu *e, const struct emu_insn *in) { return binary(e, in, ALU_OR); }
static int exec_xor(struct emu *e, const struct emu_insn *in) { return binary(e, in, ALU_XOR); }
static int exec_test(struct emu *e, const struct emu_insn *in) { return binary(e, in, ALU_TEST); }

/* INC and DEC leave CF alone. */
static int step_by_one(struct emu *e, const struct emu_insn *in, bool up)
{
	const struct emu_operand *dst = &in->op[0];
	uint32_t a, cf = e->eflags & F_CF;
	int rc;

	if ((rc = emu_op_read(e, in, dst, &a)) != 0 || (rc = emu_op_write(e, in, dst, up ? a + 1 : a - 1)) != 0)
		return rc;
	if (up)
		emu_flags_add(e, a, 1, 0, dst->size);
	else
		emu_flags_sub(e, a, 1, 0, dst->size);
	e->eflags = (e->eflags & ~F_CF) | cf;
	return EMU_NEXT;
}

static int exec_inc(struct emu *e, const struct emu_insn *in) { return step_by_one(e, in, true); }
static int exec_dec(struct emu *e, const struct emu_insn *in) { return step_by_one(e, in, false); }

static int exec_neg(struct emu *e, const struct emu_insn *in)
{
	const struct emu_operand *dst = &in->op[0];
	uint32_t a;
	int rc;

	if ((rc = emu_op_read(e, in, dst, &a)) != 0 || (rc = emu_op_write(e, in, dst, 0 - a)) != 0)
		return rc;
	emu_flags_sub(e, 0, a, 0, dst->size);
	return EMU_NEXT;
}

static int exec_not(struct emu *e, const struct emu_insn *in)
{
	const struct emu_operand *dst = &in->op[0];
	uint32_t a;
	int rc;

	if ((rc = emu_op_read(e, in, dst, &a)) != 0)
		return rc;
	return emu_op_write(e, in, dst, ~a);
}

const struct emu_op_entry emu_ops_alu[] = {
	{ X86_INS_ADD, exec_add }, { X86_INS_ADC, exec_adc }, { X86_INS_SUB, exec_sub },
	{ X86_INS_SBB, exec_sbb }, { X86_INS_CMP, exec_cmp }, { X86_INS_AND, exec_and },
	{ X86_INS_OR, exec_or }, { X86_INS_XOR, exec_xor }, { X86_INS_TEST, exec_test },
	{ X86_INS_INC, exec_inc }, { X86_INS_DEC, exec_dec }, { X86_INS_NEG, exec_neg },
	{ X86_INS_NOT, exec_not },
	{ 0, NULL }
};

/*
 * libvcpu emulator - the 386's and 486's bit and exchange instructions:
 * BT, BTS, BTR, BTC, BSF, BSR, SETcc, BSWAP, CMPXCHG, XADD. (MOVZX and
 * MOVSX are in exec_move.c.)
 *
 * Flags the SDM leaves undefined are set as modern Intel processors set
 * them: the BT group changes CF alone; BSF and BSR clear CF, OF, SF and
 * AF and set PF from the index found (as for 0 when the source is 0).
 * BSF and BSR leave the destination alone when the source is 0; BSWAP of
 * a 16-bit register clears it.
 */
#include "exec.h"

enum bt_op { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

/*
 * BT dst, offset and the others. An immediate offset, or any offset into
 * a register, is taken modulo the operand's width. A register offset into
 * memory is signed and reaches the whole segment: the operand accessed is
 * the one of the same width, offset >> log2(width) operands away.
 */
static int bit_test(struct emu *e, const struct emu_insn *in, enum bt_op op)
{
	const struct emu_operand *dst = &in->op[0], *src = &in->op[1];
	unsigned size = dst->size, bits = size * 8;
	uint32_t offset, v, bit, seg_offset = 0;
	int rc;

	if ((rc = emu_op_read(e, in, src, &offset)) != 0)
		return rc;
	if (dst->kind == OPK_MEM && src->kind == OPK_REG) {
		int64_t signed_offset = size == 2 ? (int16_t)offset : (int32_t)offset;
		/* Rounded down: bit -1 is bit 15 (31) of the operand below. */
		int64_t step = (signed_offset - (signed_offset < 0 ? bits - 1 : 0)) / bits;

		seg_offset = emu_effective_offset(e, in, dst) + (uint32_t)(step * size);
		if (in->adsize == 2)
			seg_offset &= 0xffff;
		rc = emu_read_val(e, dst->seg, seg_offset, size, &v);
	} else {
		rc = emu_op_read(e, in, dst, &v);
	}
	if (rc)
		return rc;
	bit = 1u << (offset & (bits - 1));
	if (op != BT_TEST) {
		uint32_t r = op == BT_SET ? v | bit : op == BT_RESET ? v & ~bit : v ^ bit;

		if (dst->kind == OPK_MEM && src->kind == OPK_REG)
			rc = emu_write_val(e, dst->seg, seg_offset, size, r);
		else
			rc = emu_op_write(e, in, dst, r);
		if (rc)
			return rc;
	}
	e->eflags = (v & bit) ? e->eflags | F_CF : e->eflags & ~F_CF;
	return EMU_NEXT;
}

static int exec_bt(struct emu *e, const struct emu_insn *in) { return bit_test(e, in, BT_TEST); }
static int exec_bts(struct emu *e, const struct emu_insn *in) { return bit_test(e, in, BT_SET); }
static int exec_btr(struct emu *e, const struct emu_insn *in) { return bit_test(e, in, BT_RESET); }
static int exec_btc(struct emu *e, const struct emu_insn *in) { return bit_test(e, in, BT_COMPLEMENT); }

/* BSF and BSR: the index of the lowest or highest set bit. */
static int bit_scan(struct emu *e, const struct emu_insn *in, bool reverse)
{
	uint32_t v, index = 0;
	int rc;

	if ((rc = emu_op_read(e, in, &in->op[1], &v)) != 0)
		return rc;
	if (v) {
		index = reverse ? 31 - (unsigned)__builtin_clz(v) : (unsigned)__builtin_ctz(v);
		if ((rc = emu_op_write(e, in, &in->op[0], index)) != 0)
			return rc;
	}
	emu_flags_logic(e, index, 1);
	e->eflags = v ? e->eflags & ~F_ZF : e->eflags | F_ZF;
	return EMU_NEXT;
}

static int exec_bsf(struct emu *e, const struct emu_insn *in) { return bit_scan(e, in, false); }
static int exec_bsr(struct emu *e, const struct emu_insn *in) { return bit_scan(e, in, true); }

/* SETcc (0F 90+cc): 1 or 0 into a byte. */
static int exec_setcc(struct emu *e, const struct emu_insn *in)
{
	return emu_op_write(e, in, &in->op[0], emu_condition(e, in->opcode & 0xf));
}

static int exec_bswap(struct emu *e, const struct emu_insn *in)
{
	const struct emu_operand *r = &in->op[0];

	if (r->kind != OPK_REG)
		return emu_fail(e, VCPU_EUNIMPLEMENTED, "BSWAP with operand kind %u", r->kind);
	emu_set_gpr(e, r->reg, r->size, r->size == 4 ? __builtin_bswap32(e->gpr[r->reg]) : 0);
	return EMU_NEXT;
}

/*
 * CMPXCHG dst, src: if the accumulator equals dst, dst = src, else the
 * accumulator = dst. The destination is written either way (with its own
 * value when they differ), as the processor does, before the accumulator.
 */
static int exec_cmpxchg(struct emu *e, const struct emu_insn *in)
{
	const struct emu_operand *dst = &in->op[0];
	unsigned size = dst->size;
	uint32_t acc = emu_get_gpr(e, R_AX, size), d, s;
	int rc;

	if ((rc = emu_op_read(e, in, dst, &d)) != 0 || (rc = emu_op_read(e, in, &in->op[1], &s)) != 0)
		return rc;
	if ((rc = emu_op_write(e, in, dst, acc == d ? s : d)) != 0)
		return rc;
	if (acc != d)
		emu_set_gpr(e, R_AX, size, d);
	emu_flags_sub(e, acc, d, 0, size);
	return EMU_NEXT;
}

/* XADD dst, src: src = dst, dst = dst + src (dst wins when they are one
 * register; a memory dst is written first, as it may fault). */
static int exec_xadd(struct emu *e, const struct emu_insn *in)
{
	const struct emu_operand *dst = &in->op[0], *src = &in->op[1];
	uint32_t d, s;
	int rc;

	if ((rc = emu_op_read(e, in, dst, &d)) != 0 || (rc = emu_op_read(e, in, src, &s)) != 0)
		return rc;
	if (dst->kind == OPK_MEM) {
		if ((rc = emu_op_write(e, in, dst, d + s)) != 0)
			return rc;
		rc = emu_op_write(e, in, src, d);
	} else {
		if ((rc = emu_op_write(e, in, src, d)) != 0)
			return rc;
		rc = emu_op_write(e, in, dst, d + s);
	}
	if (rc)
		return rc;
	emu_flags_add(e, d, s, 0, dst->size);
	return EMU_NEXT;
}

const struct emu_op_entry emu_ops_bits[] = {
	{ X86_INS_BT, exec_bt }, { X86_INS_BTS, exec_bts }, { X86_INS_BTR, exec_btr },
	{ X86_INS_BTC, exec_btc }, { X86_INS_BSF, exec_bsf }, { X86_INS_BSR, exec_bsr },
	{ X86_INS_SETO, exec_setcc }, { X86_INS_SETNO, exec_setcc }, { X86_INS_SETB, exec_setcc },
	{ X86_INS_SETAE, exec_setcc }, { X86_INS_SETE, exec_setcc }, { X86_INS_SETNE, exec_setcc },
	{ X86_INS_SETBE, exec_setcc }, { X86_INS_SETA, exec_setcc }, { X86_INS_SETS, exec_setcc },
	{ X86_INS_SETNS, exec_setcc }, { X86_INS_SETP, exec_setcc }, { X86_INS_SETNP, exec_setcc },
	{ X86_INS_SETL, exec_setcc }, { X86_INS_SETGE, exec_setcc }, { X86_INS_SETLE, exec_setcc },
	{ X86_INS_SETG, exec_setcc }, { X86_INS_BSWAP, exec_bswap }, { X86_INS_CMPXCHG, exec_cmpxchg },
	{ X86_INS_XADD, exec_xadd },
	{ 0, NULL }
};

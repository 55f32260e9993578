/*
 * libvcpu emulator - data movement: MOV (general, segment and control
 * registers), XCHG, LEA, MOVZX, MOVSX, CBW/CWDE, CWD/CDQ, XLAT, LAHF,
 * SAHF, SALC, NOP, and the flag instructions CLC, STC, CMC, CLD, STD.
 */
#include "exec.h"

static int exec_mov(struct emu *e, const struct emu_insn *in)
{
	const struct emu_operand *dst = &in->op[0], *src = &in->op[1];
	uint32_t v;
	int rc;

	/* 0F 20-23: control and debug registers, named or not (CR1 is #UD). */
	if (in->opcode >= 0x20 && in->opcode <= 0x23)
		return emu_mov_cr(e, in);
	if ((rc = emu_op_read(e, in, src, &v)) != 0)
		return rc;
	if (dst->kind == OPK_SREG) {
		/* MOV CS is invalid; MOV SS holds interrupts off for one instruction. */
		if (dst->reg == SEG_CS)
			return emu_raise(e, EXC_UD);
		if ((rc = emu_load_segment(e, dst->reg, (uint16_t)v)) != 0)
			return rc;
		if (dst->reg == SEG_SS)
			e->shadow_mov_ss = true;
		return EMU_NEXT;
	}
	/* From a segment register into a 32-bit register: zero-extended. */
	return emu_op_write(e, in, dst, v);
}

static int exec_xchg(struct emu *e, const struct emu_insn *in)
{
	uint32_t a, b;
	int rc;

	if ((rc = emu_op_read(e, in, &in->op[0], &a)) != 0 || (rc = emu_op_read(e, in, &in->op[1], &b)) != 0)
		return rc;
	/* The memory operand (if any) is written first: a fault there
	 * leaves the register as it was. */
	if (in->op[1].kind == OPK_MEM) {
		if ((rc = emu_op_write(e, in, &in->op[1], a)) != 0)
			return rc;
		return emu_op_write(e, in, &in->op[0], b);
	}
	if ((rc = emu_op_write(e, in, &in->op[0], b)) != 0)
		return rc;
	return emu_op_write(e, in, &in->op[1], a);
}

static int exec_lea(struct emu *e, const struct emu_insn *in)
{
	if (in->op[1].kind != OPK_MEM)
		return emu_raise(e, EXC_UD);
	return emu_op_write(e, in, &in->op[0], emu_effective_offset(e, in, &in->op[1]));
}

static int exec_movzx(struct emu *e, const struct emu_insn *in)
{
	uint32_t v;
	int rc = emu_op_read(e, in, &in->op[1], &v);

	return rc ? rc : emu_op_write(e, in, &in->op[0], v);
}

static uint32_t sign_extend(uint32_t v, unsigned size)
{
	return size == 1 ? (uint32_t)(int32_t)(int8_t)v : size == 2 ? (uint32_t)(int32_t)(int16_t)v : v;
}

static int exec_movsx(struct emu *e, const struct emu_insn *in)
{
	uint32_t v;
	int rc = emu_op_read(e, in, &in->op[1], &v);

	return rc ? rc : emu_op_write(e, in, &in->op[0], sign_extend(v, in->op[1].size));
}

/* CBW (AL -> AX) and CWDE (AX -> EAX). */
static int exec_cbw(struct emu *e, const struct emu_insn *in)
{
	unsigned half = in->opsize / 2;

	emu_set_gpr(e, R_AX, in->opsize, sign_extend(emu_get_gpr(e, R_AX, half), half));
	return EMU_NEXT;
}

/* CWD (AX -> DX:AX) and CDQ (EAX -> EDX:EAX). */
static int exec_cwd(struct emu *e, const struct emu_insn *in)
{
	bool negative = emu_get_gpr(e, R_AX, in->opsize) & emu_sign_bit(in->opsize);

	emu_set_gpr(e, R_DX, in->opsize, negative ? 0xffffffffu : 0);
	return EMU_NEXT;
}

static int exec_xlat(struct emu *e, const struct emu_insn *in)
{
	unsigned seg = in->seg == SEG_NONE ? SEG_DS : in->seg;
	uint32_t offset = e->gpr[R_BX] + emu_get_gpr(e, R_AX, 1), v;
	int rc;

	if (in->adsize == 2)
		offset &= 0xffff;
	if ((rc = emu_read_val(e, seg, offset, 1, &v)) != 0)
		return rc;
	emu_set_gpr(e, R_AX, 1, v);
	return EMU_NEXT;
}

#define LAHF_FLAGS (F_SF | F_ZF | F_AF | F_PF | F_CF)

static int exec_lahf(struct emu *e, const struct emu_insn *in)
{
	(void)in;
	emu_set_gpr(e, 4 /* AH */, 1, (e->eflags & 0xff) | F_FIXED1);
	return EMU_NEXT;
}

static int exec_sahf(struct emu *e, const struct emu_insn *in)
{
	(void)in;
	e->eflags = (e->eflags & ~LAHF_FLAGS) | (emu_get_gpr(e, 4 /* AH */, 1) & LAHF_FLAGS);
	return EMU_NEXT;
}

/* SALC (undocumented, D6): AL = CF ? 0xFF : 0. */
static int exec_salc(struct emu *e, const struct emu_insn *in)
{
	(void)in;
	emu_set_gpr(e, R_AX, 1, (e->eflags & F_CF) ? 0xff : 0);
	return EMU_NEXT;
}

static int exec_nop(struct emu *e, const struct emu_insn *in)
{
	(void)e;
	(void)in;
	return EMU_NEXT;
}

static int exec_clc(struct emu *e, const struct emu_insn *in) { (void)in; e->eflags &= ~F_CF; return EMU_NEXT; }
static int exec_stc(struct emu *e, const struct emu_insn *in) { (void)in; e->eflags |= F_CF; return EMU_NEXT; }
static int exec_cmc(struct emu *e, const struct emu_insn *in) { (void)in; e->eflags ^= F_CF; return EMU_NEXT; }
static int exec_cld(struct emu *e, const struct emu_insn *in) { (void)in; e->eflags &= ~F_DF; return EMU_NEXT; }
static int exec_std(struct emu *e, const struct emu_insn *in) { (void)in; e->eflags |= F_DF; return EMU_NEXT; }

const struct emu_op_entry emu_ops_move[] = {
	{ X86_INS_MOV, exec_mov }, { X86_INS_MOVABS, exec_mov }, { X86_INS_XCHG, exec_xchg },
	{ X86_INS_LEA, exec_lea }, { X86_INS_MOVZX, exec_movzx }, { X86_INS_MOVSX, exec_movsx },
	{ X86_INS_CBW, exec_cbw }, { X86_INS_CWDE, exec_cbw }, { X86_INS_CWD, exec_cwd },
	{ X86_INS_CDQ, exec_cwd }, { X86_INS_XLATB, exec_xlat }, { X86_INS_LAHF, exec_lahf },
	{ X86_INS_SAHF, exec_sahf }, { X86_INS_SALC, exec_salc }, { X86_INS_NOP, exec_nop },
	{ X86_INS_CLC, exec_clc }, { X86_INS_STC, exec_stc }, { X86_INS_CMC, exec_cmc },
	{ X86_INS_CLD, exec_cld }, { X86_INS_STD, exec_std },
	{ 0, NULL }
};

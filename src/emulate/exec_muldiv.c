/*
 * libvcpu emulator - multiplication and division: MUL, IMUL (one, two and
 * three operands), DIV, IDIV, in 8-, 16- and 32-bit forms.
 *
 * The one-operand forms work on the accumulator pair: AX = AL * src and
 * AX / src (AL quotient, AH remainder) for bytes, DX:AX and EDX:EAX for
 * words and doublewords. Division by zero and a quotient that does not
 * fit raise #DE, a fault: nothing changes.
 *
 * Flags the SDM leaves undefined are set as modern Intel processors set
 * them: after a multiplication SF and PF follow the low half of the
 * product, ZF and AF are clear; a division leaves all flags unchanged.
 */
#include "exec.h"

static int64_t sign_extend(uint64_t v, unsigned size)
{
	unsigned shift = 64 - size * 8;

	return (int64_t)(v << shift) >> shift;
}

/* The dividend, or the product, in the accumulator pair of `size`. */
static uint64_t get_pair(const struct emu *e, unsigned size)
{
	if (size == 1)
		return emu_get_gpr(e, R_AX, 2);
	return (uint64_t)emu_get_gpr(e, R_DX, size) << (size * 8) | emu_get_gpr(e, R_AX, size);
}

/* Low half into AL/AX/EAX, high half into AH/DX/EDX. */
static void set_pair(struct emu *e, unsigned size, uint32_t lo, uint32_t hi)
{
	emu_set_gpr(e, R_AX, size, lo);
	emu_set_gpr(e, size == 1 ? 4 /* AH */ : R_DX, size, hi);
}

/* CF = OF = `overflow`; SF, PF from the low half, ZF = AF = 0. */
static void flags_mul(struct emu *e, uint32_t lo, unsigned size, bool overflow)
{
	emu_flags_szp(e, lo, size);
	e->eflags &= ~(F_CF | F_OF | F_ZF | F_AF);
	if (overflow)
		e->eflags |= F_CF | F_OF;
}

static int mul_acc(struct emu *e, const struct emu_insn *in, bool sign)
{
	unsigned size = in->op[0].size, bits = size * 8;
	uint32_t a = emu_get_gpr(e, R_AX, size), b;
	uint64_t p;
	bool overflow;
	int rc;

	if ((rc = emu_op_read(e, in, &in->op[0], &b)) != 0)
		return rc;
	if (sign) {
		p = (uint64_t)(sign_extend(a, size) * sign_extend(b, size));
		overflow = sign_extend(p, size) != (int64_t)p;
	} else {
		p = (uint64_t)a * b;
		overflow = (p >> bits) != 0;
	}
	p &= bits == 32 ? ~0ull : (1ull << (2 * bits)) - 1;
	set_pair(e, size, (uint32_t)p, (uint32_t)(p >> bits));
	flags_mul(e, (uint32_t)p, size, overflow);
	return EMU_NEXT;
}

static int exec_mul(struct emu *e, const struct emu_insn *in)
{
	return mul_acc(e, in, false);
}

/* IMUL src; IMUL dst, src (dst *= src); IMUL dst, src, imm. */
static int exec_imul(struct emu *e, const struct emu_insn *in)
{
	const struct emu_operand *dst = &in->op[0];
	uint32_t a, b;
	int64_t p;
	int rc;

	if (in->nops == 1)
		return mul_acc(e, in, true);
	if (dst->kind != OPK_REG)
		return emu_fail(e, VCPU_EUNIMPLEMENTED, "IMUL with operand kind %u", dst->kind);
	if ((rc = emu_op_read(e, in, &in->op[in->nops - 2], &a)) != 0 ||
	    (rc = emu_op_read(e, in, &in->op[in->nops - 1], &b)) != 0)
		return rc;
	p = sign_extend(a, dst->size) * sign_extend(b, dst->size);
	emu_set_gpr(e, dst->reg, dst->size, (uint32_t)p);
	flags_mul(e, (uint32_t)p, dst->size, sign_extend((uint64_t)p, dst->size) != p);
	return EMU_NEXT;
}

/* DIV and IDIV: #DE for a zero divisor or a quotient out of range (the
 * 386 and later accept the most negative one, e.g. -128 for bytes). */
static int divide(struct emu *e, const struct emu_insn *in, bool sign)
{
	unsigned size = in->op[0].size, bits = size * 8;
	uint64_t n = get_pair(e, size), q, r, limit;
	uint32_t d;
	int rc;

	if ((rc = emu_op_read(e, in, &in->op[0], &d)) != 0)
		return rc;
	if (d == 0)
		return emu_raise(e, EXC_DE);
	if (sign) {
		/* On magnitudes, so that no C division can overflow. */
		int64_t sn = sign_extend(n, 2 * size), sd = sign_extend(d, size);
		uint64_t un = sn < 0 ? 0 - (uint64_t)sn : (uint64_t)sn;
		uint64_t ud = sd < 0 ? 0 - (uint64_t)sd : (uint64_t)sd;
		bool negative = (sn < 0) != (sd < 0);

		q = un / ud;
		r = un % ud;
		limit = (1ull << (bits - 1)) - (negative ? 0 : 1);
		if (q > limit)
			return emu_raise(e, EXC_DE);
		q = negative ? 0 - q : q;
		r = sn < 0 ? 0 - r : r;
	} else {
		q = n / d;
		r = n % d;
		if (q >> bits)
			return emu_raise(e, EXC_DE);
	}
	set_pair(e, size, (uint32_t)q, (uint32_t)r);
	return EMU_NEXT;
}

static int exec_div(struct emu *e, const struct emu_insn *in)
{
	return divide(e, in, false);
}

static int exec_idiv(struct emu *e, const struct emu_insn *in)
{
	return divide(e, in, true);
}

const struct emu_op_entry emu_ops_muldiv[] = {
	{ X86_INS_MUL, exec_mul }, { X86_INS_IMUL, exec_imul },
	{ X86_INS_DIV, exec_div }, { X86_INS_IDIV, exec_idiv },
	{ 0, NULL }
};

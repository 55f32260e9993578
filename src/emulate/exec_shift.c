/*
 * libvcpu emulator - shifts and rotates: ROL, ROR, RCL, RCR, SHL/SAL (and
 * the undocumented /6 alias Capstone also calls SAL), SHR, SAR by 1, CL or
 * an immediate, and the double shifts SHLD and SHRD.
 *
 * The count is masked to 5 bits, as from the 286 on; RCL and RCR rotate
 * bytes through CF modulo 9 and words modulo 17. A masked count of 0
 * changes neither the operand nor any flag. Rotates change CF and OF only.
 * Where the SDM leaves things undefined this does what modern Intel
 * processors do: OF is the one the first 1-bit step gives, whatever the
 * count, except that ROL and ROR by an immediate other than 1 leave it
 * alone (and RCL or RCR by a multiple of 9 or 17 changes no flag); shifts
 * clear AF; a 16-bit double shift by more than 16 goes on into the
 * destination's own bits.
 */
#include "exec.h"

enum shift_op { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAR };

struct shifted {
	uint32_t r;
	bool cf;
};

static bool msb(uint32_t v, unsigned bits)
{
	return (v >> (bits - 1)) & 1;
}

/* Rotate the bits+1-bit value CF:v left or right by c (0 <= c <= bits). */
static struct shifted rotate_through_carry(uint32_t v, bool cf, unsigned c, unsigned bits, bool left)
{
	uint64_t mask = (2ull << bits) - 1, w = (uint64_t)cf << bits | v;

	if (!left)
		c = (bits + 1 - c) % (bits + 1);
	if (c)
		w = ((w << c) | (w >> (bits + 1 - c))) & mask;
	return (struct shifted){ (uint32_t)w & emu_size_mask(bits / 8), (w >> bits) & 1 };
}

/* The result and CF of `op` on v by a masked count of 1 to 31. */
static struct shifted shift(enum shift_op op, uint32_t v, bool cf, unsigned count, unsigned bits)
{
	uint32_t mask = emu_size_mask(bits / 8), r;
	unsigned c = count % bits;
	uint64_t w;

	switch (op) {
	case SH_ROL:
		r = c ? ((v << c) | (v >> (bits - c))) & mask : v;
		return (struct shifted){ r, r & 1 };
	case SH_ROR:
		r = c ? ((v >> c) | (v << (bits - c))) & mask : v;
		return (struct shifted){ r, msb(r, bits) };
	case SH_RCL:
	case SH_RCR:
		return rotate_through_carry(v, cf, count % (bits + 1), bits, op == SH_RCL);
	case SH_SHL:
		w = (uint64_t)v << count;
		return (struct shifted){ (uint32_t)w & mask, (w >> bits) & 1 };
	case SH_SHR:
		return (struct shifted){ v >> count, (v >> (count - 1)) & 1 };
	default:
		w = (uint64_t)((int64_t)((uint64_t)v << (64 - bits)) >> (64 - bits));
		return (struct shifted){ (uint32_t)(w >> count) & mask, (w >> (count - 1)) & 1 };
	}
}

/* Rotates set CF and OF alone. */
static void set_cf_of(struct emu *e, bool cf, bool of)
{
	e->eflags &= ~(F_CF | F_OF);
	e->eflags |= (cf ? F_CF : 0) | (of ? F_OF : 0);
}

/* Shifts also set SF, ZF and PF from the result, and clear AF. */
static void set_shift_flags(struct emu *e, uint32_t r, unsigned size, bool cf, bool of)
{
	emu_flags_szp(e, r, size);
	e->eflags &= ~F_AF;
	set_cf_of(e, cf, of);
}

static int shift_insn(struct emu *e, const struct emu_insn *in, enum shift_op op)
{
	const struct emu_operand *dst = &in->op[0];
	unsigned bits = dst->size * 8;
	bool cf = e->eflags & F_CF, of;
	uint32_t v, count;
	struct shifted s;
	int rc;

	if ((rc = emu_op_read(e, in, dst, &v)) != 0 || (rc = emu_op_read(e, in, &in->op[1], &count)) != 0)
		return rc;
	count &= 0x1f;
	/* RCL and RCR by a multiple of 9 or 17 leave flags alone too. */
	if (!count || ((op == SH_RCL || op == SH_RCR) && count % (bits + 1) == 0))
		return EMU_NEXT;
	s = shift(op, v, cf, count, bits);
	/* ROL and ROR by an immediate other than 1 leave OF alone (as Intel's
	 * processors do; by CL they set it). */
	if ((op == SH_ROL || op == SH_ROR) && in->op[1].kind == OPK_IMM && count != 1)
		of = e->eflags & F_OF;
	else
		of = msb(v, bits) ^ msb(shift(op, v, cf, 1, bits).r, bits);	/* the first step's */
	if ((rc = emu_op_write(e, in, dst, s.r)) != 0)
		return rc;
	if (op <= SH_RCR)
		set_cf_of(e, s.cf, of);
	else
		set_shift_flags(e, s.r, dst->size, s.cf, of);
	return EMU_NEXT;
}

static int exec_rol(struct emu *e, const struct emu_insn *in) { return shift_insn(e, in, SH_ROL); }
static int exec_ror(struct emu *e, const struct emu_insn *in) { return shift_insn(e, in, SH_ROR); }
static int exec_rcl(struct emu *e, const struct emu_insn *in) { return shift_insn(e, in, SH_RCL); }
static int exec_rcr(struct emu *e, const struct emu_insn *in) { return shift_insn(e, in, SH_RCR); }
static int exec_shl(struct emu *e, const struct emu_insn *in) { return shift_insn(e, in, SH_SHL); }
static int exec_shr(struct emu *e, const struct emu_insn *in) { return shift_insn(e, in, SH_SHR); }
static int exec_sar(struct emu *e, const struct emu_insn *in) { return shift_insn(e, in, SH_SAR); }

/* dst shifted by count (1 to 31) with bits of src coming in: dst:src for
 * 32-bit operands, dst:src:dst for 16-bit ones (SHLD; SHRD mirrored). */
static struct shifted double_shifted(uint32_t v, uint32_t src, unsigned count, unsigned bits, bool left)
{
	uint32_t mask = emu_size_mask(bits / 8);
	uint64_t w;

	if (left) {
		/* The result is bits 63:32 of the shifted value. */
		w = bits == 32 ? (uint64_t)v << 32 | src : (uint64_t)v << 32 | src << 16 | v;
		return (struct shifted){ (uint32_t)((w << count) >> 32) & mask,
					 (w >> ((bits == 32 ? 64 : 48) - count)) & 1 };
	}
	w = bits == 32 ? (uint64_t)src << 32 | v : (uint64_t)v << 32 | (uint64_t)src << 16 | v;
	return (struct shifted){ (uint32_t)(w >> count) & mask, (w >> (count - 1)) & 1 };
}

/* SHLD dst, src, count and SHRD. */
static int double_shift(struct emu *e, const struct emu_insn *in, bool left)
{
	const struct emu_operand *dst = &in->op[0];
	unsigned bits = dst->size * 8;
	uint32_t v, src, count;
	struct shifted s;
	int rc;

	if ((rc = emu_op_read(e, in, dst, &v)) != 0 || (rc = emu_op_read(e, in, &in->op[1], &src)) != 0 ||
	    (rc = emu_op_read(e, in, &in->op[2], &count)) != 0)
		return rc;
	count &= 0x1f;
	if (!count)
		return EMU_NEXT;
	s = double_shifted(v, src, count, bits, left);
	if ((rc = emu_op_write(e, in, dst, s.r)) != 0)
		return rc;
	set_shift_flags(e, s.r, dst->size, s.cf,
			msb(v, bits) ^ msb(double_shifted(v, src, 1, bits, left).r, bits));
	return EMU_NEXT;
}

static int exec_shld(struct emu *e, const struct emu_insn *in) { return double_shift(e, in, true); }
static int exec_shrd(struct emu *e, const struct emu_insn *in) { return double_shift(e, in, false); }

const struct emu_op_entry emu_ops_shift[] = {
	{ X86_INS_ROL, exec_rol }, { X86_INS_ROR, exec_ror }, { X86_INS_RCL, exec_rcl },
	{ X86_INS_RCR, exec_rcr }, { X86_INS_SHL, exec_shl }, { X86_INS_SAL, exec_shl },
	{ X86_INS_SHR, exec_shr }, { X86_INS_SAR, exec_sar }, { X86_INS_SHLD, exec_shld },
	{ X86_INS_SHRD, exec_shrd },
	{ 0, NULL }
};

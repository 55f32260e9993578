/*
 * libvcpu emulator - shifts and rotates: ROL, ROR, RCL, RCR, SHL/SAL (and
 * the undocumented /6 alias Capstone also calls SAL), SHR, SAR by 1, CL or
 * an immediate, and the double shifts SHLD and SHRD.
 *
 * The count is masked to 5 bits, as from the 286 on; RCL and RCR rotate
 * bytes through CF modulo 9 and words modulo 17. A masked count of 0
 * changes neither the operand nor any flag. Rotates change CF and OF only.
 * Where the SDM leaves OF or AF undefined (counts other than 1, the AF of
 * shifts) or a result undefined (a 16-bit double shift by more than 16),
 * this does what modern Intel processors do.
 */
#include "exec.h"

enum shift_op { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAR };

struct shifted {
	uint32_t r;
	bool cf, of;
};

static bool msb(uint32_t v, unsigned bits)
{
	return (v >> (bits - 1)) & 1;
}

/* Rotate the bits+1-bit value CF:v left by c (0 <= c <= bits). */
static struct shifted rotate_through_carry(uint32_t v, bool cf, unsigned c, unsigned bits, bool left)
{
	uint64_t mask = (2ull << bits) - 1, w = (uint64_t)cf << bits | v;
	struct shifted s;

	if (!left)
		c = (bits + 1 - c) % (bits + 1);
	if (c)
		w = ((w << c) | (w >> (bits + 1 - c))) & mask;
	s.r = (uint32_t)w & emu_size_mask(bits / 8);
	s.cf = (w >> bits) & 1;
	return s;
}

/* The result, CF and OF of `op` on v by a masked count of 1 to 31. */
static struct shifted shift(enum shift_op op, uint32_t v, bool cf, unsigned count, unsigned bits)
{
	uint32_t mask = emu_size_mask(bits / 8);
	unsigned c = count % bits;
	struct shifted s;

	switch (op) {
	case SH_ROL:
		s.r = c ? ((v << c) | (v >> (bits - c))) & mask : v;
		s.cf = s.r & 1;
		s.of = msb(s.r, bits) ^ s.cf;
		break;
	case SH_ROR:
		s.r = c ? ((v >> c) | (v << (bits - c))) & mask : v;
		s.cf = msb(s.r, bits);
		s.of = msb(s.r, bits) ^ msb(s.r, bits - 1);
		break;
	case SH_RCL:
		s = rotate_through_carry(v, cf, count % (bits + 1), bits, true);
		s.of = msb(s.r, bits) ^ s.cf;
		break;
	case SH_RCR:
		s = rotate_through_carry(v, cf, count % (bits + 1), bits, false);
		s.of = msb(s.r, bits) ^ msb(s.r, bits - 1);
		break;
	case SH_SHL: {
		uint64_t w = (uint64_t)v << count;

		s.r = (uint32_t)w & mask;
		s.cf = (w >> bits) & 1;
		s.of = msb(s.r, bits) ^ s.cf;
		break;
	}
	case SH_SHR:
		s.r = v >> count;
		s.cf = (v >> (count - 1)) & 1;
		s.of = msb(v, bits);
		break;
	default: {
		int64_t w = (int64_t)((uint64_t)v << (64 - bits)) >> (64 - bits);

		s.r = (uint32_t)(w >> count) & mask;
		s.cf = (w >> (count - 1)) & 1;
		s.of = false;
		break;
	}
	}
	return s;
}

static void set_cf_of(struct emu *e, const struct shifted *s)
{
	e->eflags &= ~(F_CF | F_OF);
	e->eflags |= (s->cf ? F_CF : 0) | (s->of ? F_OF : 0);
}

/* Shifts set SF, ZF and PF from the result and clear AF. */
static void set_shift_flags(struct emu *e, const struct shifted *s, unsigned size)
{
	emu_flags_szp(e, s->r, size);
	e->eflags &= ~F_AF;
	set_cf_of(e, s);
}

static int shift_insn(struct emu *e, const struct emu_insn *in, enum shift_op op)
{
	const struct emu_operand *dst = &in->op[0];
	uint32_t v, count;
	struct shifted s;
	int rc;

	if ((rc = emu_op_read(e, in, dst, &v)) != 0 || (rc = emu_op_read(e, in, &in->op[1], &count)) != 0)
		return rc;
	count &= 0x1f;
	if (!count)
		return EMU_NEXT;
	s = shift(op, v, e->eflags & F_CF, count, dst->size * 8);
	if ((rc = emu_op_write(e, in, dst, s.r)) != 0)
		return rc;
	if (op <= SH_RCR)
		set_cf_of(e, &s);
	else
		set_shift_flags(e, &s, dst->size);
	return EMU_NEXT;
}

static int exec_rol(struct emu *e, const struct emu_insn *in) { return shift_insn(e, in, SH_ROL); }
static int exec_ror(struct emu *e, const struct emu_insn *in) { return shift_insn(e, in, SH_ROR); }
static int exec_rcl(struct emu *e, const struct emu_insn *in) { return shift_insn(e, in, SH_RCL); }
static int exec_rcr(struct emu *e, const struct emu_insn *in) { return shift_insn(e, in, SH_RCR); }
static int exec_shl(struct emu *e, const struct emu_insn *in) { return shift_insn(e, in, SH_SHL); }
static int exec_shr(struct emu *e, const struct emu_insn *in) { return shift_insn(e, in, SH_SHR); }
static int exec_sar(struct emu *e, const struct emu_insn *in) { return shift_insn(e, in, SH_SAR); }

/*
 * SHLD dst, src, count and SHRD: dst shifted with bits of src coming in.
 * 32-bit operands shift dst:src (src:dst for SHRD); 16-bit ones shift
 * dst:src:dst, so that a count above 16 brings dst's own bits in after
 * src's, as Intel processors do.
 */
static int double_shift(struct emu *e, const struct emu_insn *in, bool left)
{
	const struct emu_operand *dst = &in->op[0];
	unsigned size = dst->size, bits = size * 8;
	uint32_t v, src, count;
	uint64_t w;
	struct shifted s;
	int rc;

	if ((rc = emu_op_read(e, in, dst, &v)) != 0 || (rc = emu_op_read(e, in, &in->op[1], &src)) != 0 ||
	    (rc = emu_op_read(e, in, &in->op[2], &count)) != 0)
		return rc;
	count &= 0x1f;
	if (!count)
		return EMU_NEXT;
	if (left) {
		/* dst:src(:dst), shifted left; the result is the top bits. */
		w = bits == 32 ? (uint64_t)v << 32 | src : (uint64_t)v << 32 | src << 16 | v;
		s.r = (uint32_t)((w << count) >> 32) & emu_size_mask(size);
		s.cf = (w >> ((bits == 32 ? 64 : 48) - count)) & 1;
	} else {
		/* (dst:)src:dst, shifted right; the result is the low bits. */
		w = bits == 32 ? (uint64_t)src << 32 | v : (uint64_t)v << 32 | (uint64_t)src << 16 | v;
		s.r = (uint32_t)(w >> count) & emu_size_mask(size);
		s.cf = (w >> (count - 1)) & 1;
	}
	s.of = msb(s.r, bits) ^ msb(v, bits);
	if ((rc = emu_op_write(e, in, dst, s.r)) != 0)
		return rc;
	set_shift_flags(e, &s, size);
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

/*
 * libvcpu emulator - decimal arithmetic: DAA, DAS (packed BCD in AL),
 * AAA, AAS, AAM, AAD (unpacked BCD in AX).
 *
 * As from the 386 on, AAA and AAS adjust AX as a whole (AX + 0x106, AX - 6
 * then AH - 1), so a carry or borrow out of AL reaches AH. Flags the SDM
 * leaves undefined are set as modern Intel processors set them: OF clear
 * after all six; SF, ZF and PF from the final AL after AAA and AAS; CF and
 * AF clear after AAM; AAD sets all six as the byte addition
 * AL + AH * base it performs.
 */
#include "exec.h"

static void set_flag(struct emu *e, uint32_t flag, bool on)
{
	e->eflags = on ? e->eflags | flag : e->eflags & ~flag;
}

/* DAA and DAS: correct AL after adding or subtracting two packed BCD bytes. */
static int decimal_adjust(struct emu *e, bool sub)
{
	uint32_t al = emu_get_gpr(e, R_AX, 1), old_al = al;
	bool cf = e->eflags & F_CF, new_cf = false, af = false;

	if ((al & 0xf) > 9 || (e->eflags & F_AF)) {
		new_cf = cf || (sub ? al < 6 : al > 0xf9);
		al = sub ? al - 6 : al + 6;
		af = true;
	}
	if (old_al > 0x99 || cf) {
		al = sub ? al - 0x60 : al + 0x60;
		new_cf = true;
	} else if (!sub) {
		new_cf = false;
	}
	emu_set_gpr(e, R_AX, 1, al);
	emu_flags_szp(e, al, 1);
	set_flag(e, F_CF, new_cf);
	set_flag(e, F_AF, af);
	set_flag(e, F_OF, false);
	return EMU_NEXT;
}

static int exec_daa(struct emu *e, const struct emu_insn *in)
{
	(void)in;
	return decimal_adjust(e, false);
}

static int exec_das(struct emu *e, const struct emu_insn *in)
{
	(void)in;
	return decimal_adjust(e, true);
}

/* AAA and AAS: correct AX after adding or subtracting unpacked BCD digits. */
static int ascii_adjust(struct emu *e, bool sub)
{
	uint32_t ax = emu_get_gpr(e, R_AX, 2);
	bool adjust = (ax & 0xf) > 9 || (e->eflags & F_AF);

	if (adjust)
		ax = sub ? ax - 6 - 0x100 : ax + 0x106;
	ax &= 0xff0f;
	emu_set_gpr(e, R_AX, 2, ax);
	emu_flags_szp(e, ax, 1);
	set_flag(e, F_CF, adjust);
	set_flag(e, F_AF, adjust);
	set_flag(e, F_OF, false);
	return EMU_NEXT;
}

static int exec_aaa(struct emu *e, const struct emu_insn *in)
{
	(void)in;
	return ascii_adjust(e, false);
}

static int exec_aas(struct emu *e, const struct emu_insn *in)
{
	(void)in;
	return ascii_adjust(e, true);
}

/* The base of AAM and AAD: the immediate (10 in the usual encoding). */
static uint32_t base_of(const struct emu_insn *in)
{
	return in->nops ? (uint32_t)in->op[0].value & 0xff : 10;
}

/* AAM: AH = AL / base, AL = AL % base; #DE for base 0. */
static int exec_aam(struct emu *e, const struct emu_insn *in)
{
	uint32_t base = base_of(in), al = emu_get_gpr(e, R_AX, 1);

	if (!base)
		return emu_raise(e, EXC_DE);
	emu_set_gpr(e, R_AX, 2, (al / base) << 8 | al % base);
	emu_flags_szp(e, al % base, 1);
	e->eflags &= ~(F_CF | F_AF | F_OF);
	return EMU_NEXT;
}

/* AAD: AL = AL + AH * base, AH = 0. */
static int exec_aad(struct emu *e, const struct emu_insn *in)
{
	uint32_t al = emu_get_gpr(e, R_AX, 1), product = (emu_get_gpr(e, 4 /* AH */, 1) * base_of(in)) & 0xff;

	emu_set_gpr(e, R_AX, 2, (al + product) & 0xff);
	emu_flags_add(e, al, product, 0, 1);
	return EMU_NEXT;
}

const struct emu_op_entry emu_ops_bcd[] = {
	{ X86_INS_DAA, exec_daa }, { X86_INS_DAS, exec_das }, { X86_INS_AAA, exec_aaa },
	{ X86_INS_AAS, exec_aas }, { X86_INS_AAM, exec_aam }, { X86_INS_AAD, exec_aad },
	{ 0, NULL }
};

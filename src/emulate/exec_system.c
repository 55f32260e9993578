/*
 * libvcpu emulator - system instructions: HLT, CLI, STI, MOV to and from
 * control registers (the way into protected mode and out), LMSW, SMSW,
 * CLTS, LGDT, LIDT, SGDT, SIDT, CPUID, RDTSC, INVD, WBINVD, WAIT, the x87
 * escapes D8-DF as a processor without a coprocessor runs them, UD2, and
 * the protected-mode-only descriptor instructions (#UD in real and
 * virtual-8086 mode). In virtual-8086 mode (CPL 3) the privileged ones
 * raise #GP(0), and CLI/STI do so with IOPL below 3, for the monitor.
 */
#include "exec.h"

static bool iopl_below_3(const struct emu *e)
{
	return emu_vm86(e) && (e->eflags & F_IOPL) != F_IOPL;
}

/* #GP(0) for an instruction only CPL 0 may execute, else EMU_NEXT. */
static int require_cpl0(struct emu *e)
{
	return emu_cpl(e) ? emu_raise_error(e, EXC_GP, 0) : EMU_NEXT;
}

static int exec_hlt(struct emu *e, const struct emu_insn *in)
{
	(void)in;
	return emu_cpl(e) ? emu_raise_error(e, EXC_GP, 0) : EMU_HALTED;
}

static int exec_cli(struct emu *e, const struct emu_insn *in)
{
	(void)in;
	if (iopl_below_3(e))
		return emu_raise_error(e, EXC_GP, 0);
	e->eflags &= ~F_IF;
	return EMU_NEXT;
}

static int exec_sti(struct emu *e, const struct emu_insn *in)
{
	(void)in;
	if (iopl_below_3(e))
		return emu_raise_error(e, EXC_GP, 0);
	/* Interrupts stay blocked until after the next instruction. */
	if (!(e->eflags & F_IF))
		e->shadow_sti = true;
	e->eflags |= F_IF;
	return EMU_NEXT;
}

/* ---- control registers ------------------------------------------------------ */

/* CR4 bits a 386-class real-mode guest may set (VME through PCE, and
 * OSFXSR/OSXMMEXCPT); the rest are reserved here. */
#define CR4_ALLOWED 0x000006ffu

/* CR0's defined bits: PE MP EM TS ET NE, WP, AM, NW CD PG. Writes to the
 * reserved ones are ignored (SDM Vol. 3A 2.5). */
#define CR0_DEFINED 0xe005003fu

/* CR0 as the guest's write leaves it, or #GP(0) for an invalid one. */
static int write_cr0(struct emu *e, uint32_t v)
{
	const uint32_t nw = 1u << 29, cd = 1u << 30;

	if (((v & CR0_PG) && !(v & CR0_PE)) || ((v & nw) && !(v & cd)))
		return emu_raise_error(e, EXC_GP, 0);
	/* ET is fixed to 1 from the 486 on. */
	e->cr0 = (v & CR0_DEFINED) | CR0_ET;
	return EMU_NEXT;
}

/* MOV to or from CRn (0F 20, 0F 22) and DRn (0F 21, 0F 23); an operand
 * the decoder could not name is CR1, CR5-CR7 or a debug register. */
int emu_mov_cr(struct emu *e, const struct emu_insn *in)
{
	const struct emu_operand *dst = &in->op[0], *src = &in->op[1];
	uint32_t v;

	if (emu_cpl(e))
		return emu_raise_error(e, EXC_GP, 0);
	if (in->opcode == 0x21 || in->opcode == 0x23)
		return emu_fail(e, VCPU_EUNIMPLEMENTED, "MOV to or from a debug register at %04x:%04x: "
				"not implemented", e->seg[SEG_CS].selector, e->eip);
	if (dst->kind == OPK_REG && src->kind == OPK_CREG) {
		emu_op_read(e, in, src, &v);
		emu_set_gpr(e, dst->reg, 4, v);
		return EMU_NEXT;
	}
	if (dst->kind != OPK_CREG || src->kind != OPK_REG)
		return emu_raise(e, EXC_UD);
	v = e->gpr[src->reg];
	switch (dst->reg) {
	case 0:
		return write_cr0(e, v);
	case 2:
		e->cr2 = v;
		return EMU_NEXT;
	case 3:
		e->cr3 = v;
		return EMU_NEXT;
	default:
		if (v & ~CR4_ALLOWED)
			return emu_raise_error(e, EXC_GP, 0);
		e->cr4 = v;
		return EMU_NEXT;
	}
}

/* LMSW: CR0 bits 3:0 from the source; PE can be set, never cleared. */
static int exec_lmsw(struct emu *e, const struct emu_insn *in)
{
	uint32_t v;
	int rc;

	if ((rc = require_cpl0(e)) != 0 || (rc = emu_op_read(e, in, &in->op[0], &v)) != 0)
		return rc;
	e->cr0 = (e->cr0 & ~0xeu) | (v & 0xf) | (e->cr0 & CR0_PE);
	return EMU_NEXT;
}

/* SMSW: CR0's low 16 bits to memory or a 16-bit register; all of CR0 to
 * a 32-bit register (its upper half is undefined in the SDM; processors
 * from the P6 on store CR0 whole). */
static int exec_smsw(struct emu *e, const struct emu_insn *in)
{
	const struct emu_operand *dst = &in->op[0];

	if (dst->kind == OPK_MEM)
		return emu_write_val(e, dst->seg, emu_effective_offset(e, in, dst), 2, e->cr0);
	return emu_op_write(e, in, dst, e->cr0);
}

static int exec_clts(struct emu *e, const struct emu_insn *in)
{
	int rc;

	(void)in;
	if ((rc = require_cpl0(e)) != 0)
		return rc;
	e->cr0 &= ~CR0_TS;
	return EMU_NEXT;
}

/* ---- descriptor-table registers ---------------------------------------------- */

/* LGDT and LIDT: a 16-bit limit, then the base: 24 bits of it with a
 * 16-bit operand size, 32 with a 32-bit one. */
static int load_table(struct emu *e, const struct emu_insn *in, uint32_t *base, uint16_t *limit)
{
	const struct emu_operand *src = &in->op[0];
	uint8_t b[6];
	uint32_t v;
	int rc;

	if (src->kind != OPK_MEM)
		return emu_raise(e, EXC_UD);
	if ((rc = require_cpl0(e)) != 0 ||
	    (rc = emu_read(e, src->seg, emu_effective_offset(e, in, src), b, sizeof(b))) != 0)
		return rc;
	v = (uint32_t)b[2] | (uint32_t)b[3] << 8 | (uint32_t)b[4] << 16 | (uint32_t)b[5] << 24;
	*base = in->opsize == 2 ? v & 0x00ffffffu : v;
	*limit = (uint16_t)(b[0] | b[1] << 8);
	return EMU_NEXT;
}

/* SGDT and SIDT store the whole 32-bit base at either operand size, as
 * processors from the 386 on do (the 286 stored 0xFF as its top byte). */
static int store_table(struct emu *e, const struct emu_insn *in, uint32_t base, uint16_t limit)
{
	const struct emu_operand *dst = &in->op[0];
	const uint8_t b[6] = { (uint8_t)limit, (uint8_t)(limit >> 8), (uint8_t)base,
			       (uint8_t)(base >> 8), (uint8_t)(base >> 16), (uint8_t)(base >> 24) };

	if (dst->kind != OPK_MEM)
		return emu_raise(e, EXC_UD);
	return emu_write(e, dst->seg, emu_effective_offset(e, in, dst), b, sizeof(b));
}

static int exec_lgdt(struct emu *e, const struct emu_insn *in)
{
	return load_table(e, in, &e->gdtr_base, &e->gdtr_limit);
}

static int exec_lidt(struct emu *e, const struct emu_insn *in)
{
	return load_table(e, in, &e->idtr_base, &e->idtr_limit);
}

static int exec_sgdt(struct emu *e, const struct emu_insn *in)
{
	return store_table(e, in, e->gdtr_base, e->gdtr_limit);
}

static int exec_sidt(struct emu *e, const struct emu_insn *in)
{
	return store_table(e, in, e->idtr_base, e->idtr_limit);
}

/* SLDT, STR, LLDT, LTR, VERR, VERW, LAR, LSL: not recognized in real and
 * virtual-8086 mode; in protected mode they need an LDT and a task
 * register, which the emulator does not keep. */
static int exec_pm_only(struct emu *e, const struct emu_insn *in)
{
	(void)in;
	if (emu_real(e) || emu_vm86(e))
		return emu_raise(e, EXC_UD);
	return emu_fail(e, VCPU_EUNIMPLEMENTED, "LDT and task-register instructions in protected mode "
			"(at %04x:%04x): not implemented", e->seg[SEG_CS].selector, e->eip);
}

/* ---- identification, time, caches ---------------------------------------------- */

static int exec_cpuid(struct emu *e, const struct emu_insn *in)
{
	uint32_t leaf = e->gpr[R_AX], subleaf = e->gpr[R_CX], out[4] = { 0 };
	int rc;

	(void)in;
	if (!e->ops || !e->ops->cpuid)
		return emu_raise(e, EXC_UD);
	rc = e->ops->cpuid(e->opaque, leaf, subleaf, out);
	if (rc < 0)
		return emu_fail(e, rc, "the cpuid callback failed for leaf 0x%x, subleaf 0x%x", leaf, subleaf);
	e->gpr[R_AX] = out[0];
	e->gpr[R_BX] = out[1];
	e->gpr[R_CX] = out[2];
	e->gpr[R_DX] = out[3];
	return EMU_NEXT;
}

static int exec_rdtsc(struct emu *e, const struct emu_insn *in)
{
	uint64_t tsc;

	(void)in;
	if (!e->ops || !e->ops->rdtsc)
		return emu_raise(e, EXC_UD);
	if ((e->cr4 & CR4_TSD) && emu_cpl(e))
		return emu_raise_error(e, EXC_GP, 0);
	tsc = e->ops->rdtsc(e->opaque);
	e->gpr[R_AX] = (uint32_t)tsc;
	e->gpr[R_DX] = (uint32_t)(tsc >> 32);
	return EMU_NEXT;
}

/* INVD and WBINVD: there is no cache to flush. */
static int exec_invd(struct emu *e, const struct emu_insn *in)
{
	(void)in;
	return require_cpl0(e);
}

/* ---- the coprocessor -------------------------------------------------------------- */

/* WAIT: #NM when the coprocessor's state belongs to another task. */
static int exec_wait(struct emu *e, const struct emu_insn *in)
{
	(void)in;
	if ((e->cr0 & (CR0_TS | CR0_MP)) == (CR0_TS | CR0_MP))
		return emu_raise(e, EXC_NM);
	return EMU_NEXT;
}

/* The bytes an x87 instruction's memory operand covers (Capstone's sizes
 * are wrong for FNSTSW, FNSAVE and FRSTOR, and 16-bit for FLDENV). */
static unsigned esc_operand_size(const struct emu_insn *in, const struct emu_operand *m)
{
	switch (in->id) {
	case X86_INS_FNSTSW:
		return 2;
	case X86_INS_FLDENV: case X86_INS_FNSTENV:
		return in->opsize == 4 ? 28 : 14;
	case X86_INS_FNSAVE: case X86_INS_FRSTOR:
		return in->opsize == 4 ? 108 : 94;
	default:
		return m->size;
	}
}

static bool esc_stores(unsigned id)
{
	switch (id) {
	case X86_INS_FST: case X86_INS_FSTP: case X86_INS_FIST: case X86_INS_FISTP:
	case X86_INS_FISTTP: case X86_INS_FBSTP: case X86_INS_FNSTSW: case X86_INS_FNSTCW:
	case X86_INS_FNSTENV: case X86_INS_FNSAVE:
		return true;
	default:
		return false;
	}
}

/* D8-DF with no coprocessor: #NM if CR0.EM or CR0.TS says so; otherwise
 * the memory operand's address is checked as the processor checks it for
 * the transfer (#GP, #SS) and nothing is read, written or computed. */
static int exec_esc(struct emu *e, const struct emu_insn *in)
{
	if (e->cr0 & (CR0_EM | CR0_TS))
		return emu_raise(e, EXC_NM);
	for (unsigned i = 0; i < in->nops; i++) {
		const struct emu_operand *m = &in->op[i];
		uint32_t offset;

		if (m->kind != OPK_MEM)
			continue;
		offset = emu_effective_offset(e, in, m);
		if (esc_stores(in->id))
			return emu_check_write(e, m->seg, offset, esc_operand_size(in, m));
		return emu_check_read(e, m->seg, offset, esc_operand_size(in, m));
	}
	return EMU_NEXT;
}

#define ESC(name) { X86_INS_##name, exec_esc }

const struct emu_op_entry emu_ops_system[] = {
	{ X86_INS_HLT, exec_hlt }, { X86_INS_CLI, exec_cli }, { X86_INS_STI, exec_sti },
	{ X86_INS_LMSW, exec_lmsw }, { X86_INS_SMSW, exec_smsw }, { X86_INS_CLTS, exec_clts },
	{ X86_INS_LGDT, exec_lgdt }, { X86_INS_LIDT, exec_lidt },
	{ X86_INS_SGDT, exec_sgdt }, { X86_INS_SIDT, exec_sidt },
	{ X86_INS_SLDT, exec_pm_only }, { X86_INS_STR, exec_pm_only }, { X86_INS_LLDT, exec_pm_only },
	{ X86_INS_LTR, exec_pm_only }, { X86_INS_VERR, exec_pm_only }, { X86_INS_VERW, exec_pm_only },
	{ X86_INS_LAR, exec_pm_only }, { X86_INS_LSL, exec_pm_only },
	{ X86_INS_CPUID, exec_cpuid }, { X86_INS_RDTSC, exec_rdtsc },
	{ X86_INS_INVD, exec_invd }, { X86_INS_WBINVD, exec_invd },
	{ X86_INS_UD2, emu_exec_ud }, { X86_INS_UD2B, emu_exec_ud }, { X86_INS_UD0, emu_exec_ud },
	{ X86_INS_WAIT, exec_wait },
	/* The x87 escapes, every instruction Capstone decodes from D8-DF. */
	ESC(F2XM1), ESC(FABS), ESC(FADD), ESC(FADDP), ESC(FIADD), ESC(FBLD), ESC(FBSTP),
	ESC(FCHS), ESC(FNCLEX), ESC(FCMOVB), ESC(FCMOVBE), ESC(FCMOVE), ESC(FCMOVNB),
	ESC(FCMOVNBE), ESC(FCMOVNE), ESC(FCMOVNU), ESC(FCMOVU), ESC(FCOM), ESC(FCOMP),
	ESC(FCOMPP), ESC(FCOMI), ESC(FCOMIP), ESC(FUCOMI), ESC(FUCOMIP), ESC(FCOS),
	ESC(FDECSTP), ESC(FDIV), ESC(FDIVP), ESC(FIDIV), ESC(FDIVR), ESC(FDIVRP), ESC(FIDIVR),
	ESC(FFREE), ESC(FFREEP), ESC(FICOM), ESC(FICOMP), ESC(FILD), ESC(FINCSTP), ESC(FNINIT),
	ESC(FIST), ESC(FISTP), ESC(FISTTP), ESC(FLD), ESC(FLD1), ESC(FLDL2T), ESC(FLDL2E),
	ESC(FLDPI), ESC(FLDLG2), ESC(FLDLN2), ESC(FLDZ), ESC(FLDCW), ESC(FLDENV), ESC(FMUL),
	ESC(FMULP), ESC(FIMUL), ESC(FNOP), ESC(FPATAN), ESC(FPREM), ESC(FPREM1), ESC(FPTAN),
	ESC(FRNDINT), ESC(FRSTOR), ESC(FNSAVE), ESC(FSCALE), ESC(FSETPM), ESC(FSIN),
	ESC(FSINCOS), ESC(FSQRT), ESC(FST), ESC(FSTP), ESC(FSTPNCE), ESC(FNSTCW), ESC(FNSTENV),
	ESC(FNSTSW), ESC(FSUB), ESC(FSUBP), ESC(FISUB), ESC(FSUBR), ESC(FSUBRP), ESC(FISUBR),
	ESC(FTST), ESC(FUCOM), ESC(FUCOMP), ESC(FUCOMPP), ESC(FXAM), ESC(FXCH), ESC(FXTRACT),
	ESC(FYL2X), ESC(FYL2XP1), ESC(FENI8087_NOP), ESC(FDISI8087_NOP),
	{ 0, NULL }
};

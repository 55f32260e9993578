/*
 * libvcpu emulator - the stack: PUSH and POP (registers, immediates,
 * memory, segment registers), PUSHA/POPA, PUSHF/POPF, ENTER and LEAVE,
 * each in its 16- and 32-bit operand size. Instructions that move several
 * values check every access before SP changes: a fault leaves SP as it
 * was (bytes already written below SP are not state).
 */
#include "exec.h"

#define F_VIF	(1u << 19)
#define F_VIP	(1u << 20)
/* FLAGS bits 15:0 that POPF and IRET may load. */
#define F_LOADABLE16 (F_ARITH | F_TF | F_IF | F_DF | F_IOPL | F_NT)

/* SP or ESP, as the stack segment's size says. */
static uint32_t stack_pointer(const struct emu *e)
{
	return emu_get_gpr(e, R_SP, emu_stack_size(e));
}

static void set_stack_pointer(struct emu *e, uint32_t sp)
{
	emu_set_gpr(e, R_SP, emu_stack_size(e), sp);
}

/* PUSHF/POPF in virtual-8086 mode with IOPL < 3 trap to the monitor. */
static bool vm86_iopl_trap(const struct emu *e)
{
	return emu_vm86(e) && (e->eflags & F_IOPL) != F_IOPL;
}

uint32_t emu_popped_flags(const struct emu *e, uint32_t value, unsigned size, bool iret)
{
	uint32_t loadable = F_LOADABLE16, flags;

	/* POPFD clears RF, IRETD loads it; VM, VIF and VIP stay (IRETD to
	 * the same level at CPL 0 loads VIF and VIP). Virtual-8086 mode
	 * cannot change IOPL. */
	if (size == 4)
		loadable |= F_AC | F_ID | (iret ? F_RF : 0);
	if (emu_vm86(e))
		loadable &= ~F_IOPL;
	else if (iret && size == 4 && !emu_real(e))
		loadable |= F_VIF | F_VIP;
	flags = (e->eflags & ~loadable) | (value & loadable) | F_FIXED1;
	if (size == 4 && !iret)
		flags &= ~F_RF;
	return flags;
}

/* ---- PUSH and POP ------------------------------------------------------------ */

/* A segment register with a 32-bit operand size: SP moves by 4 but, as
 * on recent processors, only the selector's 16 bits are written. */
static int push_selector(struct emu *e, unsigned size, uint16_t selector)
{
	uint32_t sp;
	int rc;

	if (size == 2)
		return emu_push(e, 2, selector);
	sp = (stack_pointer(e) - 4) & emu_size_mask(emu_stack_size(e));
	if ((rc = emu_write_val(e, SEG_SS, sp, 2, selector)) != 0)
		return rc;
	set_stack_pointer(e, sp);
	return EMU_NEXT;
}

static int exec_push(struct emu *e, const struct emu_insn *in)
{
	const struct emu_operand *src = &in->op[0];
	uint32_t v;
	int rc;

	switch (src->kind) {
	case OPK_SREG:
		return push_selector(e, in->opsize, e->seg[src->reg].selector);
	case OPK_IMM:
		/* 6A: the byte sign-extended to the operand size. */
		return emu_push(e, in->opsize, (uint32_t)src->value);
	default:
		/* PUSH SP pushes SP as it was before the push (286 and later). */
		if ((rc = emu_op_read(e, in, src, &v)) != 0)
			return rc;
		return emu_push(e, in->opsize, v);
	}
}

/* POP into a segment register: the load can fault, so SP moves after. */
static int pop_segment(struct emu *e, const struct emu_insn *in, unsigned seg)
{
	uint32_t v;
	int rc;

	/* POP CS (0F on the 8086) does not exist from the 386 on. */
	if (seg == SEG_CS)
		return emu_raise(e, EXC_UD);
	if ((rc = emu_peek(e, in->opsize, 0, &v)) != 0 || (rc = emu_load_segment(e, seg, (uint16_t)v)) != 0)
		return rc;
	set_stack_pointer(e, stack_pointer(e) + in->opsize);
	/* POP SS holds interrupts and single-step off for one instruction. */
	if (seg == SEG_SS)
		e->shadow_mov_ss = true;
	return EMU_NEXT;
}

static int exec_pop(struct emu *e, const struct emu_insn *in)
{
	const struct emu_operand *dst = &in->op[0];
	uint32_t v, sp = e->gpr[R_SP];
	int rc;

	if (dst->kind == OPK_SREG)
		return pop_segment(e, in, dst->reg);
	if ((rc = emu_peek(e, in->opsize, 0, &v)) != 0)
		return rc;
	/* SP moves first: POP SP keeps the popped value, and POP [SP+n]
	 * addresses memory with the incremented SP. */
	set_stack_pointer(e, stack_pointer(e) + in->opsize);
	if ((rc = emu_op_write(e, in, dst, v)) != 0)
		e->gpr[R_SP] = sp;
	return rc;
}

/* ---- PUSHA and POPA -------------------------------------------------------------- */

/* AX CX DX BX SP BP SI DI, SP as it was before the first push. */
static int exec_pusha(struct emu *e, const struct emu_insn *in)
{
	uint32_t sp = e->gpr[R_SP];
	int rc = 0;

	for (unsigned r = R_AX; r <= R_DI && !rc; r++)
		rc = emu_push(e, in->opsize, r == R_SP ? sp : e->gpr[r]);
	if (rc)
		e->gpr[R_SP] = sp;
	return rc;
}

/* DI SI BP (SP skipped) BX DX CX AX: all read before any is written. */
static int exec_popa(struct emu *e, const struct emu_insn *in)
{
	uint32_t v[EMU_NR_GPRS];
	int rc;

	for (unsigned i = 0; i < EMU_NR_GPRS; i++)
		if ((rc = emu_peek(e, in->opsize, i, &v[R_DI - i])) != 0)
			return rc;
	for (unsigned r = R_AX; r <= R_DI; r++)
		if (r != R_SP)
			emu_set_gpr(e, r, in->opsize, v[r]);
	set_stack_pointer(e, stack_pointer(e) + EMU_NR_GPRS * in->opsize);
	return EMU_NEXT;
}

/* ---- PUSHF and POPF ---------------------------------------------------------------- */

static int exec_pushf(struct emu *e, const struct emu_insn *in)
{
	if (vm86_iopl_trap(e))
		return emu_raise_error(e, EXC_GP, 0);
	/* The image never shows VM or RF. */
	return emu_push(e, in->opsize, e->eflags & ~(F_VM | F_RF));
}

static int exec_popf(struct emu *e, const struct emu_insn *in)
{
	uint32_t v;
	int rc;

	if (vm86_iopl_trap(e))
		return emu_raise_error(e, EXC_GP, 0);
	if ((rc = emu_pop(e, in->opsize, &v)) != 0)
		return rc;
	e->eflags = emu_popped_flags(e, v, in->opsize, false);
	return EMU_NEXT;
}

/* ---- ENTER and LEAVE --------------------------------------------------------------- */

/* ENTER size, level: push (E)BP, copy level - 1 frame pointers from the
 * enclosing frame, push the new frame pointer, then reserve `size` bytes.
 * The processor ends by checking that the new top of stack is writable. */
static int exec_enter(struct emu *e, const struct emu_insn *in)
{
	unsigned size = in->opsize, ssize = emu_stack_size(e);
	unsigned level = (unsigned)in->op[1].value & 31;
	uint32_t sp = e->gpr[R_SP], bp = e->gpr[R_BP], frame, v, top;
	int rc;

	if ((rc = emu_push(e, size, bp)) != 0)
		goto undo;
	frame = emu_get_gpr(e, R_SP, size);
	if (level) {
		while (--level) {
			bp -= size;
			if ((rc = emu_read_val(e, SEG_SS, bp & emu_size_mask(ssize), size, &v)) != 0 ||
			    (rc = emu_push(e, size, v)) != 0)
				goto undo;
		}
		if ((rc = emu_push(e, size, frame)) != 0)
			goto undo;
	}
	top = (stack_pointer(e) - ((uint32_t)in->op[0].value & 0xffff)) & emu_size_mask(ssize);
	if ((rc = emu_read_val(e, SEG_SS, top, size, &v)) != 0)
		goto undo;
	set_stack_pointer(e, top);
	emu_set_gpr(e, R_BP, size, frame);
	return EMU_NEXT;
undo:
	e->gpr[R_SP] = sp;
	return rc;
}

/* LEAVE: (E)SP = (E)BP, then pop (E)BP. */
static int exec_leave(struct emu *e, const struct emu_insn *in)
{
	unsigned ssize = emu_stack_size(e);
	uint32_t top = emu_get_gpr(e, R_BP, ssize), v;
	int rc;

	if ((rc = emu_read_val(e, SEG_SS, top, in->opsize, &v)) != 0)
		return rc;
	set_stack_pointer(e, top + in->opsize);
	emu_set_gpr(e, R_BP, in->opsize, v);
	return EMU_NEXT;
}

const struct emu_op_entry emu_ops_stack[] = {
	{ X86_INS_PUSH, exec_push }, { X86_INS_POP, exec_pop },
	{ X86_INS_PUSHAW, exec_pusha }, { X86_INS_PUSHAL, exec_pusha },
	{ X86_INS_POPAW, exec_popa }, { X86_INS_POPAL, exec_popa },
	{ X86_INS_PUSHF, exec_pushf }, { X86_INS_PUSHFD, exec_pushf },
	{ X86_INS_POPF, exec_popf }, { X86_INS_POPFD, exec_popf },
	{ X86_INS_ENTER, exec_enter }, { X86_INS_LEAVE, exec_leave },
	{ 0, NULL }
};

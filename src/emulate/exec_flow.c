/*
 * libvcpu emulator - control transfer: Jcc, JMP and CALL (relative, near
 * indirect, far direct and indirect), RET and RETF, LOOP/LOOPE/LOOPNE,
 * JCXZ/JECXZ, INT n, INT3, INTO, IRET and BOUND.
 *
 * A branch sets next_eip (the loop retires it); a target past CS's limit
 * raises #GP(0) at the branch. Far transfers load CS real-mode style (or
 * virtual-8086 style), or from the GDT in protected mode at CPL 0, after
 * every read that can fault and with the old CS kept, so that a fault in
 * a later push puts everything back.
 */
#include "exec.h"

#define AR_CONFORMING	(1u << 2)
#define AR_DPL(ar)	(((ar) >> 5) & 3)

static bool protected_mode(const struct emu *e)
{
	return !emu_real(e) && !emu_vm86(e);
}

/* Move (E)SP up by `bytes`, in the stack's size. */
static void stack_release(struct emu *e, uint32_t bytes)
{
	emu_set_gpr(e, R_SP, emu_stack_size(e), e->gpr[R_SP] + bytes);
}

/* ---- near transfers -------------------------------------------------------------- */

/* Jump to `target` in CS, truncated to the operand size. */
static int near_branch(struct emu *e, uint32_t target, unsigned opsize)
{
	target &= emu_size_mask(opsize);
	if (target > e->seg[SEG_CS].limit)
		return emu_raise_error(e, EXC_GP, 0);
	e->next_eip = target;
	return EMU_NEXT;
}

static int relative_branch(struct emu *e, const struct emu_insn *in)
{
	return near_branch(e, e->next_eip + (uint32_t)in->rel, in->opsize);
}

static int exec_jcc(struct emu *e, const struct emu_insn *in)
{
	/* 70-7F and 0F 80-8F: the condition is in the opcode's low bits. */
	return emu_condition(e, in->opcode & 15) ? relative_branch(e, in) : EMU_NEXT;
}

/* The target of JMP or CALL: relative, or a register or memory operand. */
static int near_target(struct emu *e, const struct emu_insn *in, uint32_t *target)
{
	if (in->op[0].kind == OPK_IMM) {
		*target = e->next_eip + (uint32_t)in->rel;
		return EMU_NEXT;
	}
	return emu_op_read(e, in, &in->op[0], target);
}

static int near_call(struct emu *e, const struct emu_insn *in, uint32_t target)
{
	uint32_t ret = e->next_eip;
	int rc;

	/* The target is checked before anything is pushed. */
	if ((rc = near_branch(e, target, in->opsize)) != 0)
		return rc;
	return emu_push(e, in->opsize, ret);
}

enum loop_kind { LOOP_ALWAYS, LOOP_WHILE_ZF, LOOP_WHILE_NZ };

/* LOOP, LOOPE, LOOPNE: (E)CX by the address size, decremented only if
 * the branch (when taken) does not fault. */
static int loop(struct emu *e, const struct emu_insn *in, enum loop_kind kind)
{
	uint32_t count = (emu_get_gpr(e, R_CX, in->adsize) - 1) & emu_size_mask(in->adsize);
	bool zf = (e->eflags & F_ZF) != 0;
	int rc = EMU_NEXT;

	if (count && (kind == LOOP_ALWAYS || zf == (kind == LOOP_WHILE_ZF)))
		rc = relative_branch(e, in);
	if (rc == EMU_NEXT)
		emu_set_gpr(e, R_CX, in->adsize, count);
	return rc;
}

static int exec_loop(struct emu *e, const struct emu_insn *in) { return loop(e, in, LOOP_ALWAYS); }
static int exec_loope(struct emu *e, const struct emu_insn *in) { return loop(e, in, LOOP_WHILE_ZF); }
static int exec_loopne(struct emu *e, const struct emu_insn *in) { return loop(e, in, LOOP_WHILE_NZ); }

static int exec_jcxz(struct emu *e, const struct emu_insn *in)
{
	return emu_get_gpr(e, R_CX, in->adsize) ? EMU_NEXT : relative_branch(e, in);
}

/* ---- far transfers ------------------------------------------------------------------ */

/* CPL 0 may reach a code segment of DPL 0 only, and a nonconforming one
 * through a selector of RPL 0. */
static bool code_privilege_ok(const struct emu *e, uint16_t selector)
{
	uint32_t ar = e->seg[SEG_CS].ar;

	return AR_DPL(ar) == 0 && ((ar & AR_CONFORMING) || (selector & 3) == 0);
}

/* Load CS for a far transfer; *old keeps CS as it was, for the caller
 * to put back if a later step faults. Protected mode: the descriptor and
 * privilege checks, and CS's RPL set to the CPL, 0. */
static int load_far_cs(struct emu *e, uint16_t selector, struct emu_segment *old)
{
	int rc;

	*old = e->seg[SEG_CS];
	if ((rc = emu_load_segment(e, SEG_CS, selector)) != 0)
		return rc;
	if (protected_mode(e)) {
		if (!code_privilege_ok(e, selector)) {
			e->seg[SEG_CS] = *old;
			return emu_raise_error(e, EXC_GP, selector & ~3u);
		}
		e->seg[SEG_CS].selector = (uint16_t)(selector & ~3u);
	}
	return EMU_NEXT;
}

/* EIP = offset, truncated to the operand size, within the new CS's
 * limit; else #GP(0) with the old CS put back. */
static int far_offset(struct emu *e, uint32_t offset, unsigned opsize, const struct emu_segment *old)
{
	offset &= emu_size_mask(opsize);
	if (offset > e->seg[SEG_CS].limit) {
		e->seg[SEG_CS] = *old;
		return emu_raise_error(e, EXC_GP, 0);
	}
	e->next_eip = offset;
	return EMU_NEXT;
}

/* Far JMP and RET/IRET: CS, then EIP. */
static int load_far_target(struct emu *e, uint16_t selector, uint32_t offset, unsigned opsize)
{
	struct emu_segment old;
	int rc = load_far_cs(e, selector, &old);

	return rc ? rc : far_offset(e, offset, opsize, &old);
}

/* A far JMP or CALL to a call gate, task gate or TSS (S = 0) goes
 * through the gate or switches tasks: beyond this emulator. Other bad
 * selectors are left to emu_load_segment, which faults as the processor. */
static int check_not_gate(struct emu *e, uint16_t selector)
{
	uint32_t index = selector & ~7u;
	uint8_t access;
	int rc;

	if (!protected_mode(e) || (selector & 4) || !index || index + 7 > e->gdtr_limit)
		return EMU_NEXT;
	if ((rc = emu_linear_read(e, e->gdtr_base + index + 5, &access, 1)) < 0)
		return rc;
	if (!(access & 0x10))
		return emu_fail(e, VCPU_EUNIMPLEMENTED, "far JMP or CALL to a gate or TSS (selector 0x%04x)",
				selector);
	return EMU_NEXT;
}

static int far_jump(struct emu *e, uint16_t selector, uint32_t offset, unsigned opsize)
{
	int rc = check_not_gate(e, selector);

	return rc ? rc : load_far_target(e, selector, offset, opsize);
}

/* A far CALL checks the new CS, then the room for CS and the return
 * offset (pushed in the operand size), then the new EIP: a fault in the
 * last two puts CS and SP back. */
static int far_call(struct emu *e, uint16_t selector, uint32_t offset, unsigned opsize)
{
	uint32_t sp = e->gpr[R_SP], ret = e->next_eip;
	struct emu_segment old;
	int rc;

	if ((rc = check_not_gate(e, selector)) != 0 || (rc = load_far_cs(e, selector, &old)) != 0)
		return rc;
	if ((rc = emu_push(e, opsize, old.selector)) != 0 || (rc = emu_push(e, opsize, ret)) != 0) {
		e->seg[SEG_CS] = old;
		e->gpr[R_SP] = sp;
		return rc;
	}
	if ((rc = far_offset(e, offset, opsize, &old)) != 0)
		e->gpr[R_SP] = sp;
	return rc;
}

/* EA and 9A: the pointer is in the instruction (op[0] the selector). */
static int direct_far(struct emu *e, const struct emu_insn *in, bool call)
{
	uint16_t selector = (uint16_t)in->op[0].value;
	uint32_t offset = (uint32_t)in->op[1].value;

	return call ? far_call(e, selector, offset, in->opsize) : far_jump(e, selector, offset, in->opsize);
}

/* FF /5 and FF /3: the pointer in memory, offset then selector. A
 * register operand is not a pointer: #UD. */
static int indirect_far(struct emu *e, const struct emu_insn *in, bool call)
{
	const struct emu_operand *op = &in->op[0];
	uint32_t offset, at, selector;
	int rc;

	if (op->kind != OPK_MEM)
		return emu_raise(e, EXC_UD);
	at = emu_effective_offset(e, in, op);
	if ((rc = emu_read_val(e, op->seg, at, in->opsize, &offset)) != 0 ||
	    (rc = emu_read_val(e, op->seg, at + in->opsize, 2, &selector)) != 0)
		return rc;
	return call ? far_call(e, (uint16_t)selector, offset, in->opsize)
		    : far_jump(e, (uint16_t)selector, offset, in->opsize);
}

static int exec_jmp(struct emu *e, const struct emu_insn *in)
{
	uint32_t target;
	int rc = near_target(e, in, &target);

	return rc ? rc : near_branch(e, target, in->opsize);
}

static int exec_call(struct emu *e, const struct emu_insn *in)
{
	uint32_t target;
	int rc = near_target(e, in, &target);

	return rc ? rc : near_call(e, in, target);
}

static int exec_ljmp(struct emu *e, const struct emu_insn *in)
{
	return in->op[0].kind == OPK_IMM ? direct_far(e, in, false) : indirect_far(e, in, false);
}

static int exec_lcall(struct emu *e, const struct emu_insn *in)
{
	return in->op[0].kind == OPK_IMM ? direct_far(e, in, true) : indirect_far(e, in, true);
}

/* ---- returns ----------------------------------------------------------------------- */

/* The immediate of RET imm16 and RETF imm16: bytes released after the pops. */
static uint32_t released(const struct emu_insn *in)
{
	return in->nops ? (uint32_t)in->op[0].value & 0xffff : 0;
}

static int exec_ret(struct emu *e, const struct emu_insn *in)
{
	uint32_t target;
	int rc;

	if ((rc = emu_peek(e, in->opsize, 0, &target)) != 0 || (rc = near_branch(e, target, in->opsize)) != 0)
		return rc;
	stack_release(e, in->opsize + released(in));
	return EMU_NEXT;
}

/* Far returns at CPL 0 go to CPL 0; one to an outer level (RPL > 0) is
 * beyond this emulator. */
static int check_return_level(struct emu *e, uint32_t selector)
{
	if (protected_mode(e) && (selector & 3))
		return emu_fail(e, VCPU_EUNIMPLEMENTED, "return to privilege level %u (selector 0x%04x)",
				selector & 3, selector & 0xffff);
	return EMU_NEXT;
}

static int exec_retf(struct emu *e, const struct emu_insn *in)
{
	uint32_t offset, selector;
	int rc;

	if ((rc = emu_peek(e, in->opsize, 0, &offset)) != 0 || (rc = emu_peek(e, in->opsize, 1, &selector)) != 0 ||
	    (rc = check_return_level(e, selector)) != 0 ||
	    (rc = load_far_target(e, (uint16_t)selector, offset, in->opsize)) != 0)
		return rc;
	stack_release(e, 2 * in->opsize + released(in));
	return EMU_NEXT;
}

/* ---- interrupts -------------------------------------------------------------------- */

/* INT n: through the IVT in real mode (the loop delivers it, returning
 * after the instruction); in virtual-8086 mode IOPL-sensitive. */
static int exec_int(struct emu *e, const struct emu_insn *in)
{
	if (emu_vm86(e) && (e->eflags & F_IOPL) != F_IOPL)
		return emu_raise_error(e, EXC_GP, 0);
	return emu_raise_soft(e, (uint8_t)in->op[0].value, EMU_EVENT_SOFT_INTERRUPT);
}

/* INT3 and INTO are not IOPL-sensitive. */
static int exec_int3(struct emu *e, const struct emu_insn *in)
{
	(void)in;
	return emu_raise_soft(e, EXC_BP, EMU_EVENT_SOFT_EXCEPTION);
}

static int exec_into(struct emu *e, const struct emu_insn *in)
{
	(void)in;
	return (e->eflags & F_OF) ? emu_raise_soft(e, EXC_OF, EMU_EVENT_SOFT_EXCEPTION) : EMU_NEXT;
}

/* IRETD at CPL 0 with VM set in the popped EFLAGS: into virtual-8086
 * mode, with ESP, SS, ES, DS, FS and GS popped too; EIP must fit the
 * 64 KiB segment CS becomes. */
static int iret_to_vm86(struct emu *e, uint32_t offset, uint32_t selector, uint32_t flags)
{
	static const uint8_t order[] = { SEG_SS, SEG_ES, SEG_DS, SEG_FS, SEG_GS };
	uint32_t v[6];
	int rc;

	for (unsigned i = 0; i < 6; i++)
		if ((rc = emu_peek(e, 4, 3 + i, &v[i])) != 0)
			return rc;
	if (offset > 0xffff)
		return emu_raise_error(e, EXC_GP, 0);
	e->eflags = (flags & 0x3f7fd5u) | F_FIXED1;
	emu_load_real_segment_raw(e, SEG_CS, (uint16_t)selector);
	for (unsigned i = 0; i < 5; i++)
		emu_load_real_segment_raw(e, order[i], (uint16_t)v[i + 1]);
	e->gpr[R_SP] = v[0];
	e->next_eip = offset;
	return EMU_NEXT;
}

static int exec_iret(struct emu *e, const struct emu_insn *in)
{
	unsigned size = in->opsize;
	uint32_t offset, selector, flags;
	int rc;

	if (emu_vm86(e) && (e->eflags & F_IOPL) != F_IOPL)
		return emu_raise_error(e, EXC_GP, 0);
	if (protected_mode(e) && (e->eflags & F_NT))
		return emu_fail(e, VCPU_EUNIMPLEMENTED, "IRET with NT set: a task switch");
	if ((rc = emu_peek(e, size, 0, &offset)) != 0 || (rc = emu_peek(e, size, 1, &selector)) != 0 ||
	    (rc = emu_peek(e, size, 2, &flags)) != 0)
		return rc;
	if (protected_mode(e) && size == 4 && (flags & F_VM))
		return iret_to_vm86(e, offset, selector, flags);
	if ((rc = check_return_level(e, selector)) != 0 ||
	    (rc = load_far_target(e, (uint16_t)selector, offset, size)) != 0)
		return rc;
	e->eflags = emu_popped_flags(e, flags, size, true);
	stack_release(e, 3 * size);
	return EMU_NEXT;
}

/* ---- BOUND ------------------------------------------------------------------------- */

/* BOUND r, m: #BR unless lower <= r <= upper, signed, the bounds one
 * memory operand of twice the register's size. */
static int exec_bound(struct emu *e, const struct emu_insn *in)
{
	const struct emu_operand *bounds = &in->op[1];
	unsigned size = in->op[0].size;
	uint8_t b[8];
	int32_t index, lower, upper;
	int rc;

	if (bounds->kind != OPK_MEM)
		return emu_raise(e, EXC_UD);
	if ((rc = emu_read(e, bounds->seg, emu_effective_offset(e, in, bounds), b, 2 * size)) != 0)
		return rc;
	if (size == 2) {
		index = (int16_t)emu_get_gpr(e, in->op[0].reg, 2);
		lower = (int16_t)(b[0] | b[1] << 8);
		upper = (int16_t)(b[2] | b[3] << 8);
	} else {
		index = (int32_t)e->gpr[in->op[0].reg];
		lower = (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
		upper = (int32_t)((uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24);
	}
	return index < lower || index > upper ? emu_raise(e, EXC_BR) : EMU_NEXT;
}

const struct emu_op_entry emu_ops_flow[] = {
	{ X86_INS_JO, exec_jcc }, { X86_INS_JNO, exec_jcc }, { X86_INS_JB, exec_jcc },
	{ X86_INS_JAE, exec_jcc }, { X86_INS_JE, exec_jcc }, { X86_INS_JNE, exec_jcc },
	{ X86_INS_JBE, exec_jcc }, { X86_INS_JA, exec_jcc }, { X86_INS_JS, exec_jcc },
	{ X86_INS_JNS, exec_jcc }, { X86_INS_JP, exec_jcc }, { X86_INS_JNP, exec_jcc },
	{ X86_INS_JL, exec_jcc }, { X86_INS_JGE, exec_jcc }, { X86_INS_JLE, exec_jcc },
	{ X86_INS_JG, exec_jcc },
	{ X86_INS_JMP, exec_jmp }, { X86_INS_CALL, exec_call },
	{ X86_INS_LJMP, exec_ljmp }, { X86_INS_LCALL, exec_lcall },
	{ X86_INS_RET, exec_ret }, { X86_INS_RETF, exec_retf },
	{ X86_INS_LOOP, exec_loop }, { X86_INS_LOOPE, exec_loope }, { X86_INS_LOOPNE, exec_loopne },
	{ X86_INS_JCXZ, exec_jcxz }, { X86_INS_JECXZ, exec_jcxz },
	{ X86_INS_INT, exec_int }, { X86_INS_INT3, exec_int3 }, { X86_INS_INTO, exec_into },
	{ X86_INS_IRET, exec_iret }, { X86_INS_IRETD, exec_iret },
	{ X86_INS_BOUND, exec_bound },
	{ 0, NULL }
};

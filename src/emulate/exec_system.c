/*
 * libvcpu emulator - system instructions: HLT, CLI, STI, MOV to and from
 * control registers (the way into protected mode and out), LMSW, SMSW,
 * CLTS, LGDT, LIDT, SGDT, SIDT, CPUID, RDTSC, WAIT. In virtual-8086 mode
 * (CPL 3) the privileged ones raise #GP(0), and CLI/STI do so with IOPL
 * below 3, for the monitor to emulate.
 */
#include "exec.h"

static bool iopl_below_3(const struct emu *e)
{
	return emu_vm86(e) && (e->eflags & F_IOPL) != F_IOPL;
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

/* CR4 bits a 386-class real-mode guest may set (VME through PCE, and
 * OSFXSR/OSXMMEXCPT); the rest are reserved here. */
#define CR4_ALLOWED 0x000006ffu

/* CR0 as the guest's write leaves it, or #GP(0) for an invalid one. */
static int write_cr0(struct emu *e, uint32_t v)
{
	const uint32_t nw = 1u << 29, cd = 1u << 30;

	if (((v & CR0_PG) && !(v & CR0_PE)) || ((v & nw) && !(v & cd)))
		return emu_raise_error(e, EXC_GP, 0);
	/* ET is fixed to 1 from the 486 on. */
	e->cr0 = v | CR0_ET;
	return EMU_NEXT;
}

int emu_mov_cr(struct emu *e, const struct emu_insn *in)
{
	const struct emu_operand *dst = &in->op[0], *src = &in->op[1];
	uint32_t v;

	if (emu_cpl(e))
		return emu_raise_error(e, EXC_GP, 0);
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

const struct emu_op_entry emu_ops_system[] = {
	{ X86_INS_HLT, exec_hlt }, { X86_INS_CLI, exec_cli }, { X86_INS_STI, exec_sti },
	{ 0, NULL }
};

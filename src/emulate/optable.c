/*
 * libvcpu emulator - from a Capstone instruction id to its exec function.
 * Used at decode time only (the decode cache keeps the answer).
 */
#include "exec.h"

static const struct emu_op_entry *const groups[] = {
	emu_ops_alu, emu_ops_move, emu_ops_flow, emu_ops_stack, emu_ops_string,
	emu_ops_muldiv, emu_ops_shift, emu_ops_bits, emu_ops_bcd, emu_ops_system, emu_ops_segment,
	emu_ops_io,
};

emu_exec_fn emu_exec_for(unsigned id)
{
	for (unsigned g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (const struct emu_op_entry *o = groups[g]; o->exec; o++)
			if (o->id == id)
				return o->exec;
	return NULL;
}

int emu_exec_ud(struct emu *e, const struct emu_insn *in)
{
	(void)in;
	return emu_raise(e, EXC_UD);
}

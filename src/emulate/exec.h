/*
 * libvcpu emulator - the exec functions, by opcode group. Each exec_*.c
 * file lists the Capstone instruction ids it executes in one table
 * (ending with { 0, NULL }); optable.c searches them when an instruction
 * is decoded, never while it runs.
 */
#ifndef LIBVCPU_EMU_EXEC_H
#define LIBVCPU_EMU_EXEC_H

#include "emu_internal.h"

struct emu_op_entry {
	uint16_t id;		/* x86_insn */
	emu_exec_fn exec;
};

extern const struct emu_op_entry emu_ops_alu[];		/* exec_alu.c */
extern const struct emu_op_entry emu_ops_move[];	/* exec_move.c */
extern const struct emu_op_entry emu_ops_flow[];	/* exec_flow.c */
extern const struct emu_op_entry emu_ops_stack[];	/* exec_stack.c */
extern const struct emu_op_entry emu_ops_string[];	/* exec_string.c */
extern const struct emu_op_entry emu_ops_muldiv[];	/* exec_muldiv.c */
extern const struct emu_op_entry emu_ops_shift[];	/* exec_shift.c */
extern const struct emu_op_entry emu_ops_bits[];	/* exec_bits.c */
extern const struct emu_op_entry emu_ops_bcd[];		/* exec_bcd.c */
extern const struct emu_op_entry emu_ops_system[];	/* exec_system.c */
extern const struct emu_op_entry emu_ops_segment[];	/* exec_segment.c */
extern const struct emu_op_entry emu_ops_io[];		/* exec_io.c */

/* MOV to or from a control register (exec_system.c). */
int emu_mov_cr(struct emu *e, const struct emu_insn *in);

/* Raise #UD: for encodings the processor rejects (LOCK where it is not
 * allowed, a register operand where memory is required). */
int emu_exec_ud(struct emu *e, const struct emu_insn *in);

#endif /* LIBVCPU_EMU_EXEC_H */

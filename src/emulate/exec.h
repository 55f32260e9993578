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

/* EFLAGS once POPF (iret false) or IRET loads `value` of `size` bytes,
 * with the bits the mode protects kept (exec_stack.c). */
uint32_t emu_popped_flags(const struct emu *e, uint32_t value, unsigned size, bool iret);

/* Raise #UD: for encodings the processor rejects (LOCK where it is not
 * allowed, a register operand where memory is required). */
int emu_exec_ud(struct emu *e, const struct emu_insn *in);

/* Port I/O (exec_io.c), shared with INS and OUTS (exec_string.c): whether
 * `size` bytes at `port` may be accessed (#GP(0) if not: the VM86 I/O
 * bitmap), and the accesses through the io callbacks (NULL: reads all
 * ones, writes dropped; a callback's error is returned). */
int emu_io_permitted(struct emu *e, uint16_t port, unsigned size);
int emu_port_in(struct emu *e, uint16_t port, unsigned size, uint32_t *v);
int emu_port_out(struct emu *e, uint16_t port, unsigned size, uint32_t v);

#endif /* LIBVCPU_EMU_EXEC_H */

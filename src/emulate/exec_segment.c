/*
 * libvcpu emulator - far pointer loads: LDS, LES (C5, C4), LSS, LFS, LGS
 * (0F B2, B4, B5). The memory operand holds the offset (the operand size:
 * 2 or 4 bytes) and then the selector; a register operand is #UD.
 */
#include "exec.h"

/* The pointer is read in one access (the limit check covers all of it),
 * the segment register loaded (which may fault in protected mode), and
 * only then the general register written: a fault leaves both as they
 * were. */
static int load_far_pointer(struct emu *e, const struct emu_insn *in, unsigned seg)
{
	const struct emu_operand *src = &in->op[1];
	unsigned size = in->opsize;
	uint8_t b[6];
	uint32_t offset = 0;
	int rc;

	if ((in->prefixes & PFX_LOCK) || src->kind != OPK_MEM || in->op[0].kind != OPK_REG)
		return emu_raise(e, EXC_UD);
	if ((rc = emu_read(e, src->seg, emu_effective_offset(e, in, src), b, size + 2)) != 0)
		return rc;
	for (unsigned i = 0; i < size; i++)
		offset |= (uint32_t)b[i] << (8 * i);
	if ((rc = emu_load_segment(e, seg, (uint16_t)(b[size] | b[size + 1] << 8))) != 0)
		return rc;
	/* As MOV SS: interrupts and #DB wait for the next instruction. */
	if (seg == SEG_SS)
		e->shadow_mov_ss = true;
	emu_set_gpr(e, in->op[0].reg, size, offset);
	return EMU_NEXT;
}

static int exec_lds(struct emu *e, const struct emu_insn *in) { return load_far_pointer(e, in, SEG_DS); }
static int exec_les(struct emu *e, const struct emu_insn *in) { return load_far_pointer(e, in, SEG_ES); }
static int exec_lss(struct emu *e, const struct emu_insn *in) { return load_far_pointer(e, in, SEG_SS); }
static int exec_lfs(struct emu *e, const struct emu_insn *in) { return load_far_pointer(e, in, SEG_FS); }
static int exec_lgs(struct emu *e, const struct emu_insn *in) { return load_far_pointer(e, in, SEG_GS); }

const struct emu_op_entry emu_ops_segment[] = {
	{ X86_INS_LDS, exec_lds }, { X86_INS_LES, exec_les }, { X86_INS_LSS, exec_lss },
	{ X86_INS_LFS, exec_lfs }, { X86_INS_LGS, exec_lgs },
	{ 0, NULL }
};

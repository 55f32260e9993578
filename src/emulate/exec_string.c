/*
 * libvcpu emulator - string instructions: MOVS, CMPS, SCAS, LODS, STOS,
 * INS and OUTS, with REP (F3; F2 acts as REP too except on CMPS and SCAS),
 * REPE (F3) and REPNE (F2).
 *
 * The address size picks SI, DI and CX (16 bits: they wrap at 64 KiB and
 * only their low halves change) or ESI, EDI and ECX; DF the direction.
 * The source (DS:SI) takes a segment override, the destination is always
 * ES:DI. REP with a count of 0 does nothing (the I/O permission check of
 * INS and OUTS still happens first).
 *
 * A REP runs to its end in one call, except that it stops between two
 * iterations, with EIP still at the instruction, where the processor
 * would: with TF set (a single-step trap after each iteration) and, for a
 * very long one, after REP_CHUNK iterations (as if an interrupt had come;
 * running the instruction again resumes it). A fault in an iteration
 * leaves SI, DI and CX as the iterations before it left them.
 */
#include "exec.h"

#define REP_CHUNK 65536

enum string_kind {
	STRING_PLAIN,		/* MOVS, LODS, STOS */
	STRING_COMPARE,		/* CMPS, SCAS: REPE and REPNE look at ZF */
	STRING_PORT,		/* INS, OUTS: the I/O permission check first */
};

typedef int (*iteration_fn)(struct emu *e, const struct emu_insn *in, unsigned size);

/* The even opcodes (6C, 6E, A4, A6, AA, AC, AE) work on bytes. */
static unsigned element_size(const struct emu_insn *in)
{
	return (in->opcode & 1) ? in->opsize : 1;
}

static unsigned source_segment(const struct emu_insn *in)
{
	return in->seg == SEG_NONE ? SEG_DS : in->seg;
}

/* SI, DI or CX as the address size says. */
static uint32_t index_reg(const struct emu *e, const struct emu_insn *in, unsigned reg)
{
	return emu_get_gpr(e, reg, in->adsize);
}

/* SI or DI one element on, in DF's direction. */
static void advance(struct emu *e, const struct emu_insn *in, unsigned reg, unsigned size)
{
	uint32_t v = index_reg(e, in, reg);

	emu_set_gpr(e, reg, in->adsize, (e->eflags & F_DF) ? v - size : v + size);
}

static int read_source(struct emu *e, const struct emu_insn *in, unsigned size, uint32_t *v)
{
	return emu_read_val(e, source_segment(in), index_reg(e, in, R_SI), size, v);
}

static int read_destination(struct emu *e, const struct emu_insn *in, unsigned size, uint32_t *v)
{
	return emu_read_val(e, SEG_ES, index_reg(e, in, R_DI), size, v);
}

static int write_destination(struct emu *e, const struct emu_insn *in, unsigned size, uint32_t v)
{
	return emu_write_val(e, SEG_ES, index_reg(e, in, R_DI), size, v);
}

/* ---- one iteration of each ----------------------------------------------------- */

static int movs_once(struct emu *e, const struct emu_insn *in, unsigned size)
{
	uint32_t v;
	int rc;

	if ((rc = read_source(e, in, size, &v)) != 0 || (rc = write_destination(e, in, size, v)) != 0)
		return rc;
	advance(e, in, R_SI, size);
	advance(e, in, R_DI, size);
	return EMU_NEXT;
}

/* CMPS: flags of [SI] - ES:[DI]. */
static int cmps_once(struct emu *e, const struct emu_insn *in, unsigned size)
{
	uint32_t a, b;
	int rc;

	if ((rc = read_source(e, in, size, &a)) != 0 || (rc = read_destination(e, in, size, &b)) != 0)
		return rc;
	emu_flags_sub(e, a, b, 0, size);
	advance(e, in, R_SI, size);
	advance(e, in, R_DI, size);
	return EMU_NEXT;
}

/* SCAS: flags of AL/AX/EAX - ES:[DI]. */
static int scas_once(struct emu *e, const struct emu_insn *in, unsigned size)
{
	uint32_t v;
	int rc;

	if ((rc = read_destination(e, in, size, &v)) != 0)
		return rc;
	emu_flags_sub(e, emu_get_gpr(e, R_AX, size), v, 0, size);
	advance(e, in, R_DI, size);
	return EMU_NEXT;
}

static int lods_once(struct emu *e, const struct emu_insn *in, unsigned size)
{
	uint32_t v;
	int rc;

	if ((rc = read_source(e, in, size, &v)) != 0)
		return rc;
	emu_set_gpr(e, R_AX, size, v);
	advance(e, in, R_SI, size);
	return EMU_NEXT;
}

static int stos_once(struct emu *e, const struct emu_insn *in, unsigned size)
{
	int rc = write_destination(e, in, size, emu_get_gpr(e, R_AX, size));

	if (rc)
		return rc;
	advance(e, in, R_DI, size);
	return EMU_NEXT;
}

/* INS: the destination is checked before the port is read, so that a
 * fault does not lose what the device handed over. */
static int ins_once(struct emu *e, const struct emu_insn *in, unsigned size)
{
	uint32_t v;
	int rc;

	if ((rc = emu_check_write(e, SEG_ES, index_reg(e, in, R_DI), size)) != 0 ||
	    (rc = emu_port_in(e, (uint16_t)e->gpr[R_DX], size, &v)) != 0 ||
	    (rc = write_destination(e, in, size, v)) != 0)
		return rc;
	advance(e, in, R_DI, size);
	return EMU_NEXT;
}

static int outs_once(struct emu *e, const struct emu_insn *in, unsigned size)
{
	uint32_t v;
	int rc;

	if ((rc = read_source(e, in, size, &v)) != 0 ||
	    (rc = emu_port_out(e, (uint16_t)e->gpr[R_DX], size, v)) != 0)
		return rc;
	advance(e, in, R_SI, size);
	return EMU_NEXT;
}

/* ---- REP MOVS and REP STOS in one go --------------------------------------------------- */

/* The lowest offset and the length of `count` elements from `index` in
 * DF's direction, if they neither wrap nor leave the fast path. */
static uint8_t *bulk_range(struct emu *e, const struct emu_insn *in, unsigned seg, uint32_t index,
			   uint32_t bytes, unsigned size)
{
	uint32_t low = (e->eflags & F_DF) ? index - (bytes - size) : index;
	uint32_t top = in->adsize == 2 ? 0xffffu : 0xffffffffu;

	if (low > index + size - 1 || low + bytes - 1 > top || low + bytes - 1 < low)
		return NULL;
	return emu_fast_ptr(e, seg, low, bytes);
}

/* A whole REP MOVS or REP STOS where nothing can fault and no cached code
 * is overwritten: copied element by element (as the processor does, so
 * overlapping forward copies repeat a pattern), the registers set once.
 * Returns false to take the iteration-by-iteration path instead. */
static bool bulk(struct emu *e, const struct emu_insn *in, unsigned size, bool movs)
{
	uint32_t count = index_reg(e, in, R_CX), bytes, di = index_reg(e, in, R_DI), si = index_reg(e, in, R_SI);
	uint8_t *dst, *src = NULL;
	int step = (e->eflags & F_DF) ? -(int)size : (int)size;

	if (!count || count > REP_CHUNK || (e->eflags & F_TF))
		return false;
	bytes = count * size;
	dst = bulk_range(e, in, SEG_ES, di, bytes, size);
	if (!dst || (movs && !(src = bulk_range(e, in, source_segment(in), si, bytes, size))))
		return false;
	emu_note_write_range(e, (uint64_t)(dst - e->ram), bytes);
	/* Both pointers at the first element, walking in DF's direction. */
	if (step < 0) {
		dst += bytes - size;
		src = src ? src + bytes - size : NULL;
	}
	/* Apart, the elements cannot see each other's writes: one copy. */
	if (movs && (dst + bytes <= src || src + bytes <= dst) && step > 0) {
		memcpy(dst, src, bytes);
		count = 0;
	}
	for (uint32_t i = 0; i < count; i++, dst += step) {
		if (movs) {
			memmove(dst, src, size);
			src += step;
		} else {
			uint32_t v = emu_get_gpr(e, R_AX, size);

			memcpy(dst, &v, size);
		}
	}
	count = bytes / size;
	if (movs)
		emu_set_gpr(e, R_SI, in->adsize, si + (uint32_t)step * count);
	emu_set_gpr(e, R_DI, in->adsize, di + (uint32_t)step * count);
	emu_set_gpr(e, R_CX, in->adsize, 0);
	return true;
}

/* ---- the repeat loop ---------------------------------------------------------------- */

/* REPE (F3) stops at a difference, REPNE (F2) at equality. */
static bool compare_ends(const struct emu *e, const struct emu_insn *in)
{
	bool equal = (e->eflags & F_ZF) != 0;

	return (in->prefixes & PFX_REPNE) ? equal : !equal;
}

static int run(struct emu *e, const struct emu_insn *in, iteration_fn once, enum string_kind kind)
{
	unsigned size = element_size(in);
	uint32_t count;
	int rc;

	if (in->prefixes & PFX_LOCK)
		return emu_raise(e, EXC_UD);
	if (kind == STRING_PORT && (rc = emu_io_permitted(e, (uint16_t)e->gpr[R_DX], size)) != 0)
		return rc;
	if (!(in->prefixes & (PFX_REP | PFX_REPNE)))
		return once(e, in, size);
	for (unsigned n = 1; (count = index_reg(e, in, R_CX)) != 0; n++) {
		if ((rc = once(e, in, size)) != 0)
			return rc;
		emu_set_gpr(e, R_CX, in->adsize, --count);
		if (!count || (kind == STRING_COMPARE && compare_ends(e, in)))
			break;
		if ((e->eflags & F_TF) || n == REP_CHUNK) {
			e->next_eip = e->eip;	/* more to do: run it again */
			break;
		}
	}
	return EMU_NEXT;
}

static int exec_movs(struct emu *e, const struct emu_insn *in)
{
	/* Capstone names SSE2's MOVSD (F2 0F 10) as the string's: refuse it. */
	if (in->opcode != 0xa4 && in->opcode != 0xa5)
		return emu_fail(e, VCPU_EUNIMPLEMENTED, "SSE instructions are not emulated");
	if ((in->prefixes & (PFX_REP | PFX_REPNE)) && !(in->prefixes & PFX_LOCK) && bulk(e, in, element_size(in), true))
		return EMU_NEXT;
	return run(e, in, movs_once, STRING_PLAIN);
}

static int exec_cmps(struct emu *e, const struct emu_insn *in)
{
	/* The same for SSE2's CMPSD (F2 0F C2). */
	if (in->opcode != 0xa6 && in->opcode != 0xa7)
		return emu_fail(e, VCPU_EUNIMPLEMENTED, "SSE instructions are not emulated");
	return run(e, in, cmps_once, STRING_COMPARE);
}

static int exec_scas(struct emu *e, const struct emu_insn *in) { return run(e, in, scas_once, STRING_COMPARE); }
static int exec_lods(struct emu *e, const struct emu_insn *in) { return run(e, in, lods_once, STRING_PLAIN); }
static int exec_stos(struct emu *e, const struct emu_insn *in)
{
	if ((in->prefixes & (PFX_REP | PFX_REPNE)) && !(in->prefixes & PFX_LOCK) && bulk(e, in, element_size(in), false))
		return EMU_NEXT;
	return run(e, in, stos_once, STRING_PLAIN);
}
static int exec_ins(struct emu *e, const struct emu_insn *in) { return run(e, in, ins_once, STRING_PORT); }
static int exec_outs(struct emu *e, const struct emu_insn *in) { return run(e, in, outs_once, STRING_PORT); }

const struct emu_op_entry emu_ops_string[] = {
	{ X86_INS_MOVSB, exec_movs }, { X86_INS_MOVSW, exec_movs }, { X86_INS_MOVSD, exec_movs },
	{ X86_INS_CMPSB, exec_cmps }, { X86_INS_CMPSW, exec_cmps }, { X86_INS_CMPSD, exec_cmps },
	{ X86_INS_SCASB, exec_scas }, { X86_INS_SCASW, exec_scas }, { X86_INS_SCASD, exec_scas },
	{ X86_INS_LODSB, exec_lods }, { X86_INS_LODSW, exec_lods }, { X86_INS_LODSD, exec_lods },
	{ X86_INS_STOSB, exec_stos }, { X86_INS_STOSW, exec_stos }, { X86_INS_STOSD, exec_stos },
	{ X86_INS_INSB, exec_ins }, { X86_INS_INSW, exec_ins }, { X86_INS_INSD, exec_ins },
	{ X86_INS_OUTSB, exec_outs }, { X86_INS_OUTSW, exec_outs }, { X86_INS_OUTSD, exec_outs },
	{ 0, NULL }
};

/*
 * libvcpu emulator - what its files share.
 *
 * One instruction goes: fetch and decode (decode.c: Capstone, once per
 * linear address, into a struct emu_insn in the decode cache) -> intercept
 * check -> the instruction's exec function (exec_*.c, found through
 * optable.c by Capstone instruction id) -> retire (RIP = next_ip) or, if
 * it raised an exception, delivery (exception.c) with RIP still at the
 * instruction. Exec functions change state only once nothing can fault
 * any more, so a faulting instruction leaves the state it found.
 *
 * Return convention of exec functions and the helpers they call:
 *   EMU_NEXT (0)  done: retire
 *   EMU_FAULT     an exception was raised (emu_raise); nothing retired
 *   EMU_HALTED    HLT executed (retire, then stop)
 *   < 0           a VCPU_E* error; emulation stops with emu->detail set
 */
#ifndef LIBVCPU_EMU_INTERNAL_H
#define LIBVCPU_EMU_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <capstone/capstone.h>

#include "libvcpu/emulate.h"

#define EMU_NEXT	0
#define EMU_FAULT	1
#define EMU_HALTED	2

/* Segment registers in the SDM's numbering (as in the VMCS and ModRM). */
enum emu_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, EMU_NR_SEGS, SEG_NONE = 7 };

/* General registers in the SDM's numbering: AX CX DX BX SP BP SI DI. */
enum emu_gpr { R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI, EMU_NR_GPRS, R_NONE = 15 };

/* EFLAGS bits. */
#define F_CF	(1u << 0)
#define F_PF	(1u << 2)
#define F_AF	(1u << 4)
#define F_ZF	(1u << 6)
#define F_SF	(1u << 7)
#define F_TF	(1u << 8)
#define F_IF	(1u << 9)
#define F_DF	(1u << 10)
#define F_OF	(1u << 11)
#define F_IOPL	(3u << 12)
#define F_NT	(1u << 14)
#define F_RF	(1u << 16)
#define F_VM	(1u << 17)
#define F_AC	(1u << 18)
#define F_ID	(1u << 21)
#define F_ARITH	(F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
#define F_FIXED1 (1u << 1)

#define CR0_PE	(1u << 0)
#define CR0_MP	(1u << 1)
#define CR0_EM	(1u << 2)
#define CR0_TS	(1u << 3)
#define CR0_ET	(1u << 4)
#define CR0_PG	(1u << 31)
#define CR4_TSD	(1u << 2)

/* Exception vectors. */
enum {
	EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5, EXC_UD = 6,
	EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13,
};

struct emu_segment {
	uint32_t base;
	uint32_t limit;			/* byte granular, as VMX keeps it */
	uint32_t ar;			/* VMX access rights (type, S, DPL, P, D/B, G) */
	uint16_t selector;
};

/* ---- decoded instructions ------------------------------------------------ */

enum emu_opkind {
	OPK_NONE,
	OPK_REG,		/* general register: reg = number; size 1 uses AL..BH */
	OPK_SREG,		/* segment register: reg = enum emu_seg */
	OPK_CREG,		/* control register: reg = 0, 2, 3, 4 */
	OPK_MEM,		/* seg:[base + index * scale + disp] */
	OPK_IMM,		/* value (sign-extended as encoded) */
};

struct emu_operand {
	uint8_t kind;		/* enum emu_opkind */
	uint8_t size;		/* bytes: 1, 2, 4 (6: a far pointer or a table descriptor) */
	uint8_t reg;		/* REG/SREG/CREG: its number */
	uint8_t seg;		/* MEM: the segment, override applied */
	uint8_t base;		/* MEM: enum emu_gpr or R_NONE */
	uint8_t index;		/* MEM: enum emu_gpr or R_NONE */
	uint8_t scale;		/* MEM: 1, 2, 4, 8 */
	uint8_t pad;
	int32_t value;		/* MEM: displacement; IMM: the immediate */
};

struct emu_insn;
typedef int (*emu_exec_fn)(struct emu *e, const struct emu_insn *in);

/* Prefix flags. */
#define PFX_REP		(1u << 0)	/* F3 */
#define PFX_REPNE	(1u << 1)	/* F2 */
#define PFX_LOCK	(1u << 2)	/* F0 */
#define PFX_SEG		(1u << 3)	/* a segment override is present */

struct emu_insn {
	emu_exec_fn exec;
	uint32_t linear;	/* cache tag: where it was decoded */
	uint32_t gen;		/* cache generation it belongs to */
	uint8_t mode;		/* cache tag: 16- or 32-bit code (2 or 4) */
	uint8_t len;
	uint8_t opsize;		/* 2 or 4 (1 is carried by the operands) */
	uint8_t adsize;		/* 2 or 4 */
	uint8_t prefixes;	/* PFX_* */
	uint8_t seg;		/* the override, else SEG_NONE */
	uint8_t opcode;		/* the opcode byte (the second for 0F xx) */
	uint8_t modrm;
	uint8_t nops;
	uint8_t intercept;	/* EMU_INTERCEPT_* class of this instruction */
	uint16_t id;		/* Capstone instruction id (x86_insn) */
	int32_t rel;		/* relative branches: the displacement */
	struct emu_operand op[3];
};

/* ---- the emulator ----------------------------------------------------------- */

struct emu {
	/* Architectural state. */
	uint32_t gpr[EMU_NR_GPRS];
	uint32_t eip;
	uint32_t eflags;
	struct emu_segment seg[EMU_NR_SEGS];
	struct emu_segment ldtr, tr;	/* kept for the caller, unused here */
	uint32_t cr0, cr2, cr3, cr4;
	uint32_t gdtr_base, idtr_base;
	uint16_t gdtr_limit, idtr_limit;
	uint32_t a20_mask;		/* ~0, or ~(1 << 20) with the gate off */
	bool shadow_sti;		/* interrupts blocked for one instruction */
	bool shadow_mov_ss;		/* interrupts and #DB blocked: MOV/POP SS */

	/* The instruction being executed. */
	uint32_t next_eip;
	bool fault_pending;
	uint8_t fault_vector;
	bool fault_has_error;
	uint32_t fault_error;
	uint8_t fault_software;		/* EMU_EVENT_*: the soft ones return past it */

	const uint8_t *vm86_io_bitmap;	/* NULL: all ports trap in VM86 */

	/* What stops emulation. */
	unsigned intercepts;
	uint32_t exception_bitmap;
	struct emu_stop *stop;		/* filled by helpers that stop */

	/* Memory. */
	const struct emu_ops *ops;
	void *opaque;
	uint8_t *ram;
	uint64_t ram_size;

	/* Decode cache: entries, and a bitmap of the 256-byte granules of
	 * physical memory (below code_map_limit) that hold cached code. */
	struct emu_insn *cache;
	unsigned cache_mask;
	uint32_t gen;
	uint8_t *code_map;
	uint64_t code_map_limit;
	bool code_map_dirty;
	csh capstone;
	cs_insn *cs_insn;

	struct emu_stats stats;
	char detail[160];
};

/* emu.c */
int emu_fail(struct emu *e, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- registers ------------------------------------------------------------- */

static inline bool emu_code32(const struct emu *e)
{
	return (e->cr0 & CR0_PE) && !(e->eflags & F_VM) && (e->seg[SEG_CS].ar & (1u << 14));
}

static inline bool emu_vm86(const struct emu *e)
{
	return (e->eflags & F_VM) != 0;
}

static inline bool emu_real(const struct emu *e)
{
	return !(e->cr0 & CR0_PE);
}

/* Privilege level: 0 in real and (here) protected mode, 3 in VM86. */
static inline unsigned emu_cpl(const struct emu *e)
{
	return emu_vm86(e) ? 3 : 0;
}

static inline uint32_t emu_size_mask(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

/* A register of `size` bytes; size 1 numbers AL CL DL BL AH CH DH BH. */
static inline uint32_t emu_get_gpr(const struct emu *e, unsigned reg, unsigned size)
{
	if (size == 1)
		return (e->gpr[reg & 3] >> ((reg & 4) << 1)) & 0xff;
	return e->gpr[reg] & emu_size_mask(size);
}

static inline void emu_set_gpr(struct emu *e, unsigned reg, unsigned size, uint32_t v)
{
	if (size == 1) {
		unsigned shift = (reg & 4) << 1;

		e->gpr[reg & 3] = (e->gpr[reg & 3] & ~(0xffu << shift)) | ((v & 0xff) << shift);
	} else if (size == 2) {
		e->gpr[reg] = (e->gpr[reg] & 0xffff0000u) | (v & 0xffff);
	} else {
		e->gpr[reg] = v;
	}
}

/* SP/ESP as the stack segment's B bit says (16 bits in real mode). */
static inline unsigned emu_stack_size(const struct emu *e)
{
	return (!emu_real(e) && !emu_vm86(e) && (e->seg[SEG_SS].ar & (1u << 14))) ? 4 : 2;
}

/* ---- memory (mem.c) ---------------------------------------------------------- */

/* Read or write `size` bytes at seg:offset with the segment's limit and
 * type checks (#GP, or #SS for SS); EMU_FAULT if they fail. */
int emu_read(struct emu *e, unsigned seg, uint32_t offset, void *buf, unsigned size);
int emu_write(struct emu *e, unsigned seg, uint32_t offset, const void *buf, unsigned size);
/* Little-endian values of 1, 2 or 4 bytes: emu_read_val and emu_write_val
 * (below, with their fast path) fall back to these. */
int emu_read_val_slow(struct emu *e, unsigned seg, uint32_t offset, unsigned size, uint32_t *v);
int emu_write_val_slow(struct emu *e, unsigned seg, uint32_t offset, unsigned size, uint32_t v);
/* The checks emu_write makes, without writing (INS: before the port is read). */
int emu_check_write(struct emu *e, unsigned seg, uint32_t offset, unsigned size);
/* The checks emu_read makes, without reading (x87 escapes with no coprocessor). */
int emu_check_read(struct emu *e, unsigned seg, uint32_t offset, unsigned size);
/* Physical access: the RAM window, else the callbacks. */
int emu_phys_read(struct emu *e, uint64_t phys, void *buf, unsigned len);
int emu_phys_write(struct emu *e, uint64_t phys, const void *buf, unsigned len);
/* Linear access without segmentation (descriptor tables, the IVT, code):
 * the address wraps at 4 GiB and each byte passes the A20 gate. */
int emu_linear_read(struct emu *e, uint32_t linear, void *buf, unsigned len);
int emu_linear_write(struct emu *e, uint32_t linear, const void *buf, unsigned len);
/* Push and pop at SS:SP with the stack's size; size 2 or 4. */
int emu_push(struct emu *e, unsigned size, uint32_t v);
int emu_pop(struct emu *e, unsigned size, uint32_t *v);
/* The value `pop` would return, `depth` slots up, without popping. */
int emu_peek(struct emu *e, unsigned size, unsigned depth, uint32_t *v);
/* Load a segment register: real/VM86 style, or from the GDT in
 * protected mode (EMU_FAULT with #GP/#SS/#NP as the processor would). */
int emu_load_segment(struct emu *e, unsigned seg, uint16_t selector);
void emu_load_real_segment_raw(struct emu *e, unsigned seg, uint16_t selector);

/* ---- exceptions (exception.c) ------------------------------------------------- */

/* Raise a fault at the current instruction; returns EMU_FAULT. */
int emu_raise(struct emu *e, unsigned vector);
int emu_raise_error(struct emu *e, unsigned vector, uint32_t error_code);
enum { EMU_EVENT_HARD, EMU_EVENT_SOFT_EXCEPTION, EMU_EVENT_SOFT_INTERRUPT };
/* INT3 and INTO (EMU_EVENT_SOFT_EXCEPTION) or INT n (_SOFT_INTERRUPT):
 * they return to the next instruction. */
int emu_raise_soft(struct emu *e, unsigned vector, unsigned kind);
/* Deliver the pending event: through the IVT in real mode, else stop for
 * the caller. return_ip is what a real-mode handler returns to; len the
 * instruction's. Returns EMU_NEXT when delivered, 1 when *stop was filled,
 * or an error. */
int emu_deliver_pending(struct emu *e, struct emu_stop *stop, unsigned len, uint32_t return_ip);
/* Deliver an interrupt through the IVT (real mode) now: far call to its
 * handler with FLAGS pushed, IF, TF and AC cleared. return_ip is pushed. */
int emu_interrupt_real(struct emu *e, unsigned vector, uint32_t return_ip);

/* ---- flags (flags.c) ------------------------------------------------------------ */

extern const uint8_t emu_parity[256];

static inline uint32_t emu_sign_bit(unsigned size)
{
	return 1u << (size * 8 - 1);
}

/* Set PF, ZF and SF from a result of `size` bytes (others untouched). */
static inline void emu_flags_szp(struct emu *e, uint32_t result, unsigned size)
{
	uint32_t r = result & emu_size_mask(size);

	e->eflags &= ~(F_PF | F_ZF | F_SF);
	e->eflags |= (emu_parity[r & 0xff] ? F_PF : 0) | (r == 0 ? F_ZF : 0) |
		     ((r & emu_sign_bit(size)) ? F_SF : 0);
}

/* All six arithmetic flags of a + b + carry and of a - b - borrow. */
static inline void emu_flags_add(struct emu *e, uint32_t a, uint32_t b, uint32_t carry, unsigned size)
{
	uint32_t mask = emu_size_mask(size), sign = emu_sign_bit(size);
	uint64_t wide = (uint64_t)(a & mask) + (b & mask) + carry;
	uint32_t r = (uint32_t)wide & mask;

	emu_flags_szp(e, r, size);
	e->eflags &= ~(F_CF | F_AF | F_OF);
	e->eflags |= (wide > mask ? F_CF : 0) | (((a ^ b ^ r) & 0x10) ? F_AF : 0) |
		     (((a ^ r) & (b ^ r) & sign) ? F_OF : 0);
}

static inline void emu_flags_sub(struct emu *e, uint32_t a, uint32_t b, uint32_t borrow, unsigned size)
{
	uint32_t mask = emu_size_mask(size), sign = emu_sign_bit(size);
	uint32_t r = (a - b - borrow) & mask;

	emu_flags_szp(e, r, size);
	e->eflags &= ~(F_CF | F_AF | F_OF);
	e->eflags |= ((uint64_t)(a & mask) < (uint64_t)(b & mask) + borrow ? F_CF : 0) |
		     (((a ^ b ^ r) & 0x10) ? F_AF : 0) | (((a ^ b) & (a ^ r) & sign) ? F_OF : 0);
}
/* Condition code cc (0-15, as in Jcc 70+cc, SETcc 0F 90+cc) on the flags. */
bool emu_condition(const struct emu *e, unsigned cc);
/* AND/OR/XOR/TEST: CF = OF = 0, AF = 0, SZP from the result. */
static inline void emu_flags_logic(struct emu *e, uint32_t result, unsigned size)
{
	emu_flags_szp(e, result, size);
	e->eflags &= ~(F_CF | F_AF | F_OF);
}

/* ---- decoding (decode.c) ------------------------------------------------------- */

/* The instruction at CS:EIP, from the cache or decoded now. Sets *out; may
 * raise #GP (fetch outside CS) and return EMU_FAULT, or return
 * VCPU_EUNIMPLEMENTED for bytes Capstone cannot decode. */
int emu_fetch_decode(struct emu *e, const struct emu_insn **out);
/* A write reached physical [phys, phys + len): forget cached code there. */
void emu_code_written(struct emu *e, uint64_t phys, unsigned len);
int emu_decode_init(struct emu *e, unsigned entries);
void emu_decode_fini(struct emu *e);

static inline void emu_note_write(struct emu *e, uint64_t phys, unsigned len)
{
	uint64_t first = phys >> 8, last = (phys + len - 1) >> 8;

	if (phys < e->code_map_limit &&
	    ((e->code_map[first >> 3] >> (first & 7)) & 1 ||
	     (last < (e->code_map_limit >> 8) && (e->code_map[last >> 3] >> (last & 7)) & 1)))
		emu_code_written(e, phys, len);
}

/* The decoded instruction at CS:EIP if the cache has it (the hot path of
 * emu_fetch_decode), else NULL. */
static inline const struct emu_insn *emu_cached_insn(const struct emu *e)
{
	const struct emu_segment *cs = &e->seg[SEG_CS];
	uint32_t linear = cs->base + e->eip;
	const struct emu_insn *slot = &e->cache[(linear ^ (linear >> 11)) & e->cache_mask];

	if (slot->gen == e->gen && slot->linear == linear && slot->mode == (emu_code32(e) ? 4 : 2) &&
	    e->eip <= cs->limit && cs->limit - e->eip >= slot->len - 1u)
		return slot;
	return NULL;
}

/* A write of any length: every granule it covers is checked. */
static inline void emu_note_write_range(struct emu *e, uint64_t phys, uint32_t len)
{
	for (uint64_t g = phys >> 8; len && g <= (phys + len - 1) >> 8 && (g << 8) < e->code_map_limit; g++) {
		if ((e->code_map[g >> 3] >> (g & 7)) & 1) {
			emu_code_written(e, phys, len);
			return;
		}
	}
}

/* optable.c: the exec function for a Capstone instruction id, or NULL. */
emu_exec_fn emu_exec_for(unsigned id);

/* ---- the hot paths, inline ------------------------------------------------------ */

/* The offset of a memory operand (address-size wrap applied). */
static inline uint32_t emu_effective_offset(const struct emu *e, const struct emu_insn *in,
					    const struct emu_operand *op)
{
	uint32_t off = (uint32_t)op->value;

	if (op->base != R_NONE)
		off += e->gpr[op->base];
	if (op->index != R_NONE)
		off += e->gpr[op->index] * op->scale;
	return in->adsize == 2 ? off & 0xffff : off;
}

/* Where seg:offset lies in the RAM window, for the common case only: real
 * or VM86 mode, A20 on, within the segment's limit and the window. NULL
 * sends the access down the checked path (which raises what it must). */
static inline uint8_t *emu_fast_ptr(struct emu *e, unsigned seg, uint32_t offset, unsigned size)
{
	const struct emu_segment *s = &e->seg[seg];
	uint64_t phys;

	if (((e->cr0 & CR0_PE) && !(e->eflags & F_VM)) || e->a20_mask != ~0u)
		return NULL;
	if (offset > s->limit || s->limit - offset < size - 1)
		return NULL;
	phys = (uint32_t)(s->base + offset);
	if (phys + size > e->ram_size)
		return NULL;
	return e->ram + phys;
}

static inline int emu_read_val(struct emu *e, unsigned seg, uint32_t offset, unsigned size, uint32_t *v)
{
	const uint8_t *p = emu_fast_ptr(e, seg, offset, size);
	uint16_t w;

	if (!p)
		return emu_read_val_slow(e, seg, offset, size, v);
	switch (size) {
	case 1: *v = p[0]; break;
	case 2: memcpy(&w, p, 2); *v = w; break;
	default: memcpy(v, p, 4); break;
	}
	return 0;
}

static inline int emu_write_val(struct emu *e, unsigned seg, uint32_t offset, unsigned size, uint32_t v)
{
	uint8_t *p = emu_fast_ptr(e, seg, offset, size);
	uint16_t w = (uint16_t)v;

	if (!p)
		return emu_write_val_slow(e, seg, offset, size, v);
	emu_note_write(e, (uint64_t)(p - e->ram), size);
	switch (size) {
	case 1: p[0] = (uint8_t)v; break;
	case 2: memcpy(p, &w, 2); break;
	default: memcpy(p, &v, 4); break;
	}
	return 0;
}

static inline int emu_op_read(struct emu *e, const struct emu_insn *in, const struct emu_operand *op, uint32_t *v)
{
	switch (op->kind) {
	case OPK_REG:
		*v = emu_get_gpr(e, op->reg, op->size);
		return 0;
	case OPK_IMM:
		*v = (uint32_t)op->value & emu_size_mask(op->size);
		return 0;
	case OPK_MEM:
		return emu_read_val(e, op->seg, emu_effective_offset(e, in, op), op->size, v);
	case OPK_SREG:
		*v = e->seg[op->reg].selector;
		return 0;
	case OPK_CREG:
		*v = op->reg == 0 ? e->cr0 : op->reg == 2 ? e->cr2 : op->reg == 3 ? e->cr3 : e->cr4;
		return 0;
	default:
		return emu_fail(e, VCPU_EUNIMPLEMENTED, "operand kind %u cannot be read", op->kind);
	}
}

static inline int emu_op_write(struct emu *e, const struct emu_insn *in, const struct emu_operand *op, uint32_t v)
{
	switch (op->kind) {
	case OPK_REG:
		emu_set_gpr(e, op->reg, op->size, v);
		return 0;
	case OPK_MEM:
		return emu_write_val(e, op->seg, emu_effective_offset(e, in, op), op->size, v);
	default:
		return emu_fail(e, VCPU_EUNIMPLEMENTED, "operand kind %u cannot be written", op->kind);
	}
}

#endif /* LIBVCPU_EMU_INTERNAL_H */

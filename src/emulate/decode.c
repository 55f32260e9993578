/*
 * libvcpu emulator - decoding with Capstone, once per linear address.
 *
 * Capstone (CS_MODE_16 or CS_MODE_32, detail on) turns the bytes at CS:EIP
 * into an instruction id and operands; this file converts them into a
 * struct emu_insn the exec functions read without Capstone, and keeps it
 * in a direct-mapped cache tagged by linear address, code size and a
 * generation. Writes to a 256-byte granule of physical memory that holds
 * cached code start a new generation: self-modifying code is decoded
 * afresh. Capstone costs hundreds of nanoseconds per instruction, so it
 * must only run on a miss.
 */
#include <stdlib.h>

#include "exec.h"

#define MAX_INSN_LEN 15
#define GRANULE_SHIFT 8

/* ---- registers: Capstone's -> ours ------------------------------------------ */

static bool map_gpr(x86_reg r, uint8_t *num, uint8_t *size)
{
	static const x86_reg r8[] = { X86_REG_AL, X86_REG_CL, X86_REG_DL, X86_REG_BL,
				      X86_REG_AH, X86_REG_CH, X86_REG_DH, X86_REG_BH };
	static const x86_reg r16[] = { X86_REG_AX, X86_REG_CX, X86_REG_DX, X86_REG_BX,
				       X86_REG_SP, X86_REG_BP, X86_REG_SI, X86_REG_DI };
	static const x86_reg r32[] = { X86_REG_EAX, X86_REG_ECX, X86_REG_EDX, X86_REG_EBX,
				       X86_REG_ESP, X86_REG_EBP, X86_REG_ESI, X86_REG_EDI };

	for (uint8_t i = 0; i < 8; i++) {
		if (r == r8[i] || r == r16[i] || r == r32[i]) {
			*num = i;
			*size = r == r8[i] ? 1 : r == r16[i] ? 2 : 4;
			return true;
		}
	}
	return false;
}

static bool map_sreg(x86_reg r, uint8_t *seg)
{
	switch (r) {
	case X86_REG_ES: *seg = SEG_ES; return true;
	case X86_REG_CS: *seg = SEG_CS; return true;
	case X86_REG_SS: *seg = SEG_SS; return true;
	case X86_REG_DS: *seg = SEG_DS; return true;
	case X86_REG_FS: *seg = SEG_FS; return true;
	case X86_REG_GS: *seg = SEG_GS; return true;
	default: return false;
	}
}

static bool map_creg(x86_reg r, uint8_t *cr)
{
	switch (r) {
	case X86_REG_CR0: *cr = 0; return true;
	case X86_REG_CR2: *cr = 2; return true;
	case X86_REG_CR3: *cr = 3; return true;
	case X86_REG_CR4: *cr = 4; return true;
	default: return false;
	}
}

static bool convert_operand(const cs_x86_op *src, struct emu_operand *dst)
{
	uint8_t size;

	memset(dst, 0, sizeof(*dst));
	dst->size = src->size;
	dst->base = dst->index = R_NONE;
	dst->seg = SEG_NONE;
	switch (src->type) {
	case X86_OP_REG:
		if (map_gpr(src->reg, &dst->reg, &size)) {
			dst->kind = OPK_REG;
			dst->size = size;
		} else if (map_sreg(src->reg, &dst->reg)) {
			dst->kind = OPK_SREG;
			dst->size = 2;
		} else if (map_creg(src->reg, &dst->reg)) {
			dst->kind = OPK_CREG;
			dst->size = 4;
		} else {
			return false;	/* x87, debug, MMX, ... registers */
		}
		return true;
	case X86_OP_IMM:
		dst->kind = OPK_IMM;
		dst->value = (int32_t)src->imm;
		return true;
	case X86_OP_MEM:
		dst->kind = OPK_MEM;
		dst->value = (int32_t)src->mem.disp;
		dst->scale = (uint8_t)(src->mem.scale ? src->mem.scale : 1);
		if (src->mem.base != X86_REG_INVALID && !map_gpr(src->mem.base, &dst->base, &size))
			return false;	/* RIP-relative and the like */
		if (src->mem.index != X86_REG_INVALID && !map_gpr(src->mem.index, &dst->index, &size))
			return false;
		if (src->mem.segment != X86_REG_INVALID && !map_sreg(src->mem.segment, &dst->seg))
			return false;
		if (dst->seg == SEG_NONE)
			dst->seg = (dst->base == R_BP || dst->base == R_SP) ? SEG_SS : SEG_DS;
		return true;
	default:
		return false;
	}
}

/* ---- what kind of instruction ------------------------------------------------ */

static uint8_t intercept_class(const struct emu_insn *in)
{
	switch (in->id) {
	case X86_INS_IN: case X86_INS_OUT:
	case X86_INS_INSB: case X86_INS_INSW: case X86_INS_INSD:
	case X86_INS_OUTSB: case X86_INS_OUTSW: case X86_INS_OUTSD:
		return EMU_INTERCEPT_IO;
	case X86_INS_HLT:
		return EMU_INTERCEPT_HLT;
	case X86_INS_CPUID:
		return EMU_INTERCEPT_CPUID;
	case X86_INS_RDTSC: case X86_INS_RDTSCP:
		return EMU_INTERCEPT_RDTSC;
	case X86_INS_LMSW: case X86_INS_CLTS:
		return EMU_INTERCEPT_CR_WRITE;
	case X86_INS_MOV:
		/* CR2 has no VM exit of its own. */
		return in->op[0].kind == OPK_CREG && in->op[0].reg != 2 ? EMU_INTERCEPT_CR_WRITE : 0;
	default:
		return 0;
	}
}

/* Relative branches: the displacement, from the instruction's last bytes
 * (Capstone gives the target, already wrapped to the code size). */
static bool relative_branch(const cs_insn *ci, struct emu_insn *in)
{
	const uint8_t *b = ci->bytes;
	uint8_t op = ci->detail->x86.opcode[0];
	unsigned width;

	if (in->nops != 1 || in->op[0].kind != OPK_IMM)
		return false;
	switch (ci->id) {
	case X86_INS_JMP: case X86_INS_CALL:
	case X86_INS_JO: case X86_INS_JNO: case X86_INS_JB: case X86_INS_JAE:
	case X86_INS_JE: case X86_INS_JNE: case X86_INS_JBE: case X86_INS_JA:
	case X86_INS_JS: case X86_INS_JNS: case X86_INS_JP: case X86_INS_JNP:
	case X86_INS_JL: case X86_INS_JGE: case X86_INS_JLE: case X86_INS_JG:
	case X86_INS_LOOP: case X86_INS_LOOPE: case X86_INS_LOOPNE:
	case X86_INS_JCXZ: case X86_INS_JECXZ:
		break;
	default:
		return false;
	}
	width = (op == 0xeb || (op >= 0x70 && op <= 0x7f) || (op >= 0xe0 && op <= 0xe3)) ? 1 : in->opsize;
	if (width == 1)
		in->rel = (int8_t)b[ci->size - 1];
	else if (width == 2)
		in->rel = (int16_t)(b[ci->size - 2] | b[ci->size - 1] << 8);
	else
		in->rel = (int32_t)((uint32_t)b[ci->size - 4] | (uint32_t)b[ci->size - 3] << 8 |
				    (uint32_t)b[ci->size - 2] << 16 | (uint32_t)b[ci->size - 1] << 24);
	return true;
}

/* Capstone keeps one of F0/F2/F3 in its detail; the bytes keep them all
 * (of F2 and F3 the last one counts). */
static uint8_t legacy_prefixes(const cs_insn *ci)
{
	uint8_t found = 0;

	for (unsigned i = 0; i < ci->size; i++) {
		switch (ci->bytes[i]) {
		case 0xf0: found |= PFX_LOCK; break;
		case 0xf2: found = (uint8_t)((found & ~PFX_REP) | PFX_REPNE); break;
		case 0xf3: found = (uint8_t)((found & ~PFX_REPNE) | PFX_REP); break;
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65: case 0x66: case 0x67:
			break;
		default:
			return found;
		}
	}
	return found;
}

/* LOCK is allowed only on these, with a memory destination (else #UD). */
static bool lockable(const struct emu_insn *in)
{
	switch (in->id) {
	case X86_INS_ADD: case X86_INS_ADC: case X86_INS_AND: case X86_INS_BTC: case X86_INS_BTR:
	case X86_INS_BTS: case X86_INS_CMPXCHG: case X86_INS_CMPXCHG8B: case X86_INS_DEC:
	case X86_INS_INC: case X86_INS_NEG: case X86_INS_NOT: case X86_INS_OR: case X86_INS_SBB:
	case X86_INS_SUB: case X86_INS_XOR: case X86_INS_XADD: case X86_INS_XCHG:
		return in->op[0].kind == OPK_MEM || (in->id == X86_INS_XCHG && in->op[1].kind == OPK_MEM);
	default:
		return false;
	}
}

/* Capstone's view -> ours. VCPU_EUNIMPLEMENTED if nothing executes it. */
static int convert(struct emu *e, const cs_insn *ci, unsigned mode, struct emu_insn *in)
{
	const cs_x86 *x = &ci->detail->x86;

	memset(in, 0, sizeof(*in));
	in->id = (uint16_t)ci->id;
	in->len = (uint8_t)ci->size;
	in->mode = (uint8_t)mode;
	in->opsize = (uint8_t)(x->prefix[2] == 0x66 ? 6 - mode : mode);
	in->adsize = (uint8_t)(x->prefix[3] == 0x67 ? 6 - mode : mode);
	in->prefixes = legacy_prefixes(ci);
	in->seg = SEG_NONE;
	if (x->prefix[1] && map_sreg(x->prefix[1] == 0x26 ? X86_REG_ES : x->prefix[1] == 0x2e ? X86_REG_CS :
				     x->prefix[1] == 0x36 ? X86_REG_SS : x->prefix[1] == 0x3e ? X86_REG_DS :
				     x->prefix[1] == 0x64 ? X86_REG_FS : X86_REG_GS, &in->seg))
		in->prefixes |= PFX_SEG;
	in->opcode = x->opcode[0] == 0x0f ? x->opcode[1] : x->opcode[0];
	in->modrm = x->modrm;
	in->nops = x->op_count > 3 ? 3 : x->op_count;
	for (unsigned i = 0; i < in->nops; i++)
		if (!convert_operand(&x->operands[i], &in->op[i]))
			in->op[i].kind = OPK_NONE;	/* exec functions that need it refuse */
	relative_branch(ci, in);
	/* AAM and AAD: Capstone leaves their base out. */
	if ((ci->id == X86_INS_AAM || ci->id == X86_INS_AAD) && ci->size == 2) {
		in->nops = 1;
		in->op[0] = (struct emu_operand){ .kind = OPK_IMM, .size = 1, .base = R_NONE,
						  .index = R_NONE, .value = ci->bytes[1] };
	}
	in->intercept = intercept_class(in);
	/* #UD for a bad LOCK comes before anything else, intercepts included. */
	if ((in->prefixes & PFX_LOCK) && !lockable(in)) {
		in->exec = emu_exec_ud;
		in->intercept = 0;
		return 0;
	}
	in->exec = emu_exec_for(ci->id);
	if (!in->exec)
		return emu_fail(e, VCPU_EUNIMPLEMENTED, "%s %s (bytes %02x %02x %02x) at %04x:%04x: not implemented",
				ci->mnemonic, ci->op_str, ci->bytes[0], ci->size > 1 ? ci->bytes[1] : 0,
				ci->size > 2 ? ci->bytes[2] : 0, e->seg[SEG_CS].selector, e->eip);
	return 0;
}

/* ---- the cache -------------------------------------------------------------------- */

static void mark_code(struct emu *e, uint64_t phys, unsigned len)
{
	for (uint64_t g = phys >> GRANULE_SHIFT; g <= (phys + len - 1) >> GRANULE_SHIFT; g++)
		e->code_map[g >> 3] |= (uint8_t)(1u << (g & 7));
	e->code_map_dirty = true;
}

void emu_code_written(struct emu *e, uint64_t phys, unsigned len)
{
	(void)phys;
	(void)len;
	/* Coarse but simple: every cached instruction goes. */
	e->gen++;
	e->stats.invalidations++;
	if (e->code_map_dirty) {
		memset(e->code_map, 0, (size_t)(e->code_map_limit >> (GRANULE_SHIFT + 3)));
		e->code_map_dirty = false;
	}
}

int emu_decode_init(struct emu *e, unsigned entries)
{
	uint64_t limit = e->ram_size > 0x110000 ? e->ram_size : 0x110000;

	if (!entries)
		entries = 4096;
	if (entries & (entries - 1))
		return VCPU_EINVAL;
	/* Code above 4 GiB or past a huge RAM window is simply not cached. */
	if (limit > (1ull << 32))
		limit = 1ull << 32;
	limit = (limit + (1u << (GRANULE_SHIFT + 3)) - 1) & ~(uint64_t)((1u << (GRANULE_SHIFT + 3)) - 1);
	e->cache = calloc(entries, sizeof(*e->cache));
	e->code_map = calloc((size_t)(limit >> (GRANULE_SHIFT + 3)), 1);
	if (!e->cache || !e->code_map)
		return VCPU_ENOMEM;
	e->cache_mask = entries - 1;
	e->code_map_limit = limit;
	e->gen = 1;		/* calloc'd entries (gen 0) are invalid */
	if (cs_open(CS_ARCH_X86, CS_MODE_16, &e->capstone) != CS_ERR_OK)
		return VCPU_EBACKEND;
	cs_option(e->capstone, CS_OPT_DETAIL, CS_OPT_ON);
	e->cs_insn = cs_malloc(e->capstone);
	return e->cs_insn ? 0 : VCPU_ENOMEM;
}

void emu_decode_fini(struct emu *e)
{
	if (e->cs_insn)
		cs_free(e->cs_insn, 1);
	if (e->capstone)
		cs_close(&e->capstone);
	free(e->cache);
	free(e->code_map);
}

/* Up to `want` bytes at CS:EIP; fewer where CS's limit ends, or where
 * memory does (*refused: the callback's error). An instruction in the
 * last bytes of RAM must still run, so a refused read is retried a byte
 * at a time; emu_fetch_decode decides whether the missing bytes mattered. */
static int fetch_bytes(struct emu *e, uint8_t *buf, unsigned want, unsigned *got, int *refused)
{
	const struct emu_segment *cs = &e->seg[SEG_CS];
	uint32_t linear = cs->base + e->eip;
	unsigned n = want, i = 0;

	*got = 0;
	*refused = 0;
	if (e->eip > cs->limit)
		return 0;
	if (cs->limit - e->eip < n - 1)
		n = cs->limit - e->eip + 1;
	if (emu_linear_read(e, linear, buf, n) == 0) {
		*got = n;
		return 0;
	}
	for (; i < n; i++)
		if ((*refused = emu_linear_read(e, linear + i, buf + i, 1)) < 0)
			break;
	*got = i;
	return i ? 0 : *refused;
}

/* Capstone decodes C4/C5 followed by a ModRM-like byte with mod = 11 as
 * a VEX prefix (it keeps the prefix bytes in opcode[]) in any mode. */
static bool vex_encoded(const cs_insn *ci)
{
	uint8_t op = ci->detail->x86.opcode[0];

	return (op == 0xc4 || op == 0xc5) && ci->id != X86_INS_LES && ci->id != X86_INS_LDS;
}

/* Capstone refused the `got` bytes that CS's limit and memory allow: an
 * instruction cut short, or no instruction at all (#UD). Cut short by the
 * limit it is #GP, by the end of memory the callback's error. The bytes
 * past `got` are never read (a processor faults before it could see
 * them): zeros stand in for them, since only whether there are more bytes
 * matters, not what they are. */
static int undecodable(struct emu *e, const uint8_t *bytes, unsigned got, int refused)
{
	uint8_t padded[MAX_INSN_LEN] = { 0 };
	const uint8_t *code = padded;
	size_t size = MAX_INSN_LEN;
	uint64_t address = e->eip;

	memcpy(padded, bytes, got);
	if (got < MAX_INSN_LEN && cs_disasm_iter(e->capstone, &code, &size, &address, e->cs_insn))
		return refused < 0 ? refused : emu_raise_error(e, EXC_GP, 0);
	return emu_raise(e, EXC_UD);
}

int emu_fetch_decode(struct emu *e, const struct emu_insn **out)
{
	unsigned mode = emu_code32(e) ? 4 : 2;
	uint32_t linear = e->seg[SEG_CS].base + e->eip;
	struct emu_insn *slot = &e->cache[(linear ^ (linear >> 11)) & e->cache_mask];
	uint8_t bytes[MAX_INSN_LEN];
	const uint8_t *code = bytes;
	size_t size;
	uint64_t address = e->eip;
	uint64_t phys = linear & e->a20_mask;
	unsigned got;
	int r, refused;

	if (slot->gen == e->gen && slot->linear == linear && slot->mode == mode &&
	    e->eip + slot->len - 1 <= e->seg[SEG_CS].limit && e->eip + slot->len - 1 >= e->eip) {
		*out = slot;
		return 0;
	}
	r = fetch_bytes(e, bytes, MAX_INSN_LEN, &got, &refused);
	if (r < 0)
		return r;
	if (!got)
		return emu_raise_error(e, EXC_GP, 0);
	cs_option(e->capstone, CS_OPT_MODE, mode == 4 ? CS_MODE_32 : CS_MODE_16);
	size = got;
	e->stats.decodes++;
	if (!cs_disasm_iter(e->capstone, &code, &size, &address, e->cs_insn))
		return undecodable(e, bytes, got, refused);
	/* Real and VM86 mode have no VEX: there C4/C5 are LES/LDS, whose
	 * register forms are #UD. */
	if ((emu_real(e) || emu_vm86(e)) && vex_encoded(e->cs_insn))
		return emu_raise(e, EXC_UD);
	r = convert(e, e->cs_insn, mode, slot);
	if (r < 0) {
		slot->gen = 0;
		return r;
	}
	slot->linear = linear;
	/* Cached only where a write to it would be seen. */
	if (phys + slot->len <= e->code_map_limit && !(e->a20_mask != ~0u && ((linear ^ (linear + slot->len - 1)) & (1u << 20)))) {
		slot->gen = e->gen;
		mark_code(e, phys, slot->len);
	} else {
		slot->gen = 0;
	}
	*out = slot;
	return 0;
}

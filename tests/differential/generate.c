/*
 * emu-diff - random real-mode instruction sequences, without an encoder:
 * pick an opcode from the allowed list, put random prefixes before it and
 * random bytes after it (ModRM, SIB, displacement, immediate), and let
 * Capstone say how long the instruction is and what it is. Keep it if its
 * instruction id is allowed; fix up the bytes whose values matter (branch
 * displacements, counts, 32-bit displacements).
 */
#include <stdlib.h>
#include <string.h>

#include <capstone/capstone.h>

#include "diff.h"

static csh cs;

/* ---- what may be generated ------------------------------------------------ */

enum op_kind {
	K_PLAIN,
	K_STRING,		/* may take REP (with a MOV ECX before it) */
	K_BRANCH8,		/* rel8 at the end */
	K_BRANCH_NEAR,		/* rel16, or rel32 with 66 */
	K_SHIFT_ONE,		/* D0, D1: by 1 */
	K_SHIFT_CL,		/* D2, D3, SHLD/SHRD ..., CL */
	K_SHIFT_IMM,		/* C0, C1, SHLD/SHRD ..., imm8 */
	K_ENTER,		/* C8 iw ib */
};

/* Opcodes: 0x00-0xff one byte, 0x1xx for 0F xx. Left out: segment
 * register loads (07 17 1F 8E, LDS/LES, far transfers), RET/IRET, INT n,
 * I/O, HLT, privileged, x87 and the 286's system instructions. */
static const struct {
	uint16_t first, last;
	uint8_t kind;
} ranges[] = {
	{ 0x00, 0x06, K_PLAIN }, { 0x08, 0x0e, K_PLAIN }, { 0x10, 0x16, K_PLAIN },
	{ 0x18, 0x1e, K_PLAIN }, { 0x20, 0x25, K_PLAIN }, { 0x27, 0x2d, K_PLAIN },
	{ 0x2f, 0x35, K_PLAIN }, { 0x37, 0x3d, K_PLAIN }, { 0x3f, 0x62, K_PLAIN },
	{ 0x68, 0x6b, K_PLAIN }, { 0x70, 0x7f, K_BRANCH8 }, { 0x80, 0x8d, K_PLAIN },
	{ 0x8f, 0x99, K_PLAIN }, { 0x9c, 0xa3, K_PLAIN }, { 0xa4, 0xa7, K_STRING },
	{ 0xa8, 0xa9, K_PLAIN }, { 0xaa, 0xaf, K_STRING }, { 0xb0, 0xbf, K_PLAIN },
	{ 0xc0, 0xc1, K_SHIFT_IMM }, { 0xc8, 0xc8, K_ENTER }, { 0xc9, 0xc9, K_PLAIN },
	{ 0xcc, 0xcc, K_PLAIN }, { 0xce, 0xce, K_PLAIN }, { 0xd0, 0xd1, K_SHIFT_ONE },
	{ 0xd2, 0xd3, K_SHIFT_CL }, { 0xd4, 0xd5, K_PLAIN }, { 0xd7, 0xd7, K_PLAIN },
	{ 0xe0, 0xe3, K_BRANCH8 }, { 0xe8, 0xe9, K_BRANCH_NEAR }, { 0xeb, 0xeb, K_BRANCH8 },
	{ 0xf5, 0xf7, K_PLAIN }, { 0xf8, 0xfe, K_PLAIN }, { 0xff, 0xff, K_PLAIN },
	{ 0x180, 0x18f, K_BRANCH_NEAR }, { 0x190, 0x19f, K_PLAIN }, { 0x1a0, 0x1a0, K_PLAIN },
	{ 0x1a3, 0x1a3, K_PLAIN }, { 0x1a4, 0x1a4, K_SHIFT_IMM }, { 0x1a5, 0x1a5, K_SHIFT_CL },
	{ 0x1a8, 0x1a8, K_PLAIN }, { 0x1ab, 0x1ab, K_PLAIN }, { 0x1ac, 0x1ac, K_SHIFT_IMM },
	{ 0x1ad, 0x1ad, K_SHIFT_CL }, { 0x1af, 0x1b1, K_PLAIN }, { 0x1b3, 0x1b3, K_PLAIN },
	{ 0x1b6, 0x1b7, K_PLAIN }, { 0x1ba, 0x1c1, K_PLAIN }, { 0x1c8, 0x1cf, K_PLAIN },
};

/* Instruction ids kept (the opcodes above also decode to others: CALL
 * and JMP through FF, XBEGIN through C7, ...). */
static const uint16_t allowed_ids[] = {
	X86_INS_ADD, X86_INS_OR, X86_INS_ADC, X86_INS_SBB, X86_INS_AND, X86_INS_SUB, X86_INS_XOR,
	X86_INS_CMP, X86_INS_TEST, X86_INS_XCHG, X86_INS_MOV, X86_INS_INC, X86_INS_DEC, X86_INS_NEG,
	X86_INS_NOT, X86_INS_MUL, X86_INS_IMUL, X86_INS_DIV, X86_INS_IDIV, X86_INS_ROL, X86_INS_ROR,
	X86_INS_RCL, X86_INS_RCR, X86_INS_SHL, X86_INS_SAL, X86_INS_SHR, X86_INS_SAR, X86_INS_SHLD,
	X86_INS_SHRD, X86_INS_BT, X86_INS_BTS, X86_INS_BTR, X86_INS_BTC, X86_INS_BSF, X86_INS_BSR,
	X86_INS_SETO, X86_INS_SETNO, X86_INS_SETB, X86_INS_SETAE, X86_INS_SETE, X86_INS_SETNE,
	X86_INS_SETBE, X86_INS_SETA, X86_INS_SETS, X86_INS_SETNS, X86_INS_SETP, X86_INS_SETNP,
	X86_INS_SETL, X86_INS_SETGE, X86_INS_SETLE, X86_INS_SETG, X86_INS_MOVZX, X86_INS_MOVSX,
	X86_INS_BSWAP, X86_INS_CMPXCHG, X86_INS_XADD, X86_INS_CBW, X86_INS_CWDE, X86_INS_CWD,
	X86_INS_CDQ, X86_INS_LAHF, X86_INS_SAHF, X86_INS_CLC, X86_INS_STC, X86_INS_CMC, X86_INS_CLD,
	X86_INS_STD, X86_INS_CLI, X86_INS_STI, X86_INS_DAA, X86_INS_DAS, X86_INS_AAA, X86_INS_AAS,
	X86_INS_AAM, X86_INS_AAD, X86_INS_PUSH, X86_INS_POP, X86_INS_PUSHF, X86_INS_PUSHFD,
	X86_INS_POPF, X86_INS_POPFD, X86_INS_PUSHAW, X86_INS_PUSHAL, X86_INS_POPAW, X86_INS_POPAL,
	X86_INS_LEA, X86_INS_XLATB, X86_INS_NOP, X86_INS_MOVSB, X86_INS_MOVSW, X86_INS_MOVSD,
	X86_INS_CMPSB, X86_INS_CMPSW, X86_INS_CMPSD, X86_INS_STOSB, X86_INS_STOSW, X86_INS_STOSD,
	X86_INS_LODSB, X86_INS_LODSW, X86_INS_LODSD, X86_INS_SCASB, X86_INS_SCASW, X86_INS_SCASD,
	X86_INS_INT3, X86_INS_INTO, X86_INS_BOUND, X86_INS_ENTER, X86_INS_LEAVE,
};

/* Branches: kept only from the branch opcodes. */
static const uint16_t branch_ids[] = {
	X86_INS_JO, X86_INS_JNO, X86_INS_JB, X86_INS_JAE, X86_INS_JE, X86_INS_JNE, X86_INS_JBE,
	X86_INS_JA, X86_INS_JS, X86_INS_JNS, X86_INS_JP, X86_INS_JNP, X86_INS_JL, X86_INS_JGE,
	X86_INS_JLE, X86_INS_JG, X86_INS_JMP, X86_INS_CALL, X86_INS_LOOP, X86_INS_LOOPE,
	X86_INS_LOOPNE, X86_INS_JCXZ, X86_INS_JECXZ,
};

static uint16_t opcodes[512];
static uint8_t kinds[512];
static unsigned nr_opcodes;
static uint8_t allowed[X86_INS_ENDING];	/* 1 allowed, 2 a branch */

void generate_init(void)
{
	if (cs_open(CS_ARCH_X86, CS_MODE_16, &cs) != CS_ERR_OK) {
		fprintf(stderr, "emu-diff: cannot open Capstone\n");
		exit(2);
	}
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	for (unsigned i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		for (unsigned op = ranges[i].first; op <= ranges[i].last; op++) {
			opcodes[nr_opcodes] = (uint16_t)op;
			kinds[nr_opcodes++] = ranges[i].kind;
		}
	for (unsigned i = 0; i < sizeof(allowed_ids) / sizeof(allowed_ids[0]); i++)
		allowed[allowed_ids[i]] = 1;
	for (unsigned i = 0; i < sizeof(branch_ids) / sizeof(branch_ids[0]); i++)
		allowed[branch_ids[i]] = 2;
}

void generate_fini(void)
{
	cs_close(&cs);
}

const char *insn_name(unsigned id)
{
	const char *n = cs_insn_name(cs, id);

	return n ? n : "?";
}

/* ---- one instruction ---------------------------------------------------------- */

static const uint8_t segment_prefixes[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };

static const uint8_t repeatable_prefixes[] = { 0x66, 0x67, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };

/* Prefixes in random order: 66, 67, a segment override, LOCK, and F3/F2
 * for string instructions; now and then a few more of the first kinds,
 * repeated or competing (the last segment override wins). */
static unsigned prefixes(struct rng *r, enum op_kind kind, uint8_t *out)
{
	uint8_t p[9];
	unsigned n = 0;

	if (rng_one_in(r, 4))
		p[n++] = 0x66;
	if (rng_one_in(r, 8))
		p[n++] = 0x67;
	if (rng_one_in(r, 5))
		p[n++] = segment_prefixes[rng_below(r, 6)];
	if (kind == K_STRING && !rng_one_in(r, 3))
		p[n++] = rng_one_in(r, 2) ? 0xf3 : 0xf2;
	else if (rng_one_in(r, 40))
		p[n++] = 0xf0;
	if (rng_one_in(r, 12))
		for (unsigned extra = 1 + rng_below(r, 4); extra; extra--)
			p[n++] = repeatable_prefixes[rng_below(r, sizeof(repeatable_prefixes))];
	for (unsigned i = n; i > 1; i--) {
		unsigned j = rng_below(r, i);
		uint8_t t = p[i - 1];

		p[i - 1] = p[j];
		p[j] = t;
	}
	memcpy(out, p, n);
	return n;
}

static bool has_prefix(const uint8_t *b, unsigned n, uint8_t prefix)
{
	return memchr(b, prefix, n) != NULL;
}

/* A small 32-bit displacement most of the time: with 67, addresses
 * beyond 64 KiB only raise #GP. */
static void tame_displacement(struct rng *r, const cs_x86 *x, uint8_t *b)
{
	if (x->encoding.disp_size == 4 && !rng_one_in(r, 4)) {
		uint32_t d = rng_one_in(r, 4) ? (uint32_t)-(int32_t)rng_below(r, 256) : rng_below(r, 0x1000);

		memcpy(b + x->encoding.disp_offset, &d, 4);
	}
}

/* Count and level bytes whose values the tests want in a narrow range. */
static void tame_immediates(struct rng *r, enum op_kind kind, const cs_insn *in, uint8_t *b)
{
	const cs_x86 *x = &in->detail->x86;

	if (kind == K_ENTER && !rng_one_in(r, 4))
		b[in->size - 1] = 0;		/* nesting level 0 mostly */
	/* SHLD/SHRD of 16 bits by more than 16: the result is undefined. */
	if (kind == K_SHIFT_IMM && (in->id == X86_INS_SHLD || in->id == X86_INS_SHRD) &&
	    x->operands[0].size == 2 && !rng_one_in(r, 8))
		b[in->size - 1] = (uint8_t)((rng_next(r) & 0xe0) | rng_below(r, 17));
}

static void note_facts(enum op_kind kind, uint16_t opcode, const cs_insn *in, const uint8_t *b,
		       unsigned nr_prefixes, struct insn_facts *f)
{
	const cs_x86 *x = &in->detail->x86;

	memset(f, 0, sizeof(*f));
	f->id = (uint16_t)in->id;
	f->len = (uint8_t)in->size;
	f->size = x->op_count ? x->operands[0].size : 0;
	f->cc = (uint8_t)(opcode & 0xf);
	f->frame_size = in->id == X86_INS_ENTER ? (uint16_t)x->operands[0].imm : 0;
	f->rep = kind == K_STRING && (has_prefix(b, nr_prefixes, 0xf3) || has_prefix(b, nr_prefixes, 0xf2));
	f->addr32 = has_prefix(b, nr_prefixes, 0x67);
	f->opsize32 = has_prefix(b, nr_prefixes, 0x66);
	f->count_kind = kind == K_SHIFT_ONE ? COUNT_ONE : kind == K_SHIFT_CL ? COUNT_CL
			: kind == K_SHIFT_IMM ? COUNT_IMM : COUNT_NONE;
	f->count_imm = kind == K_SHIFT_IMM ? b[in->size - 1] : 0;
}

/* A write through a CS override would change the code under both runs
 * (self-modifying code is not what this tests): memory operands with a
 * 2E prefix may only be read. The first operand counts as written
 * whatever Capstone says. */
static bool writes_code(const cs_insn *in, const uint8_t *b, unsigned nr_prefixes)
{
	const cs_x86 *x = &in->detail->x86;

	if (!has_prefix(b, nr_prefixes, 0x2e))
		return false;
	for (unsigned i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_MEM && (i == 0 || (x->operands[i].access & CS_AC_WRITE)))
			return true;
	return false;
}

/* One instruction into u (appended); false if the bytes do not make an
 * allowed one. */
static bool try_instruction(struct rng *r, struct unit *u)
{
	unsigned pick = rng_below(r, nr_opcodes), n;
	uint16_t opcode = opcodes[pick];
	enum op_kind kind = (enum op_kind)kinds[pick];
	uint8_t b[UNIT_BYTES];
	unsigned np;
	cs_insn *in;
	bool ok;

	np = prefixes(r, kind, b);
	n = np;
	if (opcode > 0xff)
		b[n++] = 0x0f;
	b[n++] = (uint8_t)opcode;
	while (n < np + 14)
		b[n++] = (uint8_t)rng_next(r);
	if (cs_disasm(cs, b, n, 0, 1, &in) != 1)
		return false;
	ok = in->size <= 15 && allowed[in->id] &&
	     (allowed[in->id] == 2) == (kind == K_BRANCH8 || kind == K_BRANCH_NEAR) &&
	     u->len + in->size < UNIT_BYTES && !writes_code(in, b, np) &&
	     !(in->id == X86_INS_BSWAP && in->detail->x86.operands[0].size == 2);
	if (ok) {
		tame_displacement(r, &in->detail->x86, b);
		tame_immediates(r, kind, in, b);
		note_facts(kind, opcode, in, b, np, &u->insn[u->nr_insns++]);
		memcpy(u->bytes + u->len, b, in->size);
		u->len = (uint8_t)(u->len + in->size);
		if (kind == K_BRANCH8)
			u->branch = 1;
		else if (kind == K_BRANCH_NEAR)
			u->branch = has_prefix(b, np, 0x66) ? 4 : 2;
	}
	cs_free(in, 1);
	return ok;
}

/* Put before a REP string instruction: MOV ECX, n (a few iterations,
 * now and then a few hundred) and sometimes LEA DI, [SI + d], which makes
 * source and destination overlap when DS = ES. */
static void prepend_setup(struct rng *r, struct unit *u)
{
	uint32_t count = rng_one_in(r, 8) ? rng_below(r, 300) : rng_below(r, 9);
	uint8_t setup[9] = { 0x66, 0xb9, (uint8_t)count, (uint8_t)(count >> 8), 0, 0 };
	struct insn_facts facts[3] = { { .id = X86_INS_MOV, .len = 6, .size = 4 } };
	unsigned len = 6, k = 1;

	if (rng_one_in(r, 4)) {
		setup[len++] = 0x8d;		/* LEA DI, [SI + disp8] */
		setup[len++] = 0x7c;
		setup[len++] = (uint8_t)(rng_below(r, 9) - 4);
		facts[k++] = (struct insn_facts){ .id = X86_INS_LEA, .len = 3, .size = 2 };
	}
	facts[k++] = u->insn[0];
	memmove(u->bytes + len, u->bytes, u->len);
	memcpy(u->bytes, setup, len);
	u->len = (uint8_t)(u->len + len);
	memcpy(u->insn, facts, k * sizeof(facts[0]));
	u->nr_insns = (uint8_t)k;
}

static void generate_unit(struct rng *r, struct unit *u, unsigned index, unsigned nr_units)
{
	do
		memset(u, 0, sizeof(*u));
	while (!try_instruction(r, u));
	if (u->insn[0].rep)
		prepend_setup(r, u);
	u->target = (uint8_t)(index + 1 + rng_below(r, nr_units - index < 8 ? nr_units - index : 8));
}

/* Random, with small values, values near 64 Ki (addresses at the
 * segment's end) and the edges of signed ranges more likely than chance
 * makes them. */
static uint32_t random_gpr(struct rng *r)
{
	static const uint32_t edges[] = {
		0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000u, 0xffffffffu, 0xffff8000u,
	};
	uint32_t v = (uint32_t)rng_next(r);

	if (rng_one_in(r, 6))
		return rng_below(r, 20);
	if (rng_one_in(r, 10))
		return edges[rng_below(r, sizeof(edges) / sizeof(edges[0]))];
	if (rng_one_in(r, 10))
		return 0x10000u - 1 - rng_below(r, 16);
	return rng_one_in(r, 4) ? v : v & 0xffff;
}

static void initial_state(struct rng *r, struct cpu_state *s)
{
	static const uint16_t data_segments[] = { 0x1000, 0x2000, 0x3000 };

	for (unsigned i = 0; i < 8; i++)
		s->gpr[i] = random_gpr(r);
	/* An even SP, mostly with room on both sides, sometimes where
	 * pushes or pops wrap around. */
	s->gpr[4] &= 0xffff0000u;
	if (rng_one_in(r, 16))
		s->gpr[4] |= (rng_below(r, 16) - 8) & 0xfffeu;
	else
		s->gpr[4] |= (0x100 + rng_below(r, 0xfe00)) & ~1u;
	s->eip = 0;
	s->eflags = 0x2u | ((uint32_t)rng_next(r) & (FL_ARITH | FL_DF | FL_IF));
	if (rng_one_in(r, 8))
		s->eflags |= (uint32_t)rng_next(r) & 0x7000u;	/* IOPL, NT */
	for (unsigned i = 0; i < NR_SEGS; i++)
		s->sel[i] = data_segments[rng_below(r, 3)];
	s->sel[S_CS] = CODE_SEGMENT;
}

void generate_case(struct rng *r, unsigned length, struct test_case *tc)
{
	if (length > MAX_UNITS)
		length = MAX_UNITS;
	memset(tc, 0, sizeof(*tc));
	initial_state(r, &tc->init);
	tc->via_callbacks = rng_one_in(r, 2);
	tc->nr_units = length;
	for (unsigned i = 0; i < length; i++)
		generate_unit(r, &tc->unit[i], i, length);
}

/* ---- given code (--code) ----------------------------------------------------------- */

static enum op_kind kind_of_opcode(uint16_t opcode)
{
	for (unsigned i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (opcode >= ranges[i].first && opcode <= ranges[i].last)
			return (enum op_kind)ranges[i].kind;
	return K_PLAIN;
}

static bool is_prefix(uint8_t b)
{
	return b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 ||
	       memchr(segment_prefixes, b, sizeof(segment_prefixes)) != NULL;
}

/* The units of given code, one instruction each, branches as they are;
 * false if Capstone cannot decode all of it. */
bool units_from_code(const uint8_t *code, unsigned len, struct test_case *tc)
{
	unsigned off = 0;

	tc->nr_units = 0;
	while (off < len && tc->nr_units < MAX_UNITS) {
		struct unit *u = &tc->unit[tc->nr_units];
		unsigned np = 0;
		uint16_t opcode;
		cs_insn *in;

		if (cs_disasm(cs, code + off, len - off, off, 1, &in) != 1)
			return false;
		while (np < in->size && is_prefix(code[off + np]))
			np++;
		opcode = code[off + np] == 0x0f ? (uint16_t)(0x100 | code[off + np + 1]) : code[off + np];
		memset(u, 0, sizeof(*u));
		memcpy(u->bytes, code + off, in->size);
		u->len = (uint8_t)in->size;
		u->nr_insns = 1;
		note_facts(kind_of_opcode(opcode), opcode, in, code + off, np, &u->insn[0]);
		off += in->size;
		tc->nr_units++;
		cs_free(in, 1);
	}
	return off == len;
}

/* ---- layout ----------------------------------------------------------------------- */

static void put_displacement(uint8_t *end, unsigned width, int32_t disp)
{
	for (unsigned i = 0; i < width; i++)
		end[(int)i - (int)width] = (uint8_t)((uint32_t)disp >> (8 * i));
}

void layout(const struct test_case *tc, struct program *p)
{
	unsigned at[MAX_UNITS + 1], off = 0;

	for (unsigned i = 0; i < tc->nr_units; i++) {
		at[i] = off;
		off += tc->unit[i].len;
	}
	at[tc->nr_units] = off;
	memset(p->insn_at, 0xff, sizeof(p->insn_at));
	p->nr_facts = 0;
	for (unsigned i = 0; i < tc->nr_units; i++) {
		const struct unit *u = &tc->unit[i];
		unsigned in_unit = 0;

		memcpy(p->code + at[i], u->bytes, u->len);
		for (unsigned k = 0; k < u->nr_insns; k++) {
			p->insn_at[at[i] + in_unit] = (int16_t)p->nr_facts;
			p->facts[p->nr_facts++] = u->insn[k];
			in_unit += u->insn[k].len;
		}
		if (u->branch) {
			unsigned t = u->target > tc->nr_units ? tc->nr_units : u->target;
			int32_t disp = (int32_t)(at[t] - at[i + 1]);

			/* rel8 reaches 127 bytes: the farthest unit in reach. */
			while (u->branch == 1 && disp > 127)
				disp = (int32_t)(at[--t] - at[i + 1]);
			put_displacement(p->code + at[i + 1], u->branch, disp);
		}
	}
	p->code[off] = HLT_OPCODE;
	p->len = off + 1;
	p->cut = off;
}

void print_code(FILE *f, const uint8_t *code, unsigned len, unsigned at)
{
	cs_insn *in;
	size_t n = cs_disasm(cs, code, len, at, 0, &in);

	for (size_t i = 0; i < n; i++) {
		char hex[3 * 16 + 1] = "";

		for (unsigned k = 0; k < in[i].size && k < 15; k++)
			sprintf(hex + 3 * k, "%02x ", in[i].bytes[k]);
		fprintf(f, "    %04x:%04llx  %-36s %s %s\n", CODE_SEGMENT, (unsigned long long)in[i].address,
			hex, in[i].mnemonic, in[i].op_str);
	}
	if (n)
		cs_free(in, n);
}

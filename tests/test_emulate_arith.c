/*
 * The emulator's integer arithmetic against the processor the test runs
 * on. Every instruction the emulator executes that also exists in 64-bit
 * mode (the ALU group, MUL/IMUL/DIV/IDIV, shifts and rotates, SHLD/SHRD,
 * BT/BTS/BTR/BTC, BSF/BSR, SETcc, BSWAP, CMPXCHG, XADD) runs on random
 * operands (fixed seeds) twice: in the emulator, as 16-bit real-mode code,
 * and natively, as the same bytes in 64-bit mode with the 0x66 prefix
 * toggled so that the operand size is the same (and 0x67 dropped: [esi]
 * in 16-bit code is [rsi] in 64-bit code). Registers, memory and flags
 * must agree.
 *
 * Flags (and results) the SDM leaves undefined for an instruction are not
 * compared; the mask is next to each rule below. With LIBVCPU_ARITH_STRICT=1
 * in the environment they are compared too, which checks that the
 * emulator does what this host's processor does where the SDM is silent.
 * DIV and IDIV cases that would fault natively are skipped; #DE is tested
 * against the emulator alone.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "harness.h"

#if defined(__x86_64__)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define F_CF	0x001u
#define F_PF	0x004u
#define F_AF	0x010u
#define F_ZF	0x040u
#define F_SF	0x080u
#define F_OF	0x800u
#define F_ARITH	(F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

enum { AX, CX, DX, BX, SP, BP, SI, DI };

/* Registers in the SDM's order (RSP unused) and RFLAGS. */
struct cpu {
	uint64_t r[8];
	uint64_t flags;
};

/* ---- natively: the instruction's bytes in a page of their own ---------------- */

/* Load RAX..RDI (not RSP) and RFLAGS from *c, call code, store them back. */
void arith_native_call(struct cpu *c, const void *code);
__asm__(".text\n"
	".globl arith_native_call\n"
	".type arith_native_call, @function\n"
	"arith_native_call:\n"
	"	push %rbx\n	push %rbp\n	push %r12\n	push %r13\n"
	"	mov %rdi, %r12\n	mov %rsi, %r13\n"
	"	mov 0(%r12), %rax\n	mov 8(%r12), %rcx\n	mov 16(%r12), %rdx\n"
	"	mov 24(%r12), %rbx\n	mov 40(%r12), %rbp\n	mov 48(%r12), %rsi\n"
	"	mov 56(%r12), %rdi\n	pushq 64(%r12)\n	popfq\n"
	"	call *%r13\n"
	"	pushfq\n	popq 64(%r12)\n"
	"	mov %rax, 0(%r12)\n	mov %rcx, 8(%r12)\n	mov %rdx, 16(%r12)\n"
	"	mov %rbx, 24(%r12)\n	mov %rbp, 40(%r12)\n	mov %rsi, 48(%r12)\n"
	"	mov %rdi, 56(%r12)\n"
	"	pop %r13\n	pop %r12\n	pop %rbp\n	pop %rbx\n	ret\n"
	".size arith_native_call, .-arith_native_call\n");

#define MEM_SPAN 1024			/* bytes either side of [rsi] / [esi] */

static uint8_t *jit;			/* endbr64; the instruction; ret */
static uint8_t native_mem[2 * MEM_SPAN];

static void set_native_code(const uint8_t *bytes, unsigned len)
{
	static const uint8_t endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };

	ck_assert_int_eq(mprotect(jit, 4096, PROT_READ | PROT_WRITE), 0);
	memcpy(jit, endbr64, sizeof(endbr64));
	memcpy(jit + sizeof(endbr64), bytes, len);
	jit[sizeof(endbr64) + len] = 0xc3;
	ck_assert_int_eq(mprotect(jit, 4096, PROT_READ | PROT_EXEC), 0);
}

/* ---- in the emulator: real mode, code at 1000:0000, data at 2000:8000 ---------- */

#define CODE_SEG	0x1000u
#define DATA_SEG	0x2000u
#define DATA_OFFSET	0x8000u
#define RAM_SIZE	0x30000u

static struct emu *emu;
static uint8_t ram[RAM_SIZE];

static uint8_t *emu_mem(void)
{
	return ram + DATA_SEG * 16 + DATA_OFFSET - MEM_SPAN;
}

static void setup(void)
{
	const struct emu_config config = { .ram = ram, .ram_size = sizeof(ram) };

	ck_assert_int_eq(emu_create(&config, &emu), 0);
	ck_assert_int_eq(emu_load_real_segment(emu, 1, CODE_SEG), 0);
	ck_assert_int_eq(emu_load_real_segment(emu, 3, DATA_SEG), 0);
	ck_assert_int_eq(emu_load_real_segment(emu, 2, DATA_SEG), 0);
	jit = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(jit, MAP_FAILED);
}

static void teardown(void)
{
	emu_destroy(emu);
	munmap(jit, 4096);
}

static void set_emu_code(const uint8_t *bytes, unsigned len)
{
	memcpy(ram + CODE_SEG * 16, bytes, len);
	emu_flush_code(emu);
}

static void load_emu(const struct cpu *c)
{
	for (unsigned r = 0; r < 8; r++)
		emu_set_reg(emu, (enum vcpu_reg)r, r == SP ? 0xfffe : (uint32_t)c->r[r]);
	emu_set_reg(emu, VCPU_REG_RIP, 0);
	emu_set_reg(emu, VCPU_REG_RFLAGS, c->flags);
}

static void store_emu(struct cpu *c)
{
	for (unsigned r = 0; r < 8; r++)
		c->r[r] = emu_get_reg(emu, (enum vcpu_reg)r);
	c->flags = emu_get_reg(emu, VCPU_REG_RFLAGS);
}

/* One instruction; it must retire without a stop of any other kind. */
static void step_emu(struct cpu *c, unsigned len)
{
	struct emu_stop stop;
	int r;

	load_emu(c);
	r = emu_step(emu, &stop);
	ck_assert_msg(r == 0, "emu_step: %s: %s", vcpu_error_name(r), emu_error_detail(emu));
	ck_assert_msg(stop.reason == EMU_STOP_STEP, "stop reason %d (vector %u)", stop.reason,
		      stop.exception.vector);
	ck_assert_uint_eq(emu_get_reg(emu, VCPU_REG_RIP), len);
	store_emu(c);
}

/* ---- random operands (xorshift64*, a fixed seed per instruction form) ---------- */

static uint64_t rng;

static uint32_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

/* Mostly random, a quarter of the time a value at some boundary. */
static uint32_t operand(void)
{
	static const uint32_t edges[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
					  0x7fffffff, 0x80000000u, 0xffffffffu, 0xffffff80u };

	return rnd() % 4 ? rnd() : edges[rnd() % ARRAY_SIZE(edges)];
}

/* Shift counts: mostly 0 to 33, sometimes any byte (masking). */
static uint32_t count_operand(void)
{
	return rnd() % 4 ? rnd() % 34 : rnd() & 0xff;
}

/* ---- the instruction forms ------------------------------------------------------- */

/* What the SDM leaves undefined (see undefined()); R_ROT to R_DSHIFT have counts. */
enum rule { R_NONE, R_LOGIC, R_MUL, R_DIV, R_ROT, R_SHIFT, R_SAR, R_DSHIFT, R_BT, R_BSF, R_BSWAP };
/* How operands are picked. */
enum input { I_ANY, I_COUNT, I_DIV, I_IDIV, I_SCAN, I_CMPXCHG, I_BITMEM };

#define IMM_OPSIZE 9		/* an immediate as wide as the operand */

struct form {
	const char *name;
	uint8_t size;		/* operand size: 1, 2, 4 */
	uint8_t rule;		/* enum rule */
	uint8_t input;		/* enum input */
	uint8_t imm;		/* immediate bytes after op[]: 0, 1 or IMM_OPSIZE */
	uint8_t mem;		/* ModRM addresses [esi] ([rsi] natively) */
	uint8_t len;
	uint8_t op[4];		/* opcode and ModRM, as in 16-bit code without 0x66 */
};

#define NARGS(...) (uint8_t)sizeof((uint8_t[]){ __VA_ARGS__ })
#define F(n, sz, ru, inp, imm, mem, ...) { n, sz, ru, inp, imm, mem, NARGS(__VA_ARGS__), { __VA_ARGS__ } }
/* The 16- and 32-bit forms (op16), and the 8-bit one (op8) with them. */
#define W(n, ru, inp, imm, ...) F(n, 2, ru, inp, imm, 0, __VA_ARGS__), F(n, 4, ru, inp, imm, 0, __VA_ARGS__)
#define BW(n, ru, inp, imm, op8, op16, ...) F(n, 1, ru, inp, imm, 0, op8, __VA_ARGS__), \
	W(n, ru, inp, imm, op16, __VA_ARGS__)
#define WM(n, ru, inp, imm, ...) F(n, 2, ru, inp, imm, 1, __VA_ARGS__), F(n, 4, ru, inp, imm, 1, __VA_ARGS__)
/* One shift or rotate (ModRM reg field r on BX/BL) by 1, by CL and by imm8. */
#define SHIFT(n, ru, r) BW(n " 1", ru, I_ANY, 0, 0xd0, 0xd1, 0xc3 | (r) << 3), \
	BW(n " cl", ru, I_COUNT, 0, 0xd2, 0xd3, 0xc3 | (r) << 3), \
	BW(n " imm8", ru, I_ANY, 1, 0xc0, 0xc1, 0xc3 | (r) << 3)
/* An ALU operation: r/m, reg (BX, DX; and AH, DH for bytes) and r/m, imm. */
#define ALU(n, ru, base, r) BW(n " bx, dx", ru, I_ANY, 0, base, base + 1, 0xd3), \
	F(n " ah, dh", 1, ru, I_ANY, 0, 0, base, 0xf4), \
	F(n " bl, imm8", 1, ru, I_ANY, 1, 0, 0x80, 0xc3 | (r) << 3), \
	W(n " bx, imm8", ru, I_ANY, 1, 0x83, 0xc3 | (r) << 3), \
	W(n " bx, imm", ru, I_ANY, IMM_OPSIZE, 0x81, 0xc3 | (r) << 3)
#define SETCC(n, cc) F(n " bl", 1, R_NONE, I_ANY, 0, 0, 0x0f, 0x90 + (cc), 0xc3)

static const struct form forms[] = {
	ALU("add", R_NONE, 0x00, 0), ALU("or", R_LOGIC, 0x08, 1), ALU("adc", R_NONE, 0x10, 2),
	ALU("sbb", R_NONE, 0x18, 3), ALU("and", R_LOGIC, 0x20, 4), ALU("sub", R_NONE, 0x28, 5),
	ALU("xor", R_LOGIC, 0x30, 6), ALU("cmp", R_NONE, 0x38, 7),
	BW("test bx, dx", R_LOGIC, I_ANY, 0, 0x84, 0x85, 0xd3),
	BW("test bx, imm", R_LOGIC, I_ANY, IMM_OPSIZE, 0xf6, 0xf7, 0xc3),
	BW("inc bx", R_NONE, I_ANY, 0, 0xfe, 0xff, 0xc3), BW("dec bx", R_NONE, I_ANY, 0, 0xfe, 0xff, 0xcb),
	BW("not bx", R_NONE, I_ANY, 0, 0xf6, 0xf7, 0xd3), BW("neg bx", R_NONE, I_ANY, 0, 0xf6, 0xf7, 0xdb),
	WM("add [esi], dx", R_NONE, I_ANY, 0, 0x01, 0x16),

	BW("mul bx", R_MUL, I_ANY, 0, 0xf6, 0xf7, 0xe3), BW("imul bx", R_MUL, I_ANY, 0, 0xf6, 0xf7, 0xeb),
	F("mul bh", 1, R_MUL, I_ANY, 0, 0, 0xf6, 0xe7), F("imul ah", 1, R_MUL, I_ANY, 0, 0, 0xf6, 0xec),
	W("imul dx, bx", R_MUL, I_ANY, 0, 0x0f, 0xaf, 0xd3),
	W("imul dx, bx, imm8", R_MUL, I_ANY, 1, 0x6b, 0xd3),
	W("imul dx, bx, imm", R_MUL, I_ANY, IMM_OPSIZE, 0x69, 0xd3),
	BW("div bx", R_DIV, I_DIV, 0, 0xf6, 0xf7, 0xf3), BW("idiv bx", R_DIV, I_IDIV, 0, 0xf6, 0xf7, 0xfb),

	SHIFT("rol", R_ROT, 0), SHIFT("ror", R_ROT, 1), SHIFT("rcl", R_ROT, 2), SHIFT("rcr", R_ROT, 3),
	SHIFT("shl", R_SHIFT, 4), SHIFT("shr", R_SHIFT, 5), SHIFT("sal (/6)", R_SHIFT, 6),
	SHIFT("sar", R_SAR, 7),
	F("shl ah, cl", 1, R_SHIFT, I_COUNT, 0, 0, 0xd2, 0xe4),
	WM("shl [esi], cl", R_SHIFT, I_COUNT, 0, 0xd3, 0x26),
	W("shld bx, dx, imm8", R_DSHIFT, I_ANY, 1, 0x0f, 0xa4, 0xd3),
	W("shld bx, dx, cl", R_DSHIFT, I_COUNT, 0, 0x0f, 0xa5, 0xd3),
	W("shrd bx, dx, imm8", R_DSHIFT, I_ANY, 1, 0x0f, 0xac, 0xd3),
	W("shrd bx, dx, cl", R_DSHIFT, I_COUNT, 0, 0x0f, 0xad, 0xd3),

	W("bt bx, dx", R_BT, I_ANY, 0, 0x0f, 0xa3, 0xd3), W("bts bx, dx", R_BT, I_ANY, 0, 0x0f, 0xab, 0xd3),
	W("btr bx, dx", R_BT, I_ANY, 0, 0x0f, 0xb3, 0xd3), W("btc bx, dx", R_BT, I_ANY, 0, 0x0f, 0xbb, 0xd3),
	W("bt bx, imm8", R_BT, I_ANY, 1, 0x0f, 0xba, 0xe3), W("bts bx, imm8", R_BT, I_ANY, 1, 0x0f, 0xba, 0xeb),
	W("btr bx, imm8", R_BT, I_ANY, 1, 0x0f, 0xba, 0xf3), W("btc bx, imm8", R_BT, I_ANY, 1, 0x0f, 0xba, 0xfb),
	WM("bt [esi], dx", R_BT, I_BITMEM, 0, 0x0f, 0xa3, 0x16),
	WM("bts [esi], dx", R_BT, I_BITMEM, 0, 0x0f, 0xab, 0x16),
	WM("btr [esi], dx", R_BT, I_BITMEM, 0, 0x0f, 0xb3, 0x16),
	WM("btc [esi], dx", R_BT, I_BITMEM, 0, 0x0f, 0xbb, 0x16),
	WM("bt [esi], imm8", R_BT, I_ANY, 1, 0x0f, 0xba, 0x26),
	WM("btc [esi], imm8", R_BT, I_ANY, 1, 0x0f, 0xba, 0x3e),
	W("bsf dx, bx", R_BSF, I_SCAN, 0, 0x0f, 0xbc, 0xd3), W("bsr dx, bx", R_BSF, I_SCAN, 0, 0x0f, 0xbd, 0xd3),
	SETCC("seto", 0), SETCC("setno", 1), SETCC("setb", 2), SETCC("setae", 3), SETCC("sete", 4),
	SETCC("setne", 5), SETCC("setbe", 6), SETCC("seta", 7), SETCC("sets", 8), SETCC("setns", 9),
	SETCC("setp", 10), SETCC("setnp", 11), SETCC("setl", 12), SETCC("setge", 13), SETCC("setle", 14),
	SETCC("setg", 15),
	W("bswap bx", R_BSWAP, I_ANY, 0, 0x0f, 0xcb),
	F("cmpxchg bl, dl", 1, R_NONE, I_CMPXCHG, 0, 0, 0x0f, 0xb0, 0xd3),
	W("cmpxchg bx, dx", R_NONE, I_CMPXCHG, 0, 0x0f, 0xb1, 0xd3),
	WM("cmpxchg [esi], dx", R_NONE, I_CMPXCHG, 0, 0x0f, 0xb1, 0x16),
	F("xadd bl, dl", 1, R_NONE, I_ANY, 0, 0, 0x0f, 0xc0, 0xd3),
	W("xadd bx, dx", R_NONE, I_ANY, 0, 0x0f, 0xc1, 0xd3),
	W("xadd bx, bx", R_NONE, I_ANY, 0, 0x0f, 0xc1, 0xdb),
	WM("xadd [esi], dx", R_NONE, I_ANY, 0, 0x0f, 0xc1, 0x16),
	WM("lock xadd [esi], dx", R_NONE, I_ANY, 0, 0xf0, 0x0f, 0xc1, 0x16),
	WM("lock cmpxchg [esi], dx", R_NONE, I_CMPXCHG, 0, 0xf0, 0x0f, 0xb1, 0x16),
	WM("lock bts [esi], dx", R_BT, I_BITMEM, 0, 0xf0, 0x0f, 0xab, 0x16),
};

static bool strict;

static uint32_t mask_of(unsigned size)
{
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static int64_t sign_extend(uint64_t v, unsigned bits)
{
	return (int64_t)(v << (64 - bits)) >> (64 - bits);
}

/* The bytes of the instruction in 16-bit code (the emulator's) or in
 * 64-bit code (the host's). */
static unsigned encode(const struct form *f, bool native, uint32_t imm, uint8_t *out)
{
	unsigned n = 0, imm_len = f->imm == IMM_OPSIZE ? f->size : f->imm;

	if (!native && f->mem)
		out[n++] = 0x67;
	if (f->size == (native ? 2 : 4))
		out[n++] = 0x66;
	memcpy(out + n, f->op, f->len);
	n += f->len;
	for (unsigned i = 0; i < imm_len; i++)
		out[n++] = (uint8_t)(imm >> (8 * i));
	return n;
}

static unsigned count_of(const struct form *f, const struct cpu *in, uint32_t imm)
{
	if (f->imm)
		return imm & 0x1f;
	if (f->op[0] == 0xd0 || f->op[0] == 0xd1)
		return 1;
	return in->r[CX] & 0x1f;
}

/*
 * The flags the SDM (Vol. 2, each instruction's "Flags Affected") leaves
 * undefined in this case; *result is set to a register whose low
 * f->size bytes it leaves undefined too, or -1.
 */
static uint32_t undefined(const struct form *f, const struct cpu *in, uint32_t imm, int *result)
{
	unsigned bits = f->size * 8, count = count_of(f, in, imm);

	*result = -1;
	switch (f->rule) {
	case R_LOGIC:	/* AND, OR, XOR, TEST: AF */
		return F_AF;
	case R_MUL:	/* MUL, IMUL: SF, ZF, AF, PF (CF and OF say whether it overflowed) */
		return F_SF | F_ZF | F_AF | F_PF;
	case R_DIV:	/* DIV, IDIV: all six */
		return F_ARITH;
	case R_ROT:	/* ROL, ROR, RCL, RCR: OF unless the masked count is 1 (0 changes none) */
		return count > 1 ? F_OF : 0;
	case R_SHIFT:	/* SHL, SHR: AF; OF unless the count is 1; CF for counts >= the width */
	case R_SAR:	/* SAR: AF; OF unless the count is 1 */
		if (!count)
			return 0;
		return F_AF | (count > 1 ? F_OF : 0) | (f->rule == R_SHIFT && count >= bits ? F_CF : 0);
	case R_DSHIFT:	/* SHLD, SHRD: AF; OF unless the count is 1; for counts above the
			 * width all flags and the result */
		if (count > bits) {
			*result = BX;
			return F_ARITH;
		}
		return count ? F_AF | (count > 1 ? F_OF : 0) : 0;
	case R_BT:	/* BT, BTS, BTR, BTC: OF, SF, AF, PF */
		return F_OF | F_SF | F_AF | F_PF;
	case R_BSF:	/* BSF, BSR: CF, OF, SF, AF, PF; the destination if the source is 0 */
		if (!(in->r[BX] & mask_of(f->size)))
			*result = DX;
		return F_CF | F_OF | F_SF | F_AF | F_PF;
	case R_BSWAP:	/* BSWAP: the result of the 16-bit form */
		if (f->size == 2)
			*result = BX;
		return 0;
	default:	/* ADD, ADC, SUB, SBB, CMP, INC, DEC, NEG, CMPXCHG, XADD: none;
			 * NOT, SETcc: no flags */
		return 0;
	}
}

/* The dividend's high half: AH, DX or EDX. */
static uint32_t high_half(const struct form *f, const struct cpu *c)
{
	return (uint32_t)(f->size == 1 ? (c->r[AX] >> 8) & 0xff : c->r[DX] & mask_of(f->size));
}

static void set_high_half(const struct form *f, struct cpu *c, uint32_t v)
{
	if (f->size == 1)
		c->r[AX] = (c->r[AX] & ~0xff00ull) | (v & 0xff) << 8;
	else
		c->r[DX] = (c->r[DX] & ~(uint64_t)mask_of(f->size)) | (v & mask_of(f->size));
}

/* Would DIV or IDIV by BL/BX/EBX fault with these operands? */
static bool divide_faults(const struct form *f, const struct cpu *c)
{
	unsigned bits = f->size * 8;
	uint32_t m = mask_of(f->size), lo = (uint32_t)c->r[AX] & m, d = (uint32_t)c->r[BX] & m;
	uint64_t n = (uint64_t)high_half(f, c) << bits | lo;
	__int128 q, max = (__int128)1 << (bits - 1);

	if (!d)
		return true;
	if (f->input == I_DIV)
		return n / d > m;
	q = (__int128)sign_extend(n, 2 * bits) / sign_extend(d, bits);
	return q >= max || q < -max;
}

/* Random operands for the form, and an immediate if it has one. */
static void pick(const struct form *f, struct cpu *c, uint32_t *imm)
{
	uint32_t m = mask_of(f->size), v;

	for (unsigned r = 0; r < 8; r++)
		c->r[r] = operand();
	c->flags = (rnd() & F_ARITH) | 2;
	*imm = f->rule >= R_ROT && f->rule <= R_DSHIFT ? count_operand() : operand();
	if (f->imm == 1 || (f->imm == IMM_OPSIZE && f->size < 4))
		*imm &= f->imm == 1 ? 0xff : m;
	switch (f->input) {
	case I_COUNT:
		c->r[CX] = (c->r[CX] & ~0xffull) | count_operand();
		break;
	case I_DIV:		/* mostly a quotient that fits */
		if (rnd() % 4 && (c->r[BX] & m))
			set_high_half(f, c, high_half(f, c) % (uint32_t)(c->r[BX] & m));
		break;
	case I_IDIV:		/* mostly a dividend that is the low half sign-extended */
		if (rnd() % 4)
			set_high_half(f, c, (c->r[AX] >> (f->size * 8 - 1)) & 1 ? 0xffffffffu : 0);
		break;
	case I_SCAN:		/* a quarter 0, a quarter a single bit */
		v = rnd() % 4;
		if (v < 2)
			c->r[BX] = (c->r[BX] & ~(uint64_t)m) | (v ? 1u << (rnd() % (f->size * 8)) : 0);
		break;
	case I_CMPXCHG:		/* half the time equal */
		if (rnd() % 2) {
			v = f->mem ? (uint32_t)native_mem[MEM_SPAN] | (uint32_t)native_mem[MEM_SPAN + 1] << 8 |
				     (uint32_t)native_mem[MEM_SPAN + 2] << 16 | (uint32_t)native_mem[MEM_SPAN + 3] << 24
				   : (uint32_t)c->r[BX];
			c->r[AX] = (c->r[AX] & ~(uint64_t)m) | (v & m);
		}
		break;
	case I_BITMEM:		/* a signed bit offset reaching 512 bytes either side */
		v = rnd() % 8192 - 4096;
		c->r[DX] = f->size == 2 ? (c->r[DX] & 0xffff0000u) | (v & 0xffff) : v;
		break;
	default:
		break;
	}
}

static const char *const reg_names[] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };

/* Do host and emulator agree on what the SDM defines? If not, say where. */
static bool agree(const struct form *f, const struct cpu *in, uint32_t imm, const struct cpu *host,
		  const struct cpu *mine, char *why, size_t len)
{
	int result;
	uint32_t undef = undefined(f, in, imm, &result), diff;
	int n = snprintf(why, len, "in eax %08x ecx %08x edx %08x ebx %08x flags %03x imm %x: ",
			 (uint32_t)in->r[AX], (uint32_t)in->r[CX], (uint32_t)in->r[DX], (uint32_t)in->r[BX],
			 (unsigned)in->flags, imm);

	if (strict) {
		undef = 0;
		result = -1;
	}
	for (unsigned r = 0; r < 8; r++) {
		uint32_t m = (int)r == result ? ~mask_of(f->size) : 0xffffffffu;

		if (r != SP && ((host->r[r] ^ mine->r[r]) & m)) {
			snprintf(why + n, len - (size_t)n, "%s host %08x, emulator %08x", reg_names[r],
				 (uint32_t)host->r[r], (uint32_t)mine->r[r]);
			return false;
		}
	}
	diff = (uint32_t)(host->flags ^ mine->flags) & F_ARITH & ~undef;
	if (diff) {
		snprintf(why + n, len - (size_t)n, "flags host %03x, emulator %03x (differ %03x)",
			 (unsigned)host->flags & F_ARITH, (unsigned)mine->flags & F_ARITH, diff);
		return false;
	}
	if (f->mem && memcmp(native_mem, emu_mem(), sizeof(native_mem))) {
		snprintf(why + n, len - (size_t)n, "memory differs");
		return false;
	}
	return true;
}

#define CASES 400

START_TEST(test_matches_host)
{
	const struct form *f = &forms[_i];
	unsigned bad = 0, ran = 0, emu_len = 0;
	uint32_t imm = 0, code_imm = 0;
	uint8_t code[16];
	char why[256] = "", first[256] = "";

	rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)(_i + 1) * 0x100000001b3ull;
	for (unsigned i = 0; i < CASES; i++) {
		struct cpu in, host, mine;

		if (f->mem)
			for (unsigned b = 0; b < sizeof(native_mem); b++)
				native_mem[b] = (uint8_t)rnd();
		pick(f, &in, &imm);
		if (f->rule == R_DIV && divide_faults(f, &in))
			continue;
		if (!emu_len || (f->imm && imm != code_imm)) {
			set_native_code(code, encode(f, true, imm, code));
			emu_len = encode(f, false, imm, code);
			set_emu_code(code, emu_len);
			code_imm = imm;
		}
		if (f->mem) {
			memcpy(emu_mem(), native_mem, sizeof(native_mem));
			in.r[SI] = DATA_OFFSET;
		}
		host = mine = in;
		if (f->mem)
			host.r[SI] = (uint64_t)(uintptr_t)(native_mem + MEM_SPAN);
		arith_native_call(&host, jit);
		host.r[SI] = in.r[SI];
		step_emu(&mine, emu_len);
		ran++;
		if (!agree(f, &in, imm, &host, &mine, why, sizeof(why)) && !bad++)
			memcpy(first, why, sizeof(first));
	}
	ck_assert_msg(!bad, "%s (%u-bit): %u of %u cases differ; first: %s", f->name, f->size * 8, bad, ran,
		      first);
	ck_assert_msg(ran >= CASES / 2, "%s (%u-bit): only %u cases ran", f->name, f->size * 8, ran);
}
END_TEST

/* ---- #DE, against the emulator alone ------------------------------------------------- */

struct de_case {
	const char *name;
	uint8_t code[3], len;
	uint32_t eax, edx, ebx;
};

static const struct de_case de_cases[] = {
	{ "div bl by 0", { 0xf6, 0xf3 }, 2, 0x1234, 0, 0 },
	{ "div bl, quotient 0x100", { 0xf6, 0xf3 }, 2, 0x1000, 0, 0x10 },
	{ "idiv bl, quotient 128", { 0xf6, 0xfb }, 2, 0x0080, 0, 1 },
	{ "idiv bl, -32768 / -1", { 0xf6, 0xfb }, 2, 0x8000, 0, 0xff },
	{ "idiv bl, quotient -129", { 0xf6, 0xfb }, 2, 0xff7f, 0, 1 },
	{ "div bx by 0", { 0xf7, 0xf3 }, 2, 0x1234, 0x5678, 0xffff0000u },
	{ "div bx, quotient 0x10000", { 0xf7, 0xf3 }, 2, 0, 1, 1 },
	{ "idiv bx, quotient 32768", { 0xf7, 0xfb }, 2, 0x8000, 0, 1 },
	{ "idiv bx, quotient -32769", { 0xf7, 0xfb }, 2, 0x7fff, 0xffff, 1 },
	{ "div ebx by 0", { 0x66, 0xf7, 0xf3 }, 3, 1, 2, 0 },
	{ "div ebx, quotient 2^32", { 0x66, 0xf7, 0xf3 }, 3, 0, 1, 1 },
	{ "idiv ebx, -2^63 / -1", { 0x66, 0xf7, 0xfb }, 3, 0, 0x80000000u, 0xffffffffu },
	{ "idiv ebx, quotient 2^31", { 0x66, 0xf7, 0xfb }, 3, 0x80000000u, 0, 1 },
	{ "aam 0", { 0xd4, 0x00 }, 2, 0x1234, 0, 0 },
};

/* #DE is a fault: with the vector intercepted, nothing has changed. */
START_TEST(test_divide_error_changes_nothing)
{
	const struct de_case *d = &de_cases[_i];
	struct cpu in = { .r = { [AX] = d->eax, [DX] = d->edx, [BX] = d->ebx, [CX] = 0x11111111 },
			  .flags = 0x8d7 }, out;
	struct emu_stop stop;

	set_emu_code(d->code, d->len);
	load_emu(&in);
	emu_set_intercepts(emu, 0, 1u << 0);
	ck_assert_int_eq(emu_step(emu, &stop), 0);
	ck_assert_msg(stop.reason == EMU_STOP_EXCEPTION && stop.exception.vector == 0,
		      "%s: stop reason %d vector %u", d->name, stop.reason, stop.exception.vector);
	ck_assert_uint_eq(emu_get_reg(emu, VCPU_REG_RIP), 0);
	store_emu(&out);
	for (unsigned r = 0; r < 8; r++)
		ck_assert_msg(r == SP || out.r[r] == in.r[r], "%s: %s changed", d->name, reg_names[r]);
	ck_assert_uint_eq(out.flags, in.flags);
}
END_TEST

/* Delivered through the IVT, the return address is the instruction's. */
START_TEST(test_divide_error_returns_to_the_instruction)
{
	static const uint8_t code[] = { 0xf6, 0xf3 };	/* div bl */
	struct cpu in = { .r = { [AX] = 0x1234 }, .flags = 2 };
	const uint8_t *frame = ram + DATA_SEG * 16 + 0xfff8;
	struct emu_stop stop;

	memcpy(ram, (const uint8_t[]){ 0x00, 0x00, 0x50, 0x00 }, 4);	/* vector 0: 0050:0000 */
	set_emu_code(code, sizeof(code));
	load_emu(&in);
	ck_assert_int_eq(emu_step(emu, &stop), 0);
	ck_assert_int_eq(stop.reason, EMU_STOP_STEP);
	ck_assert_uint_eq(emu_get_reg(emu, VCPU_REG_RIP), 0);
	ck_assert_uint_eq(emu_get_reg(emu, VCPU_REG_RSP), 0xfff8);
	ck_assert_uint_eq(frame[0] | frame[1] << 8, 0);			/* IP */
	ck_assert_uint_eq(frame[2] | frame[3] << 8, CODE_SEG);		/* CS */
}
END_TEST

/* The 386 and later accept the most negative quotient (the 8086 did not). */
START_TEST(test_idiv_most_negative_quotient)
{
	static const struct {
		uint8_t code[3], len;
		uint32_t eax, edx, ebx, want_eax, want_edx;
	} rows[] = {
		{ { 0xf6, 0xfb }, 2, 0xff00, 0, 2, 0x0080, 0 },				/* -256 / 2 */
		{ { 0xf7, 0xfb }, 2, 0x0000, 0xffff, 2, 0x8000, 0 },			/* -65536 / 2 */
		{ { 0x66, 0xf7, 0xfb }, 3, 0, 0xffffffffu, 2, 0x80000000u, 0 },		/* -2^32 / 2 */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(rows); i++) {
		struct cpu c = { .r = { [AX] = rows[i].eax, [DX] = rows[i].edx, [BX] = rows[i].ebx }, .flags = 2 };

		set_emu_code(rows[i].code, rows[i].len);
		step_emu(&c, rows[i].len);
		ck_assert_uint_eq(c.r[AX], rows[i].want_eax);
		ck_assert_uint_eq(c.r[DX], rows[i].want_edx);
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("emulate_arith");
	TCase *tc = tcase_create("host");

	strict = getenv("LIBVCPU_ARITH_STRICT") && atoi(getenv("LIBVCPU_ARITH_STRICT"));
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_matches_host, 0, (int)ARRAY_SIZE(forms));
	suite_add_tcase(s, tc);

	tc = tcase_create("divide_error");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_divide_error_changes_nothing, 0, (int)ARRAY_SIZE(de_cases));
	tcase_add_test(tc, test_divide_error_returns_to_the_instruction);
	tcase_add_test(tc, test_idiv_most_negative_quotient);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(make_suite());
}

#else

int main(void)
{
	return 77;	/* skipped: the host must run the same instructions */
}

#endif

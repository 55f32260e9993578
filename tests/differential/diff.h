/*
 * emu-diff - differential testing of the real-mode emulator against the
 * processor as KVM runs it. What the files share:
 *
 *   generate.c          random instruction sequences (units) and their layout
 *   flags_defined.c     the flags each instruction reads, defines, leaves undefined
 *   run_emu.c           one test case in the emulator, instruction by instruction
 *   reference_kvm.c     the same test case as a KVM real-mode guest
 *   reference_limits.c  where KVM is known to be wrong: left out, narrowly
 *   compare.c           the two outcomes compared, and printed field by field
 *   minimize.c          a mismatching case made smaller
 *   main.c              options, running one test case, the loop, the summary
 *
 * A test case runs in the emulator first. Where it must stop early (an
 * instruction reading a flag left undefined, one the emulator does not
 * implement, one KVM is known to get wrong) a HLT replaces that
 * instruction and it runs again; then on KVM, where the same happens for
 * an instruction KVM refuses. What ran to the end in both is compared.
 *
 * Guest memory (RAM_SIZE from physical 0): the IVT sends every vector to a
 * HLT at 0000:0500, so an exception or INT ends a test case in both; code
 * at 0800:0000; data (and the stack) in the segments 1000, 2000 and 3000,
 * which the code segment's first 32 KiB do not reach.
 */
#ifndef EMU_DIFF_H
#define EMU_DIFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define RAM_SIZE	(256u * 1024)
#define HANDLER		0x0500u		/* every vector's handler: one HLT */
#define CODE_SEGMENT	0x0800u
#define CODE_BASE	(CODE_SEGMENT << 4)
#define MAX_UNITS	128
#define UNIT_BYTES	32		/* a unit's bytes: set-up instructions and one more */
#define MAX_CODE	(MAX_UNITS * UNIT_BYTES + 1)
#define HLT_OPCODE	0xf4

/* EFLAGS bits the tool looks at. */
#define FL_CF	0x0001u
#define FL_PF	0x0004u
#define FL_AF	0x0010u
#define FL_ZF	0x0040u
#define FL_SF	0x0080u
#define FL_TF	0x0100u
#define FL_IF	0x0200u
#define FL_DF	0x0400u
#define FL_OF	0x0800u
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)
/* Compared: everything up to ID except RF, which only says how an
 * instruction was restarted. */
#define FL_COMPARED 0x003effffu

/* Segment registers in the SDM's numbering. */
enum { S_ES, S_CS, S_SS, S_DS, S_FS, S_GS, NR_SEGS };

/* ---- random numbers (splitmix64: any seed works) -------------------------- */

struct rng {
	uint64_t state;
};

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline unsigned rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

/* True once in n. */
static inline bool rng_one_in(struct rng *r, unsigned n)
{
	return rng_below(r, n) == 0;
}

/* ---- state ------------------------------------------------------------------- */

struct cpu_state {
	uint32_t gpr[8];		/* EAX ECX EDX EBX ESP EBP ESI EDI */
	uint32_t eip;
	uint32_t eflags;
	uint16_t sel[NR_SEGS];
};

/* ---- generated code ----------------------------------------------------------- */

/* How a shift or rotate gets its count. */
enum count_kind { COUNT_NONE, COUNT_ONE, COUNT_CL, COUNT_IMM };

/* What the flag table needs to know of one instruction, found when it
 * was generated. */
struct insn_facts {
	uint16_t id;			/* Capstone x86_insn */
	uint8_t len;
	uint8_t size;			/* operand size in bytes (the destination's) */
	uint8_t count_kind;		/* enum count_kind */
	uint8_t count_imm;
	uint8_t cc;			/* Jcc/SETcc: the condition (opcode & 15) */
	uint16_t frame_size;		/* ENTER: its first operand */
	bool rep;			/* F3 or F2 on a string instruction */
	bool opsize32;			/* 66 */
	bool addr32;			/* 67: ECX counts, not CX */
};

/* A unit: what minimisation drops or keeps as one. Usually one
 * instruction; a REP string instruction comes with the MOV ECX before it
 * that keeps its count small (and maybe a LEA DI). A unit ending in a
 * branch jumps to the start of a later unit. */
struct unit {
	uint8_t bytes[UNIT_BYTES];
	uint8_t len;
	uint8_t nr_insns;		/* 1 to 3 */
	uint8_t branch;			/* displacement bytes at the end (1, 2, 4), 0: no branch */
	uint8_t target;			/* the unit a branch goes to (> its own index) */
	struct insn_facts insn[3];
};

struct test_case {
	struct cpu_state init;
	bool via_callbacks;		/* the emulator reaches RAM by callbacks, not its window */
	unsigned nr_units;
	struct unit unit[MAX_UNITS];
};

/* A test case laid out at CODE_BASE: the units, then HLT. */
struct program {
	uint8_t code[MAX_CODE];
	unsigned len;			/* including the final HLT */
	unsigned cut;			/* a HLT was put here (len - 1: none) */
	int16_t insn_at[MAX_CODE];	/* index into facts at an instruction's start, else -1 */
	struct insn_facts facts[MAX_UNITS * 3];
	unsigned nr_facts;
};

/* generate.c */
void generate_init(void);
void generate_fini(void);
void generate_case(struct rng *r, unsigned length, struct test_case *tc);
void layout(const struct test_case *tc, struct program *p);
bool units_from_code(const uint8_t *code, unsigned len, struct test_case *tc);
/* Disassemble [code, code + len) at offset `at`, one line per instruction. */
void print_code(FILE *f, const uint8_t *code, unsigned len, unsigned at);

/* ---- the two runs ---------------------------------------------------------------- */

/* Why a run was cut short at an instruction (a HLT put in its place). */
enum cut_reason {
	CUT_NONE,
	CUT_UNDEFINED_FLAGS,	/* it reads a flag an earlier instruction left undefined */
	CUT_UNDEFINED_RESULT,	/* its result is undefined (SHLD/SHRD count > size) */
	CUT_UNIMPLEMENTED,	/* the emulator does not implement it */
	CUT_REFUSED,		/* KVM's emulator refused it */
	CUT_NO_REFERENCE,	/* KVM is known wrong for it (reference_limits.c) */
};

struct outcome {
	enum { RUN_HALTED, RUN_CUT, RUN_TRIPLE_FAULT, RUN_ERROR } status;
	struct cpu_state final;
	uint32_t undefined;		/* flags undefined (or KVM wrong) at the end */
	bool esp_high_unreliable;	/* KVM delivered an exception with ESP >= 64 Ki */
	bool frame;			/* an exception's FLAGS image is in memory at: */
	uint32_t frame_addr;
	uint16_t frame_mask;		/* its bits that are undefined */
	unsigned steps;			/* generated instructions executed */
	uint16_t executed[64];		/* the first ones' ids */
	unsigned cut_at;		/* RUN_CUT: the code offset, and why */
	enum cut_reason cut_reason;
	uint16_t cut_id;
	char detail[192];
};

/* The initial memory image; the runners' RAM is this plus the code. */
extern uint8_t *image;

/* flags_defined.c */
struct flag_effect {
	uint32_t read;			/* flags its result or path depends on */
	uint32_t defined;		/* flags it gives defined values */
	uint32_t undefined;		/* flags it leaves undefined */
	uint32_t undefined_on_fault;	/* ... even when it faults */
	bool result_undefined;		/* a register or memory result is undefined */
};
void flag_effect(const struct insn_facts *f, uint32_t ecx, struct flag_effect *out);

/* reference_limits.c: where KVM is known to differ from the processor. */
const char *kvm_wrong_for(const struct insn_facts *f, uint32_t eflags, uint32_t esp);
uint32_t kvm_wrong_flags(const struct insn_facts *f);
uint32_t kvm_wrong_flags_after_fault(const struct insn_facts *f, uint32_t ecx_before, uint32_t ecx_after);
bool kvm_wrong_esp_high(const struct insn_facts *f, uint32_t eflags_before, uint32_t esp);
bool kvm_wrong_shutdown(uint32_t esp_before);
const char *insn_name(unsigned id);

/* run_emu.c */
int emu_runner_init(uint8_t *ram);
void emu_runner_fini(void);
void emu_runner_run(const struct program *p, const struct cpu_state *init, bool via_callbacks,
		    struct outcome *out);

/* reference_kvm.c: 0, or 77 without a usable /dev/kvm, or 1 */
int kvm_runner_init(uint8_t *ram, char *why, size_t why_len);
void kvm_runner_fini(void);
void kvm_runner_run(const struct program *p, const struct cpu_state *init, struct outcome *out);

/* compare.c */
/* What differs: bits 0-7 the GPRs, then: */
#define DIFF_EIP	(1u << 8)
#define DIFF_EFLAGS	(1u << 9)
#define DIFF_SEG	(1u << 10)	/* 6 bits, ES CS SS DS FS GS */
#define DIFF_STATUS	(1u << 16)	/* one halted, the other did not */
#define DIFF_MEMORY	(1u << 17)
struct verdict {
	bool mismatch;
	uint32_t fields;		/* DIFF_* and GPR bits */
	unsigned nr_bytes;		/* memory bytes that differ */
};
/* The names of the fields in a DIFF_* mask, e.g. "EAX EFLAGS memory". */
void diff_names(char *out, size_t len, uint32_t fields);
void compare(const struct outcome *emu, const struct outcome *kvm, struct verdict *v);
void print_mismatch(FILE *f, const struct test_case *tc, const struct program *p, const struct outcome *emu,
		    const struct outcome *kvm);
void print_state(FILE *f, const char *title, const struct cpu_state *s);

/* main.c: one test case through both runners, cut where either needs it. */
struct case_result {
	enum { CASE_MATCH, CASE_MISMATCH, CASE_NO_REFERENCE, CASE_ERROR } kind;
	struct outcome emu, kvm;
	struct verdict verdict;
	unsigned nr_cuts;
	struct { enum cut_reason reason; uint16_t id; char detail[120]; } cuts[8];
	struct program prog;		/* last: run_case clears what is before it */
};
void run_case(const struct test_case *tc, struct case_result *res);
extern uint8_t *emu_ram, *kvm_ram;

/* minimize.c */
void minimize(struct test_case *tc, struct case_result *res);

#endif

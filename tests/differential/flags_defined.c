/*
 * emu-diff - which flags each instruction reads, defines, and leaves
 * undefined (Intel SDM vol. 2, each instruction's "Flags Affected"), for
 * the instruction as it runs: shifts and rotates depend on their count,
 * REP CMPS/SCAS on whether they iterate at all.
 *
 * run_emu.c keeps the set of flags left undefined so far. A flag is
 * compared at the end only if it is defined; an instruction that reads an
 * undefined one (Jcc, SETcc, ADC, PUSHF, LAHF, ...) would make the rest
 * of the run depend on it, so the run is cut just before that instruction
 * (see run_emu.c).
 */
#include <capstone/capstone.h>

#include "diff.h"

enum flag_class {
	FX_NONE,		/* no arithmetic flag read or written */
	FX_ARITH,		/* ADD SUB CMP NEG CMPXCHG XADD: all six */
	FX_CARRY_ARITH,		/* ADC SBB: all six from CF */
	FX_INC_DEC,		/* all but CF */
	FX_LOGIC,		/* OF CF cleared, SF ZF PF; AF undefined */
	FX_MUL,			/* OF CF; SF ZF AF PF undefined */
	FX_DIV,			/* all six undefined */
	FX_SHIFT,		/* SHL SAL SHR SAR */
	FX_ROTATE,		/* ROL ROR */
	FX_ROTATE_CARRY,	/* RCL RCR */
	FX_DOUBLE_SHIFT,	/* SHLD SHRD */
	FX_BIT_TEST,		/* BT BTS BTR BTC: CF; OF SF AF PF undefined */
	FX_BIT_SCAN,		/* BSF BSR: ZF; the rest undefined */
	FX_CONDITION,		/* Jcc SETcc: read by condition code */
	FX_LOOP_Z,		/* LOOPE LOOPNE: read ZF */
	FX_INTO,		/* read OF */
	FX_SAHF,		/* SF ZF AF PF CF from AH */
	FX_READ_ALL,		/* PUSHF, LAHF: their result holds the flags */
	FX_WRITE_ALL,		/* POPF */
	FX_CARRY_SET,		/* CLC STC */
	FX_CMC,			/* reads and writes CF */
	FX_DECIMAL_ADJUST,	/* DAA DAS: read AF CF; OF undefined */
	FX_ASCII_ADJUST,	/* AAA AAS: read AF; AF CF; OF SF ZF PF undefined */
	FX_ASCII_MULDIV,	/* AAM AAD: SF ZF PF; OF AF CF undefined */
	FX_STRING_COMPARE,	/* CMPS SCAS: all six, if an iteration runs */
};

static const struct {
	uint16_t id;
	uint8_t cls;
} classes[] = {
	{ X86_INS_ADD, FX_ARITH }, { X86_INS_SUB, FX_ARITH }, { X86_INS_CMP, FX_ARITH },
	{ X86_INS_NEG, FX_ARITH }, { X86_INS_CMPXCHG, FX_ARITH }, { X86_INS_XADD, FX_ARITH },
	{ X86_INS_ADC, FX_CARRY_ARITH }, { X86_INS_SBB, FX_CARRY_ARITH },
	{ X86_INS_INC, FX_INC_DEC }, { X86_INS_DEC, FX_INC_DEC },
	{ X86_INS_AND, FX_LOGIC }, { X86_INS_OR, FX_LOGIC }, { X86_INS_XOR, FX_LOGIC },
	{ X86_INS_TEST, FX_LOGIC },
	{ X86_INS_MUL, FX_MUL }, { X86_INS_IMUL, FX_MUL },
	{ X86_INS_DIV, FX_DIV }, { X86_INS_IDIV, FX_DIV },
	{ X86_INS_SHL, FX_SHIFT }, { X86_INS_SAL, FX_SHIFT }, { X86_INS_SHR, FX_SHIFT },
	{ X86_INS_SAR, FX_SHIFT },
	{ X86_INS_ROL, FX_ROTATE }, { X86_INS_ROR, FX_ROTATE },
	{ X86_INS_RCL, FX_ROTATE_CARRY }, { X86_INS_RCR, FX_ROTATE_CARRY },
	{ X86_INS_SHLD, FX_DOUBLE_SHIFT }, { X86_INS_SHRD, FX_DOUBLE_SHIFT },
	{ X86_INS_BT, FX_BIT_TEST }, { X86_INS_BTS, FX_BIT_TEST }, { X86_INS_BTR, FX_BIT_TEST },
	{ X86_INS_BTC, FX_BIT_TEST },
	{ X86_INS_BSF, FX_BIT_SCAN }, { X86_INS_BSR, FX_BIT_SCAN },
	{ X86_INS_JO, FX_CONDITION }, { X86_INS_JNO, FX_CONDITION }, { X86_INS_JB, FX_CONDITION },
	{ X86_INS_JAE, FX_CONDITION }, { X86_INS_JE, FX_CONDITION }, { X86_INS_JNE, FX_CONDITION },
	{ X86_INS_JBE, FX_CONDITION }, { X86_INS_JA, FX_CONDITION }, { X86_INS_JS, FX_CONDITION },
	{ X86_INS_JNS, FX_CONDITION }, { X86_INS_JP, FX_CONDITION }, { X86_INS_JNP, FX_CONDITION },
	{ X86_INS_JL, FX_CONDITION }, { X86_INS_JGE, FX_CONDITION }, { X86_INS_JLE, FX_CONDITION },
	{ X86_INS_JG, FX_CONDITION },
	{ X86_INS_SETO, FX_CONDITION }, { X86_INS_SETNO, FX_CONDITION }, { X86_INS_SETB, FX_CONDITION },
	{ X86_INS_SETAE, FX_CONDITION }, { X86_INS_SETE, FX_CONDITION }, { X86_INS_SETNE, FX_CONDITION },
	{ X86_INS_SETBE, FX_CONDITION }, { X86_INS_SETA, FX_CONDITION }, { X86_INS_SETS, FX_CONDITION },
	{ X86_INS_SETNS, FX_CONDITION }, { X86_INS_SETP, FX_CONDITION }, { X86_INS_SETNP, FX_CONDITION },
	{ X86_INS_SETL, FX_CONDITION }, { X86_INS_SETGE, FX_CONDITION }, { X86_INS_SETLE, FX_CONDITION },
	{ X86_INS_SETG, FX_CONDITION },
	{ X86_INS_LOOPE, FX_LOOP_Z }, { X86_INS_LOOPNE, FX_LOOP_Z }, { X86_INS_INTO, FX_INTO },
	{ X86_INS_SAHF, FX_SAHF }, { X86_INS_LAHF, FX_READ_ALL }, { X86_INS_PUSHF, FX_READ_ALL },
	{ X86_INS_PUSHFD, FX_READ_ALL }, { X86_INS_POPF, FX_WRITE_ALL }, { X86_INS_POPFD, FX_WRITE_ALL },
	{ X86_INS_CLC, FX_CARRY_SET }, { X86_INS_STC, FX_CARRY_SET }, { X86_INS_CMC, FX_CMC },
	{ X86_INS_DAA, FX_DECIMAL_ADJUST }, { X86_INS_DAS, FX_DECIMAL_ADJUST },
	{ X86_INS_AAA, FX_ASCII_ADJUST }, { X86_INS_AAS, FX_ASCII_ADJUST },
	{ X86_INS_AAM, FX_ASCII_MULDIV }, { X86_INS_AAD, FX_ASCII_MULDIV },
	{ X86_INS_CMPSB, FX_STRING_COMPARE }, { X86_INS_CMPSW, FX_STRING_COMPARE },
	{ X86_INS_CMPSD, FX_STRING_COMPARE }, { X86_INS_SCASB, FX_STRING_COMPARE },
	{ X86_INS_SCASW, FX_STRING_COMPARE }, { X86_INS_SCASD, FX_STRING_COMPARE },
};

static uint8_t class_of[X86_INS_ENDING];
static bool classes_ready;

static void init_classes(void)
{
	for (unsigned i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		class_of[classes[i].id] = classes[i].cls;
	classes_ready = true;
}

/* The flags condition code cc (Jcc 70+cc) looks at. */
static uint32_t condition_reads(unsigned cc)
{
	static const uint32_t by_pair[8] = {
		FL_OF, FL_CF, FL_ZF, FL_CF | FL_ZF, FL_SF, FL_PF, FL_SF | FL_OF, FL_ZF | FL_SF | FL_OF,
	};

	return by_pair[(cc >> 1) & 7];
}

static unsigned shift_count(const struct insn_facts *f, uint32_t ecx)
{
	switch (f->count_kind) {
	case COUNT_ONE: return 1;
	case COUNT_CL: return ecx & 0xff;
	case COUNT_IMM: return f->count_imm;
	default: return 0;
	}
}

/* SHL SAL SHR SAR by a masked count c (not 0): CF is the last bit
 * shifted out, undefined for SHL/SHR when c >= the width; OF only for
 * c = 1; AF undefined. */
static void shift(const struct insn_facts *f, unsigned c, struct flag_effect *e)
{
	e->defined = FL_CF | FL_SF | FL_ZF | FL_PF | FL_OF;
	e->undefined = FL_AF;
	if (c != 1)
		e->undefined |= FL_OF;
	if (f->id != X86_INS_SAR && c >= f->size * 8u)
		e->undefined |= FL_CF;
}

/* SHLD SHRD by a masked count c (not 0): as a shift; with c greater than
 * the width (16-bit operands only) the result and the flags are undefined. */
static void double_shift(const struct insn_facts *f, unsigned c, struct flag_effect *e)
{
	e->defined = FL_CF | FL_SF | FL_ZF | FL_PF | FL_OF;
	e->undefined = FL_AF | (c != 1 ? FL_OF : 0);
	if (c > f->size * 8u) {
		e->undefined = FL_ARITH;
		e->result_undefined = true;
	}
}

void flag_effect(const struct insn_facts *f, uint32_t ecx, struct flag_effect *e)
{
	unsigned masked = shift_count(f, ecx) & 31;
	bool iterates;

	if (!classes_ready)
		init_classes();
	*e = (struct flag_effect){ 0 };
	/* BSWAP of a 16-bit register: "the result is undefined". */
	e->result_undefined = f->id == X86_INS_BSWAP && f->size == 2;
	switch ((enum flag_class)class_of[f->id]) {
	case FX_NONE:
		break;
	case FX_CARRY_ARITH:
		e->read = FL_CF;
		/* fall through */
	case FX_ARITH:
		e->defined = FL_ARITH;
		break;
	case FX_INC_DEC:
		e->defined = FL_ARITH & ~FL_CF;
		break;
	case FX_LOGIC:
		e->defined = FL_ARITH & ~FL_AF;
		e->undefined = FL_AF;
		break;
	case FX_MUL:
		e->defined = FL_OF | FL_CF;
		e->undefined = FL_SF | FL_ZF | FL_AF | FL_PF;
		break;
	case FX_DIV:
		/* Also when it faults: the SDM does not tell the cases apart,
		 * and KVM's emulator changes them before raising #DE. */
		e->undefined = e->undefined_on_fault = FL_ARITH;
		break;
	case FX_SHIFT:
		if (masked)
			shift(f, masked, e);
		break;
	case FX_ROTATE:
		if (masked) {
			e->defined = FL_CF | FL_OF;
			e->undefined = masked != 1 ? FL_OF : 0;
		}
		break;
	case FX_ROTATE_CARRY:
		if (masked) {
			e->read = FL_CF;
			e->defined = FL_CF | FL_OF;
			e->undefined = masked != 1 ? FL_OF : 0;
		}
		break;
	case FX_DOUBLE_SHIFT:
		if (masked)
			double_shift(f, masked, e);
		break;
	case FX_BIT_TEST:
		e->defined = FL_CF;
		e->undefined = FL_OF | FL_SF | FL_AF | FL_PF;
		break;
	case FX_BIT_SCAN:
		e->defined = FL_ZF;
		e->undefined = FL_ARITH & ~FL_ZF;
		break;
	case FX_CONDITION:
		e->read = condition_reads(f->cc);
		break;
	case FX_LOOP_Z:
		e->read = FL_ZF;
		break;
	case FX_INTO:
		e->read = FL_OF;
		break;
	case FX_SAHF:
		e->defined = FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF;
		break;
	case FX_READ_ALL:
		e->read = f->id == X86_INS_LAHF ? FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF : FL_ARITH;
		break;
	case FX_WRITE_ALL:
		e->defined = FL_ARITH;
		break;
	case FX_CARRY_SET:
		e->defined = FL_CF;
		break;
	case FX_CMC:
		e->read = e->defined = FL_CF;
		break;
	case FX_DECIMAL_ADJUST:
		e->read = FL_AF | FL_CF;
		e->defined = FL_CF | FL_AF | FL_SF | FL_ZF | FL_PF;
		e->undefined = FL_OF;
		break;
	case FX_ASCII_ADJUST:
		e->read = FL_AF;
		e->defined = FL_AF | FL_CF;
		e->undefined = FL_OF | FL_SF | FL_ZF | FL_PF;
		break;
	case FX_ASCII_MULDIV:
		e->defined = FL_SF | FL_ZF | FL_PF;
		e->undefined = FL_OF | FL_AF | FL_CF;
		break;
	case FX_STRING_COMPARE:
		iterates = !f->rep || (f->addr32 ? ecx : ecx & 0xffff) != 0;
		e->defined = iterates ? FL_ARITH : 0;
		break;
	}
}

/*
 * fuzz_emulate: the machine an input describes (its header, memory and
 * callbacks), shared by the target (fuzz_emulate.c) and its set-up
 * (fuzz_emulate_machine.c).
 */
#ifndef LIBVCPU_FUZZ_EMULATE_H
#define LIBVCPU_FUZZ_EMULATE_H

#include <stdbool.h>
#include <stdint.h>

#include "libvcpu/emulate.h"

#include "fuzz.h"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define HIGH_SIZE	0x1000u
#define MAX_REP_STEPS	8	/* REP string steps: each may run 64K iterations */
#define MAX_INSN	15
#define STACK_SLACK	256	/* bytes below SP a refused push may have written */
#define HANDLER_BASE	0x500u	/* vector v's handler: 0050:v, an IRET */
#define ERR_LEAF	0x4000ffffu	/* CPUID leaf the callback refuses */

#define FL_TF	(1u << 8)
#define FL_IF	(1u << 9)
#define FL_IOPL	(3u << 12)
#define FL_VM	(1u << 17)
#define FL_ARITH 0x8d5u
/* Always 1: bit 1. Always 0: bits 3, 5, 15 and 22-31. */
#define FL_FIXED1	0x2u
#define FL_FIXED0	0xffc08028u
#define CR0_PE	1u
#define CR0_PG	(1u << 31)

enum { ES, CS, SS, DS, FS, GS, NR_SEGS };
enum { AX, CX, DX, BX, SP, BP, SI, DI, NR_GPRS };

static const uint32_t low_sizes[] = { 0x1000, 0x4000, 0x8000, 0x10000 };
static const uint32_t window_sizes[] = { 0, 0x1000, 0x4000, 0x10000 };
static const uint64_t high_bases[] = { 0, 0xff800, 0x100000, 0xfffff000 };
static const unsigned cache_sizes[] = { 2, 64, 1024, 4096 };

/* layout */
#define L_WINDOW(b)	((b) & 3)
#define L_LOW(b)	(((b) >> 2) & 3)
#define L_HIGH(b)	(((b) >> 4) & 3)
#define L_OPEN_BUS	(1u << 6)
#define L_RAW_CS_IP	(1u << 7)	/* CS:IP as given, even outside memory */
/* mode */
#define M_VM86		(1u << 0)
#define M_PROTECTED	(1u << 1)
#define M_CODE32	(1u << 2)	/* protected mode: a 32-bit CS */
#define M_A20_OFF	(1u << 3)
#define M_IO_BITMAP	(1u << 4)
#define M_NO_OPS	(1u << 5)	/* no io, cpuid, rdtsc callbacks */
#define M_INJECT	(1u << 6)
#define M_UNREAL	(1u << 7)	/* data segments with 4 GiB limits */

/* The input's header, in input order (fuzz_take, little-endian). */
struct config {
	uint8_t layout, mode;		/* L_*, M_* */
	uint8_t cache;			/* cache_sizes[] index in bits 0-1, chunk - 1 above */
	uint8_t steps;			/* steps - 1: at most 256 */
	uint8_t intercepts;		/* EMU_INTERCEPT_* */
	uint32_t exceptions;		/* the exception bitmap */
	uint8_t cr0_bits;		/* MP EM TS NE in bits 0-3, CR4.TSD 5, CR0.PG 7 */
	uint8_t shadow;			/* interruptibility: STI 0, MOV SS 1 */
	uint8_t inject_vector, io_bitmap_fill;
	uint16_t err_port;
	uint32_t idtr_base;
	uint16_t idtr_limit;
	uint32_t gdtr_base;
	uint16_t gdtr_limit;
	uint32_t gpr[NR_GPRS], eflags;
	uint16_t sel[NR_SEGS], ip;
	const uint8_t *code;
	uint8_t code_len;
	const uint8_t *patches;		/* (phys:3, len:1, bytes)... */
	size_t patches_len;
};

/* A refused or served callback access, for the invariants. */
struct access {
	uint64_t phys;
	unsigned len;
	bool write;
};

struct machine {
	const struct config *c;
	uint32_t window_size, low_size;
	uint64_t high_base;
	uint8_t *window, *low, *high;	/* [0, window) [window, low) [high, +4K) */
	struct emu *emu;
	uint32_t io_count, tsc;
	unsigned refusals;
	struct access refused;		/* the last one */
};

extern uint8_t io_bitmap[8192];


/* fuzz_emulate_machine.c */
uint8_t *mem_byte(const struct machine *m, uint64_t phys);
void parse(struct fuzz_input *in, struct config *c);
void machine_start(struct machine *m, const struct config *c);
void machine_free(struct machine *m);

#endif

/*
 * libvcpu emulator - the arithmetic flags, computed eagerly and exactly
 * (SDM Vol. 1 Appendix A, "EFLAGS Cross-Reference").
 */
#include "emu_internal.h"

/* 1 where the byte has an even number of set bits (PF is set). */
#define P2(n) n, n ^ 1, n ^ 1, n
#define P4(n) P2(n), P2(n ^ 1), P2(n ^ 1), P2(n)
#define P6(n) P4(n), P4(n ^ 1), P4(n ^ 1), P4(n)
const uint8_t emu_parity[256] = { P6(1), P6(0), P6(0), P6(1) };

bool emu_condition(const struct emu *e, unsigned cc)
{
	uint32_t f = e->eflags;
	bool sf_ne_of = !(f & F_SF) != !(f & F_OF);
	bool r;

	switch (cc >> 1) {
	case 0: r = f & F_OF; break;			/* O */
	case 1: r = f & F_CF; break;			/* B */
	case 2: r = f & F_ZF; break;			/* E */
	case 3: r = f & (F_CF | F_ZF); break;		/* BE */
	case 4: r = f & F_SF; break;			/* S */
	case 5: r = f & F_PF; break;			/* P */
	case 6: r = sf_ne_of; break;			/* L */
	default: r = sf_ne_of || (f & F_ZF); break;	/* LE */
	}
	return (cc & 1) ? !r : r;
}


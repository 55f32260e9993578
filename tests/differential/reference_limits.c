/*
 * emu-diff - where KVM, the reference, is known to differ from the
 * processor. On this host (no VT-x: kvm_pvm) KVM runs real-mode code in
 * the kernel's x86 instruction emulator (arch/x86/kvm/emulate.c) and
 * delivers the exceptions it raises itself through its own real-mode
 * injection. Each case below was found by this tool as a mismatch class,
 * minimised, and decided against the Intel SDM (and Bochs where the SDM
 * leaves room). They are kept narrow: only what KVM gets wrong is left
 * out of the comparison, and everything else about the case is compared.
 */
#include <capstone/capstone.h>

#include "diff.h"

/* INT3, and INTO when it traps: delivered by KVM's emulator itself. */
static bool software_interrupt(const struct insn_facts *f, uint32_t eflags)
{
	return f->id == X86_INS_INT3 || (f->id == X86_INS_INTO && (eflags & FL_OF));
}

/* POPA/POPAD: does the SP slot they skip lie across offset FFFFh? */
static bool popa_skips_across_limit(const struct insn_facts *f, uint32_t esp)
{
	if (f->id == X86_INS_POPAW)
		return ((esp + 6) & 0xffff) == 0xffff;
	return f->id == X86_INS_POPAL && ((esp + 12) & 0xffff) > 0xfffc;
}

/* ENTER (nesting level 0; KVM refuses the others): would a value of the
 * operand size at the new SS:SP lie across offset FFFFh? */
static bool enter_top_across_limit(const struct insn_facts *f, uint32_t esp)
{
	unsigned size = f->opsize32 ? 4 : 2;

	return f->id == X86_INS_ENTER && ((esp - size - f->frame_size) & 0xffff) > 0x10000 - size;
}

/* Instructions whose whole result KVM gets wrong here: the run is cut
 * before them (counted "without reference"). */
const char *kvm_wrong_for(const struct insn_facts *f, uint32_t eflags, uint32_t esp)
{
	bool delivers = software_interrupt(f, eflags);

	/* With 66, KVM pushes the real-mode interrupt frame of INT3/INTO
	 * as three dwords (its emulator pushes with the operand size). The
	 * processor pushes FLAGS, CS and IP as words whatever the operand
	 * size (SDM vol. 2, INT n/INTO/INT3, REAL-ADDRESS-MODE: Push
	 * (EFLAGS[15:0]); Push(CS); Push(IP)). */
	if (delivers && f->opsize32)
		return "INT3/INTO with 66: KVM pushes a 32-bit frame";
	/* With TF set, KVM raises a single-step #DB after INT3 or INTO,
	 * with the handler's first instruction as the return address: two
	 * frames. The processor clears TF on entering the handler and takes
	 * no single-step trap for INT n, INT3 or INTO (SDM vol. 3, "Single-
	 * Step Exception Condition": debuggers "must recognize and emulate
	 * INT n or INTO instructions rather than executing them directly";
	 * Bochs discards the pending trap when it delivers any interrupt). */
	if (delivers && (eflags & FL_TF))
		return "INT3/INTO with TF: KVM adds a single-step #DB";
	/* With 66, KVM's ENTER pushes BP with the stack's size, 2 bytes;
	 * the processor pushes EBP, 4 bytes (SDM vol. 2, ENTER: with a
	 * 32-bit operand size Push(EBP), "(E)SP decrements by 4"; Bochs's
	 * ENTER32 likewise). */
	if (f->id == X86_INS_ENTER && f->opsize32)
		return "ENTER with 66: KVM pushes BP as 2 bytes";
	/* KVM's POPA steps over the SP slot without reading it; the
	 * emulator reads it, as Bochs does. The SDM's operation says "skip
	 * next 2 (4) bytes of stack", its real-address-mode exceptions #SS
	 * "if the starting or ending stack address is not within the stack
	 * segment". Only where the slot lies across offset FFFFh do the two
	 * differ (#SS or not): undecided, so no reference there. */
	if (popa_skips_across_limit(f, esp))
		return "POPA whose skipped SP slot crosses the limit: KVM does not read it";
	/* ENTER ends by checking that the new top of stack can be written
	 * (Bochs: "ENTER finishes with memory write check on the final stack
	 * pointer"; the SDM: #SS "if the new value of the SP or ESP register
	 * is outside the stack segment limit"); the emulator does, KVM does
	 * not. They differ only where that value lies across offset FFFFh:
	 * undecided by the SDM's words, so no reference there. */
	if (enter_top_across_limit(f, esp))
		return "ENTER whose new top of stack crosses the limit: KVM does not check it";
	return NULL;
}

/* Flags KVM computes wrong after an instruction that completes. */
uint32_t kvm_wrong_flags(const struct insn_facts *f)
{
	/* KVM sets SF and ZF after AAM and AAD from the whole destination
	 * (AX, or EAX with 66) instead of AL (seen: AAM leaving AL = A5h
	 * with SF clear; AAD with EAX = FD3B0000h leaving ZF clear). SDM vol.
	 * 2, AAM/AAD: "The SF, ZF, and PF flags are set according to the
	 * resulting binary value in the AL register." PF comes out right. */
	if (f->id == X86_INS_AAM || f->id == X86_INS_AAD)
		return FL_SF | FL_ZF;
	return 0;
}

/* Flags KVM gets wrong when the instruction faults. */
uint32_t kvm_wrong_flags_after_fault(const struct insn_facts *f, uint32_t ecx_before, uint32_t ecx_after)
{
	bool compare = f->id == X86_INS_CMPSB || f->id == X86_INS_CMPSW || f->id == X86_INS_CMPSD ||
		       f->id == X86_INS_SCASB || f->id == X86_INS_SCASW || f->id == X86_INS_SCASD;

	/* A REP CMPS/SCAS that faults after some iterations: KVM keeps the
	 * counts and pointers of the iterations done but not their flags
	 * (FLAGS as before the instruction). The processor keeps the state
	 * of the iterations done, flags included, so that the instruction
	 * can be resumed (SDM vol. 2, REP: "the state of the registers is
	 * preserved to allow the string operation to be resumed"). */
	if (compare && f->rep && ecx_before != ecx_after)
		return FL_ARITH;
	return 0;
}

/* KVM delivers the exceptions it raises itself (all but INT3 and INTO,
 * which its emulator delivers) with ESP[31:16] cleared. On a 16-bit stack
 * the processor pushes through SP alone and leaves ESP[31:16] as they
 * were (SDM vol. 1, "Address-Size Attributes for Stack Accesses"). Only
 * ESP's upper half goes uncompared then. */
bool kvm_wrong_esp_high(const struct insn_facts *f, uint32_t eflags_before, uint32_t esp)
{
	return !software_interrupt(f, eflags_before) && (esp >> 16) != 0;
}

/*
 * KVM's delivery of its own exceptions checks no segment limit: with an
 * odd SP below 6, where a word of the frame lies across offset FFFFh, it
 * writes the word there (past the limit, SS:FFFF and SS:10000) and goes
 * on (or writes a byte and shuts down). The processor faults on the push
 * (SDM vol. 2, INT n, REAL-ADDRESS-MODE: "IF stack not large enough for a
 * 6-byte return information THEN #SS"), faults again delivering that,
 * and shuts down (vol. 3, "Interrupt 8—Double Fault Exception"): the
 * emulator's triple fault. No reference for a shutdown at such an SP.
 */
bool kvm_wrong_shutdown(uint32_t esp_before)
{
	uint32_t sp = esp_before & 0xffff;

	return (sp & 1) && sp < 6;
}

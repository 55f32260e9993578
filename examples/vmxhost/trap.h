/* vmxhost: exceptions in the host, reported and fatal. */
#ifndef VMXHOST_TRAP_H
#define VMXHOST_TRAP_H

#include <stdint.h>

#define TRAP_VECTORS 32

/* What isr.S leaves on the stack: its pushes, then the processor's frame. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* The entry points in isr.S, by vector. */
extern const uint64_t isr_table[TRAP_VECTORS];

/* Called by isr.S: prints the exception and the registers, then ends the
 * run as failed. */
_Noreturn void trap_report(const struct trap_frame *f);

#endif

/* vmxhost: an exception in the host is reported, then ends the run. */
#include <stdint.h>

#include "console.h"
#include "host.h"
#include "scenario.h"
#include "trap.h"

static const char *const vector_names[TRAP_VECTORS] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved (15)", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD exception", "#VE virtualization exception",
	"#CP control protection", "reserved (22)", "reserved (23)", "reserved (24)",
	"reserved (25)", "reserved (26)", "reserved (27)", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security exception", "reserved (31)",
};

void trap_report(const struct trap_frame *f)
{
	const char *scenario = scenario_current();
	const char *name = f->vector < TRAP_VECTORS ? vector_names[f->vector] : "?";

	if (scenario)
		kprintf("FAIL %s: exception %s\n", scenario, name);
	kprintf("vmxhost: exception %s (vector %lu), error code %#lx, at %#lx:%#lx, rflags %#lx\n",
		name, f->vector, f->error, f->cs, f->rip, f->rflags);
	if (f->vector == 14) {
		uint64_t cr2;

		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
		kprintf("  cr2 %#lx\n", cr2);
	}
	kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", f->rsi, f->rdi, f->rbp, f->rsp);
	kprintf("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", f->r8, f->r9, f->r10, f->r11);
	kprintf("  r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", f->r12, f->r13, f->r14, f->r15);
	kprintf("  (addr2line -e vmxhost.elf %#lx names the faulting line)\n", f->rip);
	host_exit(false);
}

/* Capstone, as Debian builds it, checks a canary on its stack frames. */
_Noreturn void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	console_panic("stack smashing detected (a Capstone stack canary changed)");
}

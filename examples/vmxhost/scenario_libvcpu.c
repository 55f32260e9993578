/*
 * vmxhost scenarios: libvcpu itself in ring 0, before any VMX: the core,
 * the instruction emulator and Capstone on the kernel's C runtime, running
 * minivm's demo guest on the emulate backend.
 */
#include <string.h>

#include "demo_guest.h"
#include "scenario.h"

#define DEMO_LAST_LINE "Halting with interrupts off (CLI; HLT). Bye.\n"

static int emulate_demo_guest(void)
{
	static struct demo_guest_run run;	/* 2 KiB of output: not on the stack */
	int r = demo_guest_run("emulate", &run);

	demo_guest_print(&run);
	if (r < 0)
		return scenario_fail("%s", run.detail);
	if (run.output_len < strlen(DEMO_LAST_LINE) ||
	    strcmp(run.output + run.output_len - strlen(DEMO_LAST_LINE), DEMO_LAST_LINE) != 0)
		return scenario_fail("the guest's output does not end with its last line");
	if (run.exits[VMX_EXIT_REASON_CPUID] != 1 || run.exits[VMX_EXIT_REASON_HLT] != 1)
		return scenario_fail("%u CPUID and %u HLT exits, expected one each",
				     run.exits[VMX_EXIT_REASON_CPUID], run.exits[VMX_EXIT_REASON_HLT]);
	return 0;
}

SCENARIOS(libvcpu,
	{ "emulate-demo-guest", emulate_demo_guest });

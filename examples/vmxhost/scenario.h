/*
 * vmxhost: scenarios, the kernel's tests. A scenario returns 0 when it
 * passed; otherwise it returns scenario_fail("why"), whose message ends its
 * FAIL line. Details go to kprintf, indented two spaces. A scenario leaves
 * the CPU as it found it (out of VMX operation, CR4.VMXE as it was) and
 * frees what it allocated.
 *
 * Scenarios come in groups, one file per group (scenario_<group>.c):
 *
 *	static int cpuid_exit(void) { ... }
 *	SCENARIOS(vmx_exits,
 *		{ "vmx-cpuid-exit", cpuid_exit },
 *		{ "vmx-hlt-exit", hlt_exit });
 *
 * and one line per group in scenario_groups.h, SCENARIO_GROUP(vmx_exits),
 * which sets the order groups run in; the file goes in meson.build's
 * vmxhost_scenario_sources. Groups that need the raw VMX backend go in the
 * parts of both that are built only with it (LIBVCPU_HAVE_VMX_RAW).
 */
#ifndef VMXHOST_SCENARIO_H
#define VMXHOST_SCENARIO_H

#include <stddef.h>

#include "host.h"

struct scenario {
	const char *name;
	int (*run)(void);
};

struct scenario_group {
	const char *name;
	const struct scenario *list;
	size_t count;
};

#define SCENARIOS(group, ...)							\
	static const struct scenario group##_list[] = { __VA_ARGS__ };		\
	extern const struct scenario_group scenario_group_##group;		\
	const struct scenario_group scenario_group_##group = {			\
		#group, group##_list, sizeof(group##_list) / sizeof(group##_list[0]) \
	}

/* Records why the running scenario failed; returns 1 (its result). */
int scenario_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The scenario running now, or NULL; exception reports name it. */
const char *scenario_current(void);

/* Runs every group in scenario_groups.h, prints one PASS or FAIL line per
 * scenario and "N passed, N failed"; returns the number that failed. */
unsigned scenarios_run(void);

#endif

/*
 * emu-diff - a mismatching test case made smaller while it still
 * mismatches: units dropped one at a time (branches into a dropped unit
 * go to the one after it), then registers and flags made plainer.
 */
#include <string.h>

#include "diff.h"

static struct test_case trial;
static struct case_result trial_result;

/* Keep `trial` if it still mismatches (or the emulator still fails). */
static bool try_trial(struct test_case *tc, struct case_result *res)
{
	run_case(&trial, &trial_result);
	if (trial_result.kind != res->kind)
		return false;
	*tc = trial;
	*res = trial_result;
	return true;
}

static void drop_unit(struct test_case *t, unsigned i)
{
	memmove(&t->unit[i], &t->unit[i + 1], (t->nr_units - i - 1) * sizeof(t->unit[0]));
	t->nr_units--;
	for (unsigned j = 0; j < t->nr_units; j++)
		if (t->unit[j].target > i)
			t->unit[j].target--;
}

static bool drop_units(struct test_case *tc, struct case_result *res)
{
	bool progress = false;

	for (unsigned i = tc->nr_units; i-- > 0;) {
		trial = *tc;
		drop_unit(&trial, i);
		progress |= try_trial(tc, res);
	}
	return progress;
}

/* Each register: its low 16 bits, then 0; FLAGS: the arithmetic flags
 * and IF cleared, then DF. SP and the segments stay. */
static bool plainer_state(struct test_case *tc, struct case_result *res)
{
	static const uint32_t gpr_masks[] = { 0xffff, 0 };
	static const uint32_t flag_masks[] = { ~(FL_ARITH | FL_IF | 0x7000u), ~FL_DF };
	bool progress = false;

	for (unsigned i = 0; i < 8; i++) {
		for (unsigned m = 0; m < 2 && i != 4; m++) {
			if ((tc->init.gpr[i] & gpr_masks[m]) == tc->init.gpr[i])
				continue;
			trial = *tc;
			trial.init.gpr[i] &= gpr_masks[m];
			progress |= try_trial(tc, res);
		}
	}
	for (unsigned m = 0; m < 2; m++) {
		if ((tc->init.eflags & flag_masks[m]) == tc->init.eflags)
			continue;
		trial = *tc;
		trial.init.eflags &= flag_masks[m];
		progress |= try_trial(tc, res);
	}
	return progress;
}

void minimize(struct test_case *tc, struct case_result *res)
{
	while (drop_units(tc, res) || plainer_state(tc, res))
		;
}

/* vmxhost: the scenario runner (see scenario.h). */
#include <stdarg.h>

#include "fmt.h"
#include "scenario.h"

#define SCENARIO_GROUP(g) extern const struct scenario_group scenario_group_##g;
#include "scenario_groups.h"
#undef SCENARIO_GROUP

static const struct scenario_group *const groups[] = {
#define SCENARIO_GROUP(g) &scenario_group_##g,
#include "scenario_groups.h"
#undef SCENARIO_GROUP
};

static const char *current;
static char why[256];

int scenario_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return 1;
}

const char *scenario_current(void)
{
	return current;
}

unsigned scenarios_run(void)
{
	unsigned passed = 0, failed = 0;

	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		for (size_t i = 0; i < groups[g]->count; i++) {
			const struct scenario *s = &groups[g]->list[i];

			kprintf("--- %s\n", s->name);
			current = s->name;
			why[0] = '\0';
			int r = s->run();

			current = NULL;
			if (r == 0) {
				kprintf("PASS %s\n", s->name);
				passed++;
			} else {
				kprintf("FAIL %s: %s\n", s->name, why[0] ? why : "(no reason given)");
				failed++;
			}
		}
	}
	kprintf("%u passed, %u failed\n", passed, failed);
	return failed;
}

/* ple-sim's experiment: the runs of a sweep and its table. */
#include <stdio.h>

#include "sweep.h"

static int run_point(const struct sweep *sw, enum sim_policy policy, uint32_t window_us,
		     struct sim_result *out, char *err, size_t err_size)
{
	struct sim_params p = sw->base;
	int r;

	p.policy = policy;
	p.ple_window_us = window_us;
	r = sim_run(&p, out);
	if (r < 0)
		snprintf(err, err_size, "%s, window %u us: %s", sim_policy_name(policy), window_us, out->error);
	return r;
}

int sweep_run(struct sweep *sw, char *err, size_t err_size)
{
	int r = run_point(sw, SIM_NO_PLE, 0, &sw->no_ple, err, err_size);

	for (unsigned pol = SIM_PLE_NO_YIELD; r == 0 && pol < SIM_NR_POLICIES; pol++)
		for (unsigned w = 0; r == 0 && w < sw->nr_windows; w++)
			r = run_point(sw, (enum sim_policy)pol, sw->window_us[w], &sw->ple[pol][w], err, err_size);
	return r;
}

static void print_row(FILE *f, const struct sim_params *p, const char *policy, const char *window,
		      const struct sim_result *r)
{
	fprintf(f, "%-14s %7s %9.0f %6.1f %6.1f %7.1f %10llu %7llu %7llu %8llu %6llu %5llu %5.2f\n", policy,
		window, sim_throughput(p, r), sim_percent(p, r, SIM_T_SPIN), sim_percent(p, r, SIM_T_EXIT),
		sim_percent(p, r, SIM_T_SWITCH), (unsigned long long)r->sched.pause_exits,
		(unsigned long long)r->sched.yields, (unsigned long long)r->yields_to_holder,
		(unsigned long long)r->sched.hints,
		(unsigned long long)r->sched.migrations, (unsigned long long)r->holder_preemptions,
		sim_fairness(p, r));
}

void sweep_print(FILE *f, const struct sweep *sw, const char *title)
{
	const struct sim_params *p = &sw->base;
	char window[16];

	fprintf(f, "%s: %u VCPUs on %u CPUs, %.2f s simulated per row, seed %llu; %% of all CPU time, "
		"counts per run\n", title, p->nr_vcpus, p->nr_pcpus, (double)p->duration_ns / 1e9,
		(unsigned long long)p->seed);
	fprintf(f, "%-14s %7s %9s %6s %6s %7s %10s %7s %7s %8s %6s %5s %5s\n", "policy", "window", "acq/s",
		"spin%", "exit%", "switch%", "PAUSE-exit", "yields", "to-hold", "hints", "migr", "LHP", "fair");
	print_row(f, p, sim_policy_name(SIM_NO_PLE), "-", &sw->no_ple);
	for (unsigned pol = SIM_PLE_NO_YIELD; pol < SIM_NR_POLICIES; pol++) {
		for (unsigned w = 0; w < sw->nr_windows; w++) {
			snprintf(window, sizeof(window), "%u us", sw->window_us[w]);
			print_row(f, p, sim_policy_name((enum sim_policy)pol), window, &sw->ple[pol][w]);
		}
	}
}

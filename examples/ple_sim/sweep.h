/*
 * ple-sim's experiment: the no-PLE baseline and each PLE policy over a
 * range of PLE_Window values, for one setup (VCPUs on CPUs), printed as a
 * table or plotted.
 */
#ifndef PLE_SIM_SWEEP_H
#define PLE_SIM_SWEEP_H

#include <stdio.h>

#include "sim.h"

#define SWEEP_MAX_WINDOWS 16

struct sweep {
	struct sim_params base;		/* all but the policy and window */
	unsigned nr_windows;
	uint32_t window_us[SWEEP_MAX_WINDOWS];	/* ascending */
	struct sim_result no_ple;
	struct sim_result ple[SIM_NR_POLICIES][SWEEP_MAX_WINDOWS];	/* [SIM_NO_PLE] unused */
};

/* Run every point. 0, or the first failure with its message in err. */
int sweep_run(struct sweep *sw, char *err, size_t err_size);

void sweep_print(FILE *f, const struct sweep *sw, const char *title);

/* One SVG with a throughput-against-PLE_Window panel per sweep. */
void sweep_svg(FILE *f, const struct sweep *const *sweeps, const char *const *titles, unsigned n);

#endif

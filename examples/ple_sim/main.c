/*
 * ple-sim: what pause-loop exiting and the yield policies of libvcpu's
 * scheduler do for a guest whose spinlock holders get preempted. Two
 * setups, overcommitted (--vcpus on --pcpus) and not (as many VCPUs as
 * CPUs), each swept over PLE_Window; a table of each, and a plot.
 * README.md describes the model and its parameters.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep.h"

static const uint32_t windows_us[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512 };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ple-sim [options]\n"
		"  --vcpus M          guest VCPUs of the overcommitted setup (8)\n"
		"  --pcpus N          physical CPUs (4); the other setup runs N VCPUs on them\n"
		"  --seconds S        simulated time per point (0.5)\n"
		"  --seed X           seed of the guest's and the scheduler's draws (1)\n"
		"  --slice-us T       the host scheduler's time slice (3000)\n"
		"  --exit-us E        an exit's round trip, PAUSE or hint VMCALL (2)\n"
		"  --switch-us W      a switch to another VCPU (3; +2 if it migrates)\n"
		"  --hint-after-us H  PV guest: spin H before naming the holder (0)\n"
		"  --svg FILE         write the plot of throughput against PLE_Window\n"
		"  --help\n"
		"PLE_Window is swept over 1, 2, 4 ... 512 us (x %u TSC ticks per us).\n",
		SIM_TSC_TICKS_PER_US);
}

static int number(const char *opt, const char *s, double min, double max, double *out)
{
	char *end;

	*out = strtod(s, &end);
	if (end == s || *end || *out < min || *out > max) {
		fprintf(stderr, "ple-sim: %s wants a number from %g to %g, not '%s'\n", opt, min, max, s);
		return -1;
	}
	return 0;
}

static int parse(int argc, char **argv, struct sim_params *p, const char **svg)
{
	static const struct option longopts[] = {
		{ "vcpus", required_argument, NULL, 'm' },
		{ "pcpus", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'x' },
		{ "slice-us", required_argument, NULL, 't' },
		{ "exit-us", required_argument, NULL, 'e' },
		{ "switch-us", required_argument, NULL, 'w' },
		{ "hint-after-us", required_argument, NULL, 'a' },
		{ "svg", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double v;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (number("--vcpus", optarg, 1, SIM_MAX_VCPUS, &v) < 0)
				return -1;
			p->nr_vcpus = (unsigned)v;
			break;
		case 'n':
			if (number("--pcpus", optarg, 1, SIM_MAX_PCPUS, &v) < 0)
				return -1;
			p->nr_pcpus = (unsigned)v;
			break;
		case 's':
			if (number("--seconds", optarg, 1e-3, 100, &v) < 0)
				return -1;
			p->duration_ns = (uint64_t)(v * 1e9);
			break;
		case 'x':
			if (number("--seed", optarg, 0, 1e15, &v) < 0)
				return -1;
			p->seed = (uint64_t)v;
			break;
		case 't':
			if (number("--slice-us", optarg, 10, 1e6, &v) < 0)
				return -1;
			p->slice_ns = (uint32_t)(v * 1000);
			break;
		case 'e':
			if (number("--exit-us", optarg, 0, 1000, &v) < 0)
				return -1;
			p->exit_ns = (uint32_t)(v * 1000);
			break;
		case 'w':
			if (number("--switch-us", optarg, 0, 1000, &v) < 0)
				return -1;
			p->switch_ns = (uint32_t)(v * 1000);
			break;
		case 'a':
			if (number("--hint-after-us", optarg, 0, 1e6, &v) < 0)
				return -1;
			p->hint_after_ns = (uint32_t)(v * 1000);
			break;
		case 'o':
			*svg = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ple-sim: unexpected '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

static int write_svg(const char *path, const struct sweep *over, const struct sweep *fit)
{
	const struct sweep *sweeps[] = { over, fit };
	char titles[2][96];
	const char *t[] = { titles[0], titles[1] };
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		return -1;
	}
	snprintf(titles[0], sizeof(titles[0]), "%u VCPUs on %u CPUs (overcommitted)", over->base.nr_vcpus,
		 over->base.nr_pcpus);
	snprintf(titles[1], sizeof(titles[1]), "%u VCPUs on %u CPUs", fit->base.nr_vcpus, fit->base.nr_pcpus);
	sweep_svg(f, sweeps, t, 2);
	if (fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct sweep over, fit;
	const char *svg = NULL;
	char err[320];

	sim_default_params(&over.base);
	if (parse(argc, argv, &over.base, &svg) < 0)
		return 2;
	over.nr_windows = sizeof(windows_us) / sizeof(windows_us[0]);
	memcpy(over.window_us, windows_us, sizeof(windows_us));
	fit.base = over.base;
	fit.base.nr_vcpus = over.base.nr_pcpus;
	fit.nr_windows = over.nr_windows;
	memcpy(fit.window_us, windows_us, sizeof(windows_us));

	if (sweep_run(&over, err, sizeof(err)) < 0 || sweep_run(&fit, err, sizeof(err)) < 0) {
		fprintf(stderr, "ple-sim: %s\n", err);
		return 1;
	}
	sweep_print(stdout, &over, "overcommitted");
	printf("\n");
	sweep_print(stdout, &fit, "not overcommitted");
	if (svg && write_svg(svg, &over, &fit) < 0)
		return 1;
	return 0;
}

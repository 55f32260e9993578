/*
 * ple-sim's plot: lock throughput against PLE_Window (log2 x axis), one
 * panel per setup, a line per PLE policy and the no-PLE baseline dashed.
 */
#include <math.h>
#include <stdio.h>

#include "sweep.h"

#define PANEL_W 460
#define PANEL_H 340
#define MARGIN_L 78
#define MARGIN_R 16
#define MARGIN_T 40
#define MARGIN_B 92

static const char *const colors[SIM_NR_POLICIES] = {
	[SIM_NO_PLE] = "#222222",
	[SIM_PLE_NO_YIELD] = "#8c8c8c",
	[SIM_PLE_RANDOM] = "#e08214",
	[SIM_PLE_PV_HINT] = "#2166ac",
};

struct frame {
	double x0, y0, w, h;		/* the plot area, in SVG units */
	double lx_min, lx_max;		/* log2 of the window range */
	double y_max;
};

static double fx(const struct frame *fr, double window_us)
{
	double span = fr->lx_max - fr->lx_min;

	return fr->x0 + (span > 0 ? (log2(window_us) - fr->lx_min) / span * fr->w : fr->w / 2);
}

static double fy(const struct frame *fr, double v)
{
	return fr->y0 + fr->h - v / fr->y_max * fr->h;
}

/* 1, 2 or 5 times a power of ten, about a fifth of `max`. */
static double tick_step(double max)
{
	double raw = max / 5, mag = pow(10, floor(log10(raw)));

	if (raw / mag >= 5)
		return 5 * mag;
	return raw / mag >= 2 ? 2 * mag : mag;
}

static double highest(const struct sweep *sw)
{
	double m = sim_throughput(&sw->base, &sw->no_ple);

	for (unsigned pol = SIM_PLE_NO_YIELD; pol < SIM_NR_POLICIES; pol++)
		for (unsigned w = 0; w < sw->nr_windows; w++)
			m = fmax(m, sim_throughput(&sw->base, &sw->ple[pol][w]));
	return m > 0 ? m : 1;
}

static void axes(FILE *f, const struct frame *fr, const struct sweep *sw, const char *title)
{
	double step = tick_step(fr->y_max);

	fprintf(f, "<text x='%.1f' y='%.1f' text-anchor='middle' font-weight='bold'>%s</text>\n",
		fr->x0 + fr->w / 2, fr->y0 - 16, title);
	for (double v = 0; v <= fr->y_max + step / 1e6; v += step) {
		fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#e5e5e5'/>\n", fr->x0, fy(fr, v),
			fr->x0 + fr->w, fy(fr, v));
		fprintf(f, "<text x='%.1f' y='%.1f' text-anchor='end'>%.0f%s</text>\n", fr->x0 - 6, fy(fr, v) + 4,
			v / 1000, v > 0 ? "k" : "");
	}
	for (unsigned w = 0; w < sw->nr_windows; w++) {
		double x = fx(fr, sw->window_us[w]);

		fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#e5e5e5'/>\n", x, fr->y0, x,
			fr->y0 + fr->h);
		fprintf(f, "<text x='%.1f' y='%.1f' text-anchor='middle'>%u</text>\n", x, fr->y0 + fr->h + 16,
			sw->window_us[w]);
	}
	fprintf(f, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='none' stroke='#444'/>\n", fr->x0,
		fr->y0, fr->w, fr->h);
	fprintf(f, "<text x='%.1f' y='%.1f' text-anchor='middle'>PLE_Window (&#181;s, log scale)</text>\n",
		fr->x0 + fr->w / 2, fr->y0 + fr->h + 36);
	fprintf(f, "<text transform='translate(%.1f %.1f) rotate(-90)' text-anchor='middle'>"
		"lock acquisitions per second</text>\n", fr->x0 - 58, fr->y0 + fr->h / 2);
}

/* Where lines coincide (no yield and random when nobody waits in a queue)
 * the thin grey one stays visible inside the other, the dashed baseline
 * on top of all. */
static void lines(FILE *f, const struct frame *fr, const struct sweep *sw)
{
	static const enum sim_policy order[] = { SIM_PLE_RANDOM, SIM_PLE_PV_HINT, SIM_PLE_NO_YIELD };
	double base = sim_throughput(&sw->base, &sw->no_ple);

	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum sim_policy pol = order[i];

		fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='%s' points='", colors[pol],
			pol == SIM_PLE_NO_YIELD ? "1.2" : "2.5");
		for (unsigned w = 0; w < sw->nr_windows; w++)
			fprintf(f, "%s%.1f,%.1f", w ? " " : "", fx(fr, sw->window_us[w]),
				fy(fr, sim_throughput(&sw->base, &sw->ple[pol][w])));
		fprintf(f, "'/>\n");
		for (unsigned w = 0; w < sw->nr_windows; w++)
			fprintf(f, "<circle cx='%.1f' cy='%.1f' r='%s' fill='%s'/>\n", fx(fr, sw->window_us[w]),
				fy(fr, sim_throughput(&sw->base, &sw->ple[pol][w])),
				pol == SIM_PLE_NO_YIELD ? "2" : "3.5", colors[pol]);
	}
	fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%s' stroke-width='2' "
		"stroke-dasharray='8 5'/>\n", fr->x0, fy(fr, base), fr->x0 + fr->w, fy(fr, base),
		colors[SIM_NO_PLE]);
}

static void legend(FILE *f, double x, double y, double width)
{
	double step = fmin(190, (width - x) / SIM_NR_POLICIES);

	for (unsigned pol = 0; pol < SIM_NR_POLICIES; pol++) {
		double lx = x + pol * step;

		fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%s' stroke-width='2'%s/>\n", lx, y,
			lx + 28, y, colors[pol], pol == SIM_NO_PLE ? " stroke-dasharray='8 5'" : "");
		fprintf(f, "<text x='%.1f' y='%.1f'>%s%s</text>\n", lx + 34, y + 4,
			sim_policy_name((enum sim_policy)pol), pol == SIM_NO_PLE ? " (baseline)" : "");
	}
}

void sweep_svg(FILE *f, const struct sweep *const *sweeps, const char *const *titles, unsigned n)
{
	unsigned width = PANEL_W * n, height = PANEL_H;

	fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%u' height='%u' viewBox='0 0 %u %u' "
		"font-family='sans-serif' font-size='12'>\n", width, height, width, height);
	fprintf(f, "<rect width='100%%' height='100%%' fill='white'/>\n");
	for (unsigned i = 0; i < n; i++) {
		const struct sweep *sw = sweeps[i];
		struct frame fr = {
			.x0 = PANEL_W * i + MARGIN_L,
			.y0 = MARGIN_T,
			.w = PANEL_W - MARGIN_L - MARGIN_R,
			.h = PANEL_H - MARGIN_T - MARGIN_B,
			.lx_min = log2(sw->window_us[0]),
			.lx_max = log2(sw->window_us[sw->nr_windows - 1]),
		};
		double top = highest(sw) * 1.08;

		fr.y_max = ceil(top / tick_step(top)) * tick_step(top);
		axes(f, &fr, sw, titles[i]);
		lines(f, &fr, sw);
	}
	legend(f, MARGIN_L, PANEL_H - 24, width);
	fprintf(f, "</svg>\n");
}

/*
 * minivm - the built-in demo guests and what minivm says around them.
 */
#ifndef MINIVM_DEMO_H
#define MINIVM_DEMO_H

#include "loader.h"
#include "machine.h"
#include "options.h"

/* The demo's image, in memory (nothing to close). */
void demo_image(struct image *img, enum demo demo);

/* Before the run: what the demo does and what to watch for (stderr). */
void demo_explain(const struct options *o);

/* After the run: the exits minivm handled, and what it could not see. */
void demo_summarize(const struct machine *m, const struct options *o);

#endif

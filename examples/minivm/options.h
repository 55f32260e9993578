/*
 * minivm - command line options.
 */
#ifndef MINIVM_OPTIONS_H
#define MINIVM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "loader.h"

#define MINIVM_DEFAULT_MEM	(32u << 20)
#define MINIVM_MIN_MEM		(64u << 10)
#define MINIVM_MAX_MEM		(3ull << 30)	/* below the 32-bit MMIO hole */

struct options {
	const char *backend;		/* "kvm" or "mock" */
	const char *device;		/* KVM device node */
	struct load_options load;	/* --mem, --load, --entry, --append */
	bool trace, stats, strict_ports;
	uint64_t max_exits;		/* 0: no limit */
	double timeout;			/* seconds; 0: none */
	const char *image;		/* NULL: the built-in demo */
};

/* Parse argv into *o. Returns 0, -1 after --help (printed), or EX_USAGE
 * with a message in `err`. */
int options_parse(struct options *o, int argc, char **argv, char *err, size_t errlen);

void options_usage(FILE *out);

/* "64M", "65536", "1G" -> bytes. False if malformed or overflowing. */
bool options_parse_size(const char *s, uint64_t *out);

#endif

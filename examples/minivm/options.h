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
#define MINIVM_MAX_VCPUS	16

/* The built-in guests, run when no IMAGE is given. */
enum demo {
	DEMO_DEFAULT,			/* not chosen: options_parse() picks by --smp */
	DEMO_EXITS,			/* guest/demo.asm: what a VM exit is */
	DEMO_SMP,			/* guest/smp.asm: VCPUs sharing a spinlock */
};

struct options {
	const char *backend;		/* "kvm", "emulate" or "mock" */
	const char *device;		/* KVM device node */
	struct load_options load;	/* --mem, --load, --entry, --append, --smp */
	unsigned nr_vcpus;		/* --smp; 1 without it */
	enum demo demo;
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

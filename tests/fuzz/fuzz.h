/*
 * The fuzz targets' common entry point (libFuzzer's), and what they share:
 * a failed invariant aborts, so libFuzzer and the replay driver both see it.
 */
#ifndef LIBVCPU_FUZZ_H
#define LIBVCPU_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run with the invariant that failed: a finding. */
#define FUZZ_ASSERT(cond, ...)                                                        \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                 \
			fputc('\n', stderr);                                          \
			abort();                                                      \
		}                                                                     \
	} while (0)

/* Input bytes taken in order; past the end, zeros. */
struct fuzz_input {
	const uint8_t *data;
	size_t size, pos;
};

static inline uint64_t fuzz_take(struct fuzz_input *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)(in->pos < in->size ? in->data[in->pos++] : 0) << (8 * i);
	return v;
}

static inline int fuzz_done(const struct fuzz_input *in)
{
	return in->pos >= in->size;
}

#endif

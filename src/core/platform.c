/*
 * libvcpu - the hosted platform layer: the only file of the core that uses
 * the C library's allocator. A freestanding build replaces this file.
 */
#include <stdlib.h>

#include "core.h"

void *plat_alloc_aligned(size_t size, size_t align)
{
	/* aligned_alloc wants size to be a multiple of the alignment. */
	size_t rounded = (size + align - 1) / align * align;

	return aligned_alloc(align, rounded ? rounded : align);
}

void plat_free(void *p)
{
	free(p);
}

/*
 * vmxhost scenarios: the kernel's own C runtime, which libvcpu and Capstone
 * stand on: the heap, the page allocator, and the libc pieces.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"	/* plat_alloc_aligned */
#include "scenario.h"

#define BLOCKS 64

/* A small deterministic generator (xorshift32) for sizes and orders. */
static uint32_t next_random(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static int compare_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Blocks of mixed sizes and alignments hold their own pattern while all are
 * live; freed in a scrambled order, they merge back into one free block: a
 * block nearly the size of a whole heap growth then fits without growing. */
static int heap(void)
{
	static uint8_t *blocks[BLOCKS];
	static size_t sizes[BLOCKS];
	uint32_t seed = 12345;

	free(malloc(1));	/* the heap has grown at least once */
	size_t pages = plat_free_page_count();

	for (unsigned i = 0; i < BLOCKS; i++) {
		size_t align = (size_t)16 << (next_random(&seed) % 9);	/* 16 .. 4096 */

		sizes[i] = 1 + next_random(&seed) % 20000;
		blocks[i] = plat_alloc_aligned(sizes[i], align);
		if (!blocks[i] || (uintptr_t)blocks[i] % align)
			return scenario_fail("block %u (%zu bytes, aligned to %zu) at %p", i, sizes[i],
					     align, (void *)blocks[i]);
		memset(blocks[i], (int)i, sizes[i]);
	}
	for (unsigned i = 0; i < BLOCKS; i++)
		for (size_t j = 0; j < sizes[i]; j++)
			if (blocks[i][j] != (uint8_t)i)
				return scenario_fail("block %u overwritten at offset %zu", i, j);
	for (unsigned n = BLOCKS; n > 0; n--) {
		unsigned i = next_random(&seed) % n;

		plat_free(blocks[i]);
		blocks[i] = blocks[n - 1];
		sizes[i] = sizes[n - 1];
	}
	void *big = malloc(4 * 1024 * 1024 - 256);

	free(big);
	kprintf("  %u blocks of 1..20000 bytes, aligned 16..4096, freed out of order; "
		"a 4 MiB block then fits: %s\n", BLOCKS, plat_free_page_count() == pages ? "yes" : "no");
	if (!big || plat_free_page_count() != pages)
		return scenario_fail("freed blocks did not merge (%zu pages were free, %zu are)", pages,
				     plat_free_page_count());

	uint8_t *p = malloc(100);

	memset(p, 0xaa, 100);
	free(p);
	p = calloc(25, 4);
	for (unsigned i = 0; i < 100; i++)
		if (!p || p[i])
			return scenario_fail("calloc gave non-zero memory");
	memcpy(p, "preserved", 10);
	p = realloc(p, 100000);
	if (!p || memcmp(p, "preserved", 10))
		return scenario_fail("realloc lost the contents");
	free(p);
	return 0;
}

static int pages(void)
{
	size_t before = plat_free_page_count();
	uint8_t *p = plat_alloc_pages(3), *q = plat_alloc_pages(1);

	if (!p || !q || plat_virt_to_phys(p) % PAGE_SIZE || plat_virt_to_phys(q) % PAGE_SIZE)
		return scenario_fail("plat_alloc_pages: %p, %p", (void *)p, (void *)q);
	for (size_t i = 0; i < 3 * PAGE_SIZE; i++)
		if (p[i])
			return scenario_fail("page memory not zeroed at %p", (void *)(p + i));
	if (q >= p && q < p + 3 * PAGE_SIZE)
		return scenario_fail("runs overlap: %p and %p", (void *)p, (void *)q);
	memset(p, 0xff, 3 * PAGE_SIZE);
	plat_free_pages(p, 3);
	plat_free_pages(q, 1);
	if (plat_free_page_count() != before)
		return scenario_fail("%zu pages free before, %zu after", before, plat_free_page_count());
	p = plat_alloc_pages(3);
	if (!p || p[0] || p[3 * PAGE_SIZE - 1])
		return scenario_fail("pages given again not zeroed");
	plat_free_pages(p, 3);
	kprintf("  %zu pages free (%zu MiB), runs zeroed and given back\n", before,
		before / (1024 * 1024 / PAGE_SIZE));
	return 0;
}

static int libc(void)
{
	char buf[64];
	static uint32_t v[1000];
	uint32_t seed = 1;

	strncpy(buf, "0123456789", sizeof(buf));
	memmove(buf + 2, buf, 5);	/* overlapping upwards: copied backwards */
	if (strcmp(buf, "0101234789"))
		return scenario_fail("memmove up: %s", buf);
	memmove(buf, buf + 3, 5);
	if (strcmp(buf, "1234734789"))
		return scenario_fail("memmove down: %s", buf);
	snprintf(buf, sizeof(buf), "%s|%5d|%-4u|%#x|%08lx", "ring0", -42, 7u, 255u, 0xbeefUL);
	if (strcmp(buf, "ring0|  -42|7   |0xff|0000beef"))
		return scenario_fail("snprintf: %s", buf);
	for (unsigned i = 0; i < 1000; i++)
		v[i] = next_random(&seed) % 500;
	qsort(v, 1000, sizeof(v[0]), compare_u32);
	for (unsigned i = 1; i < 1000; i++)
		if (v[i - 1] > v[i])
			return scenario_fail("qsort: v[%u] = %u > v[%u] = %u", i - 1, v[i - 1], i, v[i]);
	return 0;
}

SCENARIOS(host,
	{ "host-heap", heap },
	{ "host-pages", pages },
	{ "host-libc", libc });

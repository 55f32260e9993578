/*
 * vmxhost: the heap behind malloc/calloc/realloc/free (Capstone, the
 * emulator) and plat_alloc_aligned/plat_free (libvcpu's core). A first-fit
 * free list kept in address order, so a freed block merges with free
 * neighbours; any alignment is served from inside a free block. It grows by
 * runs of pages from plat_alloc_pages() and never gives them back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "core.h"
#include "host.h"

#define HEADER		16		/* before every block's payload */
#define MIN_ALIGN	16
#define MIN_BLOCK	(2 * HEADER)	/* a header and a free-list link */
#define GROW_PAGES	1024		/* 4 MiB at least per growth */
#define USED_MAGIC	0x766d78686f7374ull	/* "vmxhost": a block in use */

/* A free block: its size (header included) and the next free block. */
struct free_block {
	size_t size;
	struct free_block *next;
};

/* A block in use: its size and a magic number that catches bad frees. */
struct used_block {
	size_t size;
	uint64_t magic;
};

static struct free_block *free_list;

static uintptr_t align_up(uintptr_t v, size_t align)
{
	return (v + align - 1) & ~(uintptr_t)(align - 1);
}

/* Puts [at, at + size) on the free list in address order, merged with
 * the blocks right before and after it. */
static void release(uintptr_t at, size_t size)
{
	struct free_block **link = &free_list, *prev = NULL;

	while (*link && (uintptr_t)*link < at) {
		prev = *link;
		link = &(*link)->next;
	}
	struct free_block *b = (struct free_block *)at;

	b->size = size;
	b->next = *link;
	*link = b;
	if (b->next && at + b->size == (uintptr_t)b->next) {
		b->size += b->next->size;
		b->next = b->next->next;
	}
	if (prev && (uintptr_t)prev + prev->size == at) {
		prev->size += b->size;
		prev->next = b->next;
	}
}

/* Carves a block of `size` bytes whose payload is aligned to `align` out of
 * a free block, or returns 0 if none is large enough. */
static uintptr_t carve(size_t size, size_t align)
{
	for (struct free_block **link = &free_list; *link; link = &(*link)->next) {
		uintptr_t start = (uintptr_t)*link, end = start + (*link)->size;
		uintptr_t at = align_up(start + HEADER, align) - HEADER;

		/* A gap in front must hold a free block of its own. */
		if (at != start && at - start < MIN_BLOCK)
			at = align_up(start + MIN_BLOCK + HEADER, align) - HEADER;
		if (at + size > end)
			continue;
		struct free_block *next = (*link)->next;

		if (at != start) {
			(*link)->size = at - start;
			link = &(*link)->next;
		}
		*link = next;
		if (end - (at + size) >= MIN_BLOCK) {
			struct free_block *tail = (struct free_block *)(at + size);

			tail->size = end - (at + size);
			tail->next = next;
			*link = tail;
		} else {
			size = end - at;
		}
		struct used_block *u = (struct used_block *)at;

		u->size = size;
		u->magic = USED_MAGIC;
		return at + HEADER;
	}
	return 0;
}

static void *heap_alloc(size_t n, size_t align)
{
	if (align < MIN_ALIGN)
		align = MIN_ALIGN;
	if (align & (align - 1) || n > SIZE_MAX / 2)
		return NULL;
	size_t size = HEADER + (n ? align_up(n, MIN_ALIGN) : MIN_ALIGN);
	uintptr_t p = carve(size, align);

	if (!p) {
		/* Enough for the block at any alignment; more if there is more. */
		size_t need = (size + align + MIN_BLOCK + PAGE_SIZE - 1) / PAGE_SIZE;
		size_t pages = need > GROW_PAGES ? need : GROW_PAGES;
		void *more = plat_alloc_pages(pages);

		if (!more && pages > need)
			more = plat_alloc_pages(pages = need);
		if (!more)
			return NULL;
		release((uintptr_t)more, pages * PAGE_SIZE);
		p = carve(size, align);
	}
	return (void *)p;
}

static struct used_block *block_of(void *p, const char *who)
{
	struct used_block *u = (struct used_block *)((uintptr_t)p - HEADER);

	if (u->magic != USED_MAGIC)
		console_panic("%s(%p): not a heap block in use", who, p);
	return u;
}

void *malloc(size_t n)
{
	return heap_alloc(n, MIN_ALIGN);
}

void *calloc(size_t count, size_t n)
{
	if (n && count > SIZE_MAX / n)
		return NULL;
	void *p = heap_alloc(count * n, MIN_ALIGN);

	if (p)
		memset(p, 0, count * n);
	return p;
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	struct used_block *u = block_of(p, "realloc");
	size_t have = u->size - HEADER;

	if (n <= have)
		return p;
	void *q = malloc(n);

	if (q) {
		memcpy(q, p, have);
		free(p);
	}
	return q;
}

void free(void *p)
{
	if (!p)
		return;
	struct used_block *u = block_of(p, "free");

	u->magic = 0;
	release((uintptr_t)u, u->size);
}

void *plat_alloc_aligned(size_t size, size_t align)
{
	return heap_alloc(size, align);
}

void plat_free(void *p)
{
	free(p);
}

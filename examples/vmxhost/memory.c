/*
 * vmxhost: the page allocator. One bit per physical page below 4 GiB (set:
 * in use or not RAM); a run of n pages is found first-fit. Pages are handed
 * out zeroed, which VMX structures (VMCS, EPT tables, bitmaps) expect.
 */
#include <stdint.h>
#include <string.h>

#include "console.h"
#include "host.h"
#include "memory.h"

#define MAX_PAGES	(1u << 20)	/* 4 GiB */
#define WORD_BITS	64

/* The end of the kernel's image and BSS, page-aligned (kernel.ld). */
extern char __kernel_end[];

static uint64_t used[MAX_PAGES / WORD_BITS];
static size_t first_candidate;	/* no free page below this one */
static size_t page_limit;	/* nor at or above this one */
static size_t free_pages;

static bool page_used(size_t p)
{
	return used[p / WORD_BITS] >> (p % WORD_BITS) & 1;
}

static void mark(size_t first, size_t n, bool in_use)
{
	for (size_t p = first; p < first + n; p++) {
		if (in_use)
			used[p / WORD_BITS] |= 1ull << (p % WORD_BITS);
		else
			used[p / WORD_BITS] &= ~(1ull << (p % WORD_BITS));
	}
}

/* Frees the whole pages of [start, end) that lie above the kernel. */
static void add_ram(uint64_t start, uint64_t end)
{
	uint64_t floor = (uint64_t)(uintptr_t)__kernel_end;

	if (start < floor)
		start = floor;
	if (end > (uint64_t)MAX_PAGES * PAGE_SIZE)
		end = (uint64_t)MAX_PAGES * PAGE_SIZE;
	start = (start + PAGE_SIZE - 1) / PAGE_SIZE;
	end /= PAGE_SIZE;
	if (start >= end)
		return;
	mark(start, end - start, false);
	free_pages += end - start;
	if (end > page_limit)
		page_limit = end;
}

void memory_init(const struct multiboot_info *mbi)
{
	memset(used, 0xff, sizeof(used));
	first_candidate = (uintptr_t)__kernel_end / PAGE_SIZE;
	if (mbi->flags & MULTIBOOT_INFO_MMAP) {
		uintptr_t at = mbi->mmap_addr, end = at + mbi->mmap_length;

		while (at < end) {
			const struct multiboot_mmap_entry *e = (const void *)at;

			if (e->type == MULTIBOOT_MEMORY_AVAILABLE)
				add_ram(e->addr, e->addr + e->len);
			at += e->size + sizeof(e->size);
		}
	} else if (mbi->flags & MULTIBOOT_INFO_MEMORY) {
		add_ram(1u << 20, (1ull << 20) + (uint64_t)mbi->mem_upper * 1024);
	} else {
		console_panic("the loader gave neither a memory map nor memory sizes");
	}
	if (!free_pages)
		console_panic("no usable RAM above the kernel (which ends at %p)", (void *)__kernel_end);
}

/* The first page of a free run of n, or 0 (page 0 is never free). */
static size_t find_run(size_t n)
{
	size_t run = 0;

	for (size_t p = first_candidate; p < page_limit; p++) {
		if (p % WORD_BITS == 0 && used[p / WORD_BITS] == ~0ull) {
			run = 0;
			p += WORD_BITS - 1;
		} else if (page_used(p)) {
			run = 0;
		} else if (++run == n) {
			return p + 1 - n;
		}
	}
	return 0;
}

void *plat_alloc_pages(size_t npages)
{
	size_t first = npages ? find_run(npages) : 0;

	if (!first)
		return NULL;
	mark(first, npages, true);
	free_pages -= npages;
	if (first == first_candidate)
		first_candidate += npages;
	void *p = plat_phys_to_virt((uint64_t)first * PAGE_SIZE);
	memset(p, 0, npages * PAGE_SIZE);
	return p;
}

void plat_free_pages(void *p, size_t npages)
{
	uint64_t pa = plat_virt_to_phys(p);
	size_t first = (size_t)(pa / PAGE_SIZE);

	if (!p)
		return;
	if (pa % PAGE_SIZE || first + npages > page_limit || first < (uintptr_t)__kernel_end / PAGE_SIZE)
		console_panic("plat_free_pages(%p, %zu): not pages of the pool", p, npages);
	for (size_t i = first; i < first + npages; i++)
		if (!page_used(i))
			console_panic("plat_free_pages(%p, %zu): page %p is already free", p, npages,
				      plat_phys_to_virt((uint64_t)i * PAGE_SIZE));
	mark(first, npages, false);
	free_pages += npages;
	if (first < first_candidate)
		first_candidate = first;
}

uint64_t plat_virt_to_phys(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

void *plat_phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

size_t plat_free_page_count(void)
{
	return free_pages;
}

static bool low_memory_claimed;

void *host_low_memory_claim(void)
{
	if (low_memory_claimed)
		return NULL;
	low_memory_claimed = true;
	void *p = plat_phys_to_virt(LOW_MEMORY_BASE);

	memset(p, 0, LOW_MEMORY_END - LOW_MEMORY_BASE);
	return p;
}

void host_low_memory_release(void)
{
	low_memory_claimed = false;
}

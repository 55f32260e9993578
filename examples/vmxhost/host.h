/*
 * vmxhost: what scenarios, and the raw VMX backend linked into the kernel,
 * may use of the host. The kernel runs on one CPU in 64-bit ring 0 with
 * interrupts off; the first 4 GiB are identity-mapped (a pointer is its
 * physical address).
 */
#ifndef VMXHOST_HOST_H
#define VMXHOST_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console.h"	/* kprintf */

#define PAGE_SIZE 4096

/* Physically contiguous, zeroed, 4 KiB-aligned pages (VMXON region, VMCS,
 * EPT tables, bitmaps, guest RAM); NULL when memory is exhausted. */
void *plat_alloc_pages(size_t npages);
/* Gives back pages from plat_alloc_pages (the same count); NULL is ignored. */
void plat_free_pages(void *p, size_t npages);
/* The physical address of a kernel pointer, and back (identity here). */
uint64_t plat_virt_to_phys(const void *p);
void *plat_phys_to_virt(uint64_t pa);
/* Pages not allocated, for leak checks. */
size_t plat_free_page_count(void);

/* Conventional memory, which the kernel leaves alone once it runs (what a
 * loader put there is read at boot): for a real-mode guest whose RAM must
 * sit at its own physical addresses (VMX without EPT: guest-physical is
 * host-physical). Page 0 is left out, so that no pointer into it is NULL:
 * such a guest has no IVT. Zeroed; one user at a time (NULL while claimed). */
#define LOW_MEMORY_BASE	0x1000
#define LOW_MEMORY_END	0xa0000
void *host_low_memory_claim(void);
void host_low_memory_release(void);

/* The minivm demo guest (examples/minivm/guest/demo.asm, real mode, loaded
 * at 0000:7C00 like a boot sector), embedded by guests.S. */
extern const uint8_t demo_guest_start[], demo_guest_end[];

/* Ends the run: a passed run stops in Bochs's debugger (magic breakpoint,
 * Bochs exits 0), a failed one writes "Shutdown" to port 0x8900 (Bochs exits
 * 1). On real hardware both halt. */
_Noreturn void host_exit(bool passed);

#endif

/* vmxhost: physical memory, from the Multiboot information to free pages. */
#ifndef VMXHOST_MEMORY_H
#define VMXHOST_MEMORY_H

#include <stdint.h>

#include "multiboot.h"

/* Frees the usable RAM above the kernel's end and below 4 GiB (the
 * identity map's reach) for plat_alloc_pages(); panics without a memory
 * map or memory sizes. */
void memory_init(const struct multiboot_info *mbi);

#endif

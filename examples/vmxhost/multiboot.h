/* vmxhost: the Multiboot (v1) information a loader passes in EBX. */
#ifndef VMXHOST_MULTIBOOT_H
#define VMXHOST_MULTIBOOT_H

#include <stdint.h>

#define MULTIBOOT_BOOT_MAGIC	0x2badb002
#define MULTIBOOT_INFO_MEMORY	(1u << 0)
#define MULTIBOOT_INFO_CMDLINE	(1u << 2)
#define MULTIBOOT_INFO_MMAP	(1u << 6)
#define MULTIBOOT_INFO_LOADER	(1u << 9)
#define MULTIBOOT_MEMORY_AVAILABLE 1

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;	/* KiB below 640 KiB, above 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
};

/* One memory map entry; `size` counts the bytes after itself. */
struct multiboot_mmap_entry {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

#endif

/*
 * vmxhost: libvcpu's ring-0 host. entry.S brings the CPU to long mode and
 * calls kmain(), which sets up the rest, runs the scenarios and ends the run
 * with their verdict.
 */
#include <stdbool.h>
#include <stdint.h>

#include "console.h"
#include "cpu.h"
#include "host.h"
#include "memory.h"
#include "multiboot.h"
#include "scenario.h"

_Noreturn void kmain(uint32_t magic, const struct multiboot_info *mbi);

void kmain(uint32_t magic, const struct multiboot_info *mbi)
{
	console_init();
	kprintf("vmxhost: libvcpu's ring-0 host\n");
	if (magic != MULTIBOOT_BOOT_MAGIC)
		console_panic("entered with EAX %#x, not the Multiboot handshake", magic);
	cpu_init();
	memory_init(mbi);
	kprintf("vmxhost: booted by %s, %zu MiB free\n",
		mbi->flags & MULTIBOOT_INFO_LOADER ? (const char *)(uintptr_t)mbi->boot_loader_name
						   : "a Multiboot loader",
		plat_free_page_count() / (1024 * 1024 / PAGE_SIZE));
	host_exit(scenarios_run() == 0);
}

void host_exit(bool passed)
{
	if (passed) {
		/* Bochs's magic breakpoint: its debugger then runs "quit". */
		__asm__ volatile("xchg %%bx, %%bx" : : : "memory");
	} else {
		static const char shutdown[] = "Shutdown";

		for (const char *p = shutdown; *p; p++)
			outb(0x8900, (uint8_t)*p);
	}
	for (;;)
		__asm__ volatile("cli; hlt");
}

/*
 * vmxhost: the console. Output goes to port 0xE9 (Bochs's and QEMU's debug
 * console), COM1 (a 16550 at 0x3F8, 115200 8N1) and the VGA text screen, so
 * the same image reports under Bochs and on real hardware.
 */
#ifndef VMXHOST_CONSOLE_H
#define VMXHOST_CONSOLE_H

#include <stddef.h>

void console_init(void);
void console_write(const char *s, size_t n);
/* printf through libvcpu's formatter (src/core/fmt.h: %c %s %d %i %u %x %X
 * %p, flags '-' '0' '#', width, l ll z); at most 1023 characters a call. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "vmxhost: panic: ..." and ends the run as failed. */
_Noreturn void console_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

/* vmxhost: the console's three outputs and kprintf (see console.h). */
#include <stdarg.h>
#include <stdint.h>

#include "console.h"
#include "cpu.h"
#include "fmt.h"
#include "host.h"

#define E9_PORT		0xe9
#define COM1		0x3f8
#define COM_LSR_THRE	0x20	/* line status: transmitter holding register empty */

#define VGA_COLS	80
#define VGA_ROWS	25
#define VGA_ATTR	0x0700	/* light grey on black */

static volatile uint16_t *const vga = (volatile uint16_t *)0xb8000;
static unsigned vga_row, vga_col;

static void com1_init(void)
{
	outb(COM1 + 1, 0x00);	/* no interrupts */
	outb(COM1 + 3, 0x80);	/* DLAB: divisor follows */
	outb(COM1 + 0, 0x01);	/* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);	/* 8N1 */
	outb(COM1 + 2, 0x07);	/* FIFOs on and cleared */
}

static void com1_put(char c)
{
	/* Bounded: an absent UART reads 0xFF (ready), a stuck one is given up. */
	for (unsigned i = 0; i < 100000 && !(inb(COM1 + 5) & COM_LSR_THRE); i++)
		;
	outb(COM1, (uint8_t)c);
}

static void vga_put(char c)
{
	if (c == '\n') {
		vga_col = 0;
		vga_row++;
	} else if (c != '\r') {
		vga[vga_row * VGA_COLS + vga_col] = (uint16_t)(VGA_ATTR | (uint8_t)c);
		if (++vga_col == VGA_COLS) {
			vga_col = 0;
			vga_row++;
		}
	}
	if (vga_row == VGA_ROWS) {
		for (unsigned i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
			vga[i] = vga[i + VGA_COLS];
		for (unsigned i = 0; i < VGA_COLS; i++)
			vga[(VGA_ROWS - 1) * VGA_COLS + i] = VGA_ATTR | ' ';
		vga_row--;
	}
}

void console_init(void)
{
	com1_init();
	for (unsigned i = 0; i < VGA_ROWS * VGA_COLS; i++)
		vga[i] = VGA_ATTR | ' ';
}

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		outb(E9_PORT, (uint8_t)s[i]);
		if (s[i] == '\n')
			com1_put('\r');
		com1_put(s[i]);
		vga_put(s[i]);
	}
}

static int console_vprintf(const char *fmt, va_list ap)
{
	char buf[1024];
	int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);

	console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = console_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void console_panic(const char *fmt, ...)
{
	va_list ap;

	kprintf("vmxhost: panic: ");
	va_start(ap, fmt);
	console_vprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	host_exit(false);
}

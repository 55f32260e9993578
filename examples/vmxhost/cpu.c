/*
 * vmxhost: the rest of the processor setup entry.S leaves to C: the TSS (VMX
 * wants a non-zero host TR), the IDT, the thread pointer, the PIC.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "console.h"
#include "cpu.h"
#include "trap.h"

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct descriptor_table {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* In entry.S. */
extern uint64_t gdt[5];

/* The linker script's view of the TLS segment (.tdata, then .tbss). */
extern const char __tls_start[], __tls_data_end[], __tls_end[], __tls_align[];

/* A double fault gets its own stack, so that a host stack overflow is
 * reported instead of becoming a triple fault. */
#define IST_DOUBLE_FAULT 1
static uint8_t double_fault_stack[8192] __attribute__((aligned(16)));
static struct tss64 tss;
static uint64_t idt[256 * 2];

/* Static TLS block and TCB (x86-64 ELF TLS variant II: the block ends at
 * the thread pointer). One CPU: one block. */
#define TCB_SIZE 64
static uint8_t tls_area[4096] __attribute__((aligned(64)));

static void tss_init(void)
{
	uint64_t base = (uint64_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)(double_fault_stack + sizeof(double_fault_stack));
	tss.iomap_base = sizeof(tss);	/* no I/O permission bitmap */
	/* A 64-bit available TSS (type 9), present; the base's upper half in the
	 * descriptor's second quadword (SDM Vol. 3A, 8.2.3). */
	gdt[SEL_TSS / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
			   (limit >> 16 & 0xf) << 48 | (base >> 24 & 0xff) << 56;
	gdt[SEL_TSS / 8 + 1] = base >> 32;
	__asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
}

static void idt_init(void)
{
	for (unsigned v = 0; v < TRAP_VECTORS; v++) {
		uint64_t handler = isr_table[v];
		uint64_t ist = v == 8 ? IST_DOUBLE_FAULT : 0;

		/* A present 64-bit interrupt gate (type 14): handlers run with
		 * interrupts off. */
		idt[2 * v] = (handler & 0xffff) | (uint64_t)SEL_CODE << 16 | ist << 32 |
			     0x8eull << 40 | (handler >> 16 & 0xffff) << 48;
		idt[2 * v + 1] = handler >> 32;
	}
	struct descriptor_table d = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" : : "m"(d));
}

/* FS points at a TCB: its first word points at itself (how %fs:0 finds the
 * thread pointer), 0x28 holds the stack-protector canary the system's
 * Capstone objects check, and the TLS block (libvcpu's _Thread_local
 * error message) lies just below it. */
static void tls_init(void)
{
	size_t align = (size_t)(uintptr_t)__tls_align;
	uintptr_t start = (uintptr_t)__tls_start;
	/* Without TLS sections the linker's symbols are not ordered. */
	size_t size = (uintptr_t)__tls_end > start ? (uintptr_t)__tls_end - start : 0;
	size_t data = (uintptr_t)__tls_data_end > start ? (uintptr_t)__tls_data_end - start : 0;
	size_t block = align > 1 ? (size + align - 1) / align * align : size;

	if (align > 64 || block + TCB_SIZE > sizeof(tls_area))
		console_panic("TLS segment of %zu bytes aligned to %zu does not fit", size, align);
	uint8_t *tp = tls_area + block;

	memcpy(tp - block, __tls_start, data);
	memset(tp - block + data, 0, block - data);
	*(uint64_t *)tp = (uint64_t)tp;
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	((uint64_t *)tp)[5] = ((uint64_t)hi << 32 | lo) * 0x9e3779b97f4a7c15ull;
	wrmsr(MSR_FS_BASE, (uint64_t)tp);
}

void cpu_init(void)
{
	tls_init();
	tss_init();
	idt_init();
	/* Both 8259s masked: nothing interrupts the host, and a guest's external
	 * interrupts are whatever a scenario sets up. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

/*
 * vmxhost kernel entry: the Multiboot header, and the way from 32-bit
 * protected mode (as a Multiboot loader leaves it: paging off, EAX =
 * 0x2BADB002, EBX = the information block) to 64-bit long mode and kmain().
 *
 * The first 4 GiB are identity-mapped with 2 MiB pages, so a kernel pointer
 * is also the physical address hardware structures (VMCS, EPT) want.
 */
#include "cpu.h"

#define MB_HEADER_MAGIC	0x1badb002
/* Bit 1: memory information wanted; bit 16: the address fields below
 * are valid (the "a.out kludge"), so the flat image boots from GRUB too. */
#define MB_HEADER_FLAGS	((1 << 1) | (1 << 16))

	.section .multiboot, "a"
	.balign 4
multiboot_header:
	.long MB_HEADER_MAGIC
	.long MB_HEADER_FLAGS
	.long -(MB_HEADER_MAGIC + MB_HEADER_FLAGS)
	.long multiboot_header	/* header_addr */
	.long __load_start	/* load_addr: the file's first byte */
	.long __load_end	/* load_end_addr */
	.long __bss_end		/* bss_end_addr */
	.long _start		/* entry_addr */

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl $boot_stack_top, %esp
	movl %eax, %edi			/* kmain's arguments: magic, */
	movl %ebx, %esi			/* Multiboot information */

	/* Long mode present? (CPUID 0x80000001 EDX bit 29) */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages. */
	movl $pdpt + (PTE_P | PTE_W), pml4
	movl $pd + (PTE_P | PTE_W), %eax
	xorl %ecx, %ecx
1:	movl %eax, pdpt(, %ecx, 8)
	addl $4096, %eax
	incl %ecx
	cmpl $4, %ecx
	jb 1b
	movl $(PTE_P | PTE_W | PTE_PS), %eax
	xorl %ecx, %ecx
1:	movl %eax, pd(, %ecx, 8)
	addl $0x200000, %eax
	incl %ecx
	cmpl $4 * 512, %ecx
	jb 1b

	movl %cr4, %eax
	orl $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	movl %eax, %cr4
	movl $pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	/* SSE usable (MP set, EM and TS clear), NE for VMX, caches on (some
	 * BIOSes, Bochs's among them, leave CD and NW set), then paging. */
	movl %cr0, %eax
	andl $~(CR0_EM | CR0_TS | CR0_NW | CR0_CD), %eax
	orl $(CR0_PE | CR0_MP | CR0_NE | CR0_WP | CR0_PG), %eax
	movl %eax, %cr0

	lgdt gdt_descriptor
	ljmp $SEL_CODE, $long_mode

no_long_mode:
	movl $no_long_mode_msg, %esi
1:	lodsb
	testb %al, %al
	jz 2f
	outb %al, $0xe9
	jmp 1b
2:	movl $shutdown_msg, %esi
	movl $8, %ecx
	movw $0x8900, %dx
	rep outsb
3:	hlt
	jmp 3b

	.code64
long_mode:
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movabsq $kernel_stack_top, %rsp
	/* The upper halves of the registers are undefined after the switch. */
	movl %edi, %edi
	movl %esi, %esi
	xorl %ebp, %ebp
	call kmain
1:	cli
	hlt
	jmp 1b

	.section .rodata
no_long_mode_msg:
	.asciz "vmxhost: this CPU has no long mode\n"
shutdown_msg:
	.ascii "Shutdown"

	.section .data
	.balign 16
	.globl gdt
gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* SEL_CODE: 64-bit code */
	.quad 0x00cf92000000ffff	/* SEL_DATA: data */
	.quad 0, 0			/* SEL_TSS: filled in by cpu_init() */
gdt_end:
	.balign 4
	.globl gdt_descriptor
gdt_descriptor:
	.word gdt_end - gdt - 1
	.quad gdt

	.section .bss
	.balign 4096
pml4:	.skip 4096
pdpt:	.skip 4096
pd:	.skip 4 * 4096
boot_stack:
	.skip 1024
boot_stack_top:
	.balign 16
	.globl kernel_stack_top
kernel_stack:
	.skip KERNEL_STACK_SIZE
kernel_stack_top:

	.section .note.GNU-stack, "", @progbits

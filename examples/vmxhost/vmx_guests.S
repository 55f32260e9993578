/*
 * vmxhost: the raw VMX scenarios' guests (vmx_guest.h). Position
 * independent, so they run wherever the scenario puts them: the 32-bit ones
 * find their data through CALL/POP, the real-mode one relative to CS.
 * Each ends in HLT.
 */

	.section .rodata, "a"

/* ---- 32-bit protected mode ------------------------------------------------ */
	.code32

/* A line to the debug console (an I/O exit per byte), CPUID leaf 0 and the
 * vendor it answered, a newline, HLT. */
	.globl vmx_guest_pm_basic, vmx_guest_pm_basic_end
vmx_guest_pm_basic:
	call	1f
1:	popl	%esi
	addl	$(pm_basic_msg - 1b), %esi
2:	lodsb
	testb	%al, %al
	jz	3f
	outb	%al, $0xe9
	jmp	2b
3:	xorl	%eax, %eax
	cpuid
	movl	%ebx, %eax		/* the vendor: EBX, EDX, ECX */
	call	pm_put4
	movl	%edx, %eax
	call	pm_put4
	movl	%ecx, %eax
	call	pm_put4
	movb	$'\n', %al
	outb	%al, $0xe9
	hlt
	jmp	.

/* EAX: four characters, low byte first. */
pm_put4:
	pushl	%ecx
	movl	$4, %ecx
1:	outb	%al, $0xe9
	shrl	$8, %eax
	loop	1b
	popl	%ecx
	ret

	.globl vmx_guest_pm_basic_msg
vmx_guest_pm_basic_msg:
pm_basic_msg:
	.asciz	"vmx guest: one OUT to 0xe9 per byte, then CPUID leaf 0: "
vmx_guest_pm_basic_end:

/* The CR0 read shadow: every CR0 value read goes to port 0x500 (one dword
 * OUT). NE is host-owned (IA32_VMX_CR0_FIXED0 keeps it 1 in the real CR0):
 * changing it exits, and the guest reads its own value from the shadow.
 * TS is guest-owned: no exit. */
#define REPORT_PORT	0x500
#define CR0_TS		(1 << 3)
#define CR0_NE		(1 << 5)
	.globl vmx_guest_pm_cr0, vmx_guest_pm_cr0_end
vmx_guest_pm_cr0:
	movw	$REPORT_PORT, %dx
	movl	%cr0, %eax
	outl	%eax, %dx		/* as the VMM set it: NE = 1 */
	andl	$~CR0_NE, %eax
	movl	%eax, %cr0		/* exit: NE differs from the shadow */
	movl	%cr0, %eax
	outl	%eax, %dx		/* NE = 0, from the shadow */
	orl	$CR0_TS, %eax
	movl	%eax, %cr0		/* a guest-owned bit only: no exit */
	movl	%cr0, %eax
	outl	%eax, %dx		/* TS = 1, NE = 0 */
	andl	$~CR0_TS, %eax
	orl	$CR0_NE, %eax
	movl	%eax, %cr0		/* exit: NE back to 1 */
	movl	%cr0, %eax
	outl	%eax, %dx
	hlt
	jmp	.
vmx_guest_pm_cr0_end:

/* #UD: 'U', UD2 (the VMM intercepts vector 6 and steps over it), 'D', HLT. */
	.globl vmx_guest_pm_ud, vmx_guest_pm_ud_ud2, vmx_guest_pm_ud_end
vmx_guest_pm_ud:
	movb	$'U', %al
	outb	%al, $0xe9
vmx_guest_pm_ud_ud2:
	ud2
	movb	$'D', %al
	outb	%al, $0xe9
	hlt
	jmp	.
vmx_guest_pm_ud_end:

/* A spin-wait: 'P', then up to 2^20 PAUSEs in a tight loop (pause-loop
 * exiting ends it long before), 'X' if it ran out, HLT. */
	.globl vmx_guest_pm_pause, vmx_guest_pm_pause_end
vmx_guest_pm_pause:
	movb	$'P', %al
	outb	%al, $0xe9
	movl	$0x100000, %ecx
1:	pause
	loop	1b
	movb	$'X', %al
	outb	%al, $0xe9
	hlt
	jmp	.
vmx_guest_pm_pause_end:

/* ---- real mode -------------------------------------------------------------- */
	.code16

/* The same as vmx_guest_pm_basic from real mode, data addressed from CS. */
	.globl vmx_guest_rm_basic, vmx_guest_rm_basic_end
vmx_guest_rm_basic:
	movw	%cs, %ax
	movw	%ax, %ds
	movw	$(rm_basic_msg - vmx_guest_rm_basic), %si
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, $0xe9
	jmp	1b
2:	xorl	%eax, %eax
	cpuid
	movl	%ebx, %eax
	call	rm_put4
	movl	%edx, %eax
	call	rm_put4
	movl	%ecx, %eax
	call	rm_put4
	movb	$'\n', %al
	outb	%al, $0xe9
	cli
	hlt
	jmp	.

rm_put4:
	pushw	%cx
	movw	$4, %cx
1:	outb	%al, $0xe9
	shrl	$8, %eax
	loop	1b
	popw	%cx
	ret

	.globl vmx_guest_rm_basic_msg
vmx_guest_rm_basic_msg:
rm_basic_msg:
	.asciz	"vmx guest in real mode: one OUT to 0xe9 per byte, then CPUID leaf 0: "
vmx_guest_rm_basic_end:

	.code64
	.section .note.GNU-stack, "", @progbits

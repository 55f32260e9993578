/*
 * libvcpu - the raw VMX shim: the VMX instructions, and VM entry and exit.
 * x86-64, System V ABI, ring 0. Everything else is C (vmx_raw_*.c).
 *
 * Every VMX instruction reports its outcome in RFLAGS (SDM Vol. 3C
 * "Conventions"): CF = 1 is VMfailInvalid (no current VMCS, or a bad
 * operand), ZF = 1 is VMfailValid with the reason in the current VMCS's
 * VM-instruction error field. The routines here return 0, -1 for
 * VMfailInvalid, or that error number.
 */

#define VMCS_VM_INSTRUCTION_ERROR	0x4400
#define VMCS_HOST_RSP			0x6c14

/* struct vmxr_regs (vmx_raw_internal.h) */
#define R_RAX	0
#define R_RCX	8
#define R_RDX	16
#define R_RBX	24
#define R_RBP	40
#define R_RSI	48
#define R_RDI	56
#define R_R8	64
#define R_R9	72
#define R_R10	80
#define R_R11	88
#define R_R12	96
#define R_R13	104
#define R_R14	112
#define R_R15	120
#define R_CR2	128
#define R_HOST_RSP 136

	.text

/* After a VMX instruction: return its outcome. */
.macro VMX_OUTCOME
	jc	vmxr_failed_invalid
	jz	vmxr_failed_valid
	xorl	%eax, %eax
	ret
.endm

.macro FUNC name
	.globl	\name
	.type	\name, @function
	.p2align 4
\name:
.endm

vmxr_failed_invalid:
	movl	$-1, %eax
	ret

vmxr_failed_valid:
	movl	$VMCS_VM_INSTRUCTION_ERROR, %eax
	vmread	%rax, %rax
	ret

/* int vmxr_vmxon(uint64_t pa): the operand is a pointer in memory. */
FUNC vmxr_vmxon
	pushq	%rdi
	vmxon	(%rsp)
	popq	%rdi		/* POP leaves RFLAGS alone */
	VMX_OUTCOME

FUNC vmxr_vmxoff
	vmxoff
	VMX_OUTCOME

FUNC vmxr_vmclear
	pushq	%rdi
	vmclear	(%rsp)
	popq	%rdi
	VMX_OUTCOME

FUNC vmxr_vmptrld
	pushq	%rdi
	vmptrld	(%rsp)
	popq	%rdi
	VMX_OUTCOME

/* int vmxr_vmread(uint64_t field, uint64_t *value) */
FUNC vmxr_vmread
	vmread	%rdi, %rax
	jc	vmxr_failed_invalid
	jz	vmxr_failed_valid
	movq	%rax, (%rsi)
	xorl	%eax, %eax
	ret

/* int vmxr_vmwrite(uint64_t field, uint64_t value) */
FUNC vmxr_vmwrite
	vmwrite	%rsi, %rdi
	VMX_OUTCOME

/* int vmxr_invept(uint64_t type, const uint64_t desc[2]) */
FUNC vmxr_invept
	invept	(%rsi), %rdi
	VMX_OUTCOME

FUNC vmxr_invvpid
	invvpid	(%rsi), %rdi
	VMX_OUTCOME

/*
 * int vmxr_enter(struct vmxr_regs *regs, int launch)
 *
 * Saves the host's callee-saved registers and RFLAGS, leaves `regs` on the
 * stack for the exit entry point, points HOST_RSP there, loads the guest's
 * registers and CR2 and enters. Interrupts are off from here to the exit;
 * the host's RFLAGS (IF included) come back with the return.
 */
FUNC vmxr_enter
	pushfq
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi
	cli

	/* HOST_RSP only when this stack depth is new to the VMCS. */
	cmpq	%rsp, R_HOST_RSP(%rdi)
	je	1f
	movl	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	jbe	.Lentry_failed		/* CF or ZF: the VMWRITE failed */
	movq	%rsp, R_HOST_RSP(%rdi)
1:
	movq	R_CR2(%rdi), %rax
	movq	%rax, %cr2

	testl	%esi, %esi		/* MOVs below leave ZF as this sets it */
	movq	R_RAX(%rdi), %rax
	movq	R_RCX(%rdi), %rcx
	movq	R_RDX(%rdi), %rdx
	movq	R_RBX(%rdi), %rbx
	movq	R_RBP(%rdi), %rbp
	movq	R_RSI(%rdi), %rsi
	movq	R_R8(%rdi), %r8
	movq	R_R9(%rdi), %r9
	movq	R_R10(%rdi), %r10
	movq	R_R11(%rdi), %r11
	movq	R_R12(%rdi), %r12
	movq	R_R13(%rdi), %r13
	movq	R_R14(%rdi), %r14
	movq	R_R15(%rdi), %r15
	movq	R_RDI(%rdi), %rdi
	jz	2f
	vmlaunch
	jmp	.Lentry_failed
2:
	vmresume

	/* Still here: the entry failed before loading guest state (the
	 * guest's values in the registers are copies; `regs` is intact). */
.Lentry_failed:
	jc	3f
	movl	$VMCS_VM_INSTRUCTION_ERROR, %eax
	vmread	%rax, %rax
	jmp	4f
3:
	movl	$-1, %eax
4:
	addq	$8, %rsp		/* regs */
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	popfq
	ret
	.size	vmxr_enter, . - vmxr_enter

/*
 * HOST_RIP. RSP is HOST_RSP: `regs` on top, then the host's saved
 * registers. RFLAGS is 0x2 (SDM "Loading Host State"), so DF is clear.
 */
FUNC vmxr_exit_entry
	pushq	%rdi
	movq	8(%rsp), %rdi
	movq	%rax, R_RAX(%rdi)
	movq	%rcx, R_RCX(%rdi)
	movq	%rdx, R_RDX(%rdi)
	movq	%rbx, R_RBX(%rdi)
	movq	%rbp, R_RBP(%rdi)
	movq	%rsi, R_RSI(%rdi)
	movq	%r8, R_R8(%rdi)
	movq	%r9, R_R9(%rdi)
	movq	%r10, R_R10(%rdi)
	movq	%r11, R_R11(%rdi)
	movq	%r12, R_R12(%rdi)
	movq	%r13, R_R13(%rdi)
	movq	%r14, R_R14(%rdi)
	movq	%r15, R_R15(%rdi)
	popq	%rax			/* the guest's RDI */
	movq	%rax, R_RDI(%rdi)
	movq	%cr2, %rax
	movq	%rax, R_CR2(%rdi)

	addq	$8, %rsp		/* regs */
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	popfq
	xorl	%eax, %eax
	ret
	.size	vmxr_exit_entry, . - vmxr_exit_entry

	.section .note.GNU-stack, "", @progbits

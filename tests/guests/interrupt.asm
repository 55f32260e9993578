; Vector 0x20 prints 'I'; the main line waits for it with STI; HLT.
bits 16
org 0x7c00
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7000
	mov word [0x20 * 4], handler
	mov word [0x20 * 4 + 2], 0
	mov al, 'S'
	out 0xe9, al
	sti
	hlt			; woken by the interrupt
	mov al, 'D'
	out 0xe9, al
	cli
	hlt
handler:
	mov al, 'I'
	out 0xe9, al
	iret

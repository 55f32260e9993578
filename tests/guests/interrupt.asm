; Vector 0x20 prints 'I'; the main line waits for it with STI; HLT.
%include "ivt.inc"
bits 16
org 0x7c00
	SET_VECTOR 0x20, handler
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

; Real-mode #GP handler in the IVT that sends 'E' to port 0xe9; the main
; loop sends 'X'. The test injects #GP once and counts the 'E's.
%include "ivt.inc"
bits 16
org 0x7c00
	SET_VECTOR 13, on_gp
.loop:
	mov al, 'X'
	out 0xe9, al
	jmp .loop
on_gp:
	mov al, 'E'
	out 0xe9, al
	iret

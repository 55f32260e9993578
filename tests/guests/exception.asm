; Real-mode #GP handler in the IVT that sends 'E' to port 0xe9; the main
; loop sends 'X'. The test injects #GP once and counts the 'E's.
bits 16
org 0x7c00
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7000
	mov word [13 * 4], on_gp
	mov word [13 * 4 + 2], 0
.loop:
	mov al, 'X'
	out 0xe9, al
	jmp .loop
on_gp:
	mov al, 'E'
	out 0xe9, al
	iret

; Port I/O in real mode: OUT, IN, and a REP OUTSB, then HLT.
bits 16
org 0x7c00
	mov al, 'A'
	out 0xe9, al		; OUT imm8
	in al, 0x60		; IN: the test answers
	out 0xe9, al
	mov dx, 0x3f8
	xor ax, ax
	mov ds, ax
	mov si, msg
	mov cx, msg_len
	cld
	rep outsb		; one exit, five bytes
	hlt
msg:	db "hello"
msg_len	equ $ - msg

; A store and a load outside guest RAM (which is 64 KiB in the test).
bits 16
org 0x7c00
	mov ax, 0x2000
	mov es, ax
	mov word [es:0x10], 0xbeef	; MMIO write at 0x20010
	mov ax, [es:0x20]		; MMIO read at 0x20020
	out 0xe9, al
	mov al, ah
	out 0xe9, al
	hlt

; vmxhost boot sector: loads stage 2 (STAGE2_SECTORS sectors from LBA
; STAGE2_LBA) to STAGE2_ADDR with int 13h extended reads and jumps to it
; with DL still the BIOS boot drive.
bits 16
org 0x7c00
%include "layout.inc"

start:
	jmp 0:.cs_zero			; some BIOSes enter at 07C0:0000
.cs_zero:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, STACK_TOP
	sti
	cld
	mov [boot_drive], dl

	mov ah, 0x41			; extended disk functions present?
	mov bx, 0x55aa
	int 0x13
	mov si, msg_no_lba
	jc fail
	cmp bx, 0xaa55
	jne fail
	test cl, 1			; bit 0: AH=42h and friends
	jz fail

	mov si, dap
	mov ah, 0x42
	mov dl, [boot_drive]
	int 0x13
	mov si, msg_read
	jc fail
	mov dl, [boot_drive]
	jmp 0:STAGE2_ADDR

%include "bios.inc"

align 4
dap:		db 16, 0		; disk address packet: size, reserved
		dw STAGE2_SECTORS
		dw STAGE2_ADDR, 0	; buffer offset, segment
		dq STAGE2_LBA
boot_drive:	db 0
msg_no_lba:	db "vmxhost: the BIOS has no LBA disk reads (int 13h AH=41h)", 13, 10, 0
msg_read:	db "vmxhost: reading stage 2 failed", 13, 10, 0

	times 510 - ($ - $$) db 0
	dw 0xaa55

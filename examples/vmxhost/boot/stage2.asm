; vmxhost stage 2: a Multiboot (v1) loader for one kernel that carries the
; header's address fields (the "a.out kludge"), as the image does for GRUB.
;
; It enables A20, asks the BIOS for memory (int 12h, E820), finds the
; Multiboot header in the kernel's first 8 KiB, reads the kernel with int 13h
; extended reads into a bounce buffer below 1 MiB in 32 KiB chunks and copies
; each chunk to its load address above 1 MiB from 16-bit protected mode,
; clears the BSS, and enters the kernel as Multiboot does: 32-bit protected
; mode, flat segments, paging and interrupts off, EAX = 0x2BADB002,
; EBX = the Multiboot information.
bits 16
%include "layout.inc"
org STAGE2_ADDR

MB_HEADER_MAGIC	equ 0x1badb002
MB_HEADER_ADDR	equ 1 << 16		; header flag: the address fields are valid
MB_BOOT_MAGIC	equ 0x2badb002
MB_INFO_MEM	equ 1 << 0		; info flags: mem_lower/mem_upper,
MB_INFO_BOOTDEV	equ 1 << 1		; boot_device,
MB_INFO_MMAP	equ 1 << 6		; mmap_*,
MB_INFO_NAME	equ 1 << 9		; boot_loader_name
SMAP		equ 0x534d4150		; "SMAP", E820's signature

SEL_CODE16	equ 0x08		; selectors of the GDT below
SEL_DATA32	equ 0x10
SEL_DATA16	equ 0x18
SEL_CODE32	equ 0x20

; The Multiboot information block (the fields this loader fills).
struc mbi
.flags:		resd 1
.mem_lower:	resd 1
.mem_upper:	resd 1
.boot_device:	resd 1
.cmdline:	resd 1
.mods:		resd 2
.syms:		resd 4
.mmap_length:	resd 1
.mmap_addr:	resd 1
.drives:	resd 2
.config_table:	resd 1
.loader_name:	resd 1
.size:
endstruc

stage2:
	mov [boot_drive], dl
	mov si, msg_hello
	call puts
	call a20_enable
	call memory_probe
	call kernel_find
	call kernel_load
	jmp kernel_enter

; ---------------------------------------------------------------- A20

a20_enable:
	call a20_off
	jnc .on
	mov ax, 0x2401			; the BIOS's A20 switch
	int 0x15
	call a20_off
	jnc .on
	in al, 0x92			; "fast A20" on the system control port
	or al, 2
	and al, 0xfe			; bit 0 would reset the machine
	out 0x92, al
	call a20_off
	jnc .on
	mov si, msg_a20
	jmp fail
.on:
	ret

; a20_off: CF set if 0000:0500 and FFFF:0510 are the same byte (the
; address wraps at 1 MiB).
a20_off:
	push ds
	push es
	xor ax, ax
	mov ds, ax
	not ax
	mov es, ax
	mov al, [0x500]
	mov ah, [es:0x510]
	mov byte [0x500], 0
	mov byte [es:0x510], 0xff
	cmp byte [0x500], 0xff
	mov [es:0x510], ah
	mov [0x500], al
	stc
	je .done
	clc
.done:
	pop es
	pop ds
	ret

; ---------------------------------------------------------------- memory

; memory_probe: fill the Multiboot information with int 12h's low memory,
; E820's map, and mem_upper from the usable E820 range that holds 1 MiB.
memory_probe:
	mov di, MBI_ADDR
	mov cx, mbi.size
	xor al, al
	rep stosb
	int 0x12
	mov [MBI_ADDR + mbi.mem_lower], ax
	movzx eax, byte [boot_drive]
	shl eax, 24
	or eax, 0x00ffffff		; the whole disk, no partition
	mov [MBI_ADDR + mbi.boot_device], eax
	mov dword [MBI_ADDR + mbi.loader_name], loader_name

	xor ebx, ebx
	xor bp, bp
	mov di, MMAP_ADDR
.next:
	mov eax, 0xe820
	mov edx, SMAP
	mov ecx, 20
	add di, 4			; Multiboot puts each entry's size first
	int 0x15
	lea di, [di - 4]
	jc .end				; unsupported, or past the last entry
	cmp eax, SMAP
	jne .end
	mov dword [di], 20
	call mem_upper_from
	add di, 24
	inc bp
	cmp bp, MMAP_MAX
	je .end
	test ebx, ebx
	jnz .next
.end:
	mov si, msg_e820
	test bp, bp
	jz fail
	cmp dword [MBI_ADDR + mbi.mem_upper], 0
	je fail
	mov ax, 24
	mul bp
	mov [MBI_ADDR + mbi.mmap_length], ax
	mov dword [MBI_ADDR + mbi.mmap_addr], MMAP_ADDR
	mov dword [MBI_ADDR + mbi.flags], MB_INFO_MEM | MB_INFO_BOOTDEV | MB_INFO_MMAP | MB_INFO_NAME
	ret

; mem_upper_from: the E820 entry at DI+4 (base, length, type): if it is
; usable RAM starting at or below 1 MiB and ending above it, mem_upper is
; the KiB from 1 MiB to its end (at most 4 GiB).
mem_upper_from:
	pushad
	cmp dword [di + 20], 1		; type 1: usable
	jne .done
	cmp dword [di + 8], 0		; base above 4 GiB
	jne .done
	mov eax, [di + 4]
	cmp eax, 0x100000
	ja .done
	mov edx, 0xffffffff
	cmp dword [di + 16], 0		; length of 4 GiB or more
	jne .end
	add eax, [di + 12]
	jc .end
	mov edx, eax
.end:
	sub edx, 0x100000
	jbe .done
	shr edx, 10
	mov [MBI_ADDR + mbi.mem_upper], edx
.done:
	popad
	ret

; ---------------------------------------------------------------- kernel

; kernel_find: read the kernel's first sectors and take the load addresses
; from its Multiboot header (magic, flags and checksum summing to zero).
kernel_find:
	mov eax, KERNEL_LBA
	mov cx, HEADER_SECTORS
	call disk_read
	mov ax, BOUNCE_SEG
	mov fs, ax
	xor si, si
.scan:
	cmp dword [fs:si], MB_HEADER_MAGIC
	jne .next
	mov eax, [fs:si]
	add eax, [fs:si + 4]
	add eax, [fs:si + 8]
	jz .found
.next:
	add si, 4
	cmp si, HEADER_SECTORS * 512 - 32
	jb .scan
	mov si, msg_no_header
	jmp fail
.found:
	mov bx, si
	mov si, msg_no_address
	test dword [fs:bx + 4], MB_HEADER_ADDR
	jz fail
	mov eax, [fs:bx + 16]
	mov [load_addr], eax
	mov si, msg_low_load
	cmp eax, 0x100000
	jb fail
	mov eax, [fs:bx + 20]
	mov [load_end], eax
	mov si, msg_no_end
	cmp eax, [load_addr]		; 0 (load the whole file) is not supported
	jbe fail
	mov eax, [fs:bx + 24]
	mov [bss_end], eax
	mov eax, [fs:bx + 28]
	mov [entry], eax
	; The file offset of load_addr: the header's offset less its distance
	; from load_addr. It must be a whole sector.
	movzx eax, bx
	sub eax, [fs:bx + 12]
	add eax, [load_addr]
	mov si, msg_offset
	test eax, 0x800001ff
	jnz fail
	shr eax, 9
	add eax, KERNEL_LBA
	mov [load_lba], eax
	ret

; kernel_load: read [load_addr, load_end) chunk by chunk through the bounce
; buffer, then zero [load_end, bss_end).
kernel_load:
	mov si, msg_loading
	call puts
	mov eax, [load_end]
	sub eax, [load_addr]
	call puthex
	mov si, msg_at
	call puts
	mov eax, [load_addr]
	call puthex
	mov si, msg_crlf
	call puts

	mov eax, [load_end]
	sub eax, [load_addr]
	add eax, 511
	shr eax, 9
	mov [sectors_left], eax
	mov eax, [load_addr]
	mov [dest], eax
.chunk:
	mov ecx, [sectors_left]
	jecxz .bss
	cmp ecx, CHUNK_SECTORS
	jbe .read
	mov ecx, CHUNK_SECTORS
.read:
	mov eax, [load_lba]
	call disk_read
	movzx ecx, cx
	add [load_lba], ecx
	sub [sectors_left], ecx
	shl ecx, 7			; sectors to dwords
	mov esi, BOUNCE_SEG << 4
	mov edi, [dest]
	call pm_enter
	a32 rep movsd
	call pm_leave
	mov [dest], edi
	jmp .chunk
.bss:
	; The last chunk may have copied past load_end: that is BSS, zeroed here.
	mov edi, [load_end]
	mov ecx, [bss_end]
	sub ecx, edi
	jbe .done
	call pm_enter
	xor al, al
	a32 rep stosb
	call pm_leave
.done:
	ret

; disk_read: read CX sectors from LBA EAX to BOUNCE_SEG:0.
disk_read:
	pushad
	mov [dap.count], cx
	mov [dap.lba], eax
	mov si, dap
	mov dl, [boot_drive]
	mov ah, 0x42
	int 0x13
	mov si, msg_disk
	jc fail
	popad
	ret

; pm_enter: interrupts off, 16-bit protected mode (CS base 0, so offsets
; stay valid), DS = ES = flat 4 GiB data: ESI/EDI reach all memory.
; Clobbers EAX.
pm_enter:
	cli
	lgdt [gdt_desc]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp SEL_CODE16:.pm
.pm:
	mov ax, SEL_DATA32
	mov ds, ax
	mov es, ax
	ret

; pm_leave: back to real mode, with 64 KiB limits loaded first so real mode
; does not inherit the flat ones, and interrupts on.
pm_leave:
	mov ax, SEL_DATA16
	mov ds, ax
	mov es, ax
	mov eax, cr0
	and al, 0xfe
	mov cr0, eax
	jmp 0:.rm
.rm:
	xor ax, ax
	mov ds, ax
	mov es, ax
	sti
	ret

; kernel_enter: 32-bit protected mode, flat segments, then the kernel's entry
; with the Multiboot handshake.
kernel_enter:
	cli
	lgdt [gdt_desc]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp dword SEL_CODE32:.pm32
bits 32
.pm32:
	mov ax, SEL_DATA32
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov esp, STACK_TOP
	mov eax, MB_BOOT_MAGIC
	mov ebx, MBI_ADDR
	jmp [entry]
bits 16

; puthex: EAX as 8 hex digits.
puthex:
	pushad
	mov cx, 8
	mov di, hex_buf
.digit:
	rol eax, 4
	mov bl, al
	and bx, 0x0f
	mov dl, [hex_digits + bx]
	mov [di], dl
	inc di
	loop .digit
	mov si, hex_buf
	call puts
	popad
	ret

%include "bios.inc"

align 8
gdt:
	dq 0
	dq 0x00009a000000ffff		; 0x08: 16-bit code, base 0, 64 KiB
	dq 0x00cf92000000ffff		; 0x10: 32-bit data, base 0, 4 GiB
	dq 0x000092000000ffff		; 0x18: 16-bit data, base 0, 64 KiB
	dq 0x00cf9a000000ffff		; 0x20: 32-bit code, base 0, 4 GiB
gdt_end:
gdt_desc:
	dw gdt_end - gdt - 1
	dd gdt

align 4
dap:		db 16, 0
.count:		dw 0
		dw 0, BOUNCE_SEG
.lba:		dq 0
load_addr:	dd 0
load_end:	dd 0
bss_end:	dd 0
entry:		dd 0
load_lba:	dd 0
sectors_left:	dd 0
dest:		dd 0
boot_drive:	db 0
hex_digits:	db "0123456789abcdef"
hex_buf:	db "00000000", 0

loader_name:	db "vmxhost stage 2", 0
msg_hello:	db "vmxhost stage 2", 13, 10, 0
msg_loading:	db "loading kernel: 0x", 0
msg_at:		db " bytes at 0x", 0
msg_crlf:	db 13, 10, 0
msg_a20:	db "stage 2: cannot enable A20", 13, 10, 0
msg_e820:	db "stage 2: no memory map above 1 MiB from int 15h E820", 13, 10, 0
msg_disk:	db "stage 2: disk read failed", 13, 10, 0
msg_no_header:	db "stage 2: no Multiboot header in the kernel's first 8 KiB", 13, 10, 0
msg_no_address:	db "stage 2: the Multiboot header has no address fields (flag 16)", 13, 10, 0
msg_low_load:	db "stage 2: the kernel's load address is below 1 MiB", 13, 10, 0
msg_no_end:	db "stage 2: the kernel's load_end_addr is not above load_addr", 13, 10, 0
msg_offset:	db "stage 2: the kernel's load address is not at a whole sector of the file", 13, 10, 0

	times STAGE2_SECTORS * 512 - ($ - $$) db 0

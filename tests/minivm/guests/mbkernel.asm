; Multiboot (v1) test kernel, ELF32 (linked by mbkernel.ld at 1 MiB).
; Checks the boot protocol: EAX magic, the information at EBX (mem_lower,
; mem_upper, the command line), the segment registers, CR0 and EFLAGS.IF;
; prints over COM1 (polled) and exits through port 0xf4 with a 32-bit OUT,
; as kvm-unit-tests do: 0x10 (status 33) if the magic was right, else
; 0x7f (status 255).

MB_MAGIC        equ 0x1badb002
MB_FLAGS        equ 0x00000003      ; page-align modules, want memory info

        section .multiboot
        align 4
        dd MB_MAGIC
        dd MB_FLAGS
        dd -(MB_MAGIC + MB_FLAGS)

        section .text
        bits 32
        global _start
_start:
        mov esp, stack_top
        mov [boot_eax], eax
        mov [boot_ebx], ebx
        pushfd
        pop dword [boot_eflags]
        cmp dword [boot_eax], 0x2badb002
        jne bad_magic

        mov esi, msg_magic
        call puts
        mov ebx, [boot_ebx]
        test dword [ebx], 1         ; MBI_MEMORY
        jz .no_memory
        mov esi, msg_lower
        call puts
        mov eax, [ebx + 4]
        call put_dec
        mov esi, msg_upper
        call puts
        mov eax, [ebx + 8]
        call put_dec
        call newline
.no_memory:
        test dword [ebx], 4         ; MBI_CMDLINE
        jz .no_cmdline
        mov esi, msg_cmdline
        call puts
        mov esi, [ebx + 16]
        call puts
        call newline
.no_cmdline:
        mov esi, msg_cs
        call puts
        mov ax, cs
        movzx eax, ax
        call put_dec
        mov esi, msg_ds
        call puts
        mov ax, ds
        movzx eax, ax
        call put_dec
        mov esi, msg_pe
        call puts
        mov eax, cr0
        and eax, 1
        call put_dec
        mov esi, msg_pg
        call puts
        mov eax, cr0
        shr eax, 31
        call put_dec
        mov esi, msg_if
        call puts
        mov eax, [boot_eflags]
        shr eax, 9
        and eax, 1
        call put_dec
        call newline
        mov eax, 0x10
        jmp exit

bad_magic:
        mov esi, msg_bad
        call puts
        mov eax, 0x7f
exit:
        mov dx, 0xf4
        out dx, eax
        cli
        hlt

; AL: the byte, over COM1 once THR is empty.
putc:
        push edx
        push eax
        mov dx, 0x3fd
.wait:
        in al, dx
        test al, 0x20
        jz .wait
        pop eax
        mov dx, 0x3f8
        out dx, al
        pop edx
        ret

; ESI: a NUL-terminated string.
puts:
        push eax
.next:
        lodsb
        test al, al
        jz .done
        call putc
        jmp .next
.done:
        pop eax
        ret

newline:
        push eax
        mov al, 10
        call putc
        pop eax
        ret

; EAX in decimal.
put_dec:
        push eax
        push ebx
        push ecx
        push edx
        mov ebx, 10
        xor ecx, ecx
.divide:
        xor edx, edx
        div ebx
        push edx
        inc ecx
        test eax, eax
        jnz .divide
.print:
        pop eax
        add al, '0'
        call putc
        loop .print
        pop edx
        pop ecx
        pop ebx
        pop eax
        ret

        section .rodata
msg_magic:      db "magic ok", 10, 0
msg_lower:      db "mem_lower=", 0
msg_upper:      db " mem_upper=", 0
msg_cmdline:    db "cmdline=", 0
msg_cs:         db "cs=", 0
msg_ds:         db " ds=", 0
msg_pe:         db " pe=", 0
msg_pg:         db " pg=", 0
msg_if:         db " if=", 0
msg_bad:        db "bad magic", 10, 0

        section .bss
boot_eax:       resd 1
boot_ebx:       resd 1
boot_eflags:    resd 1
stack:          resb 4096
stack_top:

; Flat test guest for minivm --smp: VCPU 1 triple-faults (as triple.asm
; does, through protected mode with an empty IDT) while every other VCPU
; spins without a single VM exit, so only minivm's stopping them ends
; their runs.
        bits 16
        org 0x7c00

        cli
        cld
        xor ax, ax
        mov ds, ax
        mov eax, 1
        cpuid
        shr ebx, 24             ; this VCPU's id
        cmp bx, 1
        je .fault
.spin:
        pause
        jmp .spin

.fault:
        lgdt [gdt_descriptor]
        lidt [idt_empty]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp 0x08:fault

        bits 32
fault:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        ud2
        mov al, 0x7f            ; not reached
        out 0xf4, al
        hlt

        align 8
gdt:
        dq 0
        dq 0x00cf9a000000ffff   ; 0x08: 32-bit code, flat
        dq 0x00cf92000000ffff   ; 0x10: data, flat
gdt_end:
gdt_descriptor:
        dw gdt_end - gdt - 1
        dd gdt
idt_empty:
        dw 0                    ; limit
        dd 0                    ; base

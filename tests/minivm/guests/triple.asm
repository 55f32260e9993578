; Flat test guest that triple-faults. It enters 32-bit protected mode with
; an IDT limit of 0 and executes UD2: the #UD cannot be delivered (#GP),
; nor can the #GP (#DF), nor the #DF: shutdown.
; Simpler versions do not shut down on every KVM. In real mode (LIDT with
; limit 0, then INT 0x10 or UD2) some deliver through the IVT regardless
; of the limit; and a software INT n or INT3 is emulated by some, whose
; emulator then gives up (KVM internal error) instead of shutting down.
        bits 16
        org 0x7c00

        cli
        cld
        xor ax, ax
        mov ds, ax
        mov si, msg
.next:
        lodsb
        test al, al
        jz .protected
        out 0xe9, al
        jmp .next
.protected:
        lgdt [gdt_descriptor]
        lidt [idt_empty]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp 0x08:fault

        bits 32
fault:
        ; Every segment register reloaded: the state is one VMX can run
        ; natively, also on KVM without unrestricted guest (which would
        ; otherwise still be emulating it).
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
msg:    db "about to triple fault", 10, 0

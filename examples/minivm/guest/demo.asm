; minivm's built-in demo guest: a boot-sector-style real-mode program.
;
; minivm loads it at 0000:7C00 and starts it there. Each step does
; something that makes a VT-x CPU leave the guest (a VM exit): port I/O to
; the serial port, CPUID, MOV to CR0 (into 32-bit protected mode and back),
; and finally CLI; HLT. minivm prints which exits reached it.
;
; The first lines it prints (serial_init, then msg_banner) are replayed as
; scripted exits on the mock backend by tests/minivm/demo_script.c: keep
; the two in step.

        bits 16
        org 0x7c00

%include "uart16550.inc"
DEBUGCON        equ 0xe9

start:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7c00
        cld
        call serial_init
        mov si, msg_banner
        call puts

        ; CPUID leaf 0: the vendor string in EBX, EDX, ECX.
        mov si, msg_cpuid
        call puts
        xor eax, eax
        cpuid
        mov [vendor], ebx
        mov [vendor + 4], edx
        mov [vendor + 8], ecx
        mov si, vendor
        call puts
        mov si, msg_maxleaf
        call puts
        call put_hex32
        call newline

        ; Port I/O: a write and a read of the UART's scratch register.
        mov si, msg_scratch
        call puts
        mov dx, UART_SCR
        mov al, 0x5a
        out dx, al
        in al, dx
        call put_hex8
        call newline

        ; The debug console: one OUT per byte to port 0xe9.
        mov si, msg_debugcon
.debugcon:
        lodsb
        test al, al
        jz .debugcon_done
        out DEBUGCON, al
        jmp .debugcon
.debugcon_done:

        ; MOV to CR0: into 32-bit protected mode...
        mov si, msg_pm_enter
        call puts
        lgdt [gdt_descriptor]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp 0x08:protected_mode

        bits 32
protected_mode:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov eax, cr0
        mov [cr0_in_pm], eax
        mov esi, msg_pm_hello
        call puts32
        ; ...and back: through a 16-bit code segment, then clear CR0.PE.
        jmp 0x18:protected_mode16

        bits 16
protected_mode16:
        mov ax, 0x20
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov eax, cr0
        and al, 0xfe
        mov cr0, eax
        jmp 0x0000:real_mode_again

real_mode_again:
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov si, msg_rm_again
        call puts
        mov eax, [cr0_in_pm]
        call put_hex32
        mov si, msg_cr0_now
        call puts
        mov eax, cr0
        call put_hex32
        call newline

        mov si, msg_halt
        call puts
        cli
.halt:
        hlt
        jmp .halt

; ---- 16-bit serial output ------------------------------------------------

        UART16550_ROUTINES

newline:
        push ax
        mov al, 10
        call putc
        pop ax
        ret

; EAX as 8 hex digits, AL as 2.
put_hex32:
        push eax
        shr eax, 16
        call put_hex16
        pop eax
put_hex16:
        push ax
        mov al, ah
        call put_hex8
        pop ax
put_hex8:
        push ax
        shr al, 4
        call put_nibble
        pop ax
put_nibble:
        push ax
        and al, 0x0f
        add al, '0'
        cmp al, '9'
        jbe .digit
        add al, 'a' - '9' - 1
.digit:
        call putc
        pop ax
        ret

; ---- 32-bit serial output (protected mode) --------------------------------

        bits 32
puts32:
        lodsb
        test al, al
        jz .done
        mov ah, al
        mov dx, UART_LSR
.wait:
        in al, dx
        test al, LSR_THRE
        jz .wait
        mov al, ah
        mov dx, UART_THR
        out dx, al
        jmp puts32
.done:
        ret

; ---- Data --------------------------------------------------------------------

        align 8
gdt:
        dq 0
        dq 0x00cf9a000000ffff   ; 0x08: 32-bit code, base 0, 4 GiB
        dq 0x00cf92000000ffff   ; 0x10: 32-bit data, base 0, 4 GiB
        dq 0x00009a000000ffff   ; 0x18: 16-bit code, base 0, 64 KiB
        dq 0x000092000000ffff   ; 0x20: 16-bit data, base 0, 64 KiB
gdt_end:
gdt_descriptor:
        dw gdt_end - gdt - 1
        dd gdt

cr0_in_pm:      dd 0
vendor:         times 13 db 0

msg_banner:     db "Hello from the minivm demo guest, in 16-bit real mode at 0000:7C00.", 10
                db "Every character on this line is two VM exits: IN from the UART's LSR, OUT to its THR.", 10, 0
msg_cpuid:      db "CPUID leaf 0: vendor ", 0
msg_maxleaf:    db ", highest basic leaf 0x", 0
msg_scratch:    db "Port I/O: wrote 0x5a to the UART scratch register, read back 0x", 0
msg_debugcon:   db "Debug console: this line is one OUT to port 0xe9 per byte.", 10, 0
msg_pm_enter:   db "Setting CR0.PE: entering 32-bit protected mode...", 10, 0
msg_pm_hello:   db "Hello from 32-bit protected mode (CS = 0x08, flat). Clearing CR0.PE again...", 10, 0
msg_rm_again:   db "Back in real mode. CR0 was 0x", 0
msg_cr0_now:    db " in protected mode, is 0x", 0
msg_halt:       db "Halting with interrupts off (CLI; HLT). Bye.", 10, 0

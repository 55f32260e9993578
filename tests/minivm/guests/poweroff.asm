; Flat test guest: says so, then powers off through QEMU's ACPI PM1a
; control port (SLP_EN): minivm exits with 0.
        bits 16
        org 0x7c00

        cld
        mov si, msg
.next:
        lodsb
        test al, al
        jz .off
        out 0xe9, al
        jmp .next
.off:
        mov dx, 0x604
        mov ax, 0x2000
        out dx, ax
        jmp $

msg:    db "powering off", 10, 0

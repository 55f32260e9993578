; Flat test guest: a store to guest-physical 0x100000 (FFFF:0010). Run with
; --mem 1M, that is outside guest RAM, and minivm has no MMIO device.
        bits 16
        org 0x7c00

        mov ax, 0xffff
        mov es, ax
        mov byte [es:0x10], 0x42
        mov al, 0x7f            ; not reached
        out 0xf4, al
        hlt

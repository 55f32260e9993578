; Flat test guest: one line on the debug console (port 0xe9), then exit
; port 0xf4 with 0x15, so minivm exits with (0x15 << 1) | 1 = 43.
; Assembled twice: at the boot-sector address, and with -DORG=0 to be
; loaded with --load 0x20000 --entry 2000:0000.
%ifndef ORG
%define ORG 0x7c00
%endif
        bits 16
        org ORG

        push cs
        pop ds
        cld
        mov si, msg
.next:
        lodsb
        test al, al
        jz .exit
        out 0xe9, al
        jmp .next
.exit:
        mov al, 0x15
        out 0xf4, al
        cli
        hlt

msg:    db "hello from a flat image", 10, 0

; Flat test guest: reads three bytes from COM1 (polling LSR.DR), writes
; them upper-cased to the debug console, exits with 2 (status 5).
        bits 16
        org 0x7c00

        mov cx, 3
.byte:
        mov dx, 0x3fd
.wait:
        in al, dx
        test al, 1
        jz .wait
        mov dx, 0x3f8
        in al, dx
        sub al, 'a' - 'A'
        out 0xe9, al
        loop .byte
        mov al, 10
        out 0xe9, al
        mov al, 2
        out 0xf4, al
        hlt

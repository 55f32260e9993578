; Flat test guest: reads and writes port 0x80, where minivm has no device.
; By default the read returns all ones and minivm notes the port once on
; stderr; the guest prints what it read and exits with 1 (status 3).
        bits 16
        org 0x7c00

        in al, 0x80
        mov bl, al
        mov si, msg
.next:
        lodsb
        test al, al
        jz .value
        out 0xe9, al
        jmp .next
.value:
        mov al, bl
        shr al, 4
        call nibble
        mov al, bl
        call nibble
        mov al, 10
        out 0xe9, al
        out 0x80, al
        out 0x80, al
        mov al, 1
        out 0xf4, al
        hlt

nibble:
        and al, 0x0f
        add al, '0'
        cmp al, '9'
        jbe .out
        add al, 'a' - '9' - 1
.out:
        out 0xe9, al
        ret

msg:    db "port 0x80 reads 0x", 0

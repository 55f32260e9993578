; Flat test guest that never stops doing port I/O (for --max-exits).
        bits 16
        org 0x7c00
.again:
        in al, 0xe9
        jmp .again

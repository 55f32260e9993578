; Flat test guest that spins without any exit (for --timeout).
        bits 16
        org 0x7c00
        cli
        jmp $

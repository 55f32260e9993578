; Flat test guest: halts with interrupts enabled; minivm has nothing that
; could interrupt it, so it stops the guest (status 75).
        bits 16
        org 0x7c00
        sti
        hlt
        jmp $

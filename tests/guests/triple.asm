; Run in 32-bit protected mode with an IDT of limit 0 (the test sets both):
; the #UD cannot be delivered, nor the #GP that follows, nor the #DF: the
; processor shuts down. (UD2 rather than INT3: some KVMs emulate software
; interrupts and give up instead of shutting down.)
bits 32
org 0x7c00
	ud2
	hlt

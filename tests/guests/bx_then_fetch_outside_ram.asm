; Sets BX, then jumps to 2000:0000, above the test's 64 KiB of RAM, where
; KVM can neither run nor emulate: the state after the failure must be
; KVM's (BX = 0x64), not what the core held before the run.
bits 16
org 0x7c00
	mov bx, 0x64
	jmp 0x2000:0x0000

; Jumps to 2000:0000 (linear 0x20000), above the test's 64 KiB of RAM: the
; instruction fetch hits an address no memory backs, which KVM can neither
; run nor emulate (it reports an internal emulation error).
bits 16
org 0x7c00
	jmp 0x2000:0x0000

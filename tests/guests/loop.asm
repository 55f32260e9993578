; Port I/O forever: one exit per iteration (benchmarks, interruption).
bits 16
org 0x7c00
again:
	out 0x80, al
	inc al
	jmp again

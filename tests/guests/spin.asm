; No exits at all: only a signal stops it.
bits 16
org 0x7c00
	jmp $

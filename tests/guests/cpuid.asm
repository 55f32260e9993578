; CPUID leaf 0 and 1: EBX, EDX, ECX of leaf 0 and EBX of leaf 1 to port 0x80.
bits 16
org 0x7c00
	xor eax, eax
	cpuid
	mov esi, edx
	mov edi, ecx
	mov eax, ebx
	out 0x80, eax
	mov eax, esi
	out 0x80, eax
	mov eax, edi
	out 0x80, eax
	mov eax, 1
	cpuid
	mov eax, ebx
	out 0x80, eax
	hlt

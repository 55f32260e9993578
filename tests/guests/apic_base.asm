; Sends IA32_APIC_BASE (RDMSR 1Bh, low half) and CPUID.1:EDX to port 0x80:
; state KVM keeps outside any VMCS field must survive the core's writes.
bits 16
org 0x7c00
	mov ecx, 0x1b
	rdmsr
	mov dx, 0x80
	out dx, eax
	mov eax, 1
	cpuid
	mov eax, edx
	mov dx, 0x80
	out dx, eax
	cli
	hlt

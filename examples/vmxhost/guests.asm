; vmxhost: guest images embedded in the kernel, for scenarios (host.h).
; DEMO_GUEST is the path of minivm's demo guest (demo.bin), given by Meson.
section .rodata align=16
global demo_guest_start:data, demo_guest_end:data
demo_guest_start:
	incbin DEMO_GUEST
demo_guest_end:

section .note.GNU-stack noalloc noexec nowrite progbits

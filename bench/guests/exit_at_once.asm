; The launch benchmark's guest: exits at once through the isa-debug-exit
; port (0xf4) with the value 5, so both VMMs exit with status 11. It boots
; as a Multiboot (v1) kernel for minivm and through its PVH ELF note
; (XEN_ELFNOTE_PHYS32_ENTRY) for qemu-system-x86_64 -M microvm; both enter
; it in 32-bit protected mode with paging off.

        section .multiboot progbits alloc noexec nowrite align=4
        dd 0x1badb002                   ; Multiboot magic
        dd 0                            ; flags: nothing asked
        dd -0x1badb002                  ; checksum

        section .note.Xen note alloc noexec nowrite align=4
        dd 4                            ; name size ("Xen\0")
        dd 4                            ; descriptor size
        dd 18                           ; XEN_ELFNOTE_PHYS32_ENTRY
        db "Xen", 0
        dd _start

        section .text
        bits 32
        global _start
_start:
        mov eax, 5
        mov dx, 0xf4
        out dx, eax
        cli
        hlt

; emu_loop.bin (the loop program, assembled with -f bin) as read-only data
; for bench_emu: emu_loop_image[emu_loop_image_size].

        section .rodata align=16
        global emu_loop_image, emu_loop_image_size
emu_loop_image:
        incbin "emu_loop.bin"
.end:
        align 4
emu_loop_image_size:
        dq emu_loop_image.end - emu_loop_image

        section .note.GNU-stack noalloc noexec nowrite progbits

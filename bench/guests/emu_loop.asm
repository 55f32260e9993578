; The emulator benchmark's program (bench/bench_emu.c): one real-mode loop
; run byte for byte the same by libvcpu's emulator, libx86emu, Unicorn and
; qemu-system-x86_64 (TCG). It is a boot sector: QEMU's BIOS loads it at
; 0000:7C00; the in-process emulators start at 0000:7C00 with every other
; register 0. It sets up everything it uses itself, so what ran before it
; (a BIOS or nothing) does not matter.
;
; One iteration mixes what real-mode code does: ALU, DS:[bx+si+disp] loads
; and stores, an ES: override, push/pop, call/ret, a data-dependent Jcc
; whose two paths have the same length, and a 16-byte rep movsb. The
; iteration count is a 32-bit field the bench patches (offset 2), so the
; instructions retired are exactly
;	INIT_INSNS + iterations * ITER_INSNS + FINI_INSNS
; (a REP instruction counts once), the three numbers in the header.
;
; At the end it stores its registers at DS:0000, writes DS:0000-00FF and
; ES:0000-00FF to port 0xE9 (QEMU's debugcon: how QEMU shows its result),
; writes 0x2A to port 0xF4 (isa-debug-exit: QEMU exits with status 85)
; and halts. The in-process emulators drop the port writes and stop at the
; HLT; the bench compares those 512 bytes of memory across contenders.

        bits 16
        org 0x7c00

DATA_SEG        equ 0x1000      ; DS: loads, stores, rep movsb's source
COPY_SEG        equ 0x2000      ; ES: rep movsb's destination
STACK_SEG       equ 0x3000
SRC             equ 0x40        ; DS:SRC, the 16 bytes rep movsb copies
DST             equ 0x40        ; ES:DST
RESULT          equ 0x00        ; DS:RESULT, the registers at the end

; ---- header, read by the bench (never executed) ----
start:
        jmp short init
iterations:     dd 0            ; offset 2: patched by the bench
        dw INIT_INSNS           ; offset 6
        dw ITER_INSNS           ; offset 8
        dw FINI_INSNS           ; offset 10
        dw halt                 ; offset 12: IP of the final HLT

INIT_INSNS      equ 29
ITER_INSNS      equ 27
FINI_INSNS      equ 25

; ---- INIT_INSNS = 29 with the jmp above, once ----
init:
        cli
        cld
        mov ax, STACK_SEG
        mov ss, ax
        mov sp, 0xfff0
        mov ax, COPY_SEG
        mov es, ax
        xor di, di
        mov cx, 128
        mov ax, 0x1357
        rep stosw               ; ES:0000-00FF
        mov ax, DATA_SEG
        mov ds, ax
        push es
        push ds
        pop es
        xor di, di
        mov cx, 128
        mov ax, 0x2468
        rep stosw               ; DS:0000-00FF
        pop es
        xor bx, bx
        mov dx, 0x0f0f
        mov si, SRC + 16        ; as rep movsb leaves them
        mov di, DST + 16
        mov ebp, [cs:iterations]
        test ebp, ebp
        jz done

; ---- the loop: ITER_INSNS = 27 per iteration ----
top:
        mov ax, [bx+si-14]      ; DS:SRC+2+bx
        xor ax, 0x5a5a
        add ax, dx              ; CF for the adc below
        mov [bx+si-12], ax      ; DS:SRC+4+bx: what rep movsb copies next
        mov cx, [es:bx+di-10]   ; ES:DST+6+bx: what it copied last time
        adc dx, cx
        push ax
        push dx
        call mix                ; + 4 in mix
        pop dx
        pop ax
        cmp ax, dx
        jb .below               ; taken or not: 3 instructions either way
        inc dx
        jmp short .join
.below:
        dec dx
        sub dx, 3
.join:
        add bx, 2
        and bx, 14
        mov si, SRC
        mov di, DST
        mov cx, 16
        rep movsb
        dec ebp
        jnz top

; ---- FINI_INSNS = 25 with the HLT, once ----
done:
        mov [RESULT + 0], ax
        mov [RESULT + 2], bx
        mov [RESULT + 4], cx
        mov [RESULT + 6], dx
        mov [RESULT + 8], si
        mov [RESULT + 10], di
        mov [RESULT + 12], sp
        mov [RESULT + 14], ebp
        pushf
        pop ax
        and ax, 0x08c5          ; OF SF ZF PF CF (AF: TEST leaves it undefined)
        mov [RESULT + 18], ax
        mov dx, 0xe9
        xor si, si
        mov cx, 256
        rep outsb               ; DS:0000-00FF to debugcon
        push es
        pop ds
        xor si, si
        mov cx, 256
        rep outsb               ; ES:0000-00FF
        mov al, 0x2a
        mov dx, 0xf4
        out dx, al              ; isa-debug-exit
halt:
        hlt
        jmp halt                ; (not reached, not counted)

mix:
        mov ax, [bx+si-6]       ; DS:SRC+10+bx
        sub ax, dx
        mov [bx+si-2], ax       ; DS:SRC+14+bx
        ret

        times 510 - ($ - $$) db 0
        dw 0xaa55

; minivm's built-in SMP demo guest (minivm --smp N): several VCPUs take
; turns at one spinlock in shared memory.
;
; Start protocol. A PC starts its application processors with INIT and
; STARTUP IPIs through the local APIC, which minivm does not emulate. So
; every VCPU starts here, at 0000:7C00 in real mode, in the same state,
; with ECX = the number of VCPUs (0 without --smp: one). Each reads its
; initial APIC ID from CPUID.1:EBX[31:24], which libvcpu makes the VCPU's
; id. VCPU 0 is the bootstrap processor: it sets up the shared data, then
; sets `go`; the application processors spin on `go` with PAUSE.
;
; The lock is a word: the low byte is the test-and-set flag (XCHG with
; memory is always locked), the high byte the holder's id, which the holder
; writes once it has the lock so that a waiter knows whom it waits for.
; An acquire that finds the lock taken counts once in `contended` and spins
; with PAUSE until the flag clears.
;
; VCPU 0 takes the lock before it sets `go` and lets go of it only when
; every other VCPU has found it taken: however the host schedules the VCPU
; threads, each run starts with all of them waiting on one lock, which they
; can only do running at the same time as VCPU 0. Then every VCPU takes the
; lock LOCKS_EACH times. Holding it, it adds one to the shared counter with
; a plain load and store some instructions apart, an update that only the
; lock keeps from being lost, and one to its own count.
;
; A waiter could pass the holder to the hypervisor (sched.h's lock-holder
; hint, a VMCALL); this guest does not, because KVM handles VMCALL in the
; kernel, where minivm never sees it.
;
; When done, each VCPU adds one to `finished` and halts (CLI; HLT); VCPU 0
; first waits for all and prints every VCPU's count, in order, whether the
; total is N x LOCKS_EACH, and how often an acquire found the lock taken.

        bits 16
        org 0x7c00

%include "uart16550.inc"

LOCKS_EACH      equ 200
STACK_EACH      equ 0x200           ; each VCPU's stack, downwards from 0x7c00
NOBODY          equ 0xff            ; the holder byte of a free lock

start:
        cli
        cld
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov edi, ecx                ; the number of VCPUs: CPUID overwrites ECX
        mov eax, 1
        cpuid
        shr ebx, 24                 ; BX: this VCPU's id
        ; A stack of its own before anything is pushed.
        imul ax, bx, STACK_EACH
        mov sp, 0x7c00
        sub sp, ax
        test bx, bx
        jnz ap_wait

        ; The bootstrap processor: shared data first, then the others go.
        test di, di
        jnz .counted
        inc di
.counted:
        push di
        mov di, shared
        mov cx, shared_end - shared
        xor al, al
        rep stosb
        pop di
        mov [ncpus], di
        mov byte [lock_taken], 1
        mov byte [lock_holder], 0
        call serial_init
        mov si, msg_banner
        call puts
        mov ax, [ncpus]
        call put_dec
        mov si, msg_banner2
        cmp ax, 1
        jne .plural
        mov si, msg_banner2_one
.plural:
        call puts
        mov ax, LOCKS_EACH
        call put_dec
        mov si, msg_banner3
        call puts
        mov byte [go], 1
        ; Holding the lock until every other VCPU is waiting for it.
        mov ax, [ncpus]
        dec ax
.line_up:
        pause
        cmp [contended], ax
        jb .line_up
        call release
        jmp take_turns

ap_wait:
        pause
        cmp byte [go], 0
        je ap_wait

take_turns:
        mov si, bx
        shl si, 1                   ; SI: this VCPU's slot in the word arrays
        mov cx, LOCKS_EACH
.next:
        call acquire
        mov eax, [counter]          ; not atomic: the lock protects it
        inc eax
        inc word [acquired + si]
        mov [counter], eax
        call release
        loop .next
        lock inc word [finished]
        test bx, bx
        jnz halt

        ; VCPU 0 reports once every VCPU is done.
.wait_all:
        pause
        mov ax, [finished]
        cmp ax, [ncpus]
        jb .wait_all
        call report
halt:
        cli
.halt:
        hlt
        jmp .halt

; ---- The spinlock ------------------------------------------------------------

; BX: this VCPU's id. Preserves everything but AL.
acquire:
        mov al, 1
        xchg al, [lock_taken]
        test al, al
        jz .got
        lock inc word [contended]
.spin:
        pause
        cmp byte [lock_taken], 0
        jne .spin
        mov al, 1
        xchg al, [lock_taken]
        test al, al
        jnz .spin
.got:
        mov [lock_holder], bl
        ret

release:
        mov byte [lock_holder], NOBODY
        mov byte [lock_taken], 0
        ret

; ---- The report (VCPU 0) -----------------------------------------------------

report:
        xor bx, bx                  ; the VCPU reported on
.cpu:
        mov si, msg_cpu
        call puts
        mov ax, bx
        call put_dec
        mov si, msg_took
        call puts
        mov si, bx
        shl si, 1
        mov ax, [acquired + si]
        call put_dec
        mov si, msg_times
        call puts
        inc bx
        cmp bx, [ncpus]
        jb .cpu

        mov si, msg_total
        call puts
        mov ax, [counter]
        call put_dec
        mov si, msg_expected
        call puts
        mov ax, [ncpus]
        call put_dec
        mov si, msg_x
        call puts
        mov ax, LOCKS_EACH
        call put_dec
        mov si, msg_equals
        call puts
        mov ax, [ncpus]
        mov cx, LOCKS_EACH
        mul cx                      ; DX:AX = N * LOCKS_EACH
        call put_dec
        mov si, msg_matches
        cmp ax, [counter]
        jne .mismatch
        cmp dx, [counter + 2]
        je .verdict
.mismatch:
        mov si, msg_mismatch
.verdict:
        call puts
        mov si, msg_contention
        call puts
        mov ax, [contended]
        call put_dec
        mov si, msg_times
        call puts
        ret

; ---- Serial output -------------------------------------------------------------

        UART16550_ROUTINES

; AX in decimal.
put_dec:
        push ax
        push bx
        push cx
        push dx
        mov bx, 10
        xor cx, cx
.divide:
        xor dx, dx
        div bx
        push dx
        inc cx
        test ax, ax
        jnz .divide
.digit:
        pop ax
        add al, '0'
        call putc
        loop .digit
        pop dx
        pop cx
        pop bx
        pop ax
        ret

; ---- Data ----------------------------------------------------------------------

msg_banner:     db "SMP demo: ", 0
msg_banner2:    db " VCPUs, each takes one spinlock ", 0
msg_banner2_one: db " VCPU, which takes one spinlock ", 0
msg_banner3:    db " times.", 10, 0
msg_cpu:        db "cpu", 0
msg_took:       db ": took the lock ", 0
msg_times:      db " times", 10, 0
msg_total:      db "total: ", 0
msg_expected:   db ", expected ", 0
msg_x:          db " x ", 0
msg_equals:     db " = ", 0
msg_matches:    db ": total matches", 10, 0
msg_mismatch:   db ": MISMATCH, the lock lost updates", 10, 0
msg_contention: db "contention: an acquire found the lock taken ", 0

; Shared by every VCPU; VCPU 0 zeroes it before it sets `go`.
        align 4
shared:
counter:        dd 0
ncpus:          dw 0
finished:       dw 0
contended:      dw 0
lock_word:                          ; the spinlock: flag, then holder
lock_taken:     db 0
lock_holder:    db 0
go:             db 0
        align 2
acquired:       times 16 dw 0
shared_end:

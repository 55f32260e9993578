#!/usr/bin/env python3
"""Write the seed corpus of fuzz_emulate (tests/fuzz/corpus/emulate/).

Each seed is the header fuzz_emulate.c parses (struct config, in input
order), hand-assembled 16-bit code put at CS:IP, then memory patches
(phys:3, len:1, bytes). Defaults: 16 KiB RAM window in 64 KiB of memory,
real mode, IVT at 0 sending vector v to 0050:v (an IRET), CS:IP 0100:0000,
SS:SP 0800:1000, DS 0A00, ES 0900.

usage: make_seeds_emulate.py [OUT_DIR]
"""
import struct
import sys

from seedfiles import write_seeds

# layout: window {0, 4K, 16K, 64K}, low memory {4K, 16K, 32K, 64K}, high region
# {none, 0xFF800, 0x100000, 0xFFFFF000}, open bus, CS:IP raw.
WINDOW = {0: 0, 4: 1, 16: 2, 64: 3}
LOW = {4: 0, 16: 1, 32: 2, 64: 3}
HIGH_FF800, HIGH_100000, HIGH_TOP = 1, 2, 3
OPEN_BUS, RAW_CS_IP = 0x40, 0x80
# mode
VM86, PROTECTED, CODE32, A20_OFF, IO_BITMAP, NO_OPS, INJECT, UNREAL = (1 << i for i in range(8))
# intercepts (EMU_INTERCEPT_*)
I_IO, I_HLT, I_CPUID, I_RDTSC, I_CR = (1 << i for i in range(5))
# EFLAGS
CF, TF, IF, DF, OF, IOPL3 = 0x1, 0x100, 0x200, 0x400, 0x800, 0x3000
AX, CX, DX, BX, SP, BP, SI, DI = range(8)
ES, CS, SS, DS, FS, GS = range(6)


def seed(code=b"", window=16, low=64, high=0, flags=0, mode=0, cache=3, chunk=8, steps=64,
         intercepts=0, exceptions=0, cr0_bits=0, shadow=0, inject=0, io_fill=0, err_port=0xdead,
         idtr=(0, 0x3ff), gdtr=(0, 0), gpr=None, eflags=0x2, sel=None, ip=0, patches=()):
    regs = [0] * 8
    regs[SP] = 0x1000
    for r, v in (gpr or {}).items():
        regs[r] = v
    segs = [0x0900, 0x0100, 0x0800, 0x0A00, 0, 0]
    for s, v in (sel or {}).items():
        segs[s] = v
    layout = WINDOW[window] | LOW[low] << 2 | high << 4 | flags
    out = struct.pack("<BBBBBIBBBBHIHIH", layout, mode, (cache & 3) | (chunk - 1) << 2, steps - 1,
                      intercepts, exceptions, cr0_bits, shadow, inject, io_fill, err_port,
                      idtr[0], idtr[1], gdtr[0], gdtr[1])
    out += struct.pack("<8I", *regs) + struct.pack("<I", eflags)
    out += struct.pack("<6H", *segs) + struct.pack("<H", ip)
    out += bytes([len(code)]) + code
    for phys, data in patches:
        out += struct.pack("<I", phys)[:3] + bytes([len(data)]) + data
    return out


HLT = b"\xf4"

SEEDS = {
    # ---- plain code -----------------------------------------------------------------
    "arith_flags": seed(b"\xb8\x34\x12\xbb\xff\xff\x01\xd8\x19\xc9\xf7\xe3\x27\x3f\xd4\x0a"
                        b"\xd1\xe0\xc1\xc8\x03\x0f\xa3\xc3\x98\x99" + HLT),
    "loop_jcxz": seed(b"\xb9\x05\x00\x40\xe2\xfd\xe3\x02\x90\x90\x49\xe0\xfd" + HLT),
    "push_pop_all": seed(b"\x60\x9c\x06\x1e\x0e\x1f\x1f\x07\x9d\x61\xc8\x08\x00\x02\xc9" + HLT,
                         gpr={BP: 0x800}),
    "stack_wrap_at_0": seed(b"\x50\x58\x50\x5b" + HLT, gpr={SP: 0}, sel={SS: 0}),
    "stack_word_at_ffff": seed(b"\x50" + HLT, gpr={SP: 1}),
    # ---- self-modifying code --------------------------------------------------------
    # mov byte cs:[6], 0x40 turns the NOP after it into INC AX.
    "smc_mov_next_insn": seed(b"\x2e\xc6\x06\x06\x00\x40\x90\x90" + HLT),
    "smc_mov_next_insn_small_cache": seed(b"\x2e\xc6\x06\x06\x00\x40\x90\x90" + HLT, cache=0, chunk=32),
    # REP STOSB with ES = CS over the HLTs right after it.
    "smc_rep_stosb_over_code": seed(b"\x0e\x07\xbf\x10\x00\xb9\x08\x00\xb0\x40\xfc\xf3\xaa\x90\x90\x90"
                                    + HLT * 9),
    # REP MOVSB copying code over a loop's own body, backwards.
    "smc_rep_movsb_backwards": seed(b"\x0e\x1f\x0e\x07\xfd\xbe\x1f\x00\xbf\x2f\x00\xb9\x10\x00\xf3\xa4"
                                    + b"\x40" * 16 + HLT * 17),
    # ---- strings near the 64 KiB wrap ------------------------------------------------
    "rep_movsb_segment_wrap": seed(b"\xf3\xa4" + HLT, gpr={SI: 0xfff0, DI: 0xfff8, CX: 0x20},
                                   sel={DS: 0, ES: 0}),
    "rep_movsw_word_at_ffff": seed(b"\xf3\xa5" + HLT, gpr={SI: 0xffff, DI: 0x0, CX: 3},
                                   exceptions=1 << 13),
    "rep_stosw_down_wrap": seed(b"\xfd\xf3\xab" + HLT, gpr={DI: 0x0003, CX: 4, AX: 0xbeef}),
    "repe_cmpsb_a32": seed(b"\x67\xf3\xa6" + HLT, gpr={SI: 0x10, DI: 0x10, CX: 0x10}),
    "repne_scasw": seed(b"\xf2\xaf" + HLT, gpr={DI: 0xfffc, CX: 0x100, AX: 0x1234}, sel={ES: 0}),
    "rep_lodsd_callbacks": seed(b"\x66\xf3\xad" + HLT, window=0, gpr={SI: 0xfff0, CX: 8}, sel={DS: 0},
                                chunk=1, cache=0),
    # A REP that faults or fails midway keeps the iterations done.
    "rep_stosw_a32_faults_midway": seed(b"\x67\xf3\xab" + HLT, gpr={DI: 0xfff8, CX: 8}, sel={ES: 0},
                                        exceptions=1 << 13),
    "rep_lodsw_a32_refused_midway": seed(b"\x67\xf3\xad" + HLT, mode=UNREAL, gpr={SI: 0xfff8, CX: 8},
                                         sel={DS: 0}),
    "rep_insb_outsw": seed(b"\xba\x80\x00\xb9\x04\x00\xf3\x6c\xb9\x04\x00\xf3\x6f" + HLT),
    # ---- interrupts through the IVT ---------------------------------------------------
    "int_iret_ivt": seed(b"\xcd\x21\xcc\xb0\x7f\x04\x01\xce\xcd\x80" + HLT,
                         patches=[(0x80 * 4, b"\x00\x20\x00\x00"), (0x2000, b"\x40\xcf")]),
    "int_bitmap_int3": seed(b"\xcc\xcd\x03" + HLT, exceptions=1 << 3),
    "ivt_limit_double_fault": seed(b"\x0f\x0b" + HLT, idtr=(0, 0x17), exceptions=1 << 8),
    "ivt_limit_triple_fault": seed(b"\x0f\x0b" + HLT, idtr=(0, 0x17)),
    "iret_32bit_real": seed(b"\x66\x6a\x02\x66\x0e\x66\x68\x0d\x00\x00\x00\x66\xcf" + HLT),
    "inject_nmi": seed(b"\x90" + HLT, mode=INJECT, inject=2),
    "inject_vm86": seed(b"\x90" + HLT, mode=INJECT | VM86, inject=0x20),
    "single_step_trap": seed(b"\x40\x40\x8e\xd0\x40" + HLT, eflags=0x2 | TF, exceptions=1 << 1,
                             gpr={AX: 0x0800}),
    "tf_trap_through_ivt": seed(b"\x40\x40" + HLT, eflags=0x2 | TF, steps=16, chunk=3),
    "sti_mov_ss_shadow": seed(b"\xfb\x90\x8e\xd0\x90" + HLT, shadow=1, gpr={AX: 0x0800}),
    # ---- faults --------------------------------------------------------------------------
    "div_by_zero_ivt": seed(b"\x31\xdb\xb8\x01\x00\xf7\xf3" + HLT, steps=8),
    "div_by_zero_bitmap": seed(b"\x31\xdb\xb8\x01\x00\xf7\xf3" + HLT, exceptions=1),
    "idiv_overflow": seed(b"\xb8\x00\x80\xba\xff\xff\xbb\xff\xff\xf7\xfb" + HLT, exceptions=1),
    "ud2": seed(b"\x0f\x0b" + HLT, exceptions=1 << 6),
    "ud_0fff": seed(b"\x0f\xff" + HLT, exceptions=1 << 6),
    "ud_les_register": seed(b"\xc4\xc0" + HLT, exceptions=1 << 6),
    "ud_mov_cs": seed(b"\x8e\xc8" + HLT, exceptions=1 << 6),
    "bound_br": seed(b"\xbb\x10\x00\x62\x07" + HLT, exceptions=1 << 5,
                     patches=[(0xa000, b"\x00\x00\x05\x00")], gpr={BX: 0}),
    "word_at_offset_ffff": seed(b"\x8b\x07" + HLT, gpr={BX: 0xffff}, exceptions=1 << 13),
    "fetch_past_cs_limit": seed(b"\x90" * 4, ip=0xfffe, sel={CS: 0}),
    "x87_no_coprocessor": seed(b"\xd9\x07\xdd\x3f\x9b" + HLT, cr0_bits=0x2, exceptions=1 << 7),
    # ---- prefixes --------------------------------------------------------------------------
    "operand_size_66": seed(b"\x66\xb8\x78\x56\x34\x12\x66\x40\x66\xc1\xe0\x04\x66\x50\x66\x58" + HLT),
    "address_size_67": seed(b"\x67\x8b\x04\x24\x67\x8d\x44\x8b\x10\x67\xac" + HLT,
                            gpr={SP: 0xffe, BX: 0x10, CX: 1, SI: 0x20}),
    "jmp_rel32_66": seed(b"\x66\xe9\x02\x00\x00\x00\x90\x90" + HLT),
    "jmp_rel32_past_limit": seed(b"\x66\xe9\x00\x00\x01\x00" + HLT, exceptions=1 << 13),
    "lock_add_mem": seed(b"\xf0\x01\x07\xf0\x87\x07\xf0\x0f\xc1\x07" + HLT),
    "lock_bad_register": seed(b"\xf0\x01\xc0" + HLT, exceptions=1 << 6),
    "lock_stosb": seed(b"\xf0\xaa" + HLT, exceptions=1 << 6),
    "segment_overrides": seed(b"\x26\x8a\x07\x2e\x8a\x07\x36\x8a\x07\x64\x8a\x07\x65\x8a\x07" + HLT),
    # ---- far transfers ---------------------------------------------------------------------
    "far_jmp_call_retf": seed(b"\x9a\x10\x00\x00\x01" + HLT + b"\x90" * 10 + b"\xea\x20\x00\x00\x01"
                              + b"\x90" * 11 + b"\xcb"),
    "far_indirect": seed(b"\xff\x1e\x00\x00" + HLT + b"\x90" * 11 + b"\xcb",
                         patches=[(0xa000, b"\x10\x00\x00\x01")]),
    "far_call_32": seed(b"\x66\x9a\x10\x00\x00\x00\x00\x01" + HLT + b"\x90" * 7 + b"\x66\xcb"),
    "far_call_stack_wrap": seed(b"\x9a\x10\x00\x00\x01" + HLT, gpr={SP: 2}, sel={SS: 0}),
    "far_call_sp_1": seed(b"\x9a\x10\x00\x00\x01" + HLT, gpr={SP: 1}, sel={SS: 0}, exceptions=1 << 12),
    # ---- virtual-8086 mode, IOPL 0: the sensitive instructions trap -----------------------
    **{f"vm86_iopl0_{name}": seed(code + HLT, mode=VM86, eflags=0x2)
       for name, code in [("cli", b"\xfa"), ("sti", b"\xfb"), ("pushf", b"\x9c"), ("popf", b"\x9d"),
                          ("int21", b"\xcd\x21"), ("iret", b"\xcf"), ("hlt", b""),
                          ("mov_cr0", b"\x0f\x22\xc0"), ("lmsw", b"\x0f\x01\xf0")]},
    "vm86_in_out_no_bitmap": seed(b"\xe4\x60\xe6\x80" + HLT, mode=VM86),
    "vm86_in_out_bitmap_allows": seed(b"\xe4\x60\xe6\x80\xba\xff\xff\xed" + HLT, mode=VM86 | IO_BITMAP,
                                      io_fill=0x00),
    "vm86_in_bitmap_forbids": seed(b"\xe4\x60" + HLT, mode=VM86 | IO_BITMAP, io_fill=0x01),
    "vm86_rep_outsb": seed(b"\xba\x10\x00\xb9\x03\x00\xf3\x6e" + HLT, mode=VM86 | IO_BITMAP),
    "vm86_iopl3": seed(b"\xfa\xfb\x9c\x9d\xcd\x21" + HLT, mode=VM86, eflags=0x2 | IOPL3),
    "vm86_iopl3_popf_iopl": seed(b"\x6a\x00\x9d\x66\x6a\x00\x66\x9d" + HLT, mode=VM86,
                                 eflags=0x2 | IOPL3 | IF),
    "vm86_pop_segment": seed(b"\x6a\x10\x1f\x8e\xc0" + HLT, mode=VM86, eflags=0x2 | IOPL3),
    "vm86_int3_into": seed(b"\xcc\xb0\x7f\x04\x01\xce" + HLT, mode=VM86),
    # ---- intercepts, callbacks and their errors ---------------------------------------------
    "intercept_io": seed(b"\xba\xf8\x03\xec\xee\xf3\x6c" + HLT, intercepts=I_IO),
    "intercept_cpuid_rdtsc": seed(b"\x0f\xa2\x0f\x31" + HLT, intercepts=I_CPUID | I_RDTSC),
    "intercept_cr_write": seed(b"\x0f\x20\xc0\x0f\x22\xc0\x0f\x01\xf0\x0f\x06" + HLT, intercepts=I_CR),
    "intercept_hlt": seed(HLT, intercepts=I_HLT),
    "cpuid_rdtsc_callbacks": seed(b"\x66\x31\xc0\x0f\xa2\x0f\x31" + HLT),
    "cpuid_no_callback_ud": seed(b"\x0f\xa2\x0f\x31" + HLT, mode=NO_OPS, exceptions=1 << 6),
    "cpuid_refused_leaf": seed(b"\x0f\xa2" + HLT, gpr={AX: 0x4000ffff}),
    "io_refused_port": seed(b"\xee" + HLT, gpr={DX: 0xdead}),
    "memory_refused": seed(b"\xa1\x00\x00" + HLT, sel={DS: 0x2000}),
    "memory_open_bus": seed(b"\xa1\x00\x00\xa3\x00\x00" + HLT, flags=OPEN_BUS, sel={DS: 0x2000}),
    "callbacks_only": seed(b"\x50\x58\xa1\x00\x00\xa3\x02\x00\xff\x06\x04\x00" + HLT, window=0),
    "write_straddling_window": seed(b"\xa3\xff\x0f" + HLT, window=4, sel={DS: 0}),
    "insn_at_end_of_memory": seed(b"\x90\x90", window=4, low=4, sel={CS: 0}, ip=0xffe),
    "insn_at_end_of_callback_memory": seed(b"\x40\x40", window=0, low=4, sel={CS: 0}, ip=0xffe),
    "unimplemented_sse": seed(b"\x0f\x58\xc0" + HLT),
    "unimplemented_movsd_sse": seed(b"\xf2\x0f\x10\xc0" + HLT),
    "unimplemented_debug_register": seed(b"\x0f\x21\xc0" + HLT),
    "paging_on": seed(b"\x90" + HLT, cr0_bits=0x80),
    # ---- A20, the reset vector, the high memory area -------------------------------------
    "reset_vector": seed(b"\xea\x00\x00\x00\x01", high=HIGH_FF800, flags=RAW_CS_IP,
                         sel={CS: 0xf000}, ip=0xfff0, patches=[(0x1000, b"\x40" + HLT)]),
    "a20_off_wrap": seed(b"\xa0\x10\x00\xa2\x20\x00\x40" + HLT, mode=A20_OFF, high=HIGH_FF800,
                         sel={DS: 0xffff}),
    "a20_on_hma": seed(b"\xa0\x10\x00\xa2\x20\x00" + HLT, high=HIGH_FF800, sel={DS: 0xffff}),
    "a20_off_code_wraps": seed(b"\x40" * 8 + HLT, mode=A20_OFF, high=HIGH_FF800, flags=RAW_CS_IP,
                               sel={CS: 0xffff}, ip=0x0008),
    "unreal_32bit_offsets": seed(b"\x66\xbe\x00\xf9\x0f\x00\x67\x8a\x06\x67\x88\x06" + HLT,
                                 mode=UNREAL, high=HIGH_FF800, sel={DS: 0}),
    # ---- protected mode: enter through the GDT and come back ------------------------------
    "protected_mode_round_trip": seed(
        # lgdt [0x100]; mov eax, cr0; or al, 1; mov cr0, eax; jmp 0x08:0x0020 (16-bit code)
        b"\x0f\x01\x16\x00\x01\x0f\x20\xc0\x0c\x01\x0f\x22\xc0\xea\x20\x00\x08\x00"
        + b"\x90" * 14
        # 0x20: mov ax, 0x10; mov ds, ax; and al, 0xfe ... mov cr0, eax; jmp 0x0100:0x40
        + b"\xb8\x10\x00\x8e\xd8\x0f\x20\xc0\x24\xfe\x0f\x22\xc0\xea\x40\x00\x00\x01"
        + b"\x90" * 14 + HLT,
        sel={DS: 0x0100},
        patches=[(0x1100, struct.pack("<HI", 0x17, 0x1200)),
                 (0x1200, bytes(8) + bytes.fromhex("ffff0010009b0000") + bytes.fromhex("ffff0000009300cf"))]),
    "protected_mode_32bit_code": seed(b"\xb8\x44\x33\x22\x11\x50\x5b\x8b\x0d\x00\x10\x00\x00" + HLT,
                                      mode=PROTECTED | CODE32),
    "protected_mode_exception": seed(b"\x0f\x0b", mode=PROTECTED, idtr=(0, 0xff)),
    "iretd_to_vm86": seed(b"\x66\xcf", mode=PROTECTED, gpr={SP: 0x0f00},
                          patches=[(0x8f00, struct.pack("<9I", 0x10, 0x200, 0x23002, 0xffe, 0x800,
                                                        0x900, 0xa00, 0, 0))]),
}


def main(argv):
    out = write_seeds(SEEDS, "emulate", argv[1] if len(argv) > 1 else None)
    print(f"{len(SEEDS)} seeds in {out}")


if __name__ == "__main__":
    main(sys.argv)

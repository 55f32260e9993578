#!/usr/bin/env python3
"""Write the seed corpus of fuzz_exits (tests/fuzz/fuzz_exits.c) to corpus/exits/.

usage: make_seeds_exits.py [OUT_DIR]

Input layout, little endian; the fuzzer reads zeros past the end:

  header   config:1  pages:1  cb_mask:1  cb_fail:1
           patch_len:1 patch_off:2 patch:patch_len   (bytes into RAM at 0)
           nr_ops:1  nr_exits:1  nr_runs:1
  config   bit 0 "no-ug" profile (else "modern"), 1 no_unrestricted_guest,
           2 second RAM region, 3 ... adjacent to the first (else at 1 MiB),
           4 unknown ports fail the run, 6:5 baseline state (0 power-on,
           1 or 3 flat protected mode, 2 64-bit mode), 7 a CPUID table
  pages    3:0 RAM pages at 0, minus 1; 5:4 pages of the second region, minus 1
  cb_mask  bit 0 port_io, 1 mmio, 2 page_fault, 3 hypercall, 4 paging_changed
  cb_fail  2:0 callback that fails (1 port, 2 mmio, 3 #PF, 4 hypercall,
           5 paging), 7:3 which error it returns
  op       kind:1 then its arguments (see setup_op() in the fuzzer)
  exit     reason:1  shape:1 [raw reason:4 if reason >= 0xf0]  qual:8  len:1
           intr_info:4 [insn_info:4 err:4 gla:8 if shape & 0x80]
           [idt_info:4 idt_err:4 if shape & 0x40]  gpa_sel:1 gpa:8
           [data_size:1 data_count:1 if shape & 4]  changes
  shape    bit 0 unchecked, 1 tidy qualification, 2 data, 5:3 changes,
           6 IDT vectoring, 7 more fields
  change   sel:1 value:8; sel bit 7 clear: register sel % 26, else a guest
           field (6:5 width group, 4:0 index)
  run      flags:1 [vector:1 if flags & 2] in_value:4; flags bit 0 wake,
           1 inject an interrupt, 2 an NMI, 3 request an exit first, 4 dump
           the VCPU (text and JSON) after the run
"""
import struct
import sys

from seedfiles import write_seeds

REASONS = [
    "EXCEPTION_NMI", "EXTERNAL_INTERRUPT", "TRIPLE_FAULT", "INTERRUPT_WINDOW",
    "NMI_WINDOW", "TASK_SWITCH", "CPUID", "HLT", "INVLPG", "RDPMC", "RDTSC",
    "VMCALL", "VMCLEAR", "VMLAUNCH", "VMREAD", "VMOFF", "CR_ACCESS",
    "DR_ACCESS", "IO_INSTRUCTION", "MSR_READ", "MSR_WRITE", "INVALID_STATE",
    "MSR_LOAD_FAIL", "MWAIT", "MONITOR_TRAP_FLAG", "PAUSE", "MCE_DURING_VMENTRY",
    "TPR_BELOW_THRESHOLD", "APIC_ACCESS", "GDTR_IDTR", "EPT_VIOLATION",
    "EPT_MISCONFIG", "RDTSCP", "PREEMPTION_TIMER", "INVEPT", "WBINVD",
    "XSETBV", "RDRAND", "INVPCID", "VMFUNC", "XSAVES", "PML_FULL", "BUS_LOCK",
]
R = {name: i for i, name in enumerate(REASONS)}

RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI = range(8)
RIP, RFLAGS = 16, 17

# Set-up op kinds.
OP_VMWRITE, OP_SET_REG, OP_SET_CR, OP_IO_INTERCEPT, OP_EXC_INTERCEPT = range(5)
OP_TSC_OFFSET, OP_IRQ, OP_NMI, OP_EXCEPTION, OP_MOCK_TSC, OP_CONTROL, OP_IDMAP = range(5, 12)
# OP_CONTROL fields, by index.
CTL_PIN, CTL_PROC, CTL_PROC2, CTL_EXIT, CTL_ENTRY, CTL_EXC_BITMAP = range(6)
CTL_CR0_MASK, CTL_CR4_MASK, CTL_CR0_SHADOW, CTL_CR4_SHADOW, CTL_INTR_STATE, CTL_ACTIVITY = range(6, 12)

SHAPE_UNCHECKED, SHAPE_TIDY, SHAPE_DATA, SHAPE_IDT, SHAPE_MORE = 1, 2, 4, 0x40, 0x80


def u8(v): return struct.pack("<B", v & 0xff)
def u16(v): return struct.pack("<H", v & 0xffff)
def u32(v): return struct.pack("<I", v & 0xffffffff)
def u64(v): return struct.pack("<Q", v & 0xffffffffffffffff)


def field_sel(index):
    """An index into the library's list (vmcs_field_at)."""
    return u16(index & 0x3fff)


def raw_field(enc):
    return u16(0x8000 | enc)


def op(kind, *args):
    return u8(kind) + b"".join(args)


def reg(n, value):
    return u8(n) + u64(value)


def guest_field(width_group, index, value):
    """width_group: 0 16-bit (0x08xx), 1 64-bit, 2 32-bit, 3 natural."""
    return u8(0x80 | (width_group << 5) | index) + u64(value)


def io_qual(port, size, inn=False, string=False, rep=False):
    return (size - 1) | (8 if inn else 0) | (16 if string else 0) | (32 if rep else 0) | (port << 16)


def intr(vector, kind, code=False):
    return 0x80000000 | vector | (kind << 8) | (0x800 if code else 0)


def exit_(reason, qual=0, length=1, intr_info=0, changes=(), shape=0, more=None, idt=None,
          gpa_sel=0x30, gpa=0, data=None):
    shape |= len(changes) << 3
    if more is not None:
        shape |= SHAPE_MORE
    if idt is not None:
        shape |= SHAPE_IDT
    if data is not None:
        shape |= SHAPE_DATA
    if isinstance(reason, str):
        out = u8(R[reason]) + u8(shape)
    else:
        out = u8(0xff) + u8(shape) + u32(reason)
    out += u64(qual) + u8(length) + u32(intr_info)
    if more is not None:
        out += u32(more[0]) + u32(more[1]) + u64(more[2])
    if idt is not None:
        out += u32(idt[0]) + u32(idt[1])
    out += u8(gpa_sel) + u64(gpa)
    if data is not None:
        out += u8(data[0]) + u8(data[1])
    return out + b"".join(changes)


def run(flags=1, vector=None, in_value=0x5a5a5a5a):
    out = u8(flags | (2 if vector is not None else 0))
    if vector is not None:
        out += u8(vector)
    return out + u32(in_value)


def seed(config=0x20, pages=0x03, cb_mask=0x1f, cb_fail=0, patch=b"", patch_off=0,
         ops=(), exits=(), runs=(run(),)):
    return (u8(config) + u8(pages) + u8(cb_mask) + u8(cb_fail) + u8(len(patch)) + u16(patch_off) +
            patch + u8(len(ops)) + u8(len(exits)) + u8(len(runs) - 1) +
            b"".join(ops) + b"".join(exits) + b"".join(runs))


PROTECTED, LONG, NO_UG, SECOND, ADJACENT, PORT_FAIL, CPUID_TABLE = 0x20, 0x40, 1, 4, 8, 16, 0x80
VMX_CPU_RDTSC, VMX_CPU_PAUSE = 1 << 12, 1 << 30

SEEDS = {
    "hlt": seed(exits=[exit_("HLT")], runs=[run(0x11)]),
    "cpuid_table": seed(config=PROTECTED | CPUID_TABLE,
                        exits=[exit_("CPUID", length=2, changes=[reg(RAX, 1), reg(RCX, 0)]),
                               exit_("CPUID", length=2, changes=[reg(RAX, 0x80000009)]),
                               exit_("HLT")]),
    "out_in_ports": seed(exits=[exit_("IO_INSTRUCTION", io_qual(0x3f8, 1), changes=[reg(RAX, 0x41)]),
                                exit_("IO_INSTRUCTION", io_qual(0x3f9, 4, inn=True)),
                                exit_("IO_INSTRUCTION", io_qual(0xffff, 4, inn=True)),
                                exit_("HLT")]),
    "unknown_port_fails": seed(config=PROTECTED | PORT_FAIL,
                               exits=[exit_("IO_INSTRUCTION", io_qual(0x61, 1)), exit_("HLT")]),
    "rep_outs_ins": seed(config=PROTECTED | SECOND | ADJACENT, pages=0x13,
                         exits=[exit_("IO_INSTRUCTION", io_qual(0x3f8, 1, string=True, rep=True),
                                      more=(1 << 7 | 3 << 15, 0, 0),
                                      changes=[reg(RSI, 0x3ff8), reg(RCX, 16)]),
                                exit_("IO_INSTRUCTION", io_qual(0x3f8, 2, inn=True, string=True, rep=True),
                                      more=(1 << 7, 0, 0), changes=[reg(RDI, 0x100), reg(RCX, 5000)]),
                                exit_("HLT")], runs=[run(), run()]),
    "io_with_data": seed(exits=[exit_("IO_INSTRUCTION", io_qual(0x3f8, 2), data=(2, 4)),
                                exit_("IO_INSTRUCTION", io_qual(0x3f8, 1, inn=True), data=(1, 16)),
                                exit_("HLT")]),
    "mmio_with_data": seed(exits=[exit_("EPT_VIOLATION", 2, gpa_sel=0x20, gpa=0x30, data=(4, 1)),
                                  exit_("EPT_VIOLATION", 1, gpa_sel=0x00, gpa=0x30, data=(4, 1)),
                                  exit_("EPT_VIOLATION", 1, gpa_sel=0x30, gpa=0xfed00000, data=(8, 1)),
                                  exit_("EPT_VIOLATION", 1, gpa_sel=0x30, gpa=0xfed00800, data=(2, 1)),
                                  exit_("HLT")], runs=[run(), run()]),
    "mmio_without_data": seed(exits=[exit_("EPT_VIOLATION", 0x181, gpa_sel=0x30, gpa=0xfed00000),
                                     exit_("HLT")]),
    "cr_access": seed(exits=[exit_("CR_ACCESS", 0 | (RAX << 8), length=3, changes=[reg(RAX, 0x80000011)]),
                             exit_("CR_ACCESS", 8 | (RCX << 8), length=4, changes=[reg(RCX, 5)]),
                             exit_("CR_ACCESS", 8 | (1 << 4) | (RBX << 8), length=4),
                             exit_("CR_ACCESS", 2 << 4, length=2, shape=SHAPE_UNCHECKED),
                             exit_("CR_ACCESS", (3 << 4) | (0xf << 16), length=3, shape=SHAPE_UNCHECKED),
                             exit_("CR_ACCESS", 4 | (RDX << 8), length=3, changes=[reg(RDX, 0x2020)]),
                             exit_("CR_ACCESS", 0 | (RAX << 8), length=3, changes=[reg(RAX, 0x60000011)]),
                             exit_("HLT")]),
    "long_mode_by_msr": seed(exits=[exit_("MSR_WRITE", length=2,
                                          changes=[reg(RCX, 0xc0000080), reg(RAX, 0x100), reg(RDX, 0)]),
                                    exit_("CR_ACCESS", 4 | (RAX << 8), length=3, changes=[reg(RAX, 0x20)]),
                                    exit_("CR_ACCESS", 0 | (RAX << 8), length=3, changes=[reg(RAX, 0x80000011)]),
                                    exit_("MSR_READ", length=2, changes=[reg(RCX, 0xc0000080)]),
                                    exit_("MSR_READ", length=2, changes=[reg(RCX, 0x12345)]),
                                    exit_("HLT")], runs=[run(), run()]),
    "long_mode_baseline": seed(config=LONG, exits=[exit_("HLT"), exit_("PAUSE"), exit_("HLT")],
                               ops=[op(OP_CONTROL, u8(CTL_PROC), u32(VMX_CPU_PAUSE))],
                               runs=[run(), run(), run()]),
    "page_fault_callback": seed(ops=[op(OP_EXC_INTERCEPT, u8(14), u8(1))],
                                exits=[exit_("EXCEPTION_NMI", 0xdead000, 0, intr(14, 3, True),
                                             more=(0, 2, 0)),
                                       exit_("EXCEPTION_NMI", 0xbeef001, 0, intr(14, 3, True),
                                             more=(0, 4, 0), idt=(intr(14, 3, True), 0)),
                                       exit_("EXCEPTION_NMI", 0, 0, intr(13, 3, True),
                                             idt=(intr(8, 3, True), 0), shape=SHAPE_UNCHECKED),
                                       exit_("HLT")], runs=[run(), run()]),
    "double_fault_merge": seed(ops=[op(OP_EXC_INTERCEPT, u8(13), u8(1)), op(OP_EXC_INTERCEPT, u8(0), u8(1))],
                               exits=[exit_("EXCEPTION_NMI", 0, 0, intr(13, 3, True), more=(0, 0x10, 0),
                                            idt=(intr(0, 3), 0)),
                                      exit_("EXCEPTION_NMI", 0, 0, intr(0, 3),
                                            idt=(intr(0x30, 0), 0)),
                                      exit_("HLT")]),
    "vmcall_hypercall": seed(exits=[exit_("VMCALL", length=3, changes=[reg(RAX, 2)]),
                                    exit_("VMCALL", length=3, changes=[reg(RAX, 3)]),
                                    exit_("VMLAUNCH", length=3), exit_("HLT")], runs=[run(), run()]),
    "vmcall_without_hook": seed(cb_mask=0, exits=[exit_("VMCALL", length=3), exit_("HLT")]),
    "callback_fails": seed(cb_fail=4 | (1 << 3), exits=[exit_("VMCALL", length=3), exit_("HLT")]),
    "paging_callback_fails": seed(cb_fail=5 | (2 << 3),
                                  exits=[exit_("CR_ACCESS", 0 | (RAX << 8), length=3,
                                               changes=[reg(RAX, 0x80000011)]), exit_("HLT")]),
    "interrupt_window": seed(ops=[op(OP_IRQ, u8(0x40)), op(OP_NMI)],
                             exits=[exit_("INTERRUPT_WINDOW", changes=[guest_field(3, 16, 0x202)]),
                                    exit_("HLT"), exit_("HLT")], runs=[run(), run(5), run(1, 0x50)]),
    "rdtsc_offset": seed(ops=[op(OP_CONTROL, u8(CTL_PROC), u32(VMX_CPU_RDTSC)), op(OP_TSC_OFFSET, u64(-5)),
                              op(OP_MOCK_TSC, u64(0x1122334455667788))],
                         exits=[exit_("RDTSC", length=2), exit_("RDTSCP", length=3), exit_("HLT")]),
    "xsetbv": seed(ops=[op(OP_SET_CR, u8(4), u64(1 << 18))],
                   exits=[exit_("XSETBV", length=3, changes=[reg(RAX, 7), reg(RCX, 0), reg(RDX, 0)]),
                          exit_("XSETBV", length=3, changes=[reg(RAX, 4)]), exit_("HLT")]),
    "triple_fault": seed(exits=[exit_("TRIPLE_FAULT", length=0), exit_("HLT")], runs=[run(0x11)]),
    "invalid_guest_state": seed(ops=[op(OP_VMWRITE, raw_field(0x4816), u64(0x1234))],
                                exits=[exit_("HLT")], runs=[run(), run()]),
    "bad_control": seed(ops=[op(OP_CONTROL, u8(CTL_PIN | 0x80), u32(0xffffffff))], exits=[exit_("HLT")]),
    "unchecked_impossible": seed(exits=[exit_("INVALID_STATE", shape=SHAPE_UNCHECKED),
                                        exit_(200, shape=SHAPE_UNCHECKED),
                                        exit_("INVLPG", 0x1234, 3, shape=SHAPE_UNCHECKED)],
                                 runs=[run(), run(), run()]),
    "impossible_idt_vectoring": seed(exits=[exit_("HLT", idt=(0x80000858, 0)), exit_("HLT")]),
    "inject_wide_error_code": seed(ops=[op(OP_EXCEPTION, u8(13), u32(0x1080808)),
                                        op(OP_EXCEPTION, u8(6), u32(0x10000))],
                                   exits=[exit_("HLT")]),
    "request_exit": seed(exits=[exit_("HLT")], runs=[run(9), run()]),
    "no_ug_protected": seed(config=NO_UG | PROTECTED,
                            exits=[exit_("CR_ACCESS", 3 | (RAX << 8), length=3, changes=[reg(RAX, 0x9000)]),
                                   exit_("CR_ACCESS", 3 | (1 << 4) | (RBX << 8), length=3),
                                   exit_("CR_ACCESS", 0 | (RAX << 8), length=3, changes=[reg(RAX, 0x10)]),
                                   exit_("HLT")], runs=[run(), run()]),
    # Real mode at 0000:0100 (VM86 on "no-ug"): OUT 80h, AL; HLT.
    "no_ug_real_mode": seed(config=NO_UG, patch=bytes([0xe6, 0x80, 0xf4]), patch_off=0x100,
                            ops=[op(OP_VMWRITE, raw_field(0x0802), u64(0)),
                                 op(OP_VMWRITE, raw_field(0x6808), u64(0)),
                                 op(OP_VMWRITE, raw_field(0x681e), u64(0x100))],
                            exits=[exit_("EXCEPTION_NMI", 0, 0, intr(13, 3, True)),
                                   exit_("IO_INSTRUCTION", io_qual(0x80, 1), length=2),
                                   exit_("HLT")], runs=[run(), run()]),
    "no_ug_power_on": seed(config=NO_UG, exits=[exit_("HLT")], runs=[run(0x11)]),
    "modern_power_on": seed(config=0, exits=[exit_("HLT")]),
}


def main(argv):
    out = write_seeds(SEEDS, "exits", argv[1] if len(argv) > 1 else None)
    print(f"{len(SEEDS)} seeds written to {out}")


if __name__ == "__main__":
    main(sys.argv)

#!/usr/bin/env python3
"""Write the seed corpus of fuzz_vmcs (tests/fuzz/fuzz_vmcs.c) to corpus/vmcs/.

usage: make_seeds_vmcs.py [OUT_DIR]

Input layout, little endian; the fuzzer reads zeros past the end:

  header   config:1  raw:1  nr_ops:1
  config   bit 0 "no-ug" profile (else "modern"), 2:1 logical CPUs minus 1,
           3 the VCPU's id (0 or 1: which CPU it starts on)
  raw      VMCS regions to allocate besides the VCPU's, minus 1 (mod 4)
  op       kind:1  cpu:1 (mod CPUs + 1: one past the last is refused)
           then, by kind:
    0 VMCLEAR  addr      1 VMPTRLD  addr       2 VMREAD   field
    3 VMWRITE  field value:8                   4 VMLAUNCH  5 VMRESUME
    6 check the VM-instruction error           7 set revision  sel:1 raw:4
    8 allocate a VMCS    9 VMWRITE the whole template (a VCPU's VMCS)
   10 VMWRITE a template field changed: index:2 bit:1 [value:8 if bit & 0x80]
   11 vcpu_vmread field  12 vcpu_vmwrite field value:8
   13 vcpu_vmwrite of a changed template field (as 10)
   14 vcpu_run (one HLT exit)  15 vcpu_migrate to cpu  16 vcpu_check_entry
   17 VMREAD field on every CPU
  addr     sel:1; sel & 7: 0-3 VMCS number sel >> 3 (mod count; 0 is the
           VCPU's, then the raw ones), 4 VMXON region of CPU sel >> 3,
           5 a VMCS address + 1 + (sel >> 3), 6 one beyond MAXPHYADDR,
           7 raw:8 follows
  field    sel:2; sel >> 14: 0-1 listed field (sel & 0x1fff), its high half
           if bit 13 and 64-bit; 2 listed field (sel & 0x3fff); 3 raw:4
  set rev  sel & 3: 0 right, 1 right with bit 31 (shadow VMCS), 2 wrong,
           3 raw; of VMCS number sel >> 2; only while it is not active
"""
import os
import re
import struct
import sys

from seedfiles import write_seeds

HERE = os.path.dirname(os.path.abspath(__file__))
FIELDS_H = os.path.join(HERE, "..", "..", "..", "include", "libvcpu", "vmcs_fields.h")


def load_fields():
    names = []
    with open(FIELDS_H) as f:
        for m in re.finditer(r"\bX(?:64)?\((\w+),\s*(0x[0-9a-fA-F]+)\)", f.read()):
            names.append((m.group(1), int(m.group(2), 16)))
    return names


FIELDS = load_fields()
INDEX = {name: i for i, (name, _) in enumerate(FIELDS)}


def u8(v): return struct.pack("<B", v & 0xff)
def u16(v): return struct.pack("<H", v & 0xffff)
def u32(v): return struct.pack("<I", v & 0xffffffff)
def u64(v): return struct.pack("<Q", v & 0xffffffffffffffff)


def field(name, high=False):
    return u16(INDEX[name] | (0x2000 if high else 0))


def raw_field(enc):
    return u16(0xc000) + u32(enc)


def vmcs(n):
    return u8(n << 3)


def vmxon(cpu):
    return u8(4 | (cpu << 3))


UNALIGNED, BEYOND = u8(5), u8(6)


def raw_addr(a):
    return u8(7) + u64(a)


def vmclear(cpu, addr): return u8(0) + u8(cpu) + addr
def vmptrld(cpu, addr): return u8(1) + u8(cpu) + addr
def vmread(cpu, f): return u8(2) + u8(cpu) + f
def vmwrite(cpu, f, v): return u8(3) + u8(cpu) + f + u64(v)
def vmlaunch(cpu): return u8(4) + u8(cpu)
def vmresume(cpu): return u8(5) + u8(cpu)
def insn_error(cpu): return u8(6) + u8(cpu)
def set_revision(n, mode, raw=0): return u8(7) + u8(0) + u8((n << 2) | mode) + u32(raw)
def alloc(): return u8(8) + u8(0)
def program(cpu): return u8(9) + u8(cpu)


def perturb(cpu, name, bit=None, value=None):
    out = u8(10) + u8(cpu) + u16(INDEX[name])
    return out + (u8(0x80) + u64(value) if value is not None else u8(bit))


def vcpu_vmread(f): return u8(11) + u8(0) + f
def vcpu_vmwrite(f, v): return u8(12) + u8(0) + f + u64(v)


def vcpu_perturb(name, bit=None, value=None):
    out = u8(13) + u8(0) + u16(INDEX[name])
    return out + (u8(0x80) + u64(value) if value is not None else u8(bit))


def vcpu_run(): return u8(14) + u8(0)
def vcpu_migrate(cpu): return u8(15) + u8(cpu)
def vcpu_check_entry(): return u8(16) + u8(0)
def read_everywhere(f): return u8(17) + u8(0) + f


def seed(ops, no_ug=False, cpus=2, vcpu_id=0, raw=2):
    config = (1 if no_ug else 0) | ((cpus - 1) << 1) | (vcpu_id << 3)
    return u8(config) + u8(raw - 1) + u8(len(ops)) + b"".join(ops)


def launch_sequence(no_ug):
    return seed(no_ug=no_ug, ops=[
        vmptrld(0, vmcs(1)), program(0), vmlaunch(0), insn_error(0), vmlaunch(0), insn_error(0),
        vmresume(0), vmclear(0, vmcs(1)), vmresume(0), vmptrld(0, vmcs(1)), vmresume(0), insn_error(0),
        vmlaunch(0), vmread(0, field("VM_INSTRUCTION_ERROR")),
    ])


def instruction_errors(no_ug):
    return seed(no_ug=no_ug, ops=[
        vmptrld(0, vmxon(0)), insn_error(0), vmptrld(0, UNALIGNED), insn_error(0), vmptrld(0, BEYOND),
        insn_error(0), vmclear(0, vmxon(0)), insn_error(0), vmclear(0, UNALIGNED), insn_error(0),
        vmptrld(0, raw_addr(0x8000000)), insn_error(0), vmptrld(0, vmxon(1)), insn_error(0),
        vmread(0, raw_field(0x7777)), insn_error(0), vmwrite(0, field("VM_EXIT_REASON"), 5), insn_error(0),
        vmread(0, field("VM_EXIT_REASON")), vmwrite(0, field("EPT_POINTER"), 0x5e), insn_error(0),
        vmread(0, field("GUEST_CR0", high=True)), vmread(0, raw_field(0x6800 | 0x1000)),
        vmwrite(0, field("GUEST_IA32_FRED_CONFIG"), 1), insn_error(0), vmread(0, field("CR3_TARGET_VALUE3")),
        vmwrite(0, field("VM_INSTRUCTION_ERROR"), 99), insn_error(0),
    ])


SEEDS = {
    "launch_sequence_modern": launch_sequence(False),
    "launch_sequence_no_ug": launch_sequence(True),
    "instruction_errors_modern": instruction_errors(False),
    "instruction_errors_no_ug": instruction_errors(True),
    "no_current_vmcs": seed(cpus=3, ops=[
        vmread(1, field("GUEST_RIP")), vmwrite(1, field("GUEST_RIP"), 1), vmlaunch(1), vmresume(2),
        insn_error(1), vmptrld(1, UNALIGNED), vmclear(2, vmxon(2)), vmread(3, field("GUEST_RIP")),
        vmlaunch(3),
    ]),
    "revision_ids": seed(ops=[
        set_revision(1, 2), vmptrld(0, vmcs(1)), insn_error(0), set_revision(1, 3, 0x12345678),
        vmptrld(1, vmcs(1)), set_revision(1, 0), vmptrld(1, vmcs(1)), vmread(1, field("GUEST_CR3")),
    ]),
    "shadow_vmcs_modern": seed(ops=[
        set_revision(2, 1), vmptrld(1, vmcs(2)), insn_error(1), vmwrite(1, field("GUEST_RIP"), 0x1234),
        vmread(1, field("GUEST_RIP")), program(1), vmlaunch(1), insn_error(1), vmresume(1),
        vmclear(1, vmcs(2)), set_revision(2, 0), vmptrld(1, vmcs(2)), vmlaunch(1), insn_error(1),
    ]),
    "shadow_vmcs_no_ug": seed(no_ug=True, ops=[
        set_revision(2, 1), vmptrld(1, vmcs(2)), insn_error(1), vmlaunch(1),
    ]),
    "active_elsewhere": seed(cpus=2, ops=[
        vmptrld(0, vmcs(1)), vmptrld(1, vmcs(1)), vmptrld(1, vmcs(2)), vmptrld(0, vmcs(2)),
        vmclear(1, vmcs(1)), vmptrld(1, vmcs(1)), vmread(0, field("GUEST_RIP")), vmclear(0, vmcs(2)),
        vmread(0, field("GUEST_RIP")), vmptrld(1, vmcs(0)), vmclear(1, vmcs(0)), vcpu_run(),
    ]),
    "widths": seed(ops=[
        vmptrld(0, vmcs(1)),
        vmwrite(0, field("GUEST_CS_SELECTOR"), 0x123456789), vmread(0, field("GUEST_CS_SELECTOR")),
        vmwrite(0, field("GUEST_CS_LIMIT"), 0xaabbccdd11223344), vmread(0, field("GUEST_CS_LIMIT")),
        vmwrite(0, field("GUEST_IA32_EFER"), 0x1122334455667788),
        vmwrite(0, field("GUEST_IA32_EFER", high=True), 0xffffffff99aabbcc),
        vmread(0, field("GUEST_IA32_EFER")), vmread(0, field("GUEST_IA32_EFER", high=True)),
        vmwrite(0, field("TSC_OFFSET", high=True), 7), vmread(0, field("TSC_OFFSET")),
        vmwrite(0, field("GUEST_RSP"), 0xfedcba9876543210), vmread(0, field("GUEST_RSP")),
        vmwrite(0, field("EXIT_QUALIFICATION"), 0x77), vmread(0, field("EXIT_QUALIFICATION")),
        read_everywhere(field("GUEST_CS_LIMIT")),
    ]),
    "vcpu_level": seed(ops=[
        vcpu_vmread(field("GUEST_CR0")), vcpu_vmwrite(field("GUEST_RIP"), 0x2000),
        vcpu_vmread(field("GUEST_RIP")), vcpu_vmwrite(field("VM_EXIT_REASON"), 3),
        vcpu_vmread(field("VM_INSTRUCTION_ERROR")), vcpu_vmread(raw_field(0x1234)),
        vcpu_vmread(field("VM_INSTRUCTION_ERROR")), vcpu_vmwrite(field("GUEST_IA32_PAT", high=True), 6),
        vcpu_vmread(field("GUEST_IA32_PAT")), vcpu_run(), vcpu_run(), vcpu_check_entry(),
        vcpu_migrate(1), vcpu_run(), vcpu_migrate(2), vcpu_migrate(1), vcpu_migrate(0), vcpu_run(),
        vmread(0, field("GUEST_RIP")), vcpu_vmread(field("GUEST_RIP")),
    ]),
    "vcpu_behind_the_cores_back": seed(ops=[
        vcpu_run(), vmclear(0, vmcs(0)), vcpu_run(), vmptrld(0, vmcs(0)), vcpu_run(), insn_error(0),
        vmptrld(0, vmcs(1)), vcpu_run(), vcpu_vmread(field("GUEST_ACTIVITY_STATE")), vmptrld(0, vmcs(0)),
        vcpu_migrate(1), vmwrite(1, field("GUEST_RIP"), 0x3000), vcpu_run(), vcpu_vmread(field("GUEST_RIP")),
        set_revision(0, 2), vcpu_migrate(0), vcpu_run(),
    ]),
    "vcpu_shadow_vmcs": seed(ops=[
        vcpu_migrate(1), vmclear(0, vmcs(0)), set_revision(0, 1), vcpu_run(), insn_error(1),
    ]),
    "vcpu_entry_failures": seed(ops=[
        vcpu_perturb("GUEST_CS_AR_BYTES", 7), vcpu_run(), vcpu_check_entry(),
        vcpu_perturb("GUEST_CS_AR_BYTES", value=0xc09b), vcpu_perturb("PIN_BASED_VM_EXEC_CONTROL", 30),
        vcpu_run(), insn_error(0), vcpu_perturb("PIN_BASED_VM_EXEC_CONTROL", value=0x16),
        vcpu_perturb("HOST_CR0", 0), vcpu_run(), vcpu_perturb("HOST_CR0", value=0x80050033), vcpu_run(),
        vcpu_run(),
    ]),
    "raw_entry_failures": seed(ops=[
        vmptrld(1, vmcs(1)), program(1), perturb(1, "GUEST_CS_AR_BYTES", 7), vmlaunch(1),
        vmread(1, field("VM_EXIT_REASON")), vmread(1, field("EXIT_QUALIFICATION")),
        perturb(1, "GUEST_CS_AR_BYTES", value=0xc09b), perturb(1, "VMCS_LINK_POINTER", 0), vmlaunch(1),
        vmread(1, field("EXIT_QUALIFICATION")), perturb(1, "VMCS_LINK_POINTER", value=-1),
        perturb(1, "CPU_BASED_VM_EXEC_CONTROL", 1), vmlaunch(1), insn_error(1),
        program(1), perturb(1, "HOST_RIP", 62), vmlaunch(1), insn_error(1),
        program(1), vmlaunch(1), vmresume(1), perturb(1, "GUEST_RFLAGS", 1), vmresume(1),
        insn_error(1), vmread(1, field("VM_EXIT_REASON")),
    ]),
    "raw_entry_failures_no_ug": seed(no_ug=True, ops=[
        vmptrld(0, vmcs(2)), program(0), vmlaunch(0), vmclear(0, vmcs(2)), vmptrld(0, vmcs(2)),
        perturb(0, "GUEST_RFLAGS", 17), vmlaunch(0), program(0),
        perturb(0, "GUEST_CR0", 0), vmlaunch(0), program(0), vmlaunch(0), vmresume(0),
    ]),
    "many_vmcs": seed(cpus=4, vcpu_id=1, raw=4, ops=[
        alloc(), alloc(), alloc(), alloc(), alloc(), vmptrld(0, vmcs(7)), vmptrld(2, vmcs(8)),
        vmptrld(3, vmcs(6)), program(3), vmlaunch(3), vcpu_migrate(3), vcpu_run(), vcpu_migrate(0),
        vcpu_run(), read_everywhere(field("VM_INSTRUCTION_ERROR")),
    ]),
}


def main(argv):
    out = write_seeds(SEEDS, "vmcs", argv[1] if len(argv) > 1 else None)
    print(f"{len(SEEDS)} seeds written to {out} ({len(FIELDS)} VMCS fields known)")


if __name__ == "__main__":
    main(sys.argv)

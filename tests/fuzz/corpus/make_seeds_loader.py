#!/usr/bin/env python3
"""Write the seed corpus of fuzz_loader (tests/fuzz/corpus/loader/).

Each seed is the options fuzz_loader.c reads (flags:1, load:4, entry:4,
entry_cs:2, append_len:2, the --append bytes), then the image: flat
binaries, Multiboot ELF32 kernels built here field by field, and broken
variants of both. With a build directory, minivm's own test guests
(tests/minivm/hello.bin, mbkernel.elf) are added too.

usage: make_seeds_loader.py [BUILD_DIR [OUT_DIR]]
"""
import os
import struct
import sys

from seedfiles import write_seeds

RAM = {"64K": 0, "128K": 1, "256K": 2, "640K": 3, "1M": 4, "1M64K": 5, "2M": 6, "4M": 7}
LOAD, ENTRY, SEGMENTED, APPEND, LOAD_HIGH = 0x08, 0x10, 0x20, 0x40, 0x80

MB_MAGIC = 0x1BADB002
PT_LOAD, PT_NOTE = 1, 4


def opts(ram="128K", flags=0, load=0, entry=0, entry_cs=0, append=b""):
    return (struct.pack("<BIIHH", RAM[ram] | flags, load, entry, entry_cs, len(append)) + append)


def mb_header(flags=0x3, checksum=None):
    if checksum is None:
        checksum = -(MB_MAGIC + flags) & 0xFFFFFFFF
    return struct.pack("<III", MB_MAGIC, flags, checksum)


def elf(segments, entry, header=None, ident=None, etype=2, machine=3, phentsize=32, phnum=None,
        phoff=52, body=b""):
    """segments: (type, offset, vaddr, paddr, filesz, memsz); body follows the headers."""
    ident = ident or b"\x7fELF\x01\x01\x01" + bytes(9)
    n = len(segments) if phnum is None else phnum
    ehdr = ident + struct.pack("<HHIIIIIHHHHHH", etype, machine, 1, entry, phoff, 0, 0, 52,
                               phentsize, n, 40, 0, 0)
    phdrs = b"".join(struct.pack("<8I", t, off, va, pa, fs, ms, 5, 4)
                     for t, off, va, pa, fs, ms in segments)
    image = ehdr + phdrs
    image += bytes(-len(image) % 16)
    if header is not None:
        image += header
    return image + body


def kernel(paddr=0x10000, vaddr=None, header=None, bss=0x100, extra_segments=(), entry_delta=0,
           **kw):
    """A one-segment kernel (the whole file) at paddr: headers, Multiboot header, HLT."""
    vaddr = paddr if vaddr is None else vaddr
    header = mb_header() if header is None else header
    nseg = 1 + len(extra_segments)
    code_at = 52 + 32 * nseg
    code_at += -code_at % 16 + len(header)
    size = code_at + 2
    segs = [(PT_LOAD, 0, vaddr, paddr, size, size + bss)] + list(extra_segments)
    return elf(segs, vaddr + code_at + entry_delta, header=header, body=b"\xf4\xf4", **kw)


BOOT_SECTOR = b"\xfa\x31\xc0\x8e\xd8\xbe\x0d\x7c\xb4\x0e\xf4" + bytes(499) + b"\x55\xaa"

SEEDS = {
    # ---- flat images --------------------------------------------------------------------------
    "flat_boot_sector": opts("64K") + BOOT_SECTOR,
    "flat_one_byte": opts("64K") + b"\xf4",
    "flat_empty": opts("64K"),
    "flat_load_and_segmented_entry": opts("256K", LOAD | ENTRY | SEGMENTED, load=0x20000, entry=0,
                                          entry_cs=0x2000) + BOOT_SECTOR,
    "flat_load_above_1m_no_entry": opts("2M", LOAD, load=0x100000) + BOOT_SECTOR,
    "flat_load_above_1m_with_entry": opts("2M", LOAD | ENTRY, load=0x100000, entry=0x7c00) + BOOT_SECTOR,
    "flat_entry_above_1m": opts("2M", ENTRY, entry=0x100000) + BOOT_SECTOR,
    "flat_entry_hma_segmented": opts("1M64K", ENTRY | SEGMENTED, entry=0xfff0, entry_cs=0xffff)
    + BOOT_SECTOR,
    "flat_entry_outside_ram": opts("64K", ENTRY | SEGMENTED, entry=0, entry_cs=0x1000) + BOOT_SECTOR,
    "flat_load_outside_ram": opts("64K", LOAD, load=0x10000) + BOOT_SECTOR,
    "flat_load_above_4g": opts("64K", LOAD | LOAD_HIGH, load=0) + BOOT_SECTOR,
    "flat_past_the_end_of_ram": opts("64K", LOAD, load=0xff00) + BOOT_SECTOR,
    "flat_fills_ram_exactly": opts("64K", LOAD, load=0x10000 - 512) + BOOT_SECTOR,
    "flat_with_append": opts("64K", APPEND, append=b"console=ttyS0") + BOOT_SECTOR,
    "flat_stray_multiboot_magic": opts("64K") + b"\xf4" * 16 + mb_header(checksum=0) + BOOT_SECTOR,
    # ---- Multiboot ELF32 --------------------------------------------------------------------------
    "mb_elf_minimal": opts("128K") + kernel(),
    "mb_elf_with_append": opts("128K", APPEND, append=b"root=/dev/vda console=ttyS0 -- argv") + kernel(),
    "mb_elf_append_too_long": opts("128K", APPEND, append=b"x" * 4097) + kernel(),
    "mb_elf_at_1m": opts("2M") + kernel(paddr=0x100000),
    "mb_elf_higher_half": opts("2M") + kernel(paddr=0x100000, vaddr=0xc0100000),
    "mb_elf_info_above_kernel": opts("128K") + kernel(paddr=0x8000, bss=0x2000),
    "mb_elf_no_room_for_info": opts("64K") + kernel(paddr=0x0, bss=0x10000 - 0x100),
    "mb_elf_two_segments_and_note": opts("256K") + kernel(extra_segments=[
        (PT_LOAD, 0, 0x20000, 0x20000, 0x40, 0x1000), (PT_NOTE, 0, 0, 0, 0x40, 0x40),
        (PT_LOAD, 0, 0x30000, 0x30000, 0, 0)]),
    "mb_elf_overlapping_segments": opts("256K") + kernel(extra_segments=[
        (PT_LOAD, 0, 0x10010, 0x10010, 0x20, 0x20)]),
    "mb_elf_segment_outside_ram": opts("64K") + kernel(paddr=0x20000),
    "mb_elf_segment_wraps_4g": opts("128K") + kernel(extra_segments=[
        (PT_LOAD, 0, 0xfffff000, 0xfffff000, 0, 0x2000)]),
    "mb_elf_entry_in_no_segment": opts("128K") + kernel(entry_delta=0x10000),
    "mb_elf_entry_in_bss": opts("128K") + kernel(entry_delta=0x40),
    "mb_elf_33_segments": opts("256K") + kernel(extra_segments=[
        (PT_LOAD, 0, 0x20000 + 0x100 * i, 0x20000 + 0x100 * i, 0x10, 0x10) for i in range(32)]),
    "mb_elf_with_load_option": opts("128K", LOAD, load=0x10000) + kernel(),
    # ---- Multiboot headers ----------------------------------------------------------------------
    "mb_header_aout_kludge_in_elf": opts("128K") + kernel(header=mb_header(0x10003)),
    "mb_header_unknown_required_flag": opts("128K") + kernel(header=mb_header(0x8)),
    "mb_header_video_flag": opts("128K") + kernel(header=mb_header(0x7)),
    "mb_header_bad_checksum": opts("128K") + kernel(header=mb_header(checksum=0x12345678)),
    "mb_header_missing": opts("128K") + kernel(header=b"\x90" * 12),
    "mb_header_past_8k": opts("128K") + elf([(PT_LOAD, 0, 0x10000, 0x10000, 0x2100, 0x2100)], 0x10000,
                                             body=bytes(0x2000) + mb_header() + b"\xf4"),
    # a.out kludge: a Multiboot header with load addresses, in a file that is not ELF
    "mb_aout_kludge_image": opts("2M") + mb_header(0x10003)
    + struct.pack("<IIIII", 0x100000, 0x100000, 0x100100, 0x100200, 0x100020) + b"\xf4" * 16,
    # ---- broken ELF -------------------------------------------------------------------------------
    "elf_truncated_header": opts("128K") + kernel()[:40],
    "elf_magic_only": opts("128K") + b"\x7fELF",
    "elf_class64": opts("128K") + kernel(ident=b"\x7fELF\x02\x01\x01" + bytes(9)),
    "elf_big_endian": opts("128K") + kernel(ident=b"\x7fELF\x01\x02\x01" + bytes(9)),
    "elf_wrong_machine": opts("128K") + kernel(machine=62),
    "elf_shared_object": opts("128K") + kernel(etype=3),
    "elf_no_program_headers": opts("128K") + kernel(phnum=0),
    "elf_wrong_phentsize": opts("128K") + kernel(phentsize=56),
    "elf_program_headers_past_end": opts("128K") + kernel(phnum=0xffff),
    "elf_phoff_huge": opts("128K") + kernel(phoff=0xfffffff0),
    "elf_segment_past_file": opts("128K") + kernel(extra_segments=[
        (PT_LOAD, 0x80, 0x20000, 0x20000, 0xffffff00, 0xffffff00)]),
    "elf_filesz_over_memsz": opts("128K") + kernel(extra_segments=[
        (PT_LOAD, 0, 0x18000, 0x18000, 0x40, 0x20)]),
}


def main(argv):
    build = argv[1] if len(argv) > 1 else None
    seeds = dict(SEEDS)
    if build:
        guests = os.path.join(build, "tests", "minivm")
        for name, ram, file in [("minivm_hello_bin", "64K", "hello.bin"),
                                ("minivm_mbkernel_elf", "2M", "mbkernel.elf")]:
            with open(os.path.join(guests, file), "rb") as f:
                seeds[name] = opts(ram) + f.read()
    out = write_seeds(seeds, "loader", argv[2] if len(argv) > 2 else None)
    print(f"{len(seeds)} seeds in {out}")


if __name__ == "__main__":
    main(sys.argv)

#!/usr/bin/env python3
"""Build vmxhost's disk image: boot sector, stage 2, kernel, padded.

usage: mkimage.py LAYOUT_INC MBR STAGE2 KERNEL OUTPUT

The stage is padded by nasm to STAGE2_SECTORS (boot/layout.inc), so the
kernel starts at the LBA stage 2 expects. The image is padded to whole
cylinders of 16 heads x 63 sectors, the geometry run-bochs.sh gives Bochs.
"""
import re
import sys

SECTOR = 512
CYLINDER = 16 * 63 * SECTOR
MB_MAGIC = 0x1BADB002


def fail(msg):
    sys.exit(f"mkimage.py: {msg}")


def layout_value(path, name):
    with open(path) as f:
        m = re.search(rf"^{name}\s+equ\s+(\d+)", f.read(), re.M)
    if not m:
        fail(f"{path}: no {name}")
    return int(m.group(1))


def has_multiboot_header(kernel):
    for off in range(0, min(len(kernel), 8192) - 12, 4):
        magic, flags, check = (int.from_bytes(kernel[off + i:off + i + 4], "little") for i in (0, 4, 8))
        if magic == MB_MAGIC and (magic + flags + check) & 0xFFFFFFFF == 0:
            return True
    return False


def main(layout, mbr_path, stage2_path, kernel_path, out_path):
    stage2_sectors = layout_value(layout, "STAGE2_SECTORS")
    mbr = open(mbr_path, "rb").read()
    stage2 = open(stage2_path, "rb").read()
    kernel = open(kernel_path, "rb").read()
    if len(mbr) != SECTOR or mbr[510:] != b"\x55\xaa":
        fail(f"{mbr_path}: not a 512-byte boot sector")
    if len(stage2) != stage2_sectors * SECTOR:
        fail(f"{stage2_path}: {len(stage2)} bytes, layout.inc says {stage2_sectors} sectors")
    if not has_multiboot_header(kernel):
        fail(f"{kernel_path}: no Multiboot header in the first 8 KiB")
    image = mbr + stage2 + kernel
    image += bytes(-len(image) % CYLINDER)
    with open(out_path, "wb") as f:
        f.write(image)


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    main(*sys.argv[1:])

#!/bin/sh
# mkiso.sh KERNEL OUTPUT.iso
#
# A GRUB boot image (CD, or USB stick with dd) that boots KERNEL (vmxhost.bin,
# or vmxhost.elf) with Multiboot, for real Intel hardware: GRUB's console
# on the screen and COM1, the kernel's on the screen, COM1 and port 0xE9.
# Needs grub-mkrescue, grub-pc-bin (BIOS boot) and xorriso, mtools; for UEFI
# machines grub-efi-amd64-bin as well.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: mkiso.sh KERNEL OUTPUT.iso" >&2
	exit 64
fi
if ! command -v grub-mkrescue >/dev/null; then
	echo "mkiso.sh: grub-mkrescue not found (apt-get install grub-pc-bin grub-common xorriso mtools)" >&2
	exit 69
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkiso.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/iso/boot/grub"
cp "$1" "$tmp/iso/boot/vmxhost"
cat >"$tmp/iso/boot/grub/grub.cfg" <<'CFG'
set timeout=3
set default=0
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
menuentry "vmxhost: libvcpu's ring-0 host" {
	multiboot /boot/vmxhost
	boot
}
CFG
if ! grub-mkrescue -o "$2" "$tmp/iso" >"$tmp/log" 2>&1; then
	cat "$tmp/log" >&2
	exit 1
fi
echo "mkiso.sh: $2 boots $1 with GRUB"

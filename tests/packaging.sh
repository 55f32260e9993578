#!/bin/sh
# libvcpu as others consume it: installed (headers, libvcpu.a, libvcpu.pc,
# found with pkg-config) and as a Meson subproject. Builds and runs
# tests/consumer both ways. Argument: the source root.
set -eu
src=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Installed, found through pkg-config.
meson setup "$work/build" "$src" -Dtests=false --prefix=/usr >/dev/null
meson install -C "$work/build" --destdir "$work/root" >/dev/null
pc=$(find "$work/root" -name libvcpu.pc | head -n 1)
[ -n "$pc" ] || { echo "packaging: no libvcpu.pc installed"; exit 1; }
test -f "$work/root/usr/include/libvcpu/libvcpu.h" || { echo "packaging: headers not installed"; exit 1; }
export PKG_CONFIG_SYSROOT_DIR="$work/root" PKG_CONFIG_PATH=$(dirname "$pc")
cc -std=c11 $(pkg-config --cflags libvcpu) "$src/tests/consumer/consumer.c" \
	$(pkg-config --libs libvcpu) -o "$work/consumer-pc"
"$work/consumer-pc"

# As a subproject.
mkdir -p "$work/proj/subprojects"
cp "$src/tests/consumer/meson.build" "$src/tests/consumer/consumer.c" "$work/proj/"
ln -s "$src" "$work/proj/subprojects/libvcpu"
meson setup "$work/proj/build" "$work/proj" >/dev/null
ninja -C "$work/proj/build" >/dev/null
"$work/proj/build/consumer"
echo "packaging: installed (pkg-config) and subproject builds both run"

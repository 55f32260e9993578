#!/bin/sh
# libvcpu developer entry point.
#   ./dev.sh run     install what is missing, build, run minivm on its
#                    built-in guest (on /dev/kvm)
#   ./dev.sh test    install what is missing, build, run every test; prints
#                    "N passed, N failed, N skipped" and fails if any failed
#   ./dev.sh bench   build and run the benchmarks (bench/): the exit path on
#                    the mock, KVM against a hand-written loop, minivm
#                    against qemu -M microvm, and the emulator against
#                    libx86emu, Unicorn and QEMU's TCG where they are installed
# Dependencies come from Debian 12 packages through apt-get (needs root).
set -eu
cd "$(dirname "$0")"

PACKAGES="meson ninja-build gcc pkg-config check python3 nasm libcapstone-dev zlib1g-dev bochs bochsbios vgabios"
BUILD=${BUILD:-build}

install_deps() {
	missing=""
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "dev.sh: installing:$missing"
	if [ "$(id -u)" -eq 0 ]; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
	elif command -v sudo >/dev/null; then
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
	else
		echo "dev.sh: missing packages:$missing; run as root or install them" >&2
		exit 1
	fi
}

build() {
	install_deps
	[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null
	ninja -C "$BUILD" >/dev/null
}

case "${1:-}" in
run)
	build
	exec "./$BUILD/examples/minivm/minivm"
	;;
test)
	build
	status=0
	meson test -C "$BUILD" --print-errorlogs >/dev/null || status=$?
	python3 scripts/test_summary.py "$BUILD/meson-logs/testlog.json"
	exit $status
	;;
bench)
	# The peers the benchmarks compare with; Meson looks for them again.
	PACKAGES="$PACKAGES libx86emu-dev libunicorn-dev qemu-system-x86"
	installed=$(dpkg-query -W -f='${Status}\n' libx86emu-dev libunicorn-dev qemu-system-x86 2>/dev/null | grep -c "ok installed" || true)
	build
	if [ "$installed" != 3 ]; then
		meson setup --reconfigure "$BUILD" >/dev/null && ninja -C "$BUILD" >/dev/null
	fi
	"./$BUILD/bench/bench_exit"
	for b in bench_kvm bench_launch bench_emu_step bench_emu; do
		[ -x "$BUILD/bench/$b" ] || { echo "dev.sh: $b not built here (see bench/meson.build)"; continue; }
		echo
		status=0
		if [ $b = bench_launch ]; then
			"./$BUILD/bench/$b" "./$BUILD/examples/minivm/minivm" "./$BUILD/bench/exit_at_once.elf" || status=$?
		else
			"./$BUILD/bench/$b" || status=$?
		fi
		[ $status -eq 0 ] || [ $status -eq 77 ] || exit $status
	done
	;;
*)
	echo "usage: $0 run|test|bench" >&2
	exit 2
	;;
esac

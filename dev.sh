#!/bin/sh
# libvcpu developer entry point.
#   ./dev.sh run     install what is missing, build, run minivm on its
#                    built-in guest (on /dev/kvm)
#   ./dev.sh test    install what is missing, build, run every test: the
#                    suite in a GCC build, again in a clang ASan+UBSan build,
#                    then each fuzzer for LIBVCPU_FUZZ_SECONDS (default 60);
#                    prints "N passed, N failed, N skipped" for all of it and
#                    fails if any failed
#   ./dev.sh fuzz [SECONDS]
#                    only the fuzzers, each for SECONDS (default 600)
#   ./dev.sh bench   build and run the benchmarks (bench/): the exit path on
#                    the mock, KVM against a hand-written loop, minivm
#                    against qemu -M microvm, and the emulator against
#                    libx86emu, Unicorn and QEMU's TCG where they are installed
# Dependencies come from Debian 12 packages through apt-get (needs root).
set -eu
cd "$(dirname "$0")"

PACKAGES="meson ninja-build gcc pkg-config check python3 nasm libcapstone-dev zlib1g-dev bochs bochsbios vgabios clang libclang-rt-14-dev"
BUILD=${BUILD:-build}
# The sanitizer build: clang, ASan and UBSan stopping at the first report,
# libFuzzer's coverage and the fuzzers.
SAN_BUILD=${SAN_BUILD:-build-asan}

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

build_sanitized() {
	[ -f "$SAN_BUILD/build.ninja" ] || CC=clang meson setup "$SAN_BUILD" \
		-Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fno-sanitize-recover=all \
		-Dminivm_static=false -Dfuzz=true >/dev/null
	ninja -C "$SAN_BUILD" >/dev/null
}

# meson test, its log kept as $2 (each run overwrites testlog.json).
run_tests() {
	dir=$1 log=$2
	shift 2
	rc=0
	rm -f "$dir/meson-logs/testlog.json"
	meson test -C "$dir" --print-errorlogs "$@" >"$log.txt" 2>&1 || rc=$?
	# No log at all: no test was selected, which is a failure too.
	cp "$dir/meson-logs/testlog.json" "$log" || { : >"$log"; rc=1; }
	return $rc
}

case "${1:-}" in
run)
	build
	exec "./$BUILD/examples/minivm/minivm"
	;;
test)
	build
	build_sanitized
	status=0
	run_tests "$BUILD" "$BUILD/testlog-gcc.json" || status=1
	run_tests "$SAN_BUILD" "$SAN_BUILD/testlog-asan.json" --no-suite fuzz || status=1
	# Alone, so no other test competes with them for the CPUs.
	run_tests "$SAN_BUILD" "$SAN_BUILD/testlog-fuzz.json" --suite fuzz || status=1
	python3 scripts/test_summary.py "gcc=$BUILD/testlog-gcc.json" \
		"asan+ubsan=$SAN_BUILD/testlog-asan.json" "fuzz=$SAN_BUILD/testlog-fuzz.json" || status=1
	[ $status -eq 0 ] || echo "dev.sh: failures; the logs are $BUILD/testlog-gcc.json.txt, $SAN_BUILD/testlog-*.json.txt"
	exit $status
	;;
fuzz)
	build
	build_sanitized
	status=0
	LIBVCPU_FUZZ_SECONDS=${2:-600} run_tests "$SAN_BUILD" "$SAN_BUILD/testlog-fuzz.json" --suite fuzz || status=1
	python3 scripts/test_summary.py "fuzz=$SAN_BUILD/testlog-fuzz.json" || status=1
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
	echo "usage: $0 run|test|fuzz [SECONDS]|bench" >&2
	exit 2
	;;
esac

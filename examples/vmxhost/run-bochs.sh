#!/bin/sh
# run-bochs.sh IMAGE CPU_MODEL [TIMEOUT_S]
#
# Boots vmxhost's disk image in Bochs, headless and bounded in time, with the
# given CPU model (bochsrc's `cpu: model=`; corei7_skylake_x: VMX with EPT and
# unrestricted guest; core2_penryn_t9600: VMX without them). Prints the
# kernel's console (port 0xE9), then Bochs's error and panic lines (a failed
# VM entry shows as "VMENTER FAIL: ..."), the verdict with Bochs's wall time,
# and a Check-style count of the scenarios.
#
# Exit status: 0 the kernel reported every scenario passed (its summary says
# 0 failed and it stopped at the magic breakpoint), 1 something failed or
# Bochs stopped otherwise, 124 timeout (default 120 s), 77 Bochs is not
# installed, 64 usage.
set -u

BIOS=/usr/share/bochs/BIOS-bochs-latest
VGABIOS=/usr/share/vgabios/vgabios.bin
CYLINDER=$((16 * 63 * 512))	# the geometry mkimage.py pads to

usage() {
	echo "usage: run-bochs.sh IMAGE CPU_MODEL [TIMEOUT_S]" >&2
	exit 64
}

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	usage
fi
image=$1
model=$2
limit=${3:-120}
case $limit in '' | *[!0-9]*) usage ;; esac

for need in bochs-bin:"$(command -v bochs-bin)" "$BIOS":"$BIOS" "$VGABIOS":"$VGABIOS"; do
	path=${need#*:}
	if [ -z "$path" ] || [ ! -e "$path" ]; then
		echo "run-bochs.sh: ${need%%:*} not found (apt-get install bochs bochs-term bochsbios vgabios): skipped"
		exit 77
	fi
done
if [ ! -r "$image" ]; then
	echo "run-bochs.sh: cannot read $image" >&2
	exit 64
fi
size=$(stat -L -c %s "$image")
if [ "$size" -eq 0 ] || [ $((size % CYLINDER)) -ne 0 ]; then
	echo "run-bochs.sh: $image is not whole cylinders of 16 heads x 63 sectors (mkimage.py pads it)" >&2
	exit 64
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-bochs.XXXXXX") || exit 1
if [ -n "${RUN_BOCHS_KEEP:-}" ]; then
	echo "run-bochs.sh: keeping the bochsrc and Bochs's log in $tmp"
else
	trap 'rm -rf "$tmp"' EXIT INT TERM
fi

# Bochs locks a disk image it writes to (IMAGE.lock, left behind when it is
# killed): each run gets its own copy, which also keeps the build's pristine.
cp "$image" "$tmp/disk.img" || exit 1

cat >"$tmp/bochsrc" <<EOF
megs: 256
romimage: file=$BIOS
vgaromimage: file=$VGABIOS
cpu: model=$model, reset_on_triple_fault=0
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=disk, path="$tmp/disk.img", mode=flat, cylinders=$((size / CYLINDER)), heads=16, spt=63
boot: disk
clock: sync=none, time0=local
display_library: rfb, options="timeout=0"
port_e9_hack: enabled=1
magic_break: enabled=1
mouse: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
log: $tmp/bochs.log
info: action=ignore
debug: action=ignore
error: action=report
panic: action=fatal
EOF
# Bochs starts in its debugger: continue; at the magic breakpoint, quit.
printf 'c\nquit\n' >"$tmp/commands"

# The rfb display listens on TCP 5900: give Bochs a network namespace with
# no interfaces where that is allowed.
netns="unshare -n"
if ! unshare -n true 2>/dev/null; then
	if unshare -rn true 2>/dev/null; then
		netns="unshare -rn"
	else
		echo "run-bochs.sh: note: cannot unshare the network namespace; Bochs's rfb display listens on TCP 5900"
		netns=""
	fi
fi

start=$(date +%s.%N)
# shellcheck disable=SC2086 # $netns is a command prefix or nothing
timeout -k 5 "$limit" $netns bochs-bin -q -f "$tmp/bochsrc" -rc "$tmp/commands" \
	</dev/null >"$tmp/console" 2>&1
status=$?
end=$(date +%s.%N)

# The console: Bochs's banner, early log lines and debugger lines dropped
# (its "Bochs is exiting" message stays).
grep -avE -e '^ *(Bochs x86 Emulator|Built from|Timestamp:|Compiled on)' -e '^=+$' \
	-e '^[0-9]{11}[idep]\[' -e '^Next at t=' -e '^\(0\)' -e '<bochs:[0-9]+>' "$tmp/console"

# Errors and panics Bochs logged (level e or p), a failed VM entry among them,
# the first 20 (RUN_BOCHS_KEEP=1 keeps the log). The kernel's own failure
# exit (port 0x8900) is a "panic" too: left out.
touch "$tmp/bochs.log"
grep -a -e '^[0-9]*[ep]\[' -e 'VMENTER FAIL' -e 'VMFAIL' "$tmp/bochs.log" |
	grep -av 'Shutdown port: shutdown requested' >"$tmp/errors"
head -n 20 "$tmp/errors" | sed 's/^/bochs: /'
more=$(($(wc -l <"$tmp/errors") - 20))
[ "$more" -le 0 ] || echo "bochs: ... and $more more"

passed=$(grep -ac '^PASS ' "$tmp/console")
failed=$(grep -ac '^FAIL ' "$tmp/console")
summary=$(grep -a -E '^[0-9]+ passed, [0-9]+ failed$' "$tmp/console" | tail -n 1)
last=$(grep -a -E '^(--- |PASS |FAIL )' "$tmp/console" | tail -n 1)
wall=$(echo "$start $end" | awk '{ printf "%.2f", $2 - $1 }')

if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
	result=124
	why="timed out after $limit s"
	case $last in '--- '*) why="$why, in scenario ${last#--- }" ;; esac
elif [ "$status" -ne 0 ] && grep -q 'Shutdown port: shutdown requested' "$tmp/bochs.log"; then
	result=1
	why="the kernel reported failure"
elif [ "$status" -ne 0 ]; then
	result=1
	why="Bochs exited with status $status"
elif [ -z "$summary" ]; then
	result=1
	why="stopped without the kernel's summary line"
elif [ "${summary#* passed, }" != "0 failed" ]; then
	result=1
	why="scenarios failed"
else
	result=0
	why="all passed"
fi
# For the test summary (scripts/test_summary.py): scenarios as checks, and
# one error for an end without a verdict (before the scenarios, or inside
# one that printed no PASS or FAIL line).
errors=0
if [ "$result" -ne 0 ] && [ -z "$summary" ]; then
	case $last in '' | '--- '*) errors=1 ;; esac
fi
checks=$((passed + failed + errors))
echo "run-bochs.sh: $model: $why; Bochs ran $wall s"
echo "$(( checks ? passed * 100 / checks : 0 ))%: Checks: $checks, Failures: $failed, Errors: $errors"
exit $result

#!/usr/bin/env python3
"""Run one libFuzzer fuzzer for a bounded time and report what it did.

usage: run_fuzzer.py FUZZER NAME WORK_DIR SEED_DIR [REGRESSION_DIR]

Seconds come from LIBVCPU_FUZZ_SECONDS (default 60). New inputs go to
WORK_DIR/corpus (kept between runs of the same build), a finding to
WORK_DIR/findings. Exit status: 0 with no finding, 1 with one (the input is
named, with the command that replays it), 2 if the fuzzer could not run.
"""
import os
import re
import subprocess
import sys


def main(argv):
    if len(argv) not in (5, 6):
        print(__doc__, file=sys.stderr)
        return 2
    fuzzer, name, work, seeds = argv[1:5]
    dirs = [seeds] + argv[5:6]
    seconds = int(os.environ.get("LIBVCPU_FUZZ_SECONDS", "60"))
    corpus = os.path.join(work, "corpus")
    findings = os.path.join(work, "findings")
    os.makedirs(corpus, exist_ok=True)
    os.makedirs(findings, exist_ok=True)
    cmd = [fuzzer, f"-max_total_time={seconds}", "-print_final_stats=1",
           # libFuzzer's own default, 77, would read as "skipped".
           "-error_exitcode=1", "-timeout_exitcode=1", "-timeout=10",
           "-rss_limit_mb=2048", "-close_fd_mask=1",
           f"-artifact_prefix={findings}/", corpus] + [d for d in dirs if os.path.isdir(d)]
    print("$ " + " ".join(cmd), flush=True)
    try:
        run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, errors="replace", timeout=seconds + 300)
    except subprocess.TimeoutExpired:
        print(f"{name}: the fuzzer did not stop within {seconds + 300} s")
        return 1
    except OSError as e:
        print(f"{name}: cannot run {fuzzer}: {e}")
        return 2
    out = run.stdout
    stats = dict(re.findall(r"stat::(\w+):\s+(\d+)", out))
    execs = int(stats.get("number_of_executed_units", 0))
    rate = int(stats.get("average_exec_per_sec", 0))
    found = re.findall(r"Test unit written to (\S+)", out)
    if run.returncode != 0 or found:
        # The fuzzer's own report: the invariant or sanitizer, the stack.
        print("\n".join(out.splitlines()[-80:]))
        for path in found:
            print(f"{name}: FINDING {path}\n  replay: {fuzzer} {path}\n"
                  f"  keep it: copy it to tests/fuzz/regressions/{name.removeprefix('fuzz_')}/ with the fix")
        print(f"{name}: failed (status {run.returncode}) after {execs} execs")
        return 1
    print(f"{name}: {execs} execs in {seconds} s ({rate} execs/s), "
          f"corpus {len(os.listdir(corpus))} inputs, "
          f"peak RSS {stats.get('peak_rss_mb', '?')} MB, 0 findings")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

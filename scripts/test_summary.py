#!/usr/bin/env python3
"""Summarize Meson test logs as individual Check tests.

usage: test_summary.py [LABEL=]TESTLOG.json ...

Each Meson test is one Check suite; its output ends with
"NN%: Checks: N, Failures: F, Errors: E". A suite that exits 77 is skipped
(it says why on stdout); one that fails without that line (a crash, a
timeout, a fuzzer's finding) counts as one failure, one that passes without
it as one pass. Prints one line per suite, each log under its label, then
the total over all logs: "N passed, N failed, N skipped".
"""
import json
import re
import sys

CHECKS = re.compile(r"Checks: (\d+), Failures: (\d+), Errors: (\d+)")


def summarize(path, label):
    """(passed, failed, skipped) of one log, printing a line per suite."""
    passed = failed = skipped = 0
    if label:
        print(f"{label}:")
    with open(path) as log:
        for line in log:
            test = json.loads(line)
            out = (test.get("stdout") or "") + (test.get("stderr") or "")
            result = test.get("result", "")
            m = CHECKS.search(out)
            if result == "SKIP":
                skipped += 1
                reason = out.strip().splitlines()[-1] if out.strip() else "no reason given"
                print(f"  {test['name']:<20} skipped: {reason}")
                continue
            if m:
                n, f, e = (int(x) for x in m.groups())
                bad = f + e
                if result != "OK" and bad == 0:
                    bad = 1  # the suite failed after its checks (crash at exit, leak)
                passed += n - min(bad, n)
                failed += bad
            elif result == "OK":
                passed += 1
            else:
                failed += 1
            # A fuzzer's last line says what it did (execs, rate, findings).
            last = out.strip().splitlines()[-1] if out.strip() else ""
            short = test["name"].split(" / ")[-1]
            detail = f" ({m.group(0)})" if m else (f" ({last})" if short.startswith("fuzz_") and last else "")
            print(f"  {test['name']:<20} {result}{detail}")
    return passed, failed, skipped


def main(args):
    logs = args or ["build/meson-logs/testlog.json"]
    total = [0, 0, 0]
    for arg in logs:
        label, _, path = arg.rpartition("=")
        for i, n in enumerate(summarize(path, label)):
            total[i] += n
    print(f"{total[0]} passed, {total[1]} failed, {total[2]} skipped")
    return 1 if total[1] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

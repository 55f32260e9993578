#!/usr/bin/env python3
"""Summarize a Meson test log as individual Check tests.

Each Meson test is one Check suite; its output ends with
"NN%: Checks: N, Failures: F, Errors: E". A suite that exits 77 is skipped
(it says why on stdout); one that fails without that line (a crash, a
timeout) counts as one failure. Prints one line per suite, then
"N passed, N failed, N skipped".
"""
import json
import re
import sys

CHECKS = re.compile(r"Checks: (\d+), Failures: (\d+), Errors: (\d+)")


def main(path):
    passed = failed = skipped = 0
    with open(path) as log:
        for line in log:
            test = json.loads(line)
            out = (test.get("stdout") or "") + (test.get("stderr") or "")
            result = test.get("result", "")
            m = CHECKS.search(out)
            if result == "SKIP":
                skipped += 1
                reason = out.strip().splitlines()[-1] if out.strip() else "no reason given"
                print(f"  {test['name']:<16} skipped: {reason}")
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
            print(f"  {test['name']:<16} {result}" + (f" ({m.group(0)})" if m else ""))
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build/meson-logs/testlog.json"))

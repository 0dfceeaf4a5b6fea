#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a guest console log into test results.

  results.py LOG BOOT_NAME [--kunit] [--expect-crash]

Prints one line per result, "PASS name", "FAIL name: why" or
"SKIP name: why", and exits 1 if anything failed. What counts:
  - every KUnit case in the KTAP the kernel printed at boot (--kunit: a
    boot without KTAP, or with fewer suites than it announced, fails);
  - every TAP/KTAP result a guest test printed between its @@MO markers;
    a test with no result lines is judged by its exit code, a test that
    never reached its end marker failed (crash or timeout);
  - the boot itself: it fails on a panic, oops, BUG, WARN, KASAN report,
    lockdep splat, hung task or soft lockup anywhere in the log.
With --expect-crash (the harness's self-test) a boot that crashed and a
test that never ended are the expected outcome, reported as PASS.
On stderr: each guest test's time, as the guest's clock saw it.
"""
import re
import sys

TS = re.compile(r"^\[\s*\d+\.\d+\]\s?")
RESULT = re.compile(r"^(\s*)(not ok|ok) (\d+)\s*(?:- )?([^#]*?)\s*(?:#\s*(.*))?$")
PLAN = re.compile(r"^(\s*)1\.\.(\d+)")
SUBTEST = re.compile(r"^(\s*)# Subtest: (\S+)")
SPLAT = re.compile(
    r"(Kernel panic|BUG: |kernel BUG at|Oops|general protection fault|"
    r"WARNING: |KASAN: |UBSAN: |possible circular locking|"
    r"possible recursive locking|inconsistent lock state|"
    r"suspicious RCU usage|INFO: task .* blocked|soft lockup|"
    r"hard LOCKUP|RCU stall|Unable to handle kernel|list_add corruption|"
    r"list_del corruption|page dumped because|bad page state|"
    r"sleeping function called from invalid context)")


class Results:
    def __init__(self):
        self.rows = []

    def add(self, status, name, why=""):
        self.rows.append((status, name, why))

    def failed(self):
        return any(s == "FAIL" for s, _, _ in self.rows)


def clean(line):
    return TS.sub("", line.rstrip("\r\n"))


def tap_status(word, directive):
    if directive and directive.upper().startswith("SKIP"):
        return "SKIP", directive[4:].strip(" :") or "skipped"
    if word == "ok":
        return "PASS", ""
    return "FAIL", directive or "not ok"


def parse_kunit(lines, res):
    """KUnit prints KTAP from the kernel before init runs."""
    suite, planned, seen, found = None, None, 0, False
    for line in lines:
        if "@@MO BOOTED" in line:
            break
        m = PLAN.match(line)
        if m and not m.group(1) and planned is None:
            planned = int(m.group(2))
            found = True
            continue
        m = SUBTEST.match(line)
        if m and len(m.group(1)) == 4:
            suite = m.group(2)
            continue
        m = RESULT.match(line)
        if not m or not found:
            continue
        indent = len(m.group(1))
        status, why = tap_status(m.group(2), m.group(5))
        if indent == 0:
            seen += 1
        elif indent == 4:
            res.add(status, "kunit/%s/%s" % (suite, m.group(4)), why)
    if not found:
        res.add("FAIL", "kunit", "no KTAP output from the kernel")
    elif seen < planned:
        res.add("FAIL", "kunit", "%d of %d suites reported" % (seen, planned))


def parse_tests(lines, kernel, res, expect_crash):
    """kernel[i]: line i is the kernel's (it had a printk timestamp); a
    module's KTAP printed while a test runs is not the test's result."""
    test, body = None, []
    for i, line in enumerate(lines):
        if "@@MO BEGIN " in line:
            test, body = line.split("@@MO BEGIN ", 1)[1].strip(), []
            continue
        if "@@MO END " in line and test:
            m = re.search(r"rc=(\d+)", line)
            judge_test(test, body, int(m.group(1)) if m else 1, res)
            test = None
            continue
        if test and not kernel[i]:
            body.append(line)
    if test:
        if expect_crash:
            res.add("PASS", "guest/%s/crashed" % test, "as expected")
        else:
            judge_test(test, body, None, res)


def judge_test(test, body, rc, res):
    name = "guest/" + test
    n = 0
    planned = None
    for line in body:
        m = PLAN.match(line)
        if m and not m.group(1) and planned is None:
            planned = int(m.group(2))
        m = RESULT.match(line)
        if m and not m.group(1):
            n += 1
            status, why = tap_status(m.group(2), m.group(5))
            res.add(status, "%s/%s" % (name, m.group(4) or m.group(3)), why)
    if rc is None:
        res.add("FAIL", name, "never finished: the kernel crashed or the "
                "guest timed out (see the log)")
    elif planned is not None and n < planned:
        res.add("FAIL", name, "%d of %d planned results" % (n, planned))
    elif n == 0:
        if rc == 0:
            res.add("PASS", name)
        elif rc == 4:
            res.add("SKIP", name, "exit code 4 (skip)")
        else:
            res.add("FAIL", name, "exit code %d" % rc)
    elif rc not in (0, 4) and not any(s == "FAIL" for s, t, _ in res.rows
                                      if t.startswith(name + "/")):
        res.add("FAIL", name, "exit code %d with all results ok" % rc)


def print_times(lines, boot):
    """Where a boot's time went, test by test, for people (stderr)."""
    rows = []
    for line in lines:
        m = re.search(r"@@MO END (\S+) rc=(\d+) start=([\d.]+) end=([\d.]+)",
                      line)
        if m:
            rows.append((m.group(1), int(m.group(2)),
                         float(m.group(4)) - float(m.group(3))))
    if not rows:
        return
    total = sum(t for _, _, t in rows)
    sys.stderr.write("guest tests of boot %s (%d tests, %.0f s in the "
                     "guest):\n" % (boot, len(rows), total))
    for name, rc, t in rows:
        sys.stderr.write("  %-16s %6.0f s  rc=%d\n" % (name, t, rc))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    log, boot = args[0], args[1]
    kunit = "--kunit" in sys.argv
    expect_crash = "--expect-crash" in sys.argv
    with open(log, errors="replace") as f:
        raw = f.readlines()
    lines = [clean(l) for l in raw]
    kernel = [bool(TS.match(l)) for l in raw]

    print_times(lines, boot)
    res = Results()
    if kunit:
        parse_kunit(lines, res)
    parse_tests(lines, kernel, res, expect_crash)

    splats = [l.strip() for l in lines if SPLAT.search(l)]
    done = any("@@MO DONE" in l for l in lines)
    booted = any("@@MO BOOTED" in l for l in lines)
    if expect_crash:
        ok = booted and not done and splats
        res.add("PASS" if ok else "FAIL", "boot/" + boot,
                "crash detected: " + splats[0] if ok else
                "the deliberate crash went unnoticed")
    elif splats:
        res.add("FAIL", "boot/" + boot, "kernel splat: " + splats[0])
    elif not booted:
        res.add("FAIL", "boot/" + boot, "the guest never reached init")
    elif not done:
        res.add("FAIL", "boot/" + boot, "the plan did not finish")
    else:
        res.add("PASS", "boot/" + boot)

    for status, name, why in res.rows:
        print("%s %s%s" % (status, name, ": " + why if why else ""))
    sys.exit(1 if res.failed() else 0)


if __name__ == "__main__":
    main()

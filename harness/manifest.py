#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What make check must report, and whether it did.

  manifest.py expect MANIFEST BOOT:PLAN... [--static-list FILE] [--only]
      print the expected results of this run, one a line:
      "NAME =" for a result of exactly that name,
      "NAME >= N [guard]" for at least N results named NAME/...
  manifest.py check EXPECTED RESULTS
      print "FAIL NAME: did not run" for every expected result missing
      from RESULTS (and a short group as "only K of N results"), then
      the summary: the project's own results, the upstream guards on a
      line of their own, and last "N passed, N failed[, N skipped]"
      over both; exit 1 if anything failed.

A result line is "STATUS NAME", "STATUS NAME: why" or "STATUS NAME
(detail)", STATUS one of PASS, FAIL, SKIP. MANIFEST (harness/manifest)
declares the result groups: device-model tests, our KUnit suites, each
guest test, with the number of results each must at least produce. The
static checks' names come from static-checks.sh --list, the boots'
from the plans. A count is a floor, not an exact number, so a test that
gains cases needs no manifest change; one that loses them, or stops
early, or never starts, fails.
"""
import re
import sys

LINE = re.compile(r"^(PASS|FAIL|SKIP) (\S+?):?(?:\s|$)")


def read_manifest(path):
    """{group: (count, guard, where)} from the manifest file."""
    groups = {}
    with open(path) as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].split()
            if not line:
                continue
            if len(line) not in (2, 3) or not line[1].isdigit() or \
                    (len(line) == 3 and line[2] != "guard"):
                sys.exit("%s:%d: want 'GROUP COUNT [guard]'" % (path, lineno))
            groups[line[0]] = (int(line[1]), len(line) == 3)
    return groups


def expect(args):
    manifest, rest = args[0], args[1:]
    groups = read_manifest(manifest)
    only = "--only" in rest
    out = []
    if "--static-list" in rest:
        with open(rest[rest.index("--static-list") + 1]) as f:
            out += ["%s =" % l.strip() for l in f if l.strip()]
    boots = [a for a in rest if ":" in a and not a.startswith("--")]
    if not only:
        out += ["%s >= %d%s" % (g, n, " guard" if guard else "")
                for g, (n, guard) in groups.items()
                if g.endswith("-model")]
    def line(g):
        n, guard = groups[g]
        return "%s >= %d%s" % (g, n, " guard" if guard else "")

    for boot in boots:
        name, plan = boot.split(":", 1)
        out.append("boot/%s =" % name)
        # Suites built into the kernel report at boot, before init.
        if "--kunit" in boot or name in ("check-main", "check-only"):
            out += [line(g) for g in groups if g.startswith("kunit/")]
        for test in filter(None, plan.split(",")):
            g = "guest/" + test
            if g not in groups:
                sys.exit("%s: guest test %s is in a plan but not in the "
                         "manifest" % (manifest, test))
            # The test, and groups inside it (a module's KUnit suite).
            out += [line(x) for x in groups
                    if x == g or x.startswith(g + "/")]
    print("\n".join(out))


def parse_results(path):
    rows = []
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if m:
                rows.append((m.group(1), m.group(2), line.rstrip("\n")))
    return rows


def check(args):
    expected_path, results_path = args
    rows = parse_results(results_path)
    names = [n for _, n, _ in rows]
    guards = []
    missing = []
    with open(expected_path) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            name = w[0]
            if w[1] == "=":
                if name not in names:
                    missing.append("FAIL %s: did not run" % name)
                continue
            want = int(w[2])
            if len(w) > 3 and w[3] == "guard":
                guards.append(name)
            got = sum(1 for n in names if n.startswith(name + "/"))
            if got == 0:
                missing.append("FAIL %s: did not run (expected %d results)"
                               % (name, want))
            elif got < want:
                missing.append("FAIL %s: only %d of %d results" %
                               (name, got, want))
    # What did not run becomes part of the results file too.
    if missing:
        with open(results_path, "a") as f:
            f.write("\n".join(missing) + "\n")
        rows += [("FAIL", l.split()[1].rstrip(":"), l) for l in missing]

    def is_guard(n):
        return any(n == g or n.startswith(g + "/") for g in guards)

    def count(sel):
        c = {"PASS": 0, "FAIL": 0, "SKIP": 0}
        for s, n, _ in rows:
            if sel(n):
                c[s] += 1
        return c

    fails = [l for s, _, l in rows if s == "FAIL"]
    skips = [l for s, _, l in rows if s == "SKIP"]
    for l in fails:
        print(l)
    if skips:
        print("skipped, each with its reason:")
        for l in skips:
            print("  " + l)
    ours = count(lambda n: not is_guard(n))
    up = count(is_guard)
    total = {k: ours[k] + up[k] for k in ours}

    def fmt(c):
        s = "%d passed, %d failed" % (c["PASS"], c["FAIL"])
        return s + (", %d skipped" % c["SKIP"] if c["SKIP"] else "")

    print("ours: " + fmt(ours))
    print("upstream guards (%s): %s" % (" ".join(guards) or "none", fmt(up)))
    print(fmt(total))
    sys.exit(1 if total["FAIL"] else 0)


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("expect", "check"):
        sys.exit(__doc__)
    (expect if sys.argv[1] == "expect" else check)(sys.argv[2:])


if __name__ == "__main__":
    main()

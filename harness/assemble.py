#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Assemble the kernel tree: pristine 7.3 + patches/series + our new files.

The assembled tree is persistent. Only files whose wanted content differs
from what the tree holds are rewritten, so make sees unchanged files with
their old timestamps and incremental builds stay incremental. Files we
stop touching are put back to their pristine content (or removed when they
were ours alone).
"""
import os
import shutil
import subprocess
import sys
import tempfile

# Kernel top-level directories; a file of ours below one of them is overlaid.
KERNEL_DIRS = ["arch", "block", "crypto", "Documentation", "drivers", "fs",
               "include", "init", "io_uring", "ipc", "kernel", "lib", "mm",
               "net", "rust", "samples", "scripts", "security", "sound",
               "tools", "usr", "virt"]
MANIFEST = ".migrate-offload-manifest"


def fail(msg):
    sys.stderr.write("error: %s\n" % msg)
    sys.exit(1)


def overlay_files(top):
    """Our new files, as the working copy has them (uncommitted ones too)."""
    dirs = [d for d in KERNEL_DIRS if os.path.isdir(os.path.join(top, d))]
    if not dirs:
        return []
    try:
        out = subprocess.run(["git", "-C", top, "ls-files", "--cached",
                              "--others", "--exclude-standard", "--"] + dirs,
                             check=True, capture_output=True, text=True).stdout
        files = [f for f in out.splitlines()
                 if os.path.isfile(os.path.join(top, f))]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for d in dirs:
            for root, _, names in os.walk(os.path.join(top, d)):
                files += [os.path.relpath(os.path.join(root, n), top)
                          for n in names]
    return sorted(files)


def patch_targets(patch):
    """Files a unified diff touches, as paths inside the tree."""
    targets = set()
    with open(patch, errors="replace") as f:
        for line in f:
            if line.startswith(("--- ", "+++ ")):
                path = line[4:].split("\t")[0].strip()
                if path == "/dev/null":
                    continue
                targets.add(path.split("/", 1)[1])
    return targets


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def main():
    top, pristine, tree = sys.argv[1:4]
    series_file = os.path.join(top, "patches", "series")
    series = []
    if os.path.exists(series_file):
        with open(series_file) as f:
            series = [l.split("#")[0].strip() for l in f]
        series = [s.split()[0] for s in series if s]

    if not os.path.exists(os.path.join(tree, MANIFEST)):
        sys.stderr.write("copying the pristine tree to %s\n" % tree)
        if os.path.exists(tree):
            shutil.rmtree(tree)
        shutil.copytree(pristine, tree, symlinks=True)
        with open(os.path.join(tree, MANIFEST), "w"):
            pass

    with open(os.path.join(tree, MANIFEST)) as f:
        previous = set(l.strip() for l in f if l.strip())

    wanted = {}
    with tempfile.TemporaryDirectory(prefix="mo-assemble-") as scratch:
        touched = set()
        for name in series:
            patch = os.path.join(top, "patches", name)
            if not os.path.exists(patch):
                fail("patches/series names %s, which does not exist" % name)
            for t in patch_targets(patch) - touched:
                src = os.path.join(pristine, t)
                if os.path.exists(src):
                    os.makedirs(os.path.dirname(os.path.join(scratch, t)),
                                exist_ok=True)
                    shutil.copy2(src, os.path.join(scratch, t))
                touched.add(t)
            res = subprocess.run(["patch", "-p1", "-F0", "-N", "-t",
                                  "--no-backup-if-mismatch", "-r", "-",
                                  "-d", scratch, "-i", patch],
                                 capture_output=True, text=True)
            if res.returncode != 0:
                # "patching file X" followed by the hunks that failed in it
                out, current, bad = (res.stdout + res.stderr).splitlines(), "", []
                for l in out:
                    if l.startswith("patching file "):
                        current = l[len("patching file "):].strip("'")
                    elif "FAILED" in l or "malformed" in l or "No file" in l:
                        bad.append("%s: %s" % (current, l.strip()))
                fail("patch %s does not apply (fuzz 0) to %s:\n  %s" %
                     (name, ", ".join(sorted(set(b.split(":")[0] for b in bad))) or "?",
                      "\n  ".join(bad or out)))
        for t in touched:
            wanted[t] = read(os.path.join(scratch, t))

    for f in overlay_files(top):
        if os.path.exists(os.path.join(pristine, f)):
            fail("%s exists upstream: change it with a patch in patches/, "
                 "not as a whole copy" % f)
        if f in wanted:
            fail("%s is both a new file of ours and touched by a patch" % f)
        wanted[f] = read(os.path.join(top, f))

    changed = 0
    for f in sorted(previous | set(wanted)):
        content = wanted.get(f) if f in wanted else read(os.path.join(pristine, f))
        dst = os.path.join(tree, f)
        if read(dst) == content:
            continue
        changed += 1
        if content is None:
            os.unlink(dst)
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        tmp = dst + ".mo-tmp"
        with open(tmp, "wb") as out:
            out.write(content)
        os.chmod(tmp, file_mode(top, pristine, f))
        os.replace(tmp, dst)

    with open(os.path.join(tree, MANIFEST), "w") as f:
        f.write("".join(x + "\n" for x in sorted(wanted)))
    sys.stderr.write("tree assembled: %d patches, %d files of ours, %d files "
                     "rewritten\n" % (len(series), len(wanted), changed))


def file_mode(top, pristine, f):
    """Keep the executable bit of scripts, ours or upstream's."""
    for base in (top, pristine):
        if os.path.exists(os.path.join(base, f)):
            return os.stat(os.path.join(base, f)).st_mode & 0o777
    return 0o644


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Export our work as an upstream patch series (make series).

Reads harness/series/split.txt, which says in what order our new kernel
files and our quilt patches become the patches of the series, and with
what commit messages. For every step it computes the tree the series has
at that patch, checks that the tree is self-consistent, commits it in a
git repository kept in the cache (on top of one commit of the pristine
tree), writes the mails with git format-patch and a cover letter, and
finally proves that git am of those mails onto a fresh copy of the
pristine tree gives exactly the tree harness/assemble.py assembles.

Files that accumulate entries over the series (our Kconfig and Makefile
files) are filtered at each step: a "config FOO" block stays out until a
step introduces FOO ("config:" in split.txt), a Makefile line naming
CONFIG_FOO stays out until then, and an object (foo.o) stays out until
its source file (foo.c or foo.S) is in the tree. Code that a later patch
reworks is given in an interim version: harness/series/interim/*.diff
holds diffs from the final version of a file to the version a step
should have (see split.txt).

Usage: series.py --top DIR --pristine DIR --cache DIR --out DIR
                 [--rev REV] [--no-verify]
"""
import argparse
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True	# no __pycache__ in the work tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import assemble  # noqa: E402  (its overlay and patch helpers)

SPLIT = "harness/series/split.txt"
INTERIM_DIR = "harness/series/interim"
BENCH_BEGIN = "<!-- bench:begin -->"
BENCH_END = "<!-- bench:end -->"
MAX_COLS = 72


class SeriesError(Exception):
    pass


def die(msg):
    sys.stderr.write("error: %s\n" % msg)
    sys.exit(1)


def note(msg):
    sys.stderr.write("%s\n" % msg)


def run(cmd, **kw):
    kw.setdefault("check", True)
    kw.setdefault("capture_output", True)
    try:
        return subprocess.run(cmd, **kw)
    except subprocess.CalledProcessError as e:
        out = (e.stdout or b"") + (e.stderr or b"")
        if isinstance(out, bytes):
            out = out.decode(errors="replace")
        raise SeriesError("%s failed:\n%s" % (" ".join(cmd), out.strip()))


# --------------------------------------------------------------------------
# split.txt

class Step:
    def __init__(self, num, subject, line):
        self.num = num
        self.subject = subject
        self.line = line
        self.quilt = []
        self.files = []
        self.config = []
        self.interim = []
        self.body = []
        self.body_at = []	# line number in split.txt of each body line


def parse_split(path):
    """Header keys and the list of steps; see the top of split.txt."""
    header, steps, cur, in_body = {}, [], None, False
    with open(path) as f:
        lines = f.read().split("\n")
    for n, raw in enumerate(lines, 1):
        line = raw.rstrip()
        where = "%s:%d" % (SPLIT, n)
        if line.startswith("patch:"):
            cur = Step(len(steps) + 1, line[6:].strip(), where)
            steps.append(cur)
            in_body = False
            continue
        if cur is None:
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^([a-z-]+):\s*(.*)$", line)
            if not m:
                raise SeriesError("%s: expected 'key: value' in the header" % where)
            header[m.group(1)] = m.group(2)
            continue
        if not in_body:
            if not line:
                in_body = True
                continue
            m = re.match(r"^(quilt|file|config|interim):\s*(.*)$", line)
            if not m:
                raise SeriesError("%s: expected quilt:, file:, config:, interim: "
                                  "or a blank line before the message" % where)
            attr = "files" if m.group(1) == "file" else m.group(1)
            getattr(cur, attr).extend(m.group(2).split())
            continue
        cur.body.append(raw.rstrip())
        cur.body_at.append(n)
    for s in steps:
        while s.body and not s.body[0]:
            s.body.pop(0)
            s.body_at.pop(0)
        while s.body and not s.body[-1]:
            s.body.pop()
            s.body_at.pop()
    for key in ("author", "date", "prefix", "cover"):
        if key not in header:
            raise SeriesError("%s: the header lacks '%s:'" % (SPLIT, key))
    return header, steps


def check_messages(header, steps):
    errors = []
    sob = "Signed-off-by: %s" % header["author"]
    for s in steps:
        # "mm: foo: what", or "mm, arm64: what" for a patch that spans two.
        if not re.match(r"^[\w./-]+(, [\w./-]+)*(: [\w./-]+)*: \S", s.subject):
            errors.append("%s: subject '%s' is not 'subsystem: what'" % (s.line, s.subject))
        if len(s.subject) > MAX_COLS:
            errors.append("%s: subject longer than %d columns" % (s.line, MAX_COLS))
        if not s.body:
            errors.append("%s: no commit message" % s.line)
            continue
        if s.body[-1] != sob:
            errors.append("%s: the message must end with '%s'" % (s.line, sob))
        for ln, at in zip(s.body, s.body_at):
            # Tags (Signed-off-by:, Fixes: and the like) are never wrapped.
            if re.match(r"^[A-Z][\w-]+: ", ln) and "<" in ln:
                continue
            if re.match(r'^Fixes: [0-9a-f]{12} \(".*"\)$', ln):
                continue
            if len(ln.expandtabs()) > MAX_COLS:
                errors.append("%s:%d: message line longer than %d columns" %
                              (SPLIT, at, MAX_COLS))
    return errors


# --------------------------------------------------------------------------
# The source: the working copy (as assemble.py sees it) or a git revision

def snapshot(top, rev, dest):
    """Copy what the series is made of into dest, so that the series and
    assemble.py see the same files even while someone edits the tree."""
    os.makedirs(dest)
    if rev:
        paths = [p for p in ["patches", "harness/series", "harness/config", "README.md"] +
                 assemble.KERNEL_DIRS
                 if run(["git", "-C", top, "cat-file", "-e", "%s:%s" % (rev, p)],
                        check=False).returncode == 0]
        archive = run(["git", "-C", top, "archive", "--format=tar", rev, "--"] + paths).stdout
        run(["tar", "-x", "-C", dest], input=archive)
        return
    files = assemble.overlay_files(top)
    files += ["README.md", "patches/series"]
    for d in ("harness/series", "harness/config"):
        for root, _, names in os.walk(os.path.join(top, d)):
            files += [os.path.relpath(os.path.join(root, n), top) for n in names]
    series_file = os.path.join(top, "patches", "series")
    if os.path.exists(series_file):
        files += ["patches/" + n for n in read_series(series_file)]
    for f in sorted(set(files)):
        src = os.path.join(top, f)
        if not os.path.exists(src):
            continue
        os.makedirs(os.path.dirname(os.path.join(dest, f)), exist_ok=True)
        shutil.copy2(src, os.path.join(dest, f))


def read_series(path):
    with open(path) as f:
        names = [l.split("#")[0].strip() for l in f]
    return [n.split()[0] for n in names if n]


def apply_diff(scratch, diff, what):
    res = subprocess.run(["patch", "-p1", "-F0", "-N", "-t", "--no-backup-if-mismatch",
                          "-r", "-", "-d", scratch, "-i", diff],
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise SeriesError("%s does not apply (fuzz 0):\n%s" %
                          (what, (res.stdout + res.stderr).strip()))


# --------------------------------------------------------------------------
# Accumulating files

KCONFIG_BLOCK = re.compile(r"^(menuconfig|config)\s+(\w+)")
KCONFIG_OTHER = re.compile(r"^(source|menu|endmenu|if|endif|choice|endchoice|"
                           r"comment|mainmenu)\b")


def kconfig_symbols(text):
    return [m.group(2) for m in map(KCONFIG_BLOCK.match, text.splitlines()) if m]


def filter_kconfig(text, hidden):
    """Drop the blocks of the symbols in hidden (with their trailing blank
    lines); everything else stays as it is."""
    blocks = []
    for line in text.splitlines(True):
        m = KCONFIG_BLOCK.match(line)
        if m or KCONFIG_OTHER.match(line) or not blocks:
            blocks.append([m.group(2) if m else None, []])
        blocks[-1][1].append(line)
    kept = [b for b in blocks if b[0] not in hidden]
    out = "".join("".join(b[1]) for b in kept)
    if kept and blocks[-1] is not kept[-1]:
        out = out.rstrip("\n") + "\n"
    return out


MAKE_ASSIGN = re.compile(r"^([\w$().-]+?)(-y|-objs|-m|-\$\(CONFIG_\w+\))\s*(:=|\+=|=)")


def filter_makefile(text, mdir, hidden, exists):
    """Drop lines naming CONFIG_ symbols in hidden, and objects (foo.o)
    and subdirectories (foo/) that are not in the tree yet. A rule left
    without objects goes, and so does a paragraph left without rules.
    Whatever is kept keeps its spacing and line continuations."""
    phys = text.splitlines(True)
    items = []		# [kind, lines]: "blank", "comment" or "rule"
    i = 0
    while i < len(phys):
        if not phys[i].strip():
            items.append(["blank", [phys[i]]])
            i += 1
            continue
        kind = "comment" if phys[i].lstrip().startswith("#") else "rule"
        group = [phys[i]]
        while group[-1].rstrip("\n").endswith("\\") and i + 1 < len(phys):
            i += 1
            group.append(phys[i])
        items.append([kind, group])
        i += 1

    def hidden_config(lines):
        return any(s in hidden for s in re.findall(r"CONFIG_(\w+)", "".join(lines)))

    composite_parts = {}	# foo -> objects left in foo-y, foo-objs, ...

    def present(tok):
        if tok.endswith("/"):
            return exists(os.path.normpath(os.path.join(mdir, tok)), True)
        base = os.path.normpath(os.path.join(mdir, tok[:-2]))
        if exists(base + ".c") or exists(base + ".S"):
            return True
        return composite_parts.get(tok[:-2], 0) > 0

    def filter_rule(lines):
        """The rule without the objects not there yet; None if none is
        left; (lines, number of objects left)."""
        m = MAKE_ASSIGN.match(lines[0])
        if not m:
            return lines, 0
        out, had, left = [], 0, 0
        for n, line in enumerate(lines):
            nl = "\n" if line.endswith("\n") else ""
            body = line[:len(line) - len(nl)]
            cm = re.search(r"\s*\\$", body)
            suffix = cm.group(0) if cm else ""
            body = body[:len(body) - len(suffix)]
            start = m.end() if n == 0 else 0
            head, rest = body[:start], body[start:]
            toks = list(re.finditer(r"(\s*)(\S+)", rest))
            kept = []
            for tm in toks:
                tok = tm.group(2)
                if re.match(r"^[\w./+-]+\.o$", tok) or re.match(r"^[\w.+-]+/$", tok):
                    had += 1
                    if not present(tok):
                        continue
                    left += 1
                kept.append([tm.group(1), tok])
            if n > 0 and not kept:
                continue
            if kept and toks:
                kept[0][0] = toks[0].group(1)
            out.append([head + "".join(w + t for w, t in kept), suffix, nl])
        if had and not left:
            return None, 0
        end = "\n" if lines[-1].endswith("\n") else ""
        res = [body + (suffix or " \\") + "\n" for body, suffix, _ in out[:-1]]
        res.append(out[-1][0] + end)
        return res, left

    for kind, lines in items:
        if kind != "rule" or hidden_config(lines):
            continue
        m = MAKE_ASSIGN.match(lines[0])
        if not m or m.group(1) == "obj" or m.group(1).endswith("flags"):
            continue
        res, left = filter_rule(lines)
        composite_parts[m.group(1)] = composite_parts.get(m.group(1), 0) + left

    out_items = []
    for kind, lines in items:
        if kind == "rule":
            res = None if hidden_config(lines) else filter_rule(lines)[0]
            if res is None:
                out_items.append(["dropped", lines])
                continue
            lines = res
        out_items.append([kind, lines])

    # Paragraphs (runs of non-blank items) that lost all their rules go
    # whole, with the blank lines before them (after them, if first).
    paras, cur = [], []
    for it in out_items:
        if it[0] == "blank":
            if cur:
                paras.append(cur)
                cur = []
            paras.append([it])
        else:
            cur.append(it)
    if cur:
        paras.append(cur)
    result, skip_blanks = [], False
    for para in paras:
        if para[0][0] == "blank":
            if not skip_blanks:
                result.append(para)
            continue
        rules = [it for it in para if it[0] in ("rule", "dropped")]
        if rules and all(it[0] == "dropped" for it in rules):
            while result and result[-1][0][0] == "blank":
                result.pop()
            skip_blanks = not result
            continue
        skip_blanks = False
        result.append(para)
    out = "".join("".join(it[1]) for para in result for it in para if it[0] != "dropped")
    if not text.endswith("\n\n"):
        out = out.rstrip("\n") + ("\n" if text.endswith("\n") else "")
    return out


def is_kconfig(path):
    return os.path.basename(path).startswith("Kconfig")


def is_makefile(path):
    return os.path.basename(path) in ("Makefile", "Kbuild")


# --------------------------------------------------------------------------
# The trees of the steps

class Plan:
    def __init__(self, src, pristine, header, steps):
        self.src = src
        self.pristine = pristine
        self.header = header
        self.steps = steps
        self.ours = {f: assemble.read(os.path.join(src, f)) for f in assemble.overlay_files(src)}
        self.exec_bits = {f: os.stat(os.path.join(src, f)).st_mode & 0o111 != 0
                          for f in self.ours}
        self.quilt = read_series(os.path.join(src, "patches", "series")) \
            if os.path.exists(os.path.join(src, "patches", "series")) else []
        self.symbols = {}	# Kconfig symbol of ours -> file defining it
        for f, text in self.ours.items():
            if is_kconfig(f):
                for sym in kconfig_symbols(text.decode()):
                    self.symbols[sym] = f
        self.trees = []		# per step: {path: bytes}
        self.notes = []

    def validate(self):
        errors = check_messages(self.header, self.steps)
        placed, quilted, introduced = {}, {}, {}
        for s in self.steps:
            for f in s.files:
                if f not in self.ours:
                    errors.append("%s: %s is not a new file of ours" % (s.line, f))
                elif f in placed:
                    errors.append("%s: %s is placed twice (also in patch %d)" %
                                  (s.line, f, placed[f]))
                placed.setdefault(f, s.num)
            for q in s.quilt:
                if q not in self.quilt:
                    errors.append("%s: %s is not in patches/series" % (s.line, q))
                elif q in quilted:
                    errors.append("%s: %s is placed twice (also in patch %d)" %
                                  (s.line, q, quilted[q]))
                quilted.setdefault(q, s.num)
            for sym in s.config:
                if sym not in self.symbols:
                    errors.append("%s: no Kconfig file of ours defines %s" % (s.line, sym))
                elif sym in introduced:
                    errors.append("%s: %s is introduced twice (also in patch %d)" %
                                  (s.line, sym, introduced[sym]))
                introduced.setdefault(sym, s.num)
            for d in s.interim:
                if not os.path.exists(os.path.join(self.src, INTERIM_DIR, d)):
                    errors.append("%s: no %s/%s" % (s.line, INTERIM_DIR, d))
        for f in sorted(set(self.ours) - set(placed)):
            errors.append("%s is in no patch of %s" % (f, SPLIT))
        for q in self.quilt:
            if q not in quilted:
                errors.append("patches/%s is in no patch of %s" % (q, SPLIT))
        for sym in sorted(set(self.symbols) - set(introduced)):
            errors.append("config %s (%s) is introduced by no patch of %s" %
                          (sym, self.symbols[sym], SPLIT))
        prev = None
        for q in self.quilt:
            if q not in quilted:
                continue
            if prev is not None and quilted[q] < quilted[prev]:
                self.notes.append("note: patches/%s comes before %s in the series "
                                  "(patches/series has them the other way)" % (q, prev))
            prev = q
        self.placed, self.introduced = placed, introduced
        if errors:
            raise SeriesError("%s does not describe our work:\n  %s" %
                              (SPLIT, "\n  ".join(errors)))

    def build_trees(self, scratch_root):
        upstream = {}		# upstream file -> content after our patches so far
        qdir = os.path.join(scratch_root, "quilt")
        os.makedirs(qdir)
        interim = {}
        present = set()
        introduced = set()
        for s in self.steps:
            for q in s.quilt:
                patch = os.path.join(self.src, "patches", q)
                for t in assemble.patch_targets(patch) - set(upstream):
                    src = os.path.join(self.pristine, t)
                    if os.path.exists(src):
                        os.makedirs(os.path.dirname(os.path.join(qdir, t)), exist_ok=True)
                        shutil.copy2(src, os.path.join(qdir, t))
                    upstream[t] = None
                apply_diff(qdir, patch, "patches/%s (patch %d)" % (q, s.num))
                for t in upstream:
                    upstream[t] = assemble.read(os.path.join(qdir, t))
            seen = {}
            for d in s.interim:
                diff = os.path.join(self.src, INTERIM_DIR, d)
                targets = assemble.patch_targets(diff)
                for t in targets:
                    if t in seen:
                        raise SeriesError("%s and %s (patch %d) both give %s an interim "
                                          "form: one diff must say all of it"
                                          % (seen[t], d, s.num, t))
                    seen[t] = d
                idir = tempfile.mkdtemp(prefix="interim-", dir=scratch_root)
                for t in targets:
                    if t not in self.ours:
                        raise SeriesError("%s (patch %d) changes %s, not a new file of ours"
                                          % (d, s.num, t))
                    if self.placed.get(t, 0) <= s.num:
                        raise SeriesError("%s (patch %d) changes %s, which is final by then"
                                          % (d, s.num, t))
                    os.makedirs(os.path.dirname(os.path.join(idir, t)), exist_ok=True)
                    with open(os.path.join(idir, t), "wb") as f:
                        f.write(self.ours[t])
                apply_diff(idir, diff, "%s/%s (patch %d)" % (INTERIM_DIR, d, s.num))
                for t in targets:
                    interim[t] = assemble.read(os.path.join(idir, t))
                    if interim[t] is None:
                        raise SeriesError("%s removes %s: leave it out of the patch instead"
                                          % (d, t))
            for f in s.files:
                present.add(f)
                interim.pop(f, None)
            introduced |= set(s.config)
            tree = {t: c for t, c in upstream.items() if c is not None}
            tree.update({f: self.ours[f] for f in present})
            tree.update(interim)
            hidden = set(self.symbols) - introduced
            paths = set(tree)
            dirs = set()
            for p in paths:
                d = os.path.dirname(p)
                while d and d not in dirs:
                    dirs.add(d)
                    d = os.path.dirname(d)

            def exists(p, is_dir=False):
                if is_dir:
                    return p in dirs or os.path.isdir(os.path.join(self.pristine, p))
                return p in paths or os.path.exists(os.path.join(self.pristine, p))
            for f in list(tree):
                if f not in self.ours:
                    continue
                if is_kconfig(f):
                    tree[f] = filter_kconfig(tree[f].decode(), hidden).encode()
                elif is_makefile(f):
                    tree[f] = filter_makefile(tree[f].decode(), os.path.dirname(f),
                                              hidden, exists).encode()
            self.trees.append(tree)
        last = self.trees[-1]
        for f in self.ours:
            if last.get(f) != self.ours[f]:
                raise SeriesError("after the last patch %s differs from ours "
                                  "(a filter or interim diff is wrong)" % f)

    # ---- consistency of every intermediate tree --------------------------
    def check_trees(self):
        errors = []
        ours = set(self.ours)
        our_dirs = set()
        for f in ours:
            d = os.path.dirname(f)
            while d:
                our_dirs.add(d)
                d = os.path.dirname(d)
        first_step = {}
        for s in self.steps:
            for sym in s.config:
                first_step[sym] = s.num
        introduced = set()
        for s, tree in zip(self.steps, self.trees):
            introduced |= set(s.config)
            hidden = set(self.symbols) - introduced

            def missing(path):
                path = os.path.normpath(path)
                return (path in ours and path not in tree) or \
                       (path in our_dirs and not any(p.startswith(path + "/") for p in tree)
                        and not os.path.isdir(os.path.join(self.pristine, path)))

            def err(f, what):
                errors.append("patch %d (%s): %s %s" % (s.num, s.subject, f, what))
            for f, content in sorted(tree.items()):
                text = content.decode(errors="replace")
                fdir = os.path.dirname(f)
                added = text if f in ours else added_lines(
                    text, assemble.read(os.path.join(self.pristine, f)))
                if f.endswith((".c", ".h", ".S")):
                    for m in re.finditer(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', text, re.M):
                        inc = m.group(2)
                        cands = [os.path.join("include", inc)]
                        if m.group(1) == '"':
                            cands.insert(0, os.path.join(fdir, inc))
                        if any(missing(c) for c in cands) and \
                                not any(os.path.normpath(c) in tree for c in cands):
                            err(f, "includes %s, which comes later" % inc)
                if is_kconfig(f):
                    for m in re.finditer(r'^\s*source\s+"([^"]+)"', text, re.M):
                        if missing(m.group(1)):
                            err(f, "sources %s, which comes later" % m.group(1))
                    if f in ours:
                        for line in text.splitlines():
                            if re.match(r"^\s*(depends on|select|imply|default|if)\b", line):
                                for w in re.findall(r"\b[A-Z][A-Z0-9_]+\b", line):
                                    if w in hidden:
                                        err(f, "refers to %s, introduced in patch %d"
                                            % (w, first_step[w]))
                if is_makefile(f):
                    for line in text.splitlines():
                        if line.lstrip().startswith("#"):
                            continue
                        for tok in re.findall(r"[^\s:=+]+", line):
                            tok = re.sub(r"^\$\(OUTPUT\)/", "", tok)
                            base = os.path.join(fdir, tok.rstrip("/"))
                            cands = [base]
                            if tok.endswith(".o"):
                                cands += [base[:-2] + ".c", base[:-2] + ".S"]
                            elif "." not in os.path.basename(tok):
                                cands += [base + ".c"]
                            if any(missing(c) for c in cands) and \
                                    not any(os.path.normpath(c) in tree for c in cands):
                                err(f, "names %s, which comes later" % tok)
                        for sym in re.findall(r"CONFIG_(\w+)", line):
                            if sym in hidden:
                                err(f, "uses CONFIG_%s, introduced in patch %d"
                                    % (sym, first_step[sym]))
                if os.path.basename(f) == "MAINTAINERS":
                    for m in re.finditer(r"^F:\s+(\S+)", added, re.M):
                        pat = m.group(1)
                        if any(maint_match(p, pat) for p in ours) and \
                                not any(maint_match(p, pat) for p in tree) and \
                                not pristine_glob(self.pristine, pat):
                            err(f, "lists %s, which comes later" % pat)
                if f.endswith("index.rst"):
                    for m in re.finditer(r"^\s+([\w/-]+)\s*$", added, re.M):
                        doc = os.path.join(fdir, m.group(1) + ".rst")
                        if missing(doc):
                            err(f, "lists %s, which comes later" % doc)
                if not is_kconfig(f) and not is_makefile(f):
                    for sym in sorted(set(re.findall(r"CONFIG_(\w+)", added))):
                        if sym in hidden:
                            self.notes.append(
                                "note: patch %d: %s refers to CONFIG_%s, which patch %d "
                                "introduces" % (s.num, f, sym, first_step[sym]))
        if errors:
            raise SeriesError("the tree of some patch is not self-consistent:\n  %s" %
                              "\n  ".join(errors))


def added_lines(text, pristine):
    if pristine is None:
        return text
    old = set(pristine.decode(errors="replace").splitlines())
    return "\n".join(l for l in text.splitlines() if l not in old)


def maint_match(path, pat):
    if pat.endswith("/"):
        return path.startswith(pat)
    return fnmatch.fnmatchcase(path, pat) or path.startswith(pat + "/")


def pristine_glob(pristine, pat):
    import glob
    return bool(glob.glob(os.path.join(pristine, pat.rstrip("/"))))


# --------------------------------------------------------------------------
# git

class Git:
    def __init__(self, git_dir, env=None):
        self.git_dir = git_dir
        self.env = dict(os.environ)
        # Reproducible output whatever the user's git configuration says.
        self.env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
                         "GIT_DIR": git_dir, "LC_ALL": "C", "TZ": "UTC"})
        self.env.pop("GIT_WORK_TREE", None)
        self.env.pop("GIT_INDEX_FILE", None)
        if env:
            self.env.update(env)

    def __call__(self, *args, env=None, input=None, text=True, cwd=None):
        e = dict(self.env)
        if env:
            e.update(env)
        res = run(["git"] + list(args), env=e, input=input, text=text, cwd=cwd)
        return res.stdout


def ensure_base(cache, pristine, kver):
    """A bare repository holding one commit of the pristine tree, and an
    index with the stat data of the pristine files (valid for hardlinked
    copies of it too, with core.trustctime off)."""
    base_dir = os.path.join(cache, "series", "base-%s.git" % kver.replace("~", "_"))
    index = os.path.join(base_dir, "pristine.index")
    ref = os.path.join(base_dir, "refs", "heads", "pristine")
    if os.path.exists(index) and os.path.exists(ref):
        with open(ref) as f:
            return base_dir, f.read().strip(), index
    note("series: committing the pristine tree once (%s)" % base_dir)
    tmp = base_dir + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.dirname(tmp), exist_ok=True)
    run(["git", "init", "-q", "--bare", tmp])
    git = Git(tmp, {"GIT_WORK_TREE": pristine, "GIT_INDEX_FILE": os.path.join(tmp, "pristine.index")})
    git("config", "core.looseCompression", "1")
    git("config", "gc.auto", "0")
    git("config", "core.trustctime", "false")
    git("add", "-A", "-f", ".", cwd=pristine)
    tree = git("write-tree").strip()
    ident = {"GIT_AUTHOR_NAME": "pristine", "GIT_AUTHOR_EMAIL": "pristine@localhost",
             "GIT_AUTHOR_DATE": "1970-01-01T00:00:00Z",
             "GIT_COMMITTER_NAME": "pristine", "GIT_COMMITTER_EMAIL": "pristine@localhost",
             "GIT_COMMITTER_DATE": "1970-01-01T00:00:00Z"}
    commit = git("commit-tree", tree, "-m", "Linux %s (pristine)" % kver, env=ident).strip()
    git("update-ref", "refs/heads/pristine", commit)
    os.rename(tmp, base_dir)
    return base_dir, commit, index


def ensure_repo(cache, base_dir):
    """The repository the series is committed to: alternates to the base,
    so only our objects live in it."""
    repo = os.path.join(cache, "series", "repo.git")
    if not os.path.isdir(repo):
        run(["git", "init", "-q", "--bare", repo])
    alt = os.path.join(repo, "objects", "info", "alternates")
    with open(alt, "w") as f:
        f.write(os.path.join(base_dir, "objects") + "\n")
    Git(repo)("config", "gc.auto", "0")
    return repo


def ident_env(header, when):
    m = re.match(r"^(.*?)\s*<([^>]+)>$", header["author"])
    if not m:
        raise SeriesError("author: '%s' is not 'Name <email>'" % header["author"])
    return {"GIT_AUTHOR_NAME": m.group(1), "GIT_AUTHOR_EMAIL": m.group(2),
            "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_NAME": m.group(1),
            "GIT_COMMITTER_EMAIL": m.group(2), "GIT_COMMITTER_DATE": when}


def step_dates(header, n):
    """The date of patch k is the header's date plus k minutes."""
    m = re.match(r"^(\d{4}-\d\d-\d\d) (\d\d):(\d\d):(\d\d) ([+-]\d{4})$", header["date"])
    if not m:
        raise SeriesError("date: '%s' is not 'YYYY-MM-DD HH:MM:SS +ZZZZ'" % header["date"])
    import calendar
    t = calendar.timegm(time.strptime("%s %s:%s:%s" % m.groups()[:4], "%Y-%m-%d %H:%M:%S"))
    tz = m.group(5)
    off = (int(tz[1:3]) * 3600 + int(tz[3:5]) * 60) * (1 if tz[0] == "+" else -1)
    return ["%d %s" % (t - off + 60 * k, tz) for k in range(n + 1)]


def commit_series(plan, repo, base, pristine, scratch):
    git = Git(repo, {"GIT_INDEX_FILE": os.path.join(scratch, "index")})
    git("read-tree", base)
    dates = step_dates(plan.header, len(plan.steps))
    parent, prev, commits = base, {}, []
    blobdir = os.path.join(scratch, "blobs")
    os.makedirs(blobdir)
    for s, tree in zip(plan.steps, plan.trees):
        changed = sorted(f for f in tree if prev.get(f) != tree[f])
        gone = sorted(f for f in prev if f not in tree)
        info = []
        if changed:
            paths = []
            for n, f in enumerate(changed):
                p = os.path.join(blobdir, "%d-%d" % (s.num, n))
                with open(p, "wb") as fh:
                    fh.write(tree[f])
                paths.append(p)
            shas = git("hash-object", "-w", "--stdin-paths", input="\n".join(paths) + "\n").split()
            for f, sha in zip(changed, shas):
                info.append("%s %s\t%s" % (file_mode(plan, pristine, f), sha, f))
        for f in gone:
            info.append("0 %s\t%s" % ("0" * 40, f))
        if info:
            git("update-index", "--index-info", input="\n".join(info) + "\n")
        t = git("write-tree").strip()
        msg = s.subject + "\n\n" + "\n".join(s.body) + "\n"
        c = git("commit-tree", t, "-p", parent, input=msg,
                env=ident_env(plan.header, dates[s.num])).strip()
        commits.append((c, t))
        parent, prev = c, tree
    git("update-ref", "refs/heads/series", parent)
    return commits


def file_mode(plan, pristine, f):
    if f in plan.exec_bits:
        return "100755" if plan.exec_bits[f] else "100644"
    st = os.stat(os.path.join(pristine, f)) if os.path.exists(os.path.join(pristine, f)) else None
    return "100755" if st and st.st_mode & 0o111 else "100644"


# --------------------------------------------------------------------------
# Mails

def bench_text(readme):
    with open(readme) as f:
        text = f.read()
    if BENCH_BEGIN not in text or BENCH_END not in text:
        raise SeriesError("README.md has no %s ... %s section" % (BENCH_BEGIN, BENCH_END))
    md = text.split(BENCH_BEGIN, 1)[1].split(BENCH_END, 1)[0].strip("\n")
    return markdown_to_text(md)


def markdown_to_text(md):
    """Headings, paragraphs and tables of README.md as plain mail text."""
    out, table = [], []

    def flush():
        if table:
            out.extend(render_table(table))
            table.clear()
    for line in md.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if all(re.match(r"^:?-+:?$", c) for c in cells):
                continue
            table.append(cells)
            continue
        flush()
        m = re.match(r"^(#+)\s+(.*)$", line)
        if m:
            title = m.group(2)
            out.extend([title, "-" * len(title)])
            continue
        out.append(line.replace("`", ""))
    flush()
    return "\n".join(out)


def render_table(rows, width=100):
    """Aligned columns; a cell's <br> starts a new line within its row.
    Columns that do not fit in width go to a further table that repeats
    the first column."""
    cells = [[c.replace("`", "").split("<br>") for c in r] for r in rows]
    ncol = max(len(r) for r in cells)
    for r in cells:
        r.extend([[""]] * (ncol - len(r)))
    widths = [max(len(p.strip()) for r in cells for p in r[c]) for c in range(ncol)]
    groups, cur, used = [], [], widths[0]
    for c in range(1, ncol):
        if cur and used + 2 + widths[c] > width:
            groups.append(cur)
            cur, used = [], widths[0]
        cur.append(c)
        used += 2 + widths[c]
    if cur:
        groups.append(cur)
    out = []
    for g in groups:
        cols = [0] + g
        for n, r in enumerate(cells):
            height = max(len(r[c]) for c in cols)
            for k in range(height):
                parts = [(r[c][k].strip() if k < len(r[c]) else "").ljust(widths[c])
                         for c in cols]
                out.append("  ".join(parts).rstrip())
            if n == 0:
                out.append("  ".join("-" * widths[c] for c in cols))
        out.append("")
    return out[:-1] if out else out


def write_mails(plan, repo, base, outdir, scratch):
    git = Git(repo)
    if os.path.isdir(outdir):
        for n in os.listdir(outdir):
            if n.endswith(".patch"):
                os.unlink(os.path.join(outdir, n))
    os.makedirs(outdir, exist_ok=True)
    dates = step_dates(plan.header, len(plan.steps))
    env = ident_env(plan.header, dates[0])
    git("-c", "core.abbrev=12", "format-patch", "-q", "--cover-letter",
        "--no-signature", "--no-thread",
        "--subject-prefix=%s" % plan.header["prefix"], "-o", outdir,
        "%s..refs/heads/series" % base, env=env)
    names = sorted(n for n in os.listdir(outdir) if n.endswith(".patch"))
    cover = os.path.join(outdir, names[0])
    template = os.path.join(plan.src, "harness", "series", plan.header["cover"])
    with open(template) as f:
        tmpl = f.read().split("\n")
    while tmpl and tmpl[0].startswith("#"):
        tmpl.pop(0)
    subject, blurb = tmpl[0].strip(), "\n".join(tmpl[1:]).strip("\n")
    blurb = blurb.replace("@BENCH@", bench_text(os.path.join(plan.src, "README.md")))
    blurb = blurb.replace("@KERNEL@", plan.header.get("base", ""))
    with open(cover) as f:
        text = f.read()
    if "*** SUBJECT HERE ***" not in text or "*** BLURB HERE ***" not in text:
        raise SeriesError("git format-patch wrote an unexpected cover letter")
    text = text.replace("*** SUBJECT HERE ***", subject)
    text = text.replace("*** BLURB HERE ***", blurb)
    # The cover's date is the run's; use the series' own for reproducibility.
    stamp = time.strftime("%a, %d %b %Y %H:%M:%S +0000",
                          time.gmtime(int(dates[0].split()[0])))
    text = re.sub(r"^Date: .*$", "Date: " + stamp, text, count=1, flags=re.M)
    with open(cover, "w") as f:
        f.write(text)
    return [os.path.join(outdir, n) for n in names]


# --------------------------------------------------------------------------
# Verification: git am onto pristine == assemble.py

def fresh_copy(pristine, dest):
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    run(["cp", "-al", pristine, dest])


def verify(plan, mails, commits, base_dir, base, base_index, pristine, cache, scratch):
    work = os.path.join(cache, "series")
    am_dir = os.path.join(work, "am")
    asm_dir = os.path.join(work, "assembled")
    # git am onto a (hardlinked) copy of the pristine tree. git replaces a
    # file it changes by a new one, so the pristine tree stays intact; the
    # link counts below prove it.
    fresh_copy(pristine, am_dir)
    run(["git", "init", "-q", am_dir])
    gd = os.path.join(am_dir, ".git")
    with open(os.path.join(gd, "objects", "info", "alternates"), "w") as f:
        f.write(os.path.join(base_dir, "objects") + "\n")
    shutil.copy(base_index, os.path.join(gd, "index"))
    git = Git(gd, {"GIT_WORK_TREE": am_dir})
    git("config", "core.trustctime", "false")
    git("update-ref", "HEAD", base)
    dates = step_dates(plan.header, len(plan.steps))
    # One patch at a time, with the committer date the series used, so the
    # commits themselves can be compared too.
    for n, mail in enumerate(mails[1:], 1):
        git("am", "-q", "--whitespace=error", mail, cwd=am_dir,
            env=ident_env(plan.header, dates[n]))
    am_tree = git("rev-parse", "HEAD^{tree}").strip()
    am_head = git("rev-parse", "HEAD").strip()
    shared = []
    for f in plan.trees[-1]:
        st = os.stat(os.path.join(am_dir, f))
        if st.st_nlink > 1:
            shared.append(f)
    if shared:
        raise SeriesError("git am changed files in place, and so the pristine tree: "
                          "%s; rerun harness/fetch-kernel.sh after removing %s"
                          % (", ".join(shared), pristine))

    # assemble.py into its own (hardlinked) copy: an empty manifest makes it
    # skip its own full copy, and it replaces the files it writes.
    fresh_copy(pristine, asm_dir)
    open(os.path.join(asm_dir, assemble.MANIFEST), "w").close()
    res = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "assemble.py"),
                          plan.src, pristine, asm_dir], capture_output=True, text=True)
    if res.returncode != 0:
        raise SeriesError("assemble.py failed:\n%s" % (res.stdout + res.stderr).strip())
    res = subprocess.run(["diff", "-r", "-q", "-x", ".git", "-x", assemble.MANIFEST,
                          am_dir, asm_dir], capture_output=True, text=True)
    if res.returncode != 0:
        raise SeriesError("git am of the series does not give the assembled tree:\n%s"
                          % (res.stdout + res.stderr).strip())
    return am_tree == commits[-1][1], am_head == commits[-1][0]


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", required=True)
    ap.add_argument("--pristine", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--kver", required=True)
    ap.add_argument("--rev", default="")
    ap.add_argument("--no-verify", action="store_true")
    ap.add_argument("--plan-only", action="store_true",
                    help="check split.txt and the trees of the patches only")
    ap.add_argument("--steps", help="write a tab-separated list of the patches here")
    args = ap.parse_args()
    for a in ("top", "pristine", "cache", "out"):
        setattr(args, a, os.path.abspath(getattr(args, a)))
    t0 = time.time()
    work = os.path.join(args.cache, "series")
    os.makedirs(work, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="run-", dir=work)
    try:
        src = os.path.join(scratch, "src")
        snapshot(args.top, args.rev, src)
        header, steps = parse_split(os.path.join(src, SPLIT))
        plan = Plan(src, args.pristine, header, steps)
        plan.validate()
        plan.build_trees(scratch)
        plan.check_trees()
        for n in plan.notes:
            note(n)
        prev = {}
        for s, tree in zip(steps, plan.trees):
            s.changed = sum(1 for f in tree if prev.get(f) != tree[f])
            prev = tree
        if args.plan_only:
            for s in steps:
                note("%2d/%d %-72s %2d files" % (s.num, len(steps), s.subject, s.changed))
            note("series: %s places all %d files of ours and %d quilt patches in %d "
                 "patches; every intermediate tree is consistent"
                 % (SPLIT, len(plan.ours), len(plan.quilt), len(steps)))
            return
        base_dir, base, base_index = ensure_base(args.cache, args.pristine, args.kver)
        repo = ensure_repo(args.cache, base_dir)
        commits = commit_series(plan, repo, base, args.pristine, scratch)
        mails = write_mails(plan, repo, base, args.out, scratch)
        if args.steps:
            # series-check builds with the configuration fragments of the
            # same source as the series.
            cfg = os.path.join(os.path.dirname(args.steps), "config")
            shutil.rmtree(cfg, ignore_errors=True)
            shutil.copytree(os.path.join(src, "harness", "config"), cfg)
            introduced = []
            with open(args.steps, "w") as f:
                for s, (c, _), mail in zip(steps, commits, mails[1:]):
                    introduced += s.config
                    f.write("%d\t%s\t%s\t%s\t%s\n" % (s.num, c, mail,
                                                      " ".join(introduced) or "-",
                                                      s.subject))
        for s, mail in zip(steps, mails[1:]):
            note("%2d/%d %-72s %2d files" % (s.num, len(steps), s.subject, s.changed))
        if args.no_verify:
            note("series: %d patches and a cover letter in %s (not verified), %.0f s" %
                 (len(steps), args.out, time.time() - t0))
            return
        same_tree, same_commit = verify(plan, mails, commits, base_dir, base, base_index,
                                        args.pristine, args.cache, scratch)
        if not same_tree:
            raise SeriesError("git am's tree differs from the series' own last commit")
        note("series: git am of the %d patches onto the pristine tree gives exactly the "
             "tree assemble.py builds (diff -r), and the same commits: %s" %
             (len(steps), "yes" if same_commit else "no (same trees)"))
        note("series: %d patches and a cover letter in %s, %.0f s" %
             (len(steps), args.out, time.time() - t0))
    except SeriesError as e:
        die(str(e))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

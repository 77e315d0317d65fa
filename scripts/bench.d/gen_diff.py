#!/usr/bin/env python3
"""Generates the `diff` benchmark workload in the current directory, seeded and reproducible.

    gen_diff.py --files 20000 --changed 2000

repo/      a git repository: `main` with FILES Python sources (40 lines each, under src/pkgNNN/), and `feature`
           (checked out) changing CHANGED of them: 12 lines appended and 2 edited per file, plus 10 renames and 10
           deletions among them. Built with `git fast-import`, so 20,000 files take seconds.
base.xml   Cobertura XML (coverage.py 7 layout) of main: every source, statements = non-blank lines.
head.xml   the same for feature; untouched files have the same hits in both.
"""

import argparse
import random
import subprocess
import sys
from pathlib import Path

LINES = 40


def source(i, changed):
    body = []
    for f in range(LINES // 4):
        body += [f"def f{i}_{f}(x):", f"    y = x + {f}", f"    return y * {i % 7}", ""]
    if changed:
        body[1] = "    y = x - 1  # edited"
        body[5] = "    y = x - 2  # edited"
        for f in range(3):
            body += [f"def g{i}_{f}(x):", "    # new code", f"    return x * {f}", ""]
    return "\n".join(body) + "\n"


def statements(text):
    return [n for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.strip().startswith("#")]


def cobertura(path, files):
    with open(path, "w") as out:
        out.write('<?xml version="1.0" ?>\n<coverage version="7.0" timestamp="0" lines-valid="0" '
                  'lines-covered="0" line-rate="0" branches-covered="0" branches-valid="0" branch-rate="0" '
                  'complexity="0">\n<sources><source>.</source></sources>\n<packages><package name="src" '
                  'line-rate="0" branch-rate="0" complexity="0"><classes>\n')
        for name, text in files:
            # Seeded per file and content: a file the PR does not touch has the same hits in both reports.
            rnd = random.Random(f"{name}:{len(text)}")
            out.write(f'<class name="{Path(name).name}" filename="{name}" complexity="0" line-rate="0" '
                      'branch-rate="0"><methods/><lines>\n')
            for n in statements(text):
                out.write(f'<line number="{n}" hits="{0 if rnd.random() < 0.2 else 1}"/>\n')
            out.write("</lines></class>\n")
        out.write("</classes></package></packages>\n</coverage>\n")


def fast_import(repo, commits):
    """commits: list of (branch, parent_branch_or_None, {path: text or None})."""
    proc = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=repo, stdin=subprocess.PIPE)
    w = proc.stdin.write
    mark = 0
    for branch, from_branch, changes in commits:
        mark += 1
        msg = f"{branch} commit".encode()
        w(f"commit refs/heads/{branch}\nmark :{mark}\n".encode())
        w(b"author Bench <bench@example.com> 1700000000 +0000\n")
        w(b"committer Bench <bench@example.com> 1700000000 +0000\n")
        w(f"data {len(msg)}\n".encode() + msg + b"\n")
        if from_branch:
            w(f"from refs/heads/{from_branch}\n".encode())
        for path, text in changes.items():
            if text is None:
                w(f"D {path}\n".encode())
            else:
                data = text.encode()
                w(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
        w(b"\n")
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("git fast-import failed")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=20000)
    ap.add_argument("--changed", type=int, default=2000)
    args = ap.parse_args()
    rnd = random.Random(42)

    names = [f"src/pkg{i // 100:03d}/mod{i:05d}.py" for i in range(args.files)]
    base = {n: source(i, False) for i, n in enumerate(names)}
    changed = sorted(rnd.sample(range(args.files), args.changed))
    head = dict(base)
    feature = {}
    for k, i in enumerate(changed):
        name = names[i]
        if k < 10:  # renamed, with the edit
            del head[name]
            feature[name] = None
            name = name.replace("/mod", "/renamed")
            head[name] = feature[name] = source(i, True)
        elif k < 20:  # deleted
            del head[name]
            feature[name] = None
        else:
            head[name] = feature[name] = source(i, True)

    repo = Path("repo")
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    fast_import(repo, [("main", None, base), ("feature", "main", feature)])
    subprocess.run(["git", "checkout", "-q", "feature"], cwd=repo, check=True)
    cobertura("base.xml", sorted(base.items()))
    cobertura("head.xml", sorted(head.items()))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Generates the `pyrunner` benchmark workload in the current directory, seeded and reproducible.

    gen_pyrunner.py --modules 200 --work 5

project/   a git repository (`main`, one commit) of a Python project:
  app/modNNN.py        MODULES modules of real work: a sieve, a small matrix product, a tokenizer and word count, a
                       run-length codec, a memoised recursion, sorting records, with branches (`if`/`elif`, loops,
                       `try`/`except`); each module also has a function no test calls, so the report has misses;
  app/cli.py           a command-line entry point (`python -m app.cli N`) doing the same work;
  tests/test_modNNN.py four pytest tests per module (one parametrised three ways), sized by WORK;
  tests/test_cli.py    runs `python -m app.cli` in a subprocess (coverage.py measures it through `patch =
                       subprocess`);
  .coveragerc          `source = app`, `branch = True`, `patch = subprocess`: the same measurement for plain coverage.py
                       and for prowcov's runner, which adds only `parallel` and `sigterm` (and its data folder);
  pytest.ini           `testpaths = tests`, no cache provider (nothing is written into the project between runs).
"""

import argparse
import random
import subprocess
from pathlib import Path

MODULE = '''\
"""Generated module {i}: small pieces of real work."""

import re

FACTOR = {factor}
_WORD = re.compile(r"[a-z]+")


def sieve(n):
    flags = bytearray([1]) * (n + 1)
    flags[0:2] = b"\\0\\0"
    for p in range(2, int(n ** 0.5) + 1):
        if flags[p]:
            flags[p * p :: p] = bytes(len(range(p * p, n + 1, p)))
    return [k for k in range(n + 1) if flags[k]]


def matmul(a, b):
    cols = list(zip(*b))
    return [[sum(x * y for x, y in zip(row, col)) for col in cols] for row in a]


def matrix(n, seed):
    return [[(r * FACTOR + c * seed) % 17 - 8 for c in range(n)] for r in range(n)]


def word_counts(text):
    counts = {{}}
    for word in _WORD.findall(text.lower()):
        if len(word) < 3:
            continue
        elif word in counts:
            counts[word] += 1
        else:
            counts[word] = 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def rle_encode(data):
    out = []
    for ch in data:
        if out and out[-1][0] == ch:
            out[-1][1] += 1
        else:
            out.append([ch, 1])
    return "".join(f"{{n}}{{c}}" for c, n in out)


def rle_decode(code):
    out, num = [], ""
    for ch in code:
        if ch.isdigit():
            num += ch
        else:
            out.append(ch * int(num))
            num = ""
    return "".join(out)


def collatz(n, _memo={{1: 0}}):
    if n in _memo:
        return _memo[n]
    steps = 1 + collatz(n // 2 if n % 2 == 0 else 3 * n + 1)
    _memo[n] = steps
    return steps


def records(n, seed):
    rows = [{{"id": k, "score": (k * FACTOR + seed) % 101, "name": f"r{{k:05d}}"}} for k in range(n)]
    rows.sort(key=lambda r: (-r["score"], r["name"]))
    return rows


def parse_ints(items):
    good, bad = [], 0
    for item in items:
        try:
            good.append(int(item))
        except ValueError:
            bad += 1
    return good, bad


def workload(scale, seed={i}):
    total = len(sieve(200 * scale))
    m = matrix(4 + scale, seed)
    total += sum(map(sum, matmul(m, m)))
    text = " ".join(f"alpha beta{{k % 7}} gamma{{k % 13}} de" for k in range(40 * scale))
    total += len(word_counts(text))
    code = rle_encode("aaabccddddd" * (10 * scale))
    assert rle_decode(code) == "aaabccddddd" * (10 * scale)
    total += max(collatz(k) for k in range(1, 50 * scale))
    total += records(30 * scale, seed)[0]["score"]
    return total


def never_called(x):
    if x > FACTOR:
        return x - FACTOR
    return x + FACTOR
'''

TEST = '''\
import pytest

from app import mod{i:03d} as m


def test_sieve():
    primes = m.sieve({sieve})
    assert primes[:5] == [2, 3, 5, 7, 11]


@pytest.mark.parametrize("n", [3, 5, 8])
def test_matmul_identity(n):
    ident = [[int(r == c) for c in range(n)] for r in range(n)]
    a = m.matrix(n, {i})
    assert m.matmul(a, ident) == a


def test_text_and_codec():
    counts = m.word_counts("the cat and the hat and the bat " * {words})
    assert counts[0][0] == "the"
    assert m.rle_decode(m.rle_encode("xxyzzz" * {words})) == "xxyzzz" * {words}
    assert m.parse_ints(["1", "x", "3"]) == ([1, 3], 1)


def test_workload():
    assert isinstance(m.workload({work}), int)
'''

CLI = '''\
"""`python -m app.cli N`: runs every module's workload at scale N (the subprocess test's child)."""

import importlib
import sys


def main(argv):
    scale = int(argv[0]) if argv else 1
    total = 0
    for i in range({modules}):
        total += importlib.import_module(f"app.mod{{i:03d}}").workload(scale)
    print(total)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
'''

TEST_CLI = '''\
import subprocess
import sys


def test_cli_in_a_subprocess():
    out = subprocess.run([sys.executable, "-m", "app.cli", "{scale}"], check=True, capture_output=True, text=True)
    assert isinstance(int(out.stdout), int)
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modules", type=int, default=200)
    ap.add_argument("--work", type=int, default=5, help="scale of each module's workload test")
    args = ap.parse_args()
    rnd = random.Random(42)

    root = Path("project")
    (root / "app").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "app" / "__init__.py").write_text("")
    for i in range(args.modules):
        (root / "app" / f"mod{i:03d}.py").write_text(MODULE.format(i=i, factor=rnd.randint(2, 97)))
        (root / "tests" / f"test_mod{i:03d}.py").write_text(
            TEST.format(i=i, sieve=rnd.randint(500, 3000), words=rnd.randint(20, 80), work=args.work)
        )
    (root / "app" / "cli.py").write_text(CLI.format(modules=args.modules))
    (root / "tests" / "test_cli.py").write_text(TEST_CLI.format(scale=max(1, args.work // 3)))
    (root / ".coveragerc").write_text("[run]\nsource = app\nbranch = True\npatch = subprocess\n")
    (root / "pytest.ini").write_text("[pytest]\ntestpaths = tests\naddopts = -p no:cacheprovider\n")
    (root / ".gitignore").write_text(".prowcov/\n.coverage\n.coverage.*\n__pycache__/\n")
    git = ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run(git + ["add", "-A"], cwd=root, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "the project"], cwd=root, check=True)


if __name__ == "__main__":
    main()

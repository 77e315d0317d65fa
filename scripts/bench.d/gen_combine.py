"""Generate the `combine` benchmark workload: a Python project and coverage.py parallel data files.

Usage: python gen_combine.py OUT_DIR --sources N --data-files M [--seed S]

Writes, deterministically for a given seed and sizes:
  OUT_DIR/project/            N valid Python source files in packages (src/pkgNN/...), plus a minimal .coveragerc
  OUT_DIR/data/               M parallel data files named as coverage.py 7.17 names them before hashing,
                              `.coverage.<host>.pid<N>.X<6 [A-Za-z0-9]>x`, written with coverage.py's own
                              CoverageData API, with absolute paths into OUT_DIR/project
  OUT_DIR/summary.json        what was generated (counts), for the benchmark's log

Which lines are statements comes from coverage.py's own parser, so every recorded line is one that
`coverage report` counts. Runs with the venv's Python (coverage.py must be importable).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import string
import sys

import coverage
from coverage.parser import PythonParser

ALNUM = string.ascii_letters + string.digits
WORDS = (
    "alpha beta gamma delta item node edge value count total index limit state event batch chunk frame "
    "record buffer queue cache token label score weight offset"
).split()


def ident(rng: random.Random) -> str:
    return f"{rng.choice(WORDS)}_{rng.choice(WORDS)}"


def gen_function(rng: random.Random, name: str, indent: str) -> list[str]:
    """One function (a method when indented) of 5-40 lines with branches, loops and an occasional try/except."""
    a, b = ident(rng), f"{ident(rng)}_opt"
    this = "self, " if indent else ""
    out = [f"{indent}def {name}({this}{a}, {b}=None):"]
    body = indent + "    "
    if rng.random() < 0.5:
        out.append(f'{body}"""Compute {name.replace("_", " ")} for the given {a}."""')
    out.append(f"{body}result = []")
    for _ in range(rng.randint(1, 5)):
        kind = rng.random()
        v = ident(rng)
        if kind < 0.35:
            out += [
                f"{body}if {a} is not None and {b}:",
                f"{body}    {v} = len(result) + {rng.randint(1, 99)}",
                f"{body}    result.append({v})",
                f"{body}elif {b} is None:",
                f"{body}    result.append({rng.randint(0, 9)})",
                f"{body}else:",
                f"{body}    result.extend([{a}, {b}])",
            ]
        elif kind < 0.6:
            out += [
                f"{body}for {v} in range({rng.randint(2, 20)}):",
                f"{body}    if {v} % {rng.randint(2, 5)} == 0:",
                f"{body}        continue",
                f"{body}    result.append({v} * {rng.randint(1, 9)})",
            ]
        elif kind < 0.75:
            out += [
                f"{body}try:",
                f"{body}    {v} = int({a})",
                f"{body}except (TypeError, ValueError):",
                f"{body}    {v} = 0",
                f"{body}result.append({v})",
            ]
        elif kind < 0.9:
            out += [
                f"{body}{v} = {{",
                f'{body}    "{rng.choice(WORDS)}": {rng.randint(0, 999)},',
                f'{body}    "{rng.choice(WORDS)}": {a},',
                f"{body}}}",
                f"{body}result.append(len({v}))",
            ]
        else:
            out += [
                f"{body}while len(result) < {rng.randint(2, 8)}:",
                f"{body}    result.append(None)",
            ]
    out.append(f"{body}return result")
    return out


def gen_module(rng: random.Random, title: str) -> str:
    """A module of roughly 20-200 lines: docstring, imports, constants, functions and a class."""
    target = rng.randint(20, 200)
    lines = [f'"""{title}: generated benchmark module."""', "", "import os", "import sys", ""]
    lines.append(f"LIMIT = {rng.randint(1, 1000)}")
    lines.append(f'NAME = "{ident(rng)}"')
    lines.append("")
    n = 0
    while len(lines) < target:
        n += 1
        if rng.random() < 0.2:
            lines += ["", f"class {rng.choice(WORDS).title()}{n}:", f'    """A {rng.choice(WORDS)} holder."""', ""]
            lines += ["    def __init__(self, value):", "        self.value = value", ""]
            for m in range(rng.randint(1, 3)):
                lines += [*gen_function(rng, f"method_{m}", "    "), ""]
        else:
            lines += ["", *gen_function(rng, f"{ident(rng)}_{n}", ""), ""]
    lines += ["", 'if __name__ == "__main__":', "    sys.exit(0)", ""]
    return "\n".join(lines)


def statements(path: str, text: str) -> list[int]:
    parser = PythonParser(text=text, filename=path)
    parser.parse_source()
    return sorted(parser.statements)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--sources", type=int, required=True)
    ap.add_argument("--data-files", type=int, required=True)
    ap.add_argument("--seed", type=int, default=20240601)
    args = ap.parse_args()

    out = os.path.abspath(args.out)
    project = os.path.join(out, "project")
    data_dir = os.path.join(out, "data")
    os.makedirs(project)
    os.makedirs(data_dir)
    with open(os.path.join(project, ".coveragerc"), "w") as f:
        # The same minimal config for both tools; precision and missing lines make the report check stricter.
        f.write("[run]\nbranch = False\n\n[report]\nprecision = 2\nshow_missing = True\n")

    rng = random.Random(args.seed)
    n_pkgs = max(1, args.sources // 50)
    per_pkg = -(-args.sources // n_pkgs)
    files: list[tuple[str, list[int]]] = []  # (absolute path, reachable statements)
    n_statements = 0
    for i in range(args.sources):
        pkg, k = divmod(i, per_pkg)
        pdir = os.path.join(project, "src", f"pkg{pkg:02d}")
        os.makedirs(pdir, exist_ok=True)
        name = "__init__.py" if k == 0 else f"mod_{rng.choice(WORDS)}_{k:03d}.py"
        path = os.path.join(pdir, name)
        text = gen_module(rng, f"pkg{pkg:02d}.{name[:-3]}")
        with open(path, "w") as f:
            f.write(text)
        compile(text, path, "exec")  # valid Python, or fail here rather than in `coverage report`
        stmts = statements(path, text)
        # The lines any test can reach: the union of all runs stays below 100%, so the report shows misses.
        reach = rng.choice((1.0, rng.uniform(0.4, 1.0)))
        files.append((path, [ln for ln in stmts if rng.random() < reach] or stmts[:1]))
        n_statements += len(stmts)

    hosts = [f"ci-runner-{h}" for h in range(8)]
    total_records = 0
    for d in range(args.data_files):
        drng = random.Random(args.seed * 1000 + d)
        suffix = f"{drng.choice(hosts)}.pid{drng.randint(100, 99999)}.X{''.join(drng.choice(ALNUM) for _ in range(6))}x"
        cov = coverage.CoverageData(basename=os.path.join(data_dir, ".coverage"), suffix=suffix)
        file_share = drng.uniform(0.3, 1.0)
        chosen = [fs for fs in files if drng.random() < file_share]
        line_data = {}
        for path, stmts in chosen:
            line_share = drng.uniform(0.2, 1.0)
            line_data[path] = [ln for ln in stmts if drng.random() < line_share] or stmts[:1]
        if d % 10 == 3:
            # A few runs record per-test contexts (`--context` / dynamic contexts): split the files among them.
            for c in range(3):
                cov.set_context(f"test_suite_{d}_{c}")
                cov.add_lines({p: ls for j, (p, ls) in enumerate(line_data.items()) if j % 3 == c})
        else:
            cov.add_lines(line_data)
        cov.write()
        total_records += len(line_data)

    summary = {
        "coverage_version": coverage.__version__,
        "sources": len(files),
        "statements": n_statements,
        "reachable_statements": sum(len(s) for _, s in files),
        "data_files": args.data_files,
        "file_records": total_records,
        "data_bytes": sum(os.path.getsize(os.path.join(data_dir, n)) for n in os.listdir(data_dir)),
    }
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(summary), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Generate a project of Python-like sources on disk and an LCOV tracefile for it, for the HTML report benchmark.

Usage: python gen_html.py --files N [--seed S]

Writes project/src/<dir>/<module>.py (N files, 40-600 lines each, in 2-level directories) and project/coverage.info
with DA for every statement-like line (about 60% of lines, most of them hit), a few BRDA branch pairs, and LF/LH
summaries; SF paths are relative to project/, so both genhtml (run in project/) and prowcov (--root project) find
the sources. Deterministic for a given seed. Writes project/expected.json with the file and line totals.
"""

from __future__ import annotations

import argparse
import json
import os
import random

DIRS = "core net io util storage sched api codec".split()
SUBS = "impl helpers model views tests".split()
WORDS = "alloc free read write open close init parse emit flush sync lock push pop find".split()


def source(rng: random.Random, n_lines: int) -> list[tuple[str, bool]]:
    """Lines of code, each with whether it is a statement (measured)."""
    out = []
    indent = 0
    for i in range(n_lines):
        r = rng.random()
        if r < 0.15:
            out.append(("", False))
            indent = 0
        elif r < 0.22:
            out.append(("    " * indent + f"# {rng.choice(WORDS)} the {rng.choice(WORDS)} <buffer> & \"state\"", False))
        elif r < 0.32:
            out.append((f"def {rng.choice(WORDS)}_{i}(a, b=None):", True))
            indent = 1
        elif r < 0.42 and indent:
            out.append(("    " * indent + f"if a > {i}:", True))
            indent = min(indent + 1, 3)
        else:
            line = "    " * indent + f"x_{i} = {rng.choice(WORDS)}(a, {i}, 'text {rng.random():.6f}')"
            out.append((line, True))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, required=True)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    totals = {"files": 0, "lines": 0, "hit": 0}
    os.makedirs("project", exist_ok=True)
    with open("project/coverage.info", "w") as info:
        for n in range(args.files):
            rel = f"src/{DIRS[n % len(DIRS)]}/{SUBS[(n // len(DIRS)) % len(SUBS)]}/mod_{n:05d}.py"
            lines = source(rng, rng.randint(40, 600))
            os.makedirs(os.path.dirname(f"project/{rel}"), exist_ok=True)
            with open(f"project/{rel}", "w") as f:
                f.write("".join(text + "\n" for text, _ in lines))
            ran = rng.random() > 0.05
            hot = rng.uniform(0.4, 1.0) if ran else 0.0
            info.write(f"TN:\nSF:{rel}\n")
            found = hit = 0
            for i, (text, measured) in enumerate(lines, start=1):
                if not measured:
                    continue
                count = rng.randint(1, 50) if rng.random() < hot else 0
                if text.lstrip().startswith("if ") and count:
                    taken = rng.randint(0, count)
                    info.write(f"BRDA:{i},0,0,{taken}\nBRDA:{i},0,1,{count - taken}\n")
                info.write(f"DA:{i},{count}\n")
                found += 1
                hit += count > 0
            info.write(f"LF:{found}\nLH:{hit}\nend_of_record\n")
            totals["files"] += 1
            totals["lines"] += found
            totals["hit"] += hit
    with open("project/expected.json", "w") as f:
        json.dump(totals, f)


if __name__ == "__main__":
    main()

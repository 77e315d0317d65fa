"""Generate a large, realistic LCOV tracefile for the reader benchmark.

Usage: python gen_lcov.py OUT_FILE --mb SIZE [--seed S]

Writes records (SF, FN/FNDA, FNF/FNH, BRDA, BRF/BRH, DA, LF/LH, end_of_record) for C/C++-like source files until
the file reaches SIZE megabytes (10^6 bytes), deterministically for a given seed. Each SF appears once and each line
once per record, so the totals are unambiguous. Writes OUT_FILE.expected.json with the totals (files, lines found
and hit, branches found and hit, functions found and hit) for the output checks.
"""

from __future__ import annotations

import argparse
import json
import random
import sys

DIRS = "core net io util storage sched mm fs crypto proto api driver codec".split()
WORDS = "alloc free read write open close init fini parse emit flush sync lock unlock push pop map find".split()


def record(rng: random.Random, path: str, totals: dict[str, int]) -> str:
    n_lines = rng.randint(20, 1500)
    covered_file = rng.random() > 0.08  # some files never ran: every count 0
    hot = rng.uniform(0.3, 1.0) if covered_file else 0.0
    out = [f"SF:{path}\n"]

    # Functions: one every ~25 lines, named after the file.
    fn_lines = list(range(3, n_lines, rng.randint(15, 40)))
    stem = path.rsplit("/", 1)[1].split(".")[0]
    fn_hits = 0
    fnda = []
    for i, ln in enumerate(fn_lines):
        name = f"{stem}_{rng.choice(WORDS)}_{i}"
        count = rng.randint(1, 5000) if rng.random() < hot else 0
        fn_hits += count > 0
        out.append(f"FN:{ln},{name}\n")
        fnda.append(f"FNDA:{count},{name}\n")
    out += fnda
    out.append(f"FNF:{len(fn_lines)}\nFNH:{fn_hits}\n")

    # Executable lines (about 60% of the file) and their counts.
    da = []
    lh = 0
    brda = []
    brh = 0
    rand = rng.random
    for ln in range(1, n_lines + 1):
        if rand() < 0.4:
            continue
        count = int(rng.expovariate(0.01)) + 1 if rand() < hot else 0
        lh += count > 0
        da.append(f"DA:{ln},{count}\n")
        if rand() < 0.12:  # a branch point: two (sometimes three) outcomes
            for br in range(3 if rand() < 0.2 else 2):
                if count == 0:
                    taken = "-"
                else:
                    t = rng.randint(0, count)
                    taken = str(t)
                    brh += t > 0
                brda.append(f"BRDA:{ln},0,{br},{taken}\n")
    out += brda
    out.append(f"BRF:{len(brda)}\nBRH:{brh}\n")
    out += da
    out.append(f"LF:{len(da)}\nLH:{lh}\nend_of_record\n")

    totals["files"] += 1
    totals["lines_found"] += len(da)
    totals["lines_hit"] += lh
    totals["branches_found"] += len(brda)
    totals["branches_hit"] += brh
    totals["functions_found"] += len(fn_lines)
    totals["functions_hit"] += fn_hits
    return "".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--mb", type=float, required=True)
    ap.add_argument("--seed", type=int, default=20240602)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    limit = int(args.mb * 1_000_000)
    totals = dict.fromkeys(
        ("files", "lines_found", "lines_hit", "branches_found", "branches_hit", "functions_found", "functions_hit"), 0
    )
    size = 0
    with open(args.out, "w", encoding="ascii", newline="\n") as f:
        head = "TN:\n"
        f.write(head)
        size += len(head)
        i = 0
        while size < limit:
            d = f"{rng.choice(DIRS)}/{rng.choice(DIRS)}"
            ext = rng.choice(("c", "c", "cc", "h"))
            path = f"/home/prow/go/src/github.com/example/engine/src/{d}/{rng.choice(WORDS)}_{i:06d}.{ext}"
            text = record(rng, path, totals)
            f.write(text)
            size += len(text)
            i += 1
    totals["bytes"] = size
    with open(args.out + ".expected.json", "w") as f:
        json.dump(totals, f, indent=1)
    print(json.dumps(totals), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

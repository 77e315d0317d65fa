"""Fallback timer for scripts/bench when hyperfine is not available: warm-up, then the median of N timed runs.

Usage: python timer.py --warmup W --runs N [--prepare CMD] --export-json FILE CMD

Runs CMD (and CMD's --prepare before every run, untimed) with bash, stdout and stderr discarded, and writes
hyperfine's JSON shape (`results[0].median`, `mean`, `min`, `max`, `times`, `command`) so the caller reads either.
A non-zero exit of CMD or of the prepare step stops with exit 1 and the command's stderr.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time


def run(cmd: str) -> None:
    p = subprocess.run(["bash", "-c", cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode(errors="replace"))
        raise SystemExit(f"timer: command failed with exit code {p.returncode}: {cmd}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--runs", type=int, required=True)
    ap.add_argument("--prepare")
    ap.add_argument("--export-json", required=True)
    ap.add_argument("command")
    args = ap.parse_args()

    times = []
    for i in range(args.warmup + args.runs):
        if args.prepare:
            run(args.prepare)
        start = time.perf_counter()
        run(args.command)
        elapsed = time.perf_counter() - start
        if i >= args.warmup:
            times.append(elapsed)
    result = {
        "command": args.command,
        "median": statistics.median(times),
        "mean": statistics.fmean(times),
        "min": min(times),
        "max": max(times),
        "times": times,
    }
    with open(args.export_json, "w") as f:
        json.dump({"results": [result]}, f, indent=1)
    print(f"  median {result['median']:.3f} s, min {result['min']:.3f} s, max {result['max']:.3f} s ({args.runs} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

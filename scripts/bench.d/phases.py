#!/usr/bin/env python3
"""Reads the phases lines `prowcov run` prints at its end and pairs them with hyperfine's wall times.

    phases.py breakdown PHASES_LOG TIMES_JSON    the mean of each phase over the timed runs, one line
    phases.py runner PHASES_LOG TIMES_JSON       the runner's time per run: wall time minus prowcov's own phases

PHASES_LOG holds the stderr of every run, warm-up first (`... 2>>PHASES_LOG`); the phases lines of the timed runs
are its last N, N being the number of times in TIMES_JSON (hyperfine's `--export-json`, or scripts/bench.d/timer.py's),
in the same order. A phases line reads
`prowcov MODE: phases: storage 0.003s, tests 9.187s, load 2.990s, ...; total 12.221s, prowcov's own 3.033s`.

`runner` prints `MEDIAN MIN MAX` in seconds: for each timed run, its wall time minus the sum of its phases other than
`tests`. What is left is the test phase (the command under coverage.py and prowcov's combine of its data files) plus
everything the phases do not cover (process start, settings, summary.json): charged to the runner, not to prowcov's
own phases, so the figure errs against prowcov.
"""

import json
import re
import statistics
import sys

LINE = re.compile(r"^prowcov \S+: phases: (.*); total ([0-9.]+)s, prowcov's own ([0-9.]+)s$")


def parse(log, n):
    lines = [m for m in map(LINE.match, open(log, encoding="utf-8", errors="replace").read().splitlines()) if m]
    if len(lines) < n:
        sys.exit(f"phases.py: {log} has {len(lines)} phases lines, expected at least {n}")
    runs = []
    for m in lines[-n:]:
        phases = {}
        for item in m.group(1).split(", "):
            name, _, secs = item.rpartition(" ")
            phases[name] = phases.get(name, 0.0) + float(secs.rstrip("s"))
        runs.append((phases, float(m.group(2)), float(m.group(3))))
    return runs


def main():
    what, log, times_json = sys.argv[1:4]
    times = json.load(open(times_json))["results"][0]["times"]
    runs = parse(log, len(times))
    if what == "breakdown":
        names = list(dict.fromkeys(name for phases, _, _ in runs for name in phases))
        mean = {name: statistics.fmean(p.get(name, 0.0) for p, _, _ in runs) for name in names}
        total = statistics.fmean(t for _, t, _ in runs)
        wall = statistics.fmean(times)
        parts = ", ".join(f"{name} {secs:.3f}s" for name, secs in mean.items())
        print(f"{parts}; phases {total:.3f}s, outside them {wall - total:.3f}s, wall {wall:.3f}s (means of {len(runs)})")
    elif what == "runner":
        left = [wall - own for wall, (_, _, own) in zip(times, runs)]
        print(f"{statistics.median(left):.6f} {min(left):.6f} {max(left):.6f}")
    else:
        sys.exit(f"phases.py: unknown command {what}")


if __name__ == "__main__":
    main()

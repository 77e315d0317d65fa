#!/usr/bin/env python3
"""The oracle for prowcov's Python source analysis: coverage.py's own `PythonParser` results, as JSON.

    python scripts/pyoracle.py [--bench] [--shard K/N] ROOT...

For every `.py` file under each ROOT (a directory, searched recursively, or a file), prints one JSON object per
line, in sorted path order: {"path", "statements", "excluded", "arcs", "no_branch"} with coverage.py's default
exclusion and partial-branch regexes, or {"path", "error"} when coverage.py cannot parse the file. The source is
read as coverage.py's reporter reads it (`get_python_source`). `ROOT=stdlib` stands for the running Python's
standard library (without site-packages). --shard K/N does only every N-th file from the K-th (0-based), so
that N processes can share the work. With --bench, prints only the seconds and bytes it took to parse every
file, one process, no JSON.
"""

import json
import os
import sys
import sysconfig
import time
import warnings

from coverage.config import DEFAULT_EXCLUDE, DEFAULT_PARTIAL, DEFAULT_PARTIAL_ALWAYS
from coverage.misc import join_regex
from coverage.parser import PythonParser
from coverage.python import get_python_source

EXCLUDE = join_regex(DEFAULT_EXCLUDE)
PARTIAL = join_regex(DEFAULT_PARTIAL + DEFAULT_PARTIAL_ALWAYS)


def files(roots):
    out = []
    for root in roots:
        if root == "stdlib":
            root = sysconfig.get_paths()["stdlib"]
        if os.path.isfile(root):
            out.append(root)
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in ("site-packages", "__pycache__")]
            out.extend(os.path.join(dirpath, f) for f in filenames if f.endswith(".py"))
    return sorted(out)


def analyse(path):
    parser = PythonParser(text=get_python_source(path), filename=path, exclude=EXCLUDE)
    parser.parse_source()
    return {
        "statements": sorted(parser.statements),
        "excluded": sorted(parser.excluded),
        "arcs": sorted(parser.arcs()),
        "no_branch": sorted(parser.lines_matching(PARTIAL)),
    }


def main(argv):
    # CPython's SyntaxWarnings ("is" with a literal...) would go to stderr for every such file.
    warnings.simplefilter("ignore")
    bench = "--bench" in argv
    argv = [a for a in argv if a != "--bench"]
    shard, shards = 0, 1
    if "--shard" in argv:
        i = argv.index("--shard")
        shard, shards = map(int, argv[i + 1].split("/"))
        del argv[i : i + 2]
    paths = files(argv)[shard::shards]
    if bench:
        size = sum(os.path.getsize(p) for p in paths)
        start = time.perf_counter()
        for path in paths:
            try:
                analyse(path)
            except Exception:  # noqa: BLE001 - a file coverage.py cannot parse still counts
                pass
        print(f"{time.perf_counter() - start:.3f} {size}")
        return
    out = sys.stdout
    for path in paths:
        try:
            record = {"path": path, **analyse(path)}
        except Exception as err:  # noqa: BLE001 - NotPython, and the ValueError of a NUL byte
            record = {"path": path, "error": f"{type(err).__name__}: {err}"}
        out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])

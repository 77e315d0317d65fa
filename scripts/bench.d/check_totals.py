"""Output checks for the reader benchmarks: compare a tool's totals with the generator's .expected.json.

Usage:
  python check_totals.py lcov-summary EXPECTED.json SUMMARY.txt   # `lcov --summary` output
  python check_totals.py ref-json     EXPECTED.json OUT.json      # cobertura_ref.py output (same keys)
  python check_totals.py report-json  EXPECTED.json REPORT.json   # `prowcov report --format json` output

Exit 0 and one line on stdout when the totals match; exit 1 with what differs on stderr otherwise.

prowcov's JSON layout is not assumed: the check looks for any JSON object holding both the expected number of
lines and the expected number of covered lines among its integer values (for example a `totals` object with
`lines`/`covered` counts), which any report that carries line counts contains.
"""

import json
import re
import sys


def fail(msg: str) -> int:
    print(f"check failed: {msg}", file=sys.stderr)
    return 1


def lcov_summary(expected: dict, text: str) -> int:
    got = {}
    for kind, key in (("lines", "lines"), ("functions", "functions"), ("branches", "branches")):
        m = re.search(rf"{kind}\.+: [\d.]+% \((\d+) of (\d+) {kind}\)", text)
        if not m:
            return fail(f"no '{kind}' totals in lcov --summary output:\n{text}")
        got[f"{key}_hit"], got[f"{key}_found"] = int(m[1]), int(m[2])
    diff = {k: (v, expected[k]) for k, v in got.items() if expected[k] != v}
    if diff:
        return fail(f"lcov --summary differs from the generator (got, expected): {diff}")
    print(f"lcov --summary totals match: {got['lines_hit']}/{got['lines_found']} lines")
    return 0


def ref_json(expected: dict, got: dict) -> int:
    diff = {k: (got.get(k), v) for k, v in expected.items() if k != "bytes" and got.get(k) != v}
    if diff:
        return fail(f"reference totals differ from the generator (got, expected): {diff}")
    print(f"reference totals match: {got['lines_hit']}/{got['lines_found']} lines")
    return 0


def objects(node):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from objects(v)
    elif isinstance(node, list):
        for v in node:
            yield from objects(v)


def report_json(expected: dict, report) -> int:
    want = {expected["lines_found"], expected["lines_hit"]}
    for obj in objects(report):
        ints = {v for v in obj.values() if isinstance(v, int) and not isinstance(v, bool)}
        if want <= ints:
            print(f"prowcov totals match: {expected['lines_hit']}/{expected['lines_found']} lines")
            return 0
    return fail(
        f"no object in prowcov's JSON report holds the expected line totals "
        f"({expected['lines_hit']} covered of {expected['lines_found']})"
    )


def main() -> int:
    mode, exp_path, got_path = sys.argv[1:4]
    with open(exp_path) as f:
        expected = json.load(f)
    with open(got_path) as f:
        if mode == "lcov-summary":
            return lcov_summary(expected, f.read())
        try:
            got = json.load(f)
        except json.JSONDecodeError as e:
            return fail(f"{got_path} is not valid JSON: {e}")
    if mode == "ref-json":
        return ref_json(expected, got)
    if mode == "report-json":
        return report_json(expected, got)
    return fail(f"unknown mode {mode!r}")


if __name__ == "__main__":
    sys.exit(main())

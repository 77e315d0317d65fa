#!/usr/bin/env python3
"""Splits a Cobertura report of the `diff` workload into one report per suite, for the `suites` benchmark.

    split_suites.py IN.xml OUT_PREFIX N

Writes OUT_PREFIX-0.xml ... OUT_PREFIX-<N-1>.xml: the classes (files) dealt round-robin by their order, each report
a complete Cobertura document of the same layout, so every suite measures a 1/N share of the repository.
"""

import re
import sys

CLASS = re.compile(r"<class .*?</class>\n", re.S)


def main():
    src, prefix, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    text = open(src, encoding="utf-8").read()
    start = text.index("<classes>") + len("<classes>\n")
    end = text.index("</classes>")
    head, tail = text[:start], text[end:]
    parts = [[] for _ in range(n)]
    for i, m in enumerate(CLASS.finditer(text, start, end)):
        parts[i % n].append(m.group(0))
    for k, classes in enumerate(parts):
        with open(f"{prefix}-{k}.xml", "w", encoding="utf-8") as out:
            out.write(head)
            out.writelines(classes)
            out.write(tail)


if __name__ == "__main__":
    main()

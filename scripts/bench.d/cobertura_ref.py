"""Reference reader for the Cobertura benchmark: stream the XML with ElementTree.iterparse and sum the lines.

Usage: python cobertura_ref.py FILE

A point of comparison for `prowcov report` on Cobertura input, not a peer tool: it parses the whole document with
Python's standard streaming parser, counts each <line> (found, hit) and each branch line's `condition-coverage`
fraction, and prints the totals as JSON (the same keys as the generator's .expected.json).
"""

import json
import sys
import xml.etree.ElementTree as ET


def main() -> int:
    totals = dict.fromkeys(("files", "lines_found", "lines_hit", "branches_found", "branches_hit"), 0)
    for _, elem in ET.iterparse(sys.argv[1], events=("end",)):
        tag = elem.tag
        if tag == "line":
            totals["lines_found"] += 1
            if elem.get("hits", "0") != "0":
                totals["lines_hit"] += 1
            cc = elem.get("condition-coverage")
            if cc:
                taken, n = cc[cc.index("(") + 1 : -1].split("/")
                totals["branches_found"] += int(n)
                totals["branches_hit"] += int(taken)
        elif tag == "class":
            totals["files"] += 1
            elem.clear()
    print(json.dumps(totals))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Diff two results.json files: every scenario verdict and every (scenario, engine)
status that differs, and what is in one run only.

Used to show that a change of structure changed no behaviour (issue 12: the same
library before and after, on every surface). Exit 0 when identical, 1 otherwise.
Usage: python scripts/verdict_diff.py BEFORE.json AFTER.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.results.document import verdict_table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    before = verdict_table(json.loads(args.before.read_text()))
    after = verdict_table(json.loads(args.after.read_text()))
    rows = [
        f"{key}: {before.get(key, '(absent)')} -> {after.get(key, '(absent)')}"
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]
    scenarios = sum(1 for key in before if "[" not in key)
    items = len(before) - scenarios
    print(f"compared {scenarios} scenario verdicts and {items} engine statuses")
    for row in rows:
        print(f"DIFF {row}")
    print("identical" if not rows else f"{len(rows)} differences")
    return 1 if rows else 0


if __name__ == "__main__":
    sys.exit(main())

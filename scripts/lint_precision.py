"""Precision and recall of `harness lint` on the fixture projects.

Each tests/fixtures/projects/<name>/expected-lint.json lists the exact findings
(rule, path, line, column) the lint must report for that project, and the options
to lint it with. Prints one line per project and the totals; `--write` records the
current findings as the expectation instead (review the diff before committing).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = ROOT / "tests" / "fixtures" / "projects"
sys.path.insert(0, str(ROOT))

from harness.lint.inputs import load_inputs  # noqa: E402
from harness.lint.runner import lint  # noqa: E402

Key = tuple[str, str, int, int]


def expectation(project: Path) -> dict[str, object]:
    with open(project / "expected-lint.json", encoding="utf-8") as handle:
        loaded: dict[str, object] = json.load(handle)
    return loaded


def actual(project: Path, local_images: list[str]) -> set[Key]:
    inputs = load_inputs([str(project)], frozenset(local_images))
    return {(f.rule.id, os.path.relpath(f.path, project), f.line, f.column) for f in lint(inputs)}


def expected_keys(document: dict[str, object]) -> set[Key]:
    rows = document.get("findings")
    assert isinstance(rows, list)
    return {(r["rule"], r["path"], r["line"], r["column"]) for r in rows}


def _write(project: Path, found: set[Key], local_images: list[str]) -> None:
    rows = [{"rule": r, "path": p, "line": ln, "column": c} for r, p, ln, c in sorted(found)]
    document = {"options": {"local_images": local_images}, "findings": rows}
    text = json.dumps(document, indent=2) + "\n"
    (project / "expected-lint.json").write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    true_pos = false_pos = false_neg = 0
    for project in sorted(p for p in PROJECTS.iterdir() if p.is_dir()):
        path = project / "expected-lint.json"
        document = expectation(project) if path.exists() else {"options": {}, "findings": []}
        options = document.get("options") or {}
        assert isinstance(options, dict)
        local = list(options.get("local_images", ["harness-fixture-base"]))
        found = actual(project, local)
        if args.write:
            _write(project, found, local)
            continue
        wanted = expected_keys(document)
        tp, fp, fn = len(found & wanted), len(found - wanted), len(wanted - found)
        true_pos, false_pos, false_neg = true_pos + tp, false_pos + fp, false_neg + fn
        print(
            f"{project.name:20} expected {len(wanted):2}  found {len(found):2}  "
            f"missed {fn}  extra {fp}"
        )
        for key in sorted(wanted - found):
            print(f"   missed {key}")
        for key in sorted(found - wanted):
            print(f"   extra  {key}")
    if args.write:
        return 0
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 1.0
    recall = true_pos / (true_pos + false_neg) if true_pos + false_neg else 1.0
    print(
        f"precision {precision:.3f}  recall {recall:.3f}  ({true_pos} true positives, "
        f"{false_pos} false positives, {false_neg} false negatives)"
    )
    return 0 if precision == 1.0 and recall == 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())

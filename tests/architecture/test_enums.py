"""Verdicts and statuses are spelled once, in `harness.verdict.enums`, and the
results schema agrees with them."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from harness.results.document import results_schema
from harness.verdict.enums import Status, Verdict

PACKAGE = Path(__file__).resolve().parents[2] / "harness"
ENUMS = PACKAGE / "verdict" / "enums.py"
# "error" is also a field name everywhere (a step's refusal, a JSON key): not checked.
# Item kinds are left out: "skipped" and "failed" are also JUnit and pytest words.
SPELLINGS = {str(v) for v in (*Verdict, *Status)} - {"error"}


def _find(node: Any, key: str) -> list[Any]:
    found = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                found.append(v)
            found += _find(v, key)
    elif isinstance(node, list):
        for v in node:
            found += _find(v, key)
    return found


def test_schema_verdicts_are_the_enum() -> None:
    schema = results_schema()
    assert set(schema["$defs"]["verdict"]["enum"]) == {str(v) for v in Verdict}


def test_schema_statuses_are_the_enum() -> None:
    statuses = [node["enum"] for node in _find(results_schema(), "status") if "enum" in node]
    assert statuses, "the schema declares no engine status enum"
    for enum in statuses:
        assert set(enum) == {str(s) for s in Status}


def test_no_bare_verdict_or_status_string_outside_the_enums() -> None:
    bare = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == ENUMS:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in SPELLINGS:
                bare.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.value!r}")
    assert not bare, "spell these with harness.verdict.enums:\n" + "\n".join(bare)

"""Figures for issue 13, deliverables 4 and 5: hostile results files and redaction.

    .venv/bin/python scripts/figures_reports.py [--mixed N] [--shell-all]

Prints figures, asserts nothing (tests/report/test_hostile_reports.py and
tests/unit/test_redaction.py do, on the same generators and checks). Needs no
engine: every input is generated here, every output goes to a temporary dir.
  - hostile results files tried / rendered safely (Markdown checked with GitHub's
    own renderer, JUnit parsed, HTML parsed for links and scripts, reproducer lines);
  - reproducer lines run in a scratch shell / with no side effect;
  - malformed inputs given to `harness report` / refused with exit 2, no traceback;
  - unsafe secrets (too short, or a word the results use) / warned, results valid.
"""

from __future__ import annotations

import argparse
import copy
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.model.redact import Secret  # noqa: E402
from harness.report import render_html, render_junit, render_markdown  # noqa: E402
from harness.report.inputs import BadResults, load_results  # noqa: E402
from harness.results.document import validate  # noqa: E402
from harness.results.redaction import redact_document  # noqa: E402
from tests.hostile_results import dump, hostile_documents, malformed_inputs  # noqa: E402
from tests.report.synthetic import synthetic_document  # noqa: E402
from tests.report_checks import (  # noqa: E402
    check_html,
    check_junit,
    check_markdown,
    check_repro,
    repro_lines,
    run_line,
    scratch,
)


def hostile_files(work: Path, mixed: int) -> tuple[int, int, list[str], set[str]]:
    """(tried, safe, failures, reproducer lines of every document)."""
    tried = safe = 0
    failures: list[str] = []
    lines: set[str] = set()
    for name, document in hostile_documents(mixed=mixed):
        tried += 1
        path = work / f"{name}.json"
        path.write_text(dump(document), encoding="ascii")
        try:
            loaded = load_results(path)
            check_markdown(render_markdown(loaded))
            check_junit(render_junit(loaded))
            html = render_html(loaded)
            check_html(html)
            check_repro(html)
            lines |= repro_lines(html)
            safe += 1
        except (AssertionError, BadResults) as exc:
            failures.append(f"{name}: {type(exc).__name__}: {str(exc)[:200]!r}")
    return tried, safe, failures, lines


def shell_lines(lines: set[str], work: Path) -> tuple[int, int, int]:
    """(lines run, lines with no side effect, lines that called a fake CLI)."""
    shell = scratch(work)
    ran = clean = called = 0
    for line in sorted(lines):
        ran += 1
        try:
            called += run_line(line, shell)
            clean += 1
        except AssertionError as exc:
            print(f"  side effect: {str(exc)[:200]!r}")
    return ran, clean, called


def malformed(work: Path) -> tuple[int, int]:
    """Through the real command, in a subprocess: exit code and stderr as a user sees them."""
    tried = refused = 0
    for name, path in malformed_inputs(work):
        tried += 1
        done = subprocess.run(
            [sys.executable, "-m", "harness.cli", "report", str(path), "--out", str(work / "o")],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        if done.returncode == 2 and "Traceback" not in done.stderr and str(path) in done.stderr:
            refused += 1
        else:
            print(f"  not refused cleanly: {name}: exit {done.returncode}: {done.stderr[-200:]!r}")
    return tried, refused


UNSAFE = ("docker", "podman", "portable", "pass", "fail", "error", "divergent", "abc", "x", "s0")


def unsafe_secrets() -> tuple[int, int]:
    """Secrets equal to words the results use, or too short: warned about, results valid."""
    tried = ok = 0
    base = synthetic_document(scenarios=20, engines=("docker", "podman"))
    for value in UNSAFE:
        tried += 1
        out = redact_document(copy.deepcopy(base), [Secret("DB_PASSWORD", value, "figures")])
        try:
            validate(out)
            owned = [(s["id"], s["verdict"]) for s in out["scenarios"]]
            assert owned == [(s["id"], s["verdict"]) for s in base["scenarios"]]
            assert out["engines"] == base["engines"] and len(out["run"]["warnings"]) == 1
            ok += 1
        except AssertionError:
            print(f"  unsafe secret {value!r} damaged the results or was not warned about")
    return tried, ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mixed", type=int, default=60, help="random blended documents")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="harness-figures-reports-") as tmp:
        work = Path(tmp)
        tried, safe, failures, lines = hostile_files(work, args.mixed)
        for failure in failures[:20]:
            print(f"  unsafe: {failure}")
        print(f"hostile results files tried / rendered safely: {tried} / {safe}")
        (work / "shell").mkdir()
        ran, clean, called = shell_lines(lines, work / "shell")
        print(
            f"reproducer lines run in a scratch shell / with no side effect: {ran} / {clean} "
            f"({called} called the fake docker/podman with exactly the quoted argv)"
        )
        (work / "bad").mkdir()
        tried_bad, refused = malformed(work / "bad")
        print(f"malformed inputs to `harness report` / exit 2 without traceback: "
              f"{tried_bad} / {refused}")  # fmt: skip
        tried_s, ok = unsafe_secrets()
        print(f"unsafe secrets (short or a word of the results) / warned, results valid: "
              f"{tried_s} / {ok}")  # fmt: skip


if __name__ == "__main__":
    main()

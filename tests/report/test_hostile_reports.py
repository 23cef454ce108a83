"""`harness report` on hostile results files: valid documents whose every string is
a trap (tests/hostile_results.py) render to inert Markdown, valid XML, an HTML page
that links only http(s), and reproducer lines with no side effect in a shell;
malformed inputs exit 2 with the file and JSON path, never a traceback."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.report import render_html, render_junit, render_markdown
from harness.report.inputs import load_results
from tests.hostile_results import HOSTILE, dump, hostile_documents, malformed_inputs

pytest.importorskip("cmarkgfm")
from tests.report_checks import (
    check_html,
    check_junit,
    check_markdown,
    check_repro,
    repro_lines,
    run_line,
    scratch,
)

DOCUMENTS = dict(hostile_documents())


def _loaded(name: str, tmp_path: Path) -> dict[str, Any]:
    """Through the file, as `harness report` reads it (surrogates travel as escapes)."""
    path = tmp_path / "results.json"
    path.write_text(dump(DOCUMENTS[name]), encoding="ascii")
    return load_results(path)


def test_enough_hostile_documents() -> None:
    assert len(DOCUMENTS) >= 200


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_hostile_document_renders_inert(name: str, tmp_path: Path) -> None:
    document = _loaded(name, tmp_path)
    check_markdown(render_markdown(document))
    check_junit(render_junit(document))
    html = render_html(document)
    check_html(html)
    check_repro(html)
    assert '<section class="drift"' in html  # the drift section is among what was checked


def test_reproducer_lines_have_no_side_effect_in_a_scratch_shell(tmp_path: Path) -> None:
    """Every line runs in `bash -c` with only fake docker/podman on PATH: each one calls
    exactly the argv shlex reads from it, and nothing else happens (no file, no
    other command, no syntax error)."""
    names = [n for n in DOCUMENTS if n.endswith(("-wrap", "-fields")) or n.startswith("mixed-00")]
    lines: set[str] = set()
    for name in names:
        lines |= repro_lines(render_html(_loaded(name, tmp_path)))
    shell = scratch(tmp_path)
    ran = sum(run_line(line, shell) for line in sorted(lines))
    assert ran > 400  # the hostile fields really reached command lines


@pytest.mark.parametrize("case", range(16))
def test_malformed_input_exits_2_with_file_and_path(
    case: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, path = list(malformed_inputs(tmp_path))[case]
    code = main(["report", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, name
    assert str(path) in err and "Traceback" not in err, err
    if name in ("wrong type deep", "verdict not in enum", "engine available not bool"):
        assert re.search(r": \$\.(scenarios|engines)\[\d+\]\.", err), err
    assert not (tmp_path / "out").exists()


def test_malformed_cases_are_all_counted(tmp_path: Path) -> None:
    assert len(list(malformed_inputs(tmp_path))) == 16


def test_report_cli_on_a_hostile_document_writes_all_and_prints_plain_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ansi = next(i for i, text in enumerate(HOSTILE) if text.startswith("\x1b[31m"))
    name = f"h{ansi:02d}-wrap"  # ANSI and OSC sequences in every string
    legs = []
    for leg in ("a", "b"):
        path = tmp_path / f"{leg}.json"
        path.write_text(dump(DOCUMENTS[name]), encoding="ascii")
        legs.append(str(path))
    code = main(["report", *legs, "--out", str(tmp_path / "out\x1b[31m")])
    out = capsys.readouterr().out
    assert code in (0, 1, 3)
    assert "\x1b" not in out and "\\x1b" in out
    assert len(list((tmp_path / "out\x1b[31m").iterdir())) == 4

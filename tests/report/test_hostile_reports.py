"""`harness report` on hostile results files: valid documents whose every string is
a trap (tests/hostile_results.py) render to inert Markdown, valid XML, an HTML page
that links only http(s), and reproducer lines with no side effect in a shell;
malformed inputs exit 2 with the file and JSON path, never a traceback."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.report import render_html, render_junit, render_markdown
from harness.report.escape import safe_url
from harness.report.repro import KNOWN_CLIS
from harness.results_input import load_results
from tests.hostile_results import HOSTILE, dump, hostile_documents, malformed_inputs

cmarkgfm = pytest.importorskip("cmarkgfm")

DOCUMENTS = dict(hostile_documents())
OUR_HEADINGS = {
    "Container portability report",
    "Not portable",
    "⚠ Stale known divergences (declared, not observed)",
    "⚠ Host access (allowed by a command-line flag)",
    "⚠ Leftovers found by the leak audit (recorded, then removed)",
    "⚠ Verdict differs between merged runs",
}
MARKDOWN_TAGS = {"h1", "h2", "p", "table", "thead", "tbody", "tr", "th", "td", "code", "ul", "li"}
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e]")
XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _loaded(name: str, tmp_path: Path) -> dict[str, Any]:
    """Through the file, as `harness report` reads it (surrogates travel as escapes)."""
    path = tmp_path / "results.json"
    path.write_text(dump(DOCUMENTS[name]), encoding="ascii")
    return load_results(path)


def test_enough_hostile_documents() -> None:
    assert len(DOCUMENTS) >= 200


def _check_markdown(md: str) -> None:
    assert not CONTROL.search(md), "a control character reached summary.md"
    html = cmarkgfm.github_flavored_markdown_to_html(md)
    tags = set(re.findall(r"<([a-z0-9]+)[\s>]", html))
    assert tags <= MARKDOWN_TAGS, tags - MARKDOWN_TAGS
    headings = re.findall(r"<h[1-6]>(.*?)</h[1-6]>", html)
    assert set(headings) <= OUR_HEADINGS, headings
    assert headings.count("Container portability report") == 1
    assert "raw HTML omitted" not in html


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _check_html(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    assert [t for t, _ in parser.tags].count("script") == 2
    assert not {t for t, _ in parser.tags} & {"img", "iframe", "object", "embed"}
    for _, attrs in parser.tags:
        for name, value in attrs:
            assert not name.startswith("on"), name
            if name in ("href", "src", "action"):
                assert value == "#", value
    data = re.search(
        r'<script type="application/json" id="harness-data">(.*?)</script>', html, re.S
    )
    assert data is not None
    for detail in json.loads(data.group(1)):
        links = [kd.get("link") for kd in detail["known"] + detail["stale"]]
        assert all(link is None or safe_url(link) for link in links), links
        # the page links a ref only when it matches ^https?:// (report.js): those must be URLs
        for ref in detail["refs"]:
            assert safe_url(ref) or not re.match(r"(?i)https?://", ref), ref


def _check_repro(html: str) -> None:
    data = re.search(
        r'<script type="application/json" id="harness-data">(.*?)</script>', html, re.S
    )
    assert data is not None
    for detail in json.loads(data.group(1)):
        for binary, lines in detail["repro"].items():
            assert binary in KNOWN_CLIS
            for line in lines:
                assert not CONTROL.search(line) and "\n" not in line, line
                if not line.startswith("# "):
                    assert shlex.split(line)[0] == binary


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_hostile_document_renders_inert(name: str, tmp_path: Path) -> None:
    document = _loaded(name, tmp_path)
    _check_markdown(render_markdown(document))
    junit = render_junit(document)
    assert not XML_INVALID.search(junit)
    ET.fromstring(junit.encode("utf-8"))  # valid XML, whatever the input
    html = render_html(document)
    _check_html(html)
    _check_repro(html)


FAKE_CLI = """#!/bin/bash
for arg in "${0##*/}" "$@"; do printf '%s\\0' "$arg"; done > "$FAKE_LOG/$$"
"""


def _scratch(tmp_path: Path) -> tuple[dict[str, str], Path, Path, Path]:
    fake, log, home, work = (tmp_path / d for d in ("bin", "log", "home", "work"))
    for d in (fake, log, home, work):
        d.mkdir()
    for cli in KNOWN_CLIS:
        (fake / cli).write_text(FAKE_CLI)
        (fake / cli).chmod(0o755)
    env = {"HOME": str(home), "PATH": str(fake), "FAKE_LOG": str(log)}
    return env, log, home, work


def _calls(log: Path) -> list[list[str]]:
    calls = [p.read_text().split("\0")[:-1] for p in sorted(log.iterdir())]
    for p in log.iterdir():
        p.unlink()
    return calls


def _reproducer_lines(names: list[str], tmp_path: Path) -> set[str]:
    lines: set[str] = set()
    for name in names:
        html = render_html(_loaded(name, tmp_path))
        data = re.search(r'id="harness-data">(.*?)</script>', html, re.S)
        assert data is not None
        for detail in json.loads(data.group(1)):
            lines |= {line for group in detail["repro"].values() for line in group}
    return lines


def test_reproducer_lines_have_no_side_effect_in_a_scratch_shell(tmp_path: Path) -> None:
    """Every line runs in `bash -c` with only fake docker/podman on PATH: each one calls
    exactly the argv shlex reads from it, and nothing else happens (no file, no
    other command, no syntax error)."""
    names = [n for n in DOCUMENTS if n.endswith(("-wrap", "-fields")) or n.startswith("mixed-00")]
    lines = sorted(_reproducer_lines(names, tmp_path))
    env, log, home, work = _scratch(tmp_path)
    ran = 0
    for line in lines:
        done = subprocess.run(
            ["/bin/bash", "--norc", "--noprofile", "-c", line],
            cwd=work,
            env=env,
            capture_output=True,
            timeout=30,
            check=False,
        )
        assert (done.returncode, done.stderr) == (0, b""), line
        assert not any(work.iterdir()) and not any(home.iterdir()), line
        calls = _calls(log)
        if line.startswith("#"):
            assert calls == [], line
        else:
            assert calls == [shlex.split(line)], line
            ran += 1
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

"""Checks that a rendered report is inert, shared by tests/report/test_hostile_reports.py
and scripts/figures_reports.py: each raises AssertionError naming what got through."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm  # type: ignore[import-untyped]

from harness.report.escape import safe_url
from harness.report.repro import KNOWN_CLIS

OUR_HEADINGS = {
    "Container portability report",
    "Not portable",
    "⚠ Stale known divergences (declared, not observed)",
    "⚠ Host access (allowed by a command-line flag)",
    "⚠ Leftovers found by the leak audit (recorded, then removed)",
    "⚠ Verdict differs between merged runs",
    "Version drift",
}
MARKDOWN_TAGS = {"h1", "h2", "p", "table", "thead", "tbody", "tr", "th", "td", "code", "ul", "li"}
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e]")
XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def check_markdown(md: str) -> None:
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


def check_html(html: str) -> None:
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


def check_repro(html: str) -> None:
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


def check_junit(junit: str) -> None:
    assert not XML_INVALID.search(junit), "a character XML forbids reached junit.xml"
    ET.fromstring(junit.encode("utf-8"))  # valid XML, whatever the input


def repro_lines(html: str) -> set[str]:
    data = re.search(r'id="harness-data">(.*?)</script>', html, re.S)
    assert data is not None
    return {line for d in json.loads(data.group(1)) for g in d["repro"].values() for line in g}


FAKE_CLI = """#!/bin/bash
for arg in "${0##*/}" "$@"; do printf '%s\\0' "$arg"; done > "$FAKE_LOG/$$"
"""


def scratch(tmp_path: Path) -> tuple[dict[str, str], Path, Path, Path]:
    fake, log, home, work = (tmp_path / d for d in ("bin", "log", "home", "work"))
    for d in (fake, log, home, work):
        d.mkdir()
    for cli in KNOWN_CLIS:
        (fake / cli).write_text(FAKE_CLI)
        (fake / cli).chmod(0o755)
    env = {"HOME": str(home), "PATH": str(fake), "FAKE_LOG": str(log)}
    return env, log, home, work


def calls(log: Path) -> list[list[str]]:
    calls = [p.read_text().split("\0")[:-1] for p in sorted(log.iterdir())]
    for p in log.iterdir():
        p.unlink()
    return calls


def run_line(line: str, tmp: tuple[dict[str, str], Path, Path, Path]) -> bool:
    """Run one reproducer line in the scratch shell; True if it called a fake CLI.
    Asserts nothing else happened: no error, no file, no other command."""
    env, log, home, work = tmp
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
    made = calls(log)
    if line.startswith("#"):
        assert made == [], line
        return False
    assert made == [shlex.split(line)], line
    return True

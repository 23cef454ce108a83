"""The escapes every report uses, each on its own output's real parser."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

import pytest

from harness.report.escape import md_code, md_text, plain, safe_url, terminal, xml_text

cmarkgfm = pytest.importorskip("cmarkgfm")

TEXTS = [
    "# heading",
    "[a](javascript:alert(1)) ![i](https://e.io/x.png)",
    "<b>bold</b> &amp; &#60;",
    "https://e.io www.e.io mallory@e.io xmpp:m@e.io",
    "*e* _u_ ~~s~~ $m$ :rocket: a|b `c` \\",
]


@pytest.mark.parametrize("text", TEXTS)
def test_md_text_renders_as_exactly_the_text(text: str) -> None:
    rendered = cmarkgfm.github_flavored_markdown_to_html(md_text(text)).strip()
    assert rendered.startswith("<p>") and rendered.endswith("</p>")
    assert "<" not in rendered[3:-4]  # no element at all: no link, image, emphasis, HTML
    shown = html.unescape(rendered[3:-4]).replace("\u200b", "")
    assert shown == text


@pytest.mark.parametrize("text", [*TEXTS, "``x`` ` y", "`lead", "trail`", ""])
def test_md_code_in_a_table_cell_is_one_code_span(text: str) -> None:
    md = f"| h |\n|---|\n| {md_code(text)} |\n"
    rendered = cmarkgfm.github_flavored_markdown_to_html(md)
    (cell,) = re.findall(r"<td>(.*?)</td>", rendered, re.S)
    assert re.fullmatch(r"<code>[^<]*</code>", cell), cell
    assert html.unescape(cell[6:-7]).strip() == text.strip()


def test_controls_are_shown_not_sent() -> None:
    assert plain("a\x00b\x1b[31m\u202ec\ud800\U0010fffe\n") == (
        "a\\x00b\\x1b[31m\\u202ec\\ud800\\U0010fffe "
    )
    assert terminal("red \x1b[31m\x1b]0;title\x07 end\n") == "red \\x1b[31m\\x1b]0;title\\x07 end\n"
    assert "\x1b" not in terminal("\x9b31m\x1b")


def test_xml_text_is_accepted_by_an_xml_parser() -> None:
    nasty = "".join(chr(c) for c in range(0x20)) + "\ud800\ufffe\uffff<&>]]>"
    root = ET.fromstring(f'<a b="{xml_text(nasty).replace("&", "&amp;").replace("<", "&lt;")}"/>')
    assert root.get("b", "").endswith("<&>]]>")


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://docs.docker.com/x?y=1#z", True),
        ("http://e.io", True),
        ("HTTPS://E.IO/", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,x", False),
        ("//e.io/x", False),
        ("https://e.io/\nx", False),
        ("https://e.io/ x", False),
        ('https://e.io/"onmouseover=x', False),
        (" https://e.io", False),
        (None, False),
    ],
)
def test_safe_url(url: object, ok: bool) -> None:
    assert (safe_url(url) is not None) is ok

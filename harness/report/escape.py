"""Untrusted text made inert for each output: Markdown, XML, terminals, URLs.

A results document may come from anyone (a CI leg of a fork's pull request),
so every string in it is data: it must never become a heading, a link, raw
HTML, an XML syntax error, a terminal escape sequence or a shell command.
Each function here takes any string, including lone surrogates, U+0000 and
noncharacters, and returns text that is safe in its one output.
"""

from __future__ import annotations

import re

# C0, DEL and C1 controls, surrogates, noncharacters U+xFFFE/U+xFFFF of every plane, and the
# bidirectional marks, overrides and isolates that reorder what a reader sees ("Trojan Source").
_NONCHARACTERS = "".join(f"\\U{p:04x}fffe\\U{p:04x}ffff" for p in range(1, 17))
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u061c\u200e\u200f\u202a-\u202e"
    "\u2066-\u2069" + _NONCHARACTERS + "]"
)
# Everything that means something somewhere in GitHub-flavoured Markdown inline text:
# emphasis, code, links, images, HTML, entities, tables, strikethrough, math,
# autolinks (scheme ':' and '@' of e-mail addresses) and emoji short codes.
# An escaped '@' still autolinks an e-mail address on GitHub; a zero-width space after it does not.
_MD_ESCAPES = str.maketrans(
    {ch: "\\" + ch for ch in "\\`*_{}[]()#+!|~<>&:$^"} | {"@": "\\@&#8203;"}
)
_WWW = re.compile(r"(?i)(www)\.")


def _visible(ch: str) -> str:
    """A control character as text a reader can see: `\\x1b`, `\\u202e`."""
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _has_control(text: str) -> bool:
    return _CONTROL.search(text) is not None


def plain(text: object, keep_newlines: bool = False) -> str:
    """`text` with every control character, surrogate, bidi override and
    noncharacter shown as an escape (tab and, if asked, newline kept)."""
    value = text if isinstance(text, str) else str(text)
    kept = "\t\n" if keep_newlines else ""

    def shown(match: re.Match[str]) -> str:
        ch = match.group()
        return ch if ch in kept else " " if ch in "\t\n\r" else _visible(ch)

    return _CONTROL.sub(shown, value)


def terminal(text: object) -> str:
    """For a terminal: ESC, CSI and every other control character shown as text
    (`\\x1b[31m`), so no sequence reaches the terminal and a path still reads
    as the path it is."""
    return plain(text, keep_newlines=True)


def md_text(text: object) -> str:
    """Inline Markdown that renders as exactly this text on one line: nothing in it
    can open a heading, link, image, HTML tag, autolink, table cell or math."""
    value = plain(text).replace("\t", " ")
    escaped = value.translate(_MD_ESCAPES)
    return _WWW.sub(r"\1\\.", escaped)


def md_code(text: object) -> str:
    """An inline code span holding this text (one line), safe inside a GFM table:
    a code span turns off every other Markdown construct, and `|` is escaped
    because GFM splits table cells before it parses code spans."""
    value = plain(text).replace("\t", " ").replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith(("`", " ")) or value.endswith(("`", " ")) or not value else ""
    return f"{fence}{pad}{value}{pad}{fence}"


# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: object) -> str:
    """Text every XML 1.0 parser accepts: characters XML forbids shown as escapes."""
    value = text if isinstance(text, str) else str(text)
    return _XML_INVALID.sub(lambda m: _visible(m.group()), value)


_URL = re.compile(r"https?://[^\s<>\"'`\\]+", re.I)


def safe_url(text: object) -> str | None:
    """`text` when it is a plain http(s) URL a report may link to; None otherwise
    (javascript:, data:, relative paths, anything with spaces or controls)."""
    if not isinstance(text, str) or _has_control(text):
        return None
    return text if _URL.fullmatch(text) else None

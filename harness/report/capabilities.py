"""The capability matrix: what each engine surface can do at all (capability by
surface), from the probed `capabilities` of results.json's engines. Surfaces that
were not probed (an older results document, a pytest run) are left out.

Markdown gets the reasons as numbered footnotes; the HTML partial
(templates/capabilities.html.j2) shows them on hover and in a list below.
"""

from __future__ import annotations

from typing import Any

SUPPORTED, MISSING = "✔", "✘"


def probed(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The engine entries that carry capabilities, in document order."""
    return [e for e in document.get("engines", []) if e.get("capabilities")]


def names(engines: list[dict[str, Any]]) -> list[str]:
    """Every capability any surface reports, in the order first seen."""
    return list(dict.fromkeys(n for e in engines for n in e["capabilities"]))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("`", "'")


def markdown_lines(document: dict[str, Any]) -> list[str]:
    """`## Capabilities`: a table with ✔/✘ and footnotes giving each probed reason."""
    engines = probed(document)
    if not engines:
        return []
    lines = ["", "## Capabilities (probed on each surface)", ""]
    lines.append("| capability | " + " | ".join(_cell(e["name"]) for e in engines) + " |")
    lines.append("|---|" + "---|" * len(engines))
    notes: list[str] = []
    for cap in names(engines):
        cells = []
        for e in engines:
            found = e["capabilities"].get(cap)
            if found is None:
                cells.append("—")
                continue
            mark = SUPPORTED if found["supported"] else MISSING
            if found["reason"]:
                notes.append(f"{e['name']}, {cap}: {found['reason']}")
                mark += f" [{len(notes)}]"
            cells.append(mark)
        lines.append(f"| `{cap}` | " + " | ".join(cells) + " |")
    lines.append("")
    lines += [f"{i}. {_cell(note)}" for i, note in enumerate(notes, 1)]
    return lines

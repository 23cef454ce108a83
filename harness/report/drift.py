"""Version drift in the reports: per (engine, older → newer) pair of columns, the
divergences fixed and introduced between them (results.json's `drift`), with the
version-scoped declarations that say so ("fixed in") beside them.

Both report.html and summary.md render this one model. A results document may
come from anyone, so nothing here trusts it: a drift row naming a scenario the
document does not hold is shown, never linked, and every field is optional.
"""

from __future__ import annotations

from typing import Any

from harness.report.escape import md_code, md_text

MAX_ROWS = 200
KINDS = ("fixed", "introduced", "changed")


# What a declaration on the newer column says about a key that moved: label, hover text.
MARKS = {
    "fixed_divergences": ("declared fixed", "declared for older versions only: fixed in this one"),
    "stale_divergences": (
        "⚠ stale",
        "declared for this version too, not seen: scope it (versions:)",
    ),
    "known_divergences": ("≈ declared", "a declared known divergence of this version"),
}
CLASSES = {"fixed_divergences": "fixed", "stale_divergences": "stale", "known_divergences": "known"}


def _declared(document: dict[str, Any], column: str) -> dict[str, list[dict[str, Any]]]:
    """Per scenario id, the declarations reported as fixed on `column`."""
    found: dict[str, list[dict[str, Any]]] = {}
    for s in document.get("scenarios", []):
        for kd in s.get("fixed_divergences", []):
            if kd.get("engine") == column:
                found.setdefault(s["id"], []).append(kd)
    return found


def _marks(document: dict[str, Any], column: str) -> dict[tuple[str, str], str]:
    """(scenario id, key) → which declaration list names it on `column`."""
    found: dict[tuple[str, str], str] = {}
    for s in document.get("scenarios", []):
        for field in MARKS:
            for kd in s.get(field, []):
                if kd.get("engine") == column:
                    found.setdefault((s["id"], kd["key"]), field)
    return found


def _rows(
    rows: list[dict[str, Any]], marks: dict[tuple[str, str], str], ids: set[str]
) -> list[dict[str, Any]]:
    """Drift rows, each key with the declaration (if any) that names it."""
    return [
        {
            "scenario": r["scenario"],
            "linked": r["scenario"] in ids,
            "keys": [_key(r["scenario"], k, marks) for k in r["keys"]],
        }
        for r in rows[:MAX_ROWS]
    ]


def _key(scenario: str, key: str, marks: dict[tuple[str, str], str]) -> dict[str, str]:
    field = marks.get((scenario, key), "")
    label, title = MARKS.get(field, ("", ""))
    return {"key": key, "mark": label, "title": title, "cls": CLASSES.get(field, "")}


def _declared_rows(
    declared: dict[str, list[dict[str, Any]]], fixed: list[dict[str, Any]], ids: set[str]
) -> list[dict[str, Any]]:
    """ "Fixed in" declarations the drift does not show fixed (the older column did not
    diverge there either, or did not run it); those it shows are marked on their key."""
    seen = {(r["scenario"], k) for r in fixed for k in r["keys"]}
    return [
        {
            "scenario": sid,
            "linked": sid in ids,
            "key": kd["key"],
            "versions": kd.get("versions") or "",
            "fixed_in": kd.get("fixed_in") or "",
            "why": kd.get("why") or "",
        }
        for sid, kds in declared.items()
        for kd in kds
        if (sid, kd["key"]) not in seen
    ][:MAX_ROWS]


def _pair(document: dict[str, Any], entry: dict[str, Any], ids: set[str]) -> dict[str, Any]:
    declared = _declared(document, entry["to"])
    marks = _marks(document, entry["to"])
    return {
        "engine": entry["engine"],
        "from": entry["from"],
        "to": entry["to"],
        "from_version": entry["from_version"],
        "to_version": entry["to_version"],
        "reference": entry.get("reference"),
        "counts": {name: len(entry.get(name, [])) for name in KINDS}
        | {"unchanged": entry["unchanged"]},
        "fixed": _rows(entry["fixed"], marks, ids),
        "introduced": _rows(entry["introduced"], marks, ids),
        "changed": _rows(entry.get("changed", []), marks, ids),
        "more": max(0, *(len(entry.get(name, [])) - MAX_ROWS for name in KINDS)),
        "declared": _declared_rows(declared, entry["fixed"], ids),
    }


def pairs(document: dict[str, Any]) -> list[dict[str, Any]]:
    """One block per (engine, older → newer) pair; empty when no such pair ran."""
    ids = {s["id"] for s in document.get("scenarios", [])}
    return [_pair(document, entry, ids) for entry in document.get("drift", [])]


def _md_keys(row: dict[str, Any]) -> str:
    """The keys as code spans, each followed by its declaration's label."""
    return ", ".join(
        md_code(k["key"]) + (f" ({md_text(k['mark'])})" if k["mark"] else "") for k in row["keys"]
    )


def _pair_rows(p: dict[str, Any]) -> list[str]:
    """One table row per scenario of this pair: fixed, introduced, changed, declared."""
    label = f"{md_text(p['engine'])} {md_text(p['from_version'])} → {md_text(p['to_version'])}"
    lines = []
    for kind, symbol in (("fixed", "✓"), ("introduced", "≠"), ("changed", "~")):
        lines += [
            f"| {label} | {symbol} {kind} | {md_code(row['scenario'])} | {_md_keys(row)} |"
            for row in p[kind]
        ]
    lines += [
        f"| {label} | ✓ declared fixed in {md_text(d['fixed_in'])}, not in the drift "
        f"| {md_code(d['scenario'])} | {md_code(d['key'])} (declared for "
        f"{md_code(d['versions'])}) |"
        for d in p["declared"]
    ]
    return lines


def markdown_lines(document: dict[str, Any]) -> list[str]:
    """The summary.md section: a count table, then one row per scenario that moved."""
    found = pairs(document)
    if not found:
        return []
    lines = ["", "## Version drift", ""]
    lines.append(
        "| engine | from | to | ✓ fixed | ≠ introduced | ~ changed | = unchanged | compared with |"
    )
    lines.append("|---|---|---|---|---|---|---|---|")
    for p in found:
        c = p["counts"]
        reference = md_code(p["reference"]) if p["reference"] else "expectations only"
        lines.append(
            f"| {md_text(p['engine'])} | {md_code(p['from'])} {md_text(p['from_version'])} "
            f"| {md_code(p['to'])} {md_text(p['to_version'])} | {c['fixed']} | {c['introduced']} "
            f"| {c['changed']} | {c['unchanged']} | {reference} |"
        )
    rows = [line for p in found for line in _pair_rows(p)]
    if rows:
        lines += ["", "| pair | change | scenario | keys |", "|---|---|---|---|"]
        lines += rows[:MAX_ROWS]
        if len(rows) > MAX_ROWS or any(p["more"] for p in found):
            lines.append("\n… and more: see report.html and results.json.")
    return lines

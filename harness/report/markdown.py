"""summary.md: counts and the scenarios that need a reader's attention, for CI job summaries."""

from __future__ import annotations

from typing import Any

SYMBOLS = {
    "portable": "✅",
    "known-divergence": "🟡",
    "divergent": "❌",
    "failing": "🔴",
    "error": "⚠️",
    "unsupported": "⏭️",
}


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(document: dict[str, Any]) -> str:
    engines = document["engines"]
    lines = ["# Container portability report", ""]
    lines.append("| engine | version | API | runtime | cgroup | storage | network |")
    lines.append("|---|---|---|---|---|---|---|")
    for e in engines:
        version = e.get("version") if e["available"] else f"unavailable: {e.get('error')}"
        lines.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    e["name"],
                    version,
                    e.get("api_version", ""),
                    e.get("runtime", ""),
                    e.get("cgroup_version", ""),
                    e.get("storage_driver", ""),
                    e.get("network_backend", ""),
                )
            )
            + " |"
        )
    counts: dict[str, int] = {}
    for s in document["scenarios"]:
        counts[s["verdict"]] = counts.get(s["verdict"], 0) + 1
    lines += ["", "| verdict | scenarios |", "|---|---|"]
    lines += [f"| {SYMBOLS.get(v, '')} {v} | {n} |" for v, n in sorted(counts.items())]
    attention = [s for s in document["scenarios"] if s["verdict"] != "portable"]
    if attention:
        lines += ["", "## Not portable", "", "| scenario | verdict | why |", "|---|---|---|"]
        for s in attention:
            why = [
                f"{d['key']}: " + ", ".join(f"{k}={v!r}" for k, v in d["values"].items())
                for d in s["differences"]
            ]
            why += [
                f"{kd['engine']} {kd['key']}: {kd['why']}" for kd in s.get("known_divergences", [])
            ]
            why += [f"{n}: {o['error']}" for n, o in s["engines"].items() if o.get("error")]
            lines.append(
                f"| `{s['id']}` | {SYMBOLS.get(s['verdict'], '')} {s['verdict']} | "
                f"{_cell('; '.join(why))[:600]} |"
            )
    return "\n".join(lines) + "\n"

"""Rule documentation: `harness lint --explain RULE` and docs/rules.md, from the registry."""

from __future__ import annotations

from pathlib import Path

from harness.lint.registry import Rule, all_rules

DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def explain(rule: Rule) -> str:
    evidence = ", ".join(rule.evidence) if rule.evidence else "none yet"
    return "\n".join(
        [
            f"{rule.id} ({rule.name}): {rule.title}",
            "",
            rule.description,
            "",
            f"Severity:  {rule.severity}",
            f"Applies:   {rule.engines_text()}",
            f"Fix:       {rule.fix}",
            f"Upstream:  {rule.link}",
            f"Evidence:  {evidence}",
        ]
    )


def _section(rule: Rule) -> list[str]:
    evidence = ", ".join(f"`{e}`" for e in rule.evidence) if rule.evidence else "none yet"
    return [
        f"### {rule.id} `{rule.name}`",
        "",
        f"**{rule.title}**",
        "",
        rule.description,
        "",
        f"- Severity: `{rule.severity}`",
        f"- Applies to: {rule.engines_text()}",
        f"- Fix: {rule.fix}",
        f"- Upstream: <{rule.link}>",
        f"- Evidence scenarios: {evidence}",
        "",
    ]


def render_markdown() -> str:
    """The whole of docs/rules.md; a test checks the committed file equals this."""
    rules = all_rules()
    lines = [
        "# `harness lint` rules",
        "",
        "Generated from the rule registry (`python -m harness.lint.docs`); do not edit.",
        "Severities: `breaks` (fails on the other engine), `differs` (runs, behaves",
        "differently), `info` (depends on the host or the version). With `--results`, a",
        "finding whose evidence scenarios were portable on your engines, or whose version",
        "range excludes them, is reported as `info`.",
        "",
        "| id | name | severity | applies to | evidence |",
        "|---|---|---|---|---|",
    ]
    for rule in rules:
        evidence = ", ".join(rule.evidence) or "-"
        lines.append(
            f"| {rule.id} | {rule.name} | {rule.severity} | {rule.engines_text()} | {evidence} |"
        )
    lines.append("")
    family = ""
    for rule in rules:
        if rule.family != family:
            family = rule.family
            lines += [f"## {family.replace('_', ' ')}", ""]
        lines += _section(rule)
    return "\n".join(lines)


if __name__ == "__main__":
    DOCS_PATH.write_text(render_markdown(), encoding="utf-8")
    print(f"wrote {DOCS_PATH}")

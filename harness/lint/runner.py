"""Run the rules over the inputs: selection, suppression, ordering."""

from __future__ import annotations

import os
from dataclasses import dataclass

from harness.lint.findings import Finding
from harness.lint.inputs import Inputs
from harness.lint.registry import Rule, all_rules
from harness.lint.suppress import is_suppressed, suppressions


@dataclass(frozen=True)
class Selection:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def wants(self, rule: Rule) -> bool:
        def hit(prefixes: tuple[str, ...]) -> bool:
            return any(rule.id.startswith(p.upper()) or rule.name == p for p in prefixes)

        return (not self.select or hit(self.select)) and not hit(self.ignore)


def display_path(path: str) -> str:
    """Relative to the working directory when below it, as given otherwise."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def lint(inputs: Inputs, selection: Selection | None = None) -> list[Finding]:
    chosen = selection or Selection()
    suppressions.cache_clear()  # files may have changed since a previous run in this process
    findings: list[Finding] = []
    seen: set[tuple[str, str, int, int]] = set()
    for rule in all_rules():
        if not chosen.wants(rule):
            continue
        for hit in rule.check(inputs):
            where = hit.location
            key = (rule.id, os.path.normpath(where.file), where.line, where.column)
            if key in seen or is_suppressed(where.file, where.line, rule.id):
                continue
            seen.add(key)
            findings.append(
                Finding(
                    rule,
                    display_path(where.file),
                    where.line,
                    where.column,
                    hit.message,
                    rule.severity,
                )
            )
    return sorted(findings, key=Finding.sort_key)


def lint_paths(
    paths: list[str],
    local_images: frozenset[str] = frozenset(),
    results: list[str] | None = None,
    selection: Selection | None = None,
) -> list[Finding]:
    """The whole lint as one call (for `harness check`): ScenarioError on bad input."""
    from harness.lint import measured
    from harness.lint.inputs import load_inputs

    findings = lint(load_inputs(paths, local_images), selection)
    if results:
        measured.apply(findings, measured.read_evidence(results))
    return findings

"""The rule registry: stable ids, one documented rule per entry (like ruff's).

A rule is metadata (id, title, severity, the engines and versions it applies to, the
fix, an upstream link, the scenario ids that demonstrate it) plus a check function
whose docstring is the rule's full documentation.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from packaging.specifiers import SpecifierSet

from harness.errors import Location

BREAKS, DIFFERS, INFO = "breaks", "differs", "info"
SEVERITIES = (BREAKS, DIFFERS, INFO)
RANK = {INFO: 0, DIFFERS: 1, BREAKS: 2}


@dataclass(frozen=True)
class Hit:
    """What a check found: where, and what to tell the user about this occurrence."""

    location: Location
    message: str


Check = Callable[..., Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    title: str
    severity: str
    engines: dict[str, str]  # engine family -> version specifier ("" = every version)
    fix: str
    link: str
    evidence: tuple[str, ...]
    check: Check = field(compare=False, repr=False)
    family: str = ""

    @property
    def description(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or self.title)

    def applies_to(self, family: str, version: str) -> bool | None:
        """Whether `family` at `version` is in range; None when the rule says nothing of it."""
        if family not in self.engines:
            return None
        spec = SpecifierSet(self.engines[family])
        try:
            return spec.contains(_release(version), prereleases=True)
        except ValueError:
            return None

    def engines_text(self) -> str:
        return ", ".join(f"{name} {spec}".strip() for name, spec in self.engines.items())


def _release(version: str) -> str:
    """`20.10.24+dfsg1` -> `20.10.24`: distribution suffixes are not part of the release."""
    head = version.split("+")[0].split("~")[0]
    digits = []
    for part in head.split("."):
        number = "".join(c for c in part if c.isdigit()) if part[:1].isdigit() else ""
        if not number:
            break
        digits.append(number)
    return ".".join(digits) or "0"


REGISTRY: dict[str, Rule] = {}


def rule(
    id: str,
    name: str,
    title: str,
    severity: str,
    engines: dict[str, str],
    fix: str,
    link: str,
    evidence: tuple[str, ...] = (),
) -> Callable[[Check], Check]:
    """Register the decorated check under `id`; ids are stable and never reused."""
    if severity not in SEVERITIES:
        raise ValueError(f"{id}: unknown severity {severity}")
    for spec in engines.values():
        SpecifierSet(spec)  # a malformed range is a programming error: fail at import

    def register(check: Check) -> Check:
        if id in REGISTRY:
            raise ValueError(f"duplicate rule id {id}")
        family = check.__module__.rsplit(".", 1)[-1]
        REGISTRY[id] = Rule(id, name, title, severity, engines, fix, link, evidence, check, family)
        return check

    return register


def all_rules() -> list[Rule]:
    """Every rule, loading the rule families on first use, sorted by id."""
    from harness.lint import rules  # noqa: F401  (importing registers the families)

    return [REGISTRY[key] for key in sorted(REGISTRY)]

"""Expectations per engine, differences across engines, and the verdict (a contract;
the verdicts are defined in `harness.verdict.enums`)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.model.scenario import KEY_MATCHERS, KnownDivergence, Scenario
from harness.model.versions import past_range, surface_kind
from harness.verdict.enums import Status, Verdict
from harness.verdict.observe import TIMING_SUFFIXES, normalize, scrub

VERDICTS = tuple(Verdict)


@dataclass
class Check:
    key: str
    expected: Any
    actual: Any
    ok: bool

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "expected": self.expected, "actual": self.actual, "ok": self.ok}


@dataclass
class EngineOutcome:
    """What one engine did with one scenario."""

    status: Status
    duration_s: float = 0.0
    checks: list[Check] = field(default_factory=list)
    observations: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    leftovers: list[str] = field(default_factory=list)
    # Raw twins: the value before the harness read it into its fact (observe.container_raw).
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class ScenarioVerdict:
    verdict: Verdict
    differences: list[dict[str, Any]] = field(default_factory=list)
    divergences: list[dict[str, Any]] = field(default_factory=list)
    stale_divergences: list[dict[str, Any]] = field(default_factory=list)
    # Declared for a range of versions this engine column is past, and not seen here.
    fixed_divergences: list[dict[str, Any]] = field(default_factory=list)
    # Differences a user's parser sees that do not change the verdict (see `representation`).
    representation: list[dict[str, Any]] = field(default_factory=list)


def matches(expected: Any, actual: Any) -> bool:
    """Literal equality, or one matcher: {contains|regex|one_of|gt|...: value}."""
    if not isinstance(expected, dict):
        return _equal(expected, actual)
    ((op, arg),) = expected.items()
    try:
        return bool(_MATCHERS[op](arg, actual))
    except TypeError:
        return False


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


_MATCHERS: dict[str, Any] = {
    "equals": _equal,
    "not_equals": lambda a, v: not _equal(a, v),
    "contains": lambda a, v: v is not None and a in v,
    "not_contains": lambda a, v: v is None or a not in v,
    "regex": lambda a, v: isinstance(v, str) and re.search(a, v) is not None,
    "one_of": lambda a, v: any(_equal(x, v) for x in a),
    "gt": lambda a, v: v is not None and v > a,
    "ge": lambda a, v: v is not None and v >= a,
    "lt": lambda a, v: v is not None and v < a,
    "le": lambda a, v: v is not None and v <= a,
    "present": lambda a, v: (v is not None) is bool(a),
    # [low, high], both inclusive: a plausible range for a measured figure.
    "between": lambda a, v: v is not None and not isinstance(v, bool) and a[0] <= v <= a[1],
}


def run_checks(scenario: Scenario, observations: dict[str, Any]) -> list[Check]:
    checks = []
    for key, exp in scenario.expect.items():
        actual = observations.get(key)
        op = next(iter(exp)) if isinstance(exp, dict) else None
        if op in KEY_MATCHERS:
            # Compare with another observation of this engine; show both in the check.
            # A missing observation on either side never satisfies the check.
            other = observations.get(exp[op])
            ok = None not in (other, actual) and matches({KEY_MATCHERS[op]: other}, actual)
            checks.append(Check(key, {op: {"key": exp[op], "value": other}}, actual, ok))
        else:
            checks.append(Check(key, exp, actual, matches(exp, actual)))
    return checks


def _compared_keys(scenario: Scenario) -> list[str]:
    literal = [k for k, v in scenario.expect.items() if not isinstance(v, dict)]
    return list(dict.fromkeys([*literal, *scenario.compare]))


def differ(values: list[Any]) -> bool:
    """Whether observations of one key disagree once run- and engine-specific noise is
    normalized away: the one difference rule, for verdicts and merged reports alike."""
    normalized = [normalize(v) for v in values]
    return any(not _equal(normalized[0], n) for n in normalized[1:])


def _differences(scenario: Scenario, ran: dict[str, EngineOutcome]) -> list[dict[str, Any]]:
    diffs = []
    for key in _compared_keys(scenario):
        values = {name: out.observations.get(key) for name, out in ran.items()}
        if differ(list(values.values())):
            diffs.append({"key": key, "values": values})
    return diffs


def representation(scenario: Scenario, ran: dict[str, EngineOutcome]) -> list[dict[str, Any]]:
    """Every key recorded on two or more engines, diffed on its raw value with only
    run-specific noise scrubbed: `kind` "spelling" when the normalized values agree
    (same fact, another spelling or shape: what the behaviour rule forgives), "value"
    when they differ on a key the scenario neither expects literally nor compares
    (recorded, so compared, but not a behaviour verdict). Timings are left out."""
    judged = set(_compared_keys(scenario))
    keys = sorted({k for o in ran.values() for k in (*o.observations, *o.raw)})
    found = []
    for key in keys:
        if key.endswith(TIMING_SUFFIXES):
            continue
        have = {n: o for n, o in ran.items() if key in o.observations or key in o.raw}
        if len(have) < 2:
            continue
        raw = {n: o.raw.get(key, o.observations.get(key)) for n, o in have.items()}
        scrubbed = [scrub(v) for v in raw.values()]
        if not any(not _equal(scrubbed[0], v) for v in scrubbed[1:]):
            continue
        spelled = not differ([o.observations.get(key) for o in have.values()])
        if spelled or key not in judged:
            kind = "spelling" if spelled else "value"
            found.append(
                {"key": key, "kind": kind, "values": {n: scrub(v) for n, v in raw.items()}}
            )
    return found


def equal_normalized(a: Any, b: Any) -> bool:
    return _equal(normalize(a), normalize(b))


def explains(
    kd: KnownDivergence, engine: str, key: str, outcome: EngineOutcome, version: str | None = None
) -> bool:
    """Whether `kd` accounts for engine column `engine` disagreeing on `key`."""
    if kd.key != key or not kd.applies_to(engine, version):
        return False
    return kd.observed is None or _equal(
        normalize(kd.observed), normalize(outcome.observations.get(key))
    )


def verdict(
    scenario: Scenario,
    outcomes: dict[str, EngineOutcome],
    versions: Mapping[str, str] | None = None,
) -> ScenarioVerdict:
    """Combine per-engine outcomes into the scenario's verdict; `versions` (column ->
    engine version) scopes known divergences declared for a range of versions."""
    if any(o.status == Status.ERROR for o in outcomes.values()):
        return ScenarioVerdict(Verdict.ERROR)
    # An engine that cannot do it (its own column says why) does not hide what the
    # others did: two or more that ran are compared among themselves.
    ran = {name: o for name, o in outcomes.items() if o.status != Status.UNSUPPORTED}
    if len(ran) < 2 and len(ran) < len(outcomes):
        return ScenarioVerdict(Verdict.UNSUPPORTED)
    versions = versions or {}
    diffs = _differences(scenario, ran) if len(ran) > 1 else []
    shapes = representation(scenario, ran) if len(ran) > 1 else []
    # Each disagreement is (engine, key): a failed check, or a value that differs.
    failed = {(name, c.key) for name, o in ran.items() for c in o.checks if not c.ok}
    disagreements = set(failed)
    for diff in diffs:
        disagreements.update((name, diff["key"]) for name in ran)
    explained, seen = _explained(scenario, ran, disagreements, versions)
    # A difference is explained when any engine's side of it is declared; an engine that
    # also fails the expectation there needs its own declaration (as its pytest item does).
    for diff in diffs:
        if any((name, diff["key"]) in explained for name in ran):
            explained.update(
                (name, diff["key"]) for name in ran if (name, diff["key"]) not in failed
            )
    stale, fixed = _unseen(scenario, ran, seen, versions)
    declared = [{**kd.model_dump(), "engine": column} for kd, column in seen]
    found = ScenarioVerdict(Verdict.PORTABLE, diffs, declared, stale, fixed, shapes)
    if not disagreements:
        return found
    if not disagreements - explained:
        found.verdict = Verdict.KNOWN
    elif _same_failures(ran) and not diffs:
        found.verdict = Verdict.FAILING
    else:
        found.verdict = Verdict.DIVERGENT
    return found


def _explained(
    scenario: Scenario,
    ran: dict[str, EngineOutcome],
    disagreements: set[tuple[str, str]],
    versions: Mapping[str, str],
) -> tuple[set[tuple[str, str]], list[tuple[KnownDivergence, str]]]:
    """The disagreements a declaration accounts for, and (declaration, column) seen."""
    explained: set[tuple[str, str]] = set()
    seen: list[tuple[KnownDivergence, str]] = []
    for kd in scenario.known_divergences:
        for column, outcome in ran.items():
            hits = {
                (e, k)
                for e, k in disagreements
                if e == column and explains(kd, e, k, outcome, versions.get(column))
            }
            explained |= hits
            if hits:
                seen.append((kd, column))
    return explained, seen


def _unseen(
    scenario: Scenario,
    ran: dict[str, EngineOutcome],
    seen: list[tuple[KnownDivergence, str]],
    versions: Mapping[str, str],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Declarations an engine column did not show: stale where they apply to its
    version, fixed in its version where the column is past their range."""
    stale: list[dict[str, Any]] = []
    fixed: list[dict[str, Any]] = []
    for kd in scenario.known_divergences:
        for column in ran:
            if surface_kind(column) != kd.engine or (kd, column) in seen:
                continue
            version = versions.get(column)
            if kd.applies_to(column, version):
                if not kd.intermittent:
                    stale.append({**kd.model_dump(), "engine": column})
            elif past_range(kd.versions, version):
                fixed.append({**kd.model_dump(), "engine": column, "fixed_in": version})
    return stale, fixed


def _same_failures(ran: dict[str, EngineOutcome]) -> bool:
    """Every engine failed, and on the same expectations with the same values."""
    failed_by = [
        {(c.key, repr(normalize(c.actual))) for c in o.checks if not c.ok} for o in ran.values()
    ]
    return all(failed_by) and all(s == failed_by[0] for s in failed_by)


def engine_status(checks: list[Check]) -> Status:
    return Status.PASS if all(c.ok for c in checks) else Status.FAIL

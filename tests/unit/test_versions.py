"""Known divergences scoped by engine version: which apply, which are fixed (pure logic)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from harness.model.versions import in_range, past_range, release, surface_kind
from harness.verdict.compare import EngineOutcome, run_checks, verdict
from harness.verdict.enums import Status, Verdict
from harness.verdict.item import judge
from tests.unit.test_compare import scenario

FILTERS = {"engine": "podman", "key": "a.stdout", "why": "ORs label filters", "versions": "<4.6"}


def _outcome(s: Any, stdout: str) -> EngineOutcome:
    checks = run_checks(s, {"a.stdout": stdout})
    ok = all(c.ok for c in checks)
    return EngineOutcome(Status.PASS if ok else Status.FAIL, 0, checks, {"a.stdout": stdout})


@pytest.mark.parametrize(
    ("text", "expected"),
    [("20.10.24+dfsg1", "20.10.24"), ("4.3.1", "4.3.1"), ("v26.1.5", "26.1.5"), ("", None)],
)
def test_release_reads_the_numbers_of_an_engine_version(text: str, expected: str | None) -> None:
    found = release(text)
    assert (str(found) if found else None) == expected


def test_ranges_and_surface_kinds() -> None:
    assert surface_kind("podman@5.4") == "podman" and surface_kind("docker") == "docker"
    assert in_range("<4.6", "4.3.1") and not in_range("<4.6", "5.4.2")
    assert in_range(None, "1.0") and in_range("<4.6", "")  # unknown counts as inside
    assert past_range("<4.6", "5.4.2") and not past_range("<4.6", "4.3.1")
    assert not past_range(">=5.0", "4.3.1")  # before a range is not "fixed"


def test_a_bad_range_is_a_load_error() -> None:
    with pytest.raises(ValidationError, match="invalid version range"):
        scenario({"a.stdout": "x"}, known=[{**FILTERS, "versions": "<<4"}])


def test_in_range_the_declaration_explains_the_divergence() -> None:
    s = scenario({"a.stdout": "x"}, known=[FILTERS])
    outcomes = {"docker": _outcome(s, "x"), "podman": _outcome(s, "y")}
    v = verdict(s, outcomes, {"docker": "20.10.24", "podman": "4.3.1"})
    assert v.verdict == Verdict.KNOWN and not v.fixed_divergences


def test_past_its_range_a_divergence_no_longer_seen_is_fixed_not_stale() -> None:
    s = scenario({"a.stdout": "x"}, known=[FILTERS])
    outcomes = {"docker": _outcome(s, "x"), "podman@5.4": _outcome(s, "x")}
    v = verdict(s, outcomes, {"docker": "26.1.5", "podman@5.4": "5.4.2"})
    assert v.verdict == Verdict.PORTABLE
    assert v.stale_divergences == []
    assert [(f["engine"], f["fixed_in"]) for f in v.fixed_divergences] == [("podman@5.4", "5.4.2")]


def test_past_its_range_a_divergence_still_seen_is_unexplained() -> None:
    s = scenario({"a.stdout": "x"}, known=[FILTERS])
    outcomes = {"docker": _outcome(s, "x"), "podman@5.4": _outcome(s, "y")}
    assert verdict(s, outcomes, {"podman@5.4": "5.4.2"}).verdict == Verdict.DIVERGENT


def test_one_declaration_judged_per_column_of_the_same_engine() -> None:
    s = scenario({"a.stdout": "x"}, known=[FILTERS])
    outcomes = {
        "docker": _outcome(s, "x"),
        "podman": _outcome(s, "y"),
        "podman@5.4": _outcome(s, "x"),
    }
    v = verdict(s, outcomes, {"podman": "4.3.1", "podman@5.4": "5.4.2"})
    assert v.verdict == Verdict.KNOWN
    assert [d["engine"] for d in v.divergences] == ["podman"]
    assert [d["engine"] for d in v.fixed_divergences] == ["podman@5.4"]


def test_an_item_past_the_range_is_judged_without_the_declaration() -> None:
    s = scenario({"a.stdout": "x"}, known=[FILTERS])
    assert judge(s, "podman", _outcome(s, "y"), "4.3.1").kind == "known"
    assert judge(s, "podman", _outcome(s, "x"), "5.4.2").kind == "passed"
    assert judge(s, "podman", _outcome(s, "y"), "5.4.2").kind == "failed"

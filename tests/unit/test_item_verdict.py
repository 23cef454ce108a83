"""How a pytest item judges its own engine's outcome; and the outcome's wire format."""

from __future__ import annotations

import math
from typing import Any

from harness.model.scenario import Scenario
from harness.results.codec import outcome_from_wire, outcome_to_wire
from harness.verdict.compare import Check, EngineOutcome
from harness.verdict.enums import ItemKind
from harness.verdict.item import decidable_divergences, judge

PASSED, FAILED, KNOWN = ItemKind.PASSED, ItemKind.FAILED, ItemKind.KNOWN
SKIPPED, BROKEN = ItemKind.SKIPPED, ItemKind.BROKEN


def scenario(known: list[dict[str, Any]]) -> Scenario:
    return Scenario.model_validate(
        {
            "schema": 1,
            "id": "t.s",
            "area": "t",
            "title": "t",
            "refs": ["https://x.invalid"],
            "steps": [{"run": {"name": "a", "image": "base"}}],
            "expect": {"a.stdout": "x\n", "a.exit_code": 0},
            "compare": ["a.inspect.Config.Cmd"],
            "known_divergences": known,
        }
    )


def outcome(stdout: str, cmd: Any = None) -> EngineOutcome:
    checks = [Check("a.stdout", "x\n", stdout, stdout == "x\n"), Check("a.exit_code", 0, 0, True)]
    return EngineOutcome(
        "pass" if stdout == "x\n" else "fail",
        checks=checks,
        observations={"a.stdout": stdout, "a.exit_code": 0, "a.inspect.Config.Cmd": cmd},
    )


KD = {"engine": "podman", "key": "a.stdout", "why": "w"}


def test_passing_outcome_passes() -> None:
    assert judge(scenario([]), "docker", outcome("x\n")).kind == PASSED


def test_failed_expectation_without_declaration_fails() -> None:
    found = judge(scenario([]), "docker", outcome("y\n"))
    assert found.kind == FAILED and [c.key for c in found.unexplained] == ["a.stdout"]


def test_declared_divergence_that_reproduces_is_known() -> None:
    found = judge(scenario([KD]), "podman", outcome("y\n"))
    assert found.kind == KNOWN and found.reproduced[0].key == "a.stdout"


def test_declaration_for_another_engine_explains_nothing() -> None:
    assert judge(scenario([KD]), "docker", outcome("y\n")).kind == FAILED


def test_declared_divergence_that_went_away_passes_so_strict_xfail_reports_it() -> None:
    assert judge(scenario([KD]), "podman", outcome("x\n")).kind == PASSED
    assert decidable_divergences(scenario([KD]), "podman")


def test_observed_value_must_match_to_explain() -> None:
    kd = {**KD, "observed": "z\n"}
    assert judge(scenario([kd]), "podman", outcome("y\n")).kind == FAILED
    assert judge(scenario([kd]), "podman", outcome("z\n")).kind == KNOWN


def test_observed_value_counts_even_when_a_loose_expectation_passes() -> None:
    kd = {**KD, "observed": "x\n"}  # the value differs from the other engine's, not wrong
    assert judge(scenario([kd]), "podman", outcome("x\n")).kind == KNOWN
    assert judge(scenario([kd]), "podman", outcome("y\n")).kind == FAILED


def test_compare_only_key_is_decidable_only_with_observed() -> None:
    bare = {"engine": "podman", "key": "a.inspect.Config.Cmd", "why": "w"}
    assert decidable_divergences(scenario([bare]), "podman") == []
    seen = {**bare, "observed": ["sh"]}
    assert judge(scenario([seen]), "podman", outcome("x\n", ["sh"])).kind == KNOWN
    assert judge(scenario([seen]), "podman", outcome("x\n", None)).kind == PASSED


def test_error_and_unsupported() -> None:
    assert judge(scenario([]), "docker", EngineOutcome("error", error="down")).kind == BROKEN
    found = judge(scenario([]), "docker", EngineOutcome("unsupported", error="no healthcheck"))
    assert found.kind == SKIPPED and "no healthcheck" in found.reason


def test_wire_round_trip_is_plain_data() -> None:
    original = EngineOutcome(
        "fail",
        duration_s=1.5,
        checks=[Check("a.x", {"gt": 1}, math.nan, False)],
        observations={"a.x": (1, 2), "a.obj": object(), "a.nan": math.nan},
        error=None,
        leftovers=["container:abc"],
    )
    wire = outcome_to_wire(original)
    back = outcome_from_wire(wire)
    assert back.observations["a.x"] == [1, 2]
    assert isinstance(back.observations["a.obj"], str)
    assert math.isnan(back.observations["a.nan"])
    assert back.leftovers == ["container:abc"] and back.checks[0].expected == {"gt": 1}

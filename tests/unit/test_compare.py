"""Verdicts from per-engine outcomes: pure logic, no engines."""

from __future__ import annotations

from typing import Any

import pytest

from harness.model.scenario import Scenario
from harness.verdict.compare import EngineOutcome, matches, run_checks, verdict
from harness.verdict.enums import Verdict

PORTABLE, DIVERGENT, KNOWN = Verdict.PORTABLE, Verdict.DIVERGENT, Verdict.KNOWN
FAILING, ERROR, UNSUPPORTED = Verdict.FAILING, Verdict.ERROR, Verdict.UNSUPPORTED


def scenario(
    expect: dict[str, Any],
    compare: list[str] | None = None,
    known: list[dict[str, Any]] | None = None,
) -> Scenario:
    return Scenario.model_validate(
        {
            "schema": 1,
            "id": "t.s",
            "area": "t",
            "title": "t",
            "refs": ["https://x.invalid"],
            "steps": [{"run": {"name": "a", "image": "base"}}],
            "expect": expect,
            "compare": compare or [],
            "known_divergences": known or [],
        }
    )


def outcome(s: Scenario, observations: dict[str, Any]) -> EngineOutcome:
    checks = run_checks(s, observations)
    return EngineOutcome(
        status="pass" if all(c.ok for c in checks) else "fail",
        checks=checks,
        observations=observations,
    )


@pytest.mark.parametrize(
    ("expected", "actual", "ok"),
    [
        (0, 0, True),
        (0, None, False),
        (0, False, False),
        (True, 1, False),
        ({"contains": "b"}, "abc", True),
        ({"contains": "z"}, None, False),
        ({"regex": "^a.c$"}, "abc", True),
        ({"regex": "x"}, 3, False),
        ({"one_of": [126, 127]}, 127, True),
        ({"ge": 2}, 2.5, True),
        ({"lt": 2}, None, False),
        ({"present": True}, "", True),
        ({"present": False}, None, True),
        ({"equals": {"a": 1}}, {"a": 1}, True),
        ({"not_equals": 1}, 2, True),
        ({"not_contains": "x"}, "abc", True),
    ],
)
def test_matchers(expected: Any, actual: Any, ok: bool) -> None:
    assert matches(expected, actual) is ok


def test_same_as_compares_with_another_observation_of_the_engine() -> None:
    s = scenario({"a.stdout": {"same_as": "h.link"}, "a.stderr": {"differs_from": "h.link"}})
    checks = run_checks(s, {"a.stdout": "ipc:[1]", "a.stderr": "ipc:[1]", "h.link": "ipc:[1]"})
    assert [c.ok for c in checks] == [True, False]
    assert checks[0].expected == {"same_as": {"key": "h.link", "value": "ipc:[1]"}}
    missing = run_checks(s, {"a.stdout": None, "a.stderr": "x"})
    assert [c.ok for c in missing] == [False, False]  # nothing observed proves nothing


def test_same_as_needs_a_step_field() -> None:
    with pytest.raises(ValueError, match="names another observation"):
        scenario({"a.stdout": {"same_as": "nodot"}})


def test_portable_when_all_hold_and_compared_values_agree() -> None:
    s = scenario({"a.exit_code": 0}, compare=["a.inspect.Config.Image"])
    obs = {"a.exit_code": 0, "a.inspect.Config.Image": "localhost/x:1"}
    other = {"a.exit_code": 0, "a.inspect.Config.Image": "x:1"}
    v = verdict(s, {"docker": outcome(s, other), "podman": outcome(s, obs)})
    assert v.verdict == PORTABLE
    assert v.differences == []


def test_divergent_on_compared_difference() -> None:
    s = scenario({"a.exit_code": 0}, compare=["a.stdout"])
    v = verdict(
        s,
        {
            "docker": outcome(s, {"a.exit_code": 0, "a.stdout": "x"}),
            "podman": outcome(s, {"a.exit_code": 0, "a.stdout": "y"}),
        },
    )
    assert v.verdict == DIVERGENT
    assert v.differences[0]["key"] == "a.stdout"


def test_known_divergence_explains_and_stale_is_reported() -> None:
    known = [
        {"engine": "podman", "key": "a.exit_code", "why": "w", "observed": 126},
        {"engine": "podman", "key": "a.stdout", "why": "gone"},
    ]
    s = scenario({"a.exit_code": 0, "a.stdout": ""}, known=known)
    v = verdict(
        s,
        {
            "docker": outcome(s, {"a.exit_code": 0, "a.stdout": ""}),
            "podman": outcome(s, {"a.exit_code": 126, "a.stdout": ""}),
        },
    )
    assert v.verdict == KNOWN
    assert [kd["key"] for kd in v.stale_divergences] == ["a.stdout"]


def test_intermittent_divergence_absent_is_not_stale() -> None:
    known = [
        {"engine": "podman", "key": "a.stdout", "why": "a race", "observed": "y"},
        {"engine": "podman", "key": "a.exit_code", "why": "w", "observed": 1, "intermittent": True},
    ]
    s = scenario({"a.exit_code": 0, "a.stdout": "x"}, known=known)
    same = {"a.exit_code": 0, "a.stdout": "x"}
    v = verdict(s, {"docker": outcome(s, same), "podman": outcome(s, same)})
    assert v.verdict == PORTABLE
    assert [kd["key"] for kd in v.stale_divergences] == ["a.stdout"]


def test_known_divergence_with_other_observed_value_does_not_explain() -> None:
    known = [{"engine": "podman", "key": "a.exit_code", "why": "w", "observed": 126}]
    s = scenario({"a.exit_code": 0}, known=known)
    v = verdict(
        s, {"docker": outcome(s, {"a.exit_code": 0}), "podman": outcome(s, {"a.exit_code": 1})}
    )
    assert v.verdict == DIVERGENT


def test_failing_when_every_engine_fails_alike() -> None:
    s = scenario({"a.exit_code": 0})
    v = verdict(
        s, {"docker": outcome(s, {"a.exit_code": 1}), "podman": outcome(s, {"a.exit_code": 1})}
    )
    assert v.verdict == FAILING


def test_error_wins_and_is_not_a_divergence() -> None:
    s = scenario({"a.exit_code": 0})
    v = verdict(
        s,
        {
            "docker": outcome(s, {"a.exit_code": 0}),
            "podman": EngineOutcome(status="error", error="down"),
        },
    )
    assert v.verdict == ERROR


def test_an_unsupported_engine_does_not_hide_the_others() -> None:
    s = scenario({"a.stdout": "x"})
    skip = EngineOutcome(status="unsupported", error="no such endpoint")
    ran = {"docker": outcome(s, {"a.stdout": "x"}), "podman": outcome(s, {"a.stdout": "y"})}
    assert verdict(s, {**ran, "third": skip}).verdict == DIVERGENT
    same = {"docker": ran["docker"], "podman": outcome(s, {"a.stdout": "x"})}
    assert verdict(s, {**same, "third": skip}).verdict == PORTABLE
    assert verdict(s, {"docker": ran["docker"], "third": skip}).verdict == UNSUPPORTED


def test_a_declared_engine_does_not_explain_another_engines_failed_expectation() -> None:
    """podman's side is declared; podman-docker-api fails the same way undeclared, which
    its own pytest item reports as a failure: the scenario verdict must agree."""
    known = [{"engine": "podman", "key": "a.stdout", "why": "w", "observed": "y"}]
    s = scenario({"a.stdout": "x"}, known=known)
    outcomes = {
        "docker": outcome(s, {"a.stdout": "x"}),
        "podman": outcome(s, {"a.stdout": "y"}),
        "podman-docker-api": outcome(s, {"a.stdout": "y"}),
    }
    assert verdict(s, outcomes).verdict == DIVERGENT
    del outcomes["podman-docker-api"]
    assert verdict(s, outcomes).verdict == KNOWN

"""Representation differences: the raw value beside the normalized one, compared with
only run-specific noise scrubbed; never a change of the behaviour verdict."""

from __future__ import annotations

from harness.model.scenario import Scenario
from harness.verdict.compare import EngineOutcome, representation, verdict
from harness.verdict.enums import Status, Verdict
from harness.verdict.observe import container_raw, scrub


def scenario(**extra: object) -> Scenario:
    data = {
        "schema": 1,
        "id": "t.repr",
        "area": "t",
        "title": "t",
        "refs": ["https://example.invalid/"],
        "steps": [{"cli": {"name": "s", "command": ["ps"]}}],
        **extra,
    }
    return Scenario.model_validate(data)


def outcome(observations: dict[str, object], raw: dict[str, object] | None = None) -> EngineOutcome:
    return EngineOutcome(Status.PASS, observations=observations, raw=raw or {})


def test_scrub_keeps_spelling_and_drops_run_noise() -> None:
    assert scrub("2026-11-30T04:28:08.691918611Z") == "<time.9Z>"
    assert scrub("2026-11-30T04:28:08Z") == "<time.0Z>"
    assert scrub("2026-11-30T04:28:08+01:00") == "<time.0+hh:mm>"
    assert scrub("8080/tcp -> 127.0.0.1:43121") == "8080/tcp -> 127.0.0.1:<port>"
    assert scrub("Exited (3) 2 seconds ago") == "Exited (3) <age> ago"
    assert scrub("Up About a minute") == "Up <age>"
    assert scrub("a" * 64) == "<id>"
    assert scrub("localhost/app:v1") == "localhost/app:v1"  # a spelling, kept


def test_spelling_is_listed_and_the_verdict_stays_portable() -> None:
    s = scenario(expect={"s.stdout": {"regex": "app"}}, compare=["s.stdout"])
    ran = {
        "docker": outcome({"s.stdout": "app:v1\n", "s.exit_code": 0}),
        "podman": outcome({"s.stdout": "localhost/app:v1\n", "s.exit_code": 0}),
    }
    found = representation(s, ran)
    assert found == [
        {
            "key": "s.stdout",
            "kind": "spelling",
            "values": {"docker": "app:v1\n", "podman": "localhost/app:v1\n"},
        }
    ]
    assert verdict(s, ran).verdict == Verdict.PORTABLE
    assert verdict(s, ran).representation == found


def test_unjudged_values_are_compared_but_timings_and_noise_are_not() -> None:
    s = scenario()
    ran = {
        "docker": outcome({"s.stderr": "No such container", "s.elapsed_s": 0.1, "s.id": "a" * 64}),
        "podman": outcome({"s.stderr": "no such container", "s.elapsed_s": 9.9, "s.id": "b" * 64}),
    }
    assert [(d["key"], d["kind"]) for d in representation(s, ran)] == [("s.stderr", "value")]


def test_raw_twins_are_compared_where_the_reading_changed_the_value() -> None:
    s = scenario(expect={"s.config.stop_signal": "SIGUSR1"})
    ran = {
        "docker": outcome({"s.config.stop_signal": "SIGUSR1"}),
        "podman": outcome({"s.config.stop_signal": "SIGUSR1"}, {"s.config.stop_signal": "10"}),
    }
    (found,) = representation(s, ran)
    assert found["kind"] == "spelling"
    assert found["values"] == {"docker": "SIGUSR1", "podman": "10"}
    raw = container_raw({"Config": {"StopSignal": 10, "Entrypoint": ""}, "State": {}})
    assert raw["config.stop_signal"] == 10
    assert raw["config.entrypoint"] == ""

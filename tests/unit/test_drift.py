"""Version drift between two columns of the same engine (pure logic over documents)."""

from __future__ import annotations

from typing import Any

from harness.results.drift import drift


def _engine(name: str, version: str) -> dict[str, Any]:
    return {"name": name, "version": version, "available": True}


def _scenario(sid: str, values: dict[str, str], failed: dict[str, list[str]]) -> dict[str, Any]:
    engines = {
        name: {
            "status": "fail" if failed.get(name) else "pass",
            "checks": [{"key": k, "ok": False} for k in failed.get(name, [])],
        }
        for name in values
    }
    return {"id": sid, "engines": engines, "differences": [{"key": "a.out", "values": values}]}


def test_fixed_and_introduced_between_two_versions_of_podman() -> None:
    document = {
        "engines": [
            _engine("docker", "20.10.24"),
            _engine("podman", "4.3.1"),
            _engine("podman@5.4", "5.4.2"),
        ],
        "scenarios": [
            # podman 4.3 differed from docker; 5.4 agrees: fixed
            _scenario("s.fixed", {"docker": "x", "podman": "y", "podman@5.4": "x"}, {}),
            # 5.4 fails an expectation 4.3 passed: introduced
            _scenario(
                "s.new",
                {"docker": "x", "podman": "x", "podman@5.4": "x"},
                {"podman@5.4": ["a.code"]},
            ),
            _scenario("s.same", {"docker": "x", "podman": "y", "podman@5.4": "y"}, {}),
        ],
    }
    (entry,) = drift(document)
    assert (entry["from"], entry["to"], entry["reference"]) == ("podman", "podman@5.4", "docker")
    assert entry["fixed"] == [{"scenario": "s.fixed", "keys": ["a.out"]}]
    assert entry["introduced"] == [{"scenario": "s.new", "keys": ["a.code"]}]
    assert entry["unchanged"] == 1


def test_no_drift_without_two_versions_of_one_engine() -> None:
    document = {
        "engines": [_engine("docker", "20.10.24"), _engine("podman", "4.3.1")],
        "scenarios": [],
    }
    assert drift(document) == []


def test_an_engine_that_did_not_run_a_scenario_is_left_out() -> None:
    scenario = _scenario("s.x", {"docker": "x", "podman": "y", "podman@5.4": "x"}, {})
    scenario["engines"]["podman@5.4"]["status"] = "error"
    document = {
        "engines": [
            _engine("docker", "1"),
            _engine("podman", "4.3.1"),
            _engine("podman@5.4", "5.4.2"),
        ],
        "scenarios": [scenario],
    }
    (entry,) = drift(document)
    assert entry["fixed"] == [] and entry["unchanged"] == 0


def _four() -> list[dict[str, Any]]:
    return [
        _engine("podman", "4.3.1"),
        _engine("podman@5.4", "5.4.2"),
        _engine("docker", "20.10.24+dfsg1"),
        _engine("docker@26.1", "26.1.5+dfsg1"),
    ]


def test_podman_is_measured_against_the_newest_docker_not_the_first_listed() -> None:
    values = {"docker": "old", "docker@26.1": "new", "podman": "old", "podman@5.4": "new"}
    document = {"engines": _four(), "scenarios": [_scenario("s.follows", values, {})]}
    podman, docker = drift(document)
    assert (podman["engine"], podman["reference"]) == ("podman", "docker@26.1")
    # 4.3 agreed with Docker 20.10 only; against 26.1 it diverged and 5.4 does not
    assert podman["fixed"] == [{"scenario": "s.follows", "keys": ["a.out"]}]
    assert (docker["from"], docker["to"], docker["reference"]) == ("docker", "docker@26.1", None)


def test_docker_pair_judges_expectations_and_lists_changed_values() -> None:
    values = {"docker": "old", "docker@26.1": "new", "podman": "x", "podman@5.4": "x"}
    failed = {"docker": ["a.code"]}
    document = {"engines": _four(), "scenarios": [_scenario("s.moved", values, failed)]}
    docker = drift(document)[1]
    assert docker["fixed"] == [{"scenario": "s.moved", "keys": ["a.code"]}]
    assert docker["introduced"] == []
    assert docker["changed"] == [{"scenario": "s.moved", "keys": ["a.out"]}]
    assert docker["unchanged"] == 0


def test_a_key_that_diverges_differently_on_both_versions_is_changed() -> None:
    values = {"docker": "x", "docker@26.1": "x", "podman": "125", "podman@5.4": "255"}
    document = {"engines": _four(), "scenarios": [_scenario("s.other", values, {})]}
    podman = drift(document)[0]
    assert podman["fixed"] == podman["introduced"] == []
    assert podman["changed"] == [{"scenario": "s.other", "keys": ["a.out"]}]

"""Format pieces for the networks and healthchecks areas: `same_as`, `{{ containers.STEP }}`
in exec commands, host facts, and a healthcheck run the engine answers with an error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness import steps
from harness.engines.base import ExecResult
from harness.errors import EngineError, ScenarioErrors
from harness.model.loader import LoadedScenario, load_scenario
from harness.model.scenario import Scenario
from harness.model.specs.containers import ExecSpec, HealthcheckRunSpec
from harness.steps import containers
from harness.steps.host_facts import default_interface, prefix_length
from harness.verdict.compare import run_checks

HEAD = "schema: 1\nid: t.x\narea: t\ntitle: t\nrefs: [https://x]\n"


def _scenario(expect: dict[str, Any]) -> Scenario:
    return Scenario.model_validate(
        {
            "schema": 1,
            "id": "t.s",
            "area": "t",
            "title": "t",
            "refs": ["https://x.invalid"],
            "steps": [{"run": {"name": "a", "image": "base"}}],
            "expect": expect,
        }
    )


def test_same_as_compares_with_another_observation_of_the_same_run() -> None:
    s = _scenario({"a.stdout": {"same_as": "a.other"}})
    assert run_checks(s, {"a.stdout": "vm\n", "a.other": "vm\n"})[0].ok
    assert not run_checks(s, {"a.stdout": "vm\n", "a.other": "host\n"})[0].ok
    # A missing reference never matches a present value.
    assert not run_checks(s, {"a.stdout": "vm\n"})[0].ok


def test_same_as_must_name_a_string_key() -> None:
    with pytest.raises(ValueError, match="same_as"):
        _scenario({"a.stdout": {"same_as": 3}})


def _load(tmp_path: Path, body: str) -> str:
    f = tmp_path / "s.yaml"
    f.write_text(HEAD + body)
    try:
        load_scenario(f)
    except ScenarioErrors as exc:
        return str(exc)
    return ""


def test_loader_checks_exec_placeholders_and_same_as(tmp_path: Path) -> None:
    ok = """
networks: {app: {}}
steps:
  - run: {name: srv, image: base, detach: true, network: app}
  - exec: {name: q, container: srv, command: [a, "{{ containers.srv }}", "{{ networks.app }}"]}
  - host_facts: {name: h}
expect:
  q.stdout: {same_as: h.hostname}
"""
    assert _load(tmp_path, ok) == ""
    later = """
steps:
  - run: {name: a, image: base, detach: true}
  - exec: {name: q, container: a, command: ["{{ containers.b }}"]}
  - run: {name: b, image: base}
"""
    assert "unknown placeholder {{ containers.b }}" in _load(tmp_path, later)
    bad_ref = "steps:\n  - run: {name: a, image: base}\nexpect:\n  a.stdout: {same_as: z.x}\n"
    assert "same_as 'z.x' names no step" in _load(tmp_path, bad_ref)


class _Engine:
    name = "fake"

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.commands: list[list[str]] = []

    def exec(self, cid: str, command: list[str], **kw: Any) -> ExecResult:
        self.commands.append(command)
        return ExecResult(0, b"", b"")

    def healthcheck_run(self, cid: str) -> Any:
        assert self.error is not None
        raise self.error


def _ctx(tmp_path: Path, engine: _Engine) -> steps.StepContext:
    loaded = LoadedScenario(_scenario({}), tmp_path / "s.yaml", None)  # type: ignore[arg-type]
    ctx = steps.StepContext(
        engine=engine,  # type: ignore[arg-type]
        loaded=loaded,
        run_id="r",
        labels={},
        images={},
    )
    ctx.containers.update({"srv": "id-srv", "cli": "id-cli"})
    ctx.names.update({"srv": "harness-r-t.s-fake-srv"})
    return ctx


def test_exec_expands_container_names(tmp_path: Path) -> None:
    engine = _Engine()
    ctx = _ctx(tmp_path, engine)
    containers.run_exec(
        ctx, ExecSpec(name="q", container="cli", command=["nslookup", "{{ containers.srv }}"])
    )
    assert engine.commands == [["nslookup", "harness-r-t.s-fake-srv"]]


def test_healthcheck_run_refusal_is_an_observation(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, _Engine(EngineError("healthcheck command exceeded timeout of 1s")))
    containers.healthcheck_run(ctx, HealthcheckRunSpec(name="h", container="srv"))
    assert ctx.observations["h.error"] == "healthcheck command exceeded timeout of 1s"
    assert ctx.observations["h.status"] is None


ROUTES = """Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
"""


def test_host_default_interface_and_prefix() -> None:
    assert default_interface(ROUTES) == "eth0"
    assert default_interface(ROUTES.splitlines()[0]) is None
    assert prefix_length("255.255.255.0") == 24
    assert prefix_length("255.255.0.0") == 16

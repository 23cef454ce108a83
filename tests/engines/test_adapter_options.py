"""No adapter changes an engine default silently: every query parameter and JSON
body key a step, a scenario image's build or the scenario's volumes and networks
send is either asked for by the scenario or listed in docs/engines.md ("Options
the adapters add"). Real engines, real requests, recorded at the transport seam."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from harness.engines.base import Engine
from harness.labels import new_run_id
from harness.model.loader import load_scenario
from harness.model.specs.containers import RunSpec
from harness.model.specs.resources import VolumeRmSpec
from harness.run.images import ImageCache
from harness.run.runner import run_one
from harness.verdict.enums import Status
from tests.engines import options_check, wire

SCENARIOS = sorted((Path(__file__).parent / "options_scenarios").glob("*.yaml.in"))


def _fresh(source: Path, into: Path) -> Path:
    """The scenario with a nonce in its Containerfiles, so its images are built now
    (kept as `.yaml.in`: the plugin would collect a `.yaml` under tests/ as a scenario)."""
    path = into / source.name.removesuffix(".in")  # .in: not collected as a scenario
    path.write_text(source.read_text().replace("{{ nonce }}", uuid.uuid4().hex))
    return path


@pytest.mark.engine
@pytest.mark.parametrize("source", SCENARIOS, ids=lambda p: p.stem)
def test_steps_send_only_asked_or_documented_options(
    engine: Engine, source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = wire.install(monkeypatch)
    loaded = load_scenario(_fresh(source, tmp_path))
    outcome = run_one(loaded, engine, ImageCache(engine, new_run_id()))
    if outcome.status == Status.ERROR:
        # Podman 4.3's build sometimes crashes under load ("nil pointer dereference"),
        # and a busy service may miss a deadline: once more, on the same recorder.
        outcome = run_one(loaded, engine, ImageCache(engine, new_run_id()))
    assert outcome.status == Status.PASS, (outcome.error, [c for c in outcome.checks if not c.ok])
    # Every step, image and the setup really sent requests: the check below saw them.
    phases = {id(r.phase) for r in recorder.requests}
    steps = [s.spec for s in loaded.scenario.steps]
    images = list(loaded.scenario.images.values())
    setup = [loaded.scenario] if loaded.scenario.volumes or loaded.scenario.networks else []
    silent = [p for p in [*steps, *images, *setup] if id(p) not in phases]
    assert not silent, f"sent no request: {[getattr(p, 'name', type(p).__name__) for p in silent]}"
    adapter = options_check.flavour(engine)
    found = options_check.unasked(adapter, recorder.requests, options_check.allowlist())
    assert not found, "options the scenario did not ask for, missing from docs/engines.md:\n" + (
        "\n".join(found)
    )


def _request(phase: object, body: object = None, **params: str) -> wire.Request:
    return wire.Request(phase, "POST", "/v1.41/containers/create", tuple(params.items()), body)


def test_an_undocumented_option_is_reported() -> None:
    run = RunSpec(name="c", image="base")
    table = options_check.allowlist()
    labels = {"io.harness.run": "r"}
    sent = {"Image": "x", "Tty": True, "HostConfig": {"Memory": 1}, "Labels": labels}
    found = options_check.unasked("docker", [_request(run, sent, name="h-c")], table)
    # Tty is allowed as false only; Memory was not asked; the rest is asked or listed.
    assert found == [
        "HostConfig.Memory=1 in POST /containers/create (step 'c' (run), docker)",
        "Tty=true in POST /containers/create (step 'c' (run), docker)",
    ]


def test_a_teardown_row_does_not_allow_a_step_option() -> None:
    """`v=True` (anonymous volumes go too) is teardown's; a `remove` step must not send it."""
    rm = VolumeRmSpec(name="r", volume="v")
    request = wire.Request(rm, "DELETE", "/v1.41/containers/abc", (("v", "True"),), None)
    found = options_check.unasked("docker", [request], options_check.allowlist())
    assert found == ["?v=True in DELETE /containers/abc (step 'r' (volume_rm), docker)"]


def test_an_asked_option_needs_no_row() -> None:
    run = RunSpec(name="c", image="base", memory="64m")
    found = options_check.unasked(
        "docker", [_request(run, {"HostConfig": {"Memory": 1}})], options_check.allowlist()
    )
    assert found == []

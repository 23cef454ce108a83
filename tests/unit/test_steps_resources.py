"""Step handlers' pure logic with a fake engine: resources, prune mapping, host facts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from harness import steps
from harness.engines.base import ExecResult, Unsupported
from harness.errors import EngineError
from harness.labels import SCOPE, resource_labels
from harness.model.loader import LoadedScenario
from harness.model.scenario import Scenario
from harness.model.specs.containers import RemoveSpec, StopSpec
from harness.model.specs.host import HostNsSpec
from harness.model.specs.resources import (
    PruneVolumesSpec,
    VolumeInspectSpec,
    VolumeLsSpec,
    VolumeRmSpec,
)
from harness.steps import containers
from harness.steps import host as host_steps
from harness.steps import resources as resource_steps


class FakeEngine:
    name = "fake"

    def __init__(self) -> None:
        self.volumes: dict[str, dict[str, Any]] = {}
        self.pruned_with: dict[str, str] | None = None
        self.in_use: set[str] = set()

    def create_volume(self, name: str, labels: dict[str, str], options: Any = None) -> str:
        self.volumes[name] = {
            "Name": name,
            "Driver": "local",
            "Scope": "local",
            "Mountpoint": f"/v/{name}",
            "Labels": labels,
            "Options": options or {},
        }
        return name

    def create_network(self, name: str, labels: dict[str, str], internal: bool = False) -> str:
        return "net-id"

    def inspect_volume(self, name: str) -> dict[str, Any]:
        if name not in self.volumes:
            raise EngineError(f"no such volume {name}")
        return self.volumes[name]

    def remove_volume(self, name: str, force: bool = False) -> None:
        if name in self.in_use and not force:
            raise EngineError("volume is in use")
        self.volumes.pop(name)

    def prune_volumes(self, labels: dict[str, str]) -> list[str]:
        self.pruned_with = labels
        return ["someone-elses", *[n for n in self.volumes if n not in self.in_use]]

    def stop(self, cid: str, timeout: int | None = None) -> None:
        pass

    def logs(self, cid: str) -> tuple[bytes, bytes]:
        return b"bye\n", b""

    def inspect_container(self, cid: str) -> dict[str, Any]:
        return {
            "State": {"Status": "exited", "ExitCode": 143},
            "Config": {},
            "Mounts": [{"Type": "volume", "Name": "anon123", "Destination": "/data"}],
        }

    def remove_container(self, cid: str, force: bool = True) -> None:
        if not force:
            raise EngineError("cannot remove a running container")

    def healthcheck_run(self, cid: str) -> Any:
        raise Unsupported("no such endpoint")

    def exec(self, cid: str, command: list[str], **kw: Any) -> ExecResult:
        return ExecResult(0, b"content\n", b"")


def _ctx(tmp_path: Path, **scenario: Any) -> steps.StepContext:
    data = {
        "schema": 1,
        "id": "t.x",
        "area": "t",
        "title": "t",
        "refs": ["https://x"],
        "steps": [{"run": {"name": "c", "image": "base"}}],
        **scenario,
    }
    loaded = LoadedScenario(Scenario.model_validate(data), tmp_path / "s.yaml", None)  # type: ignore[arg-type]
    ctx = steps.StepContext(
        engine=FakeEngine(),
        loaded=loaded,
        run_id="20260101T000000Z-abcdef",  # type: ignore[arg-type]
        labels=resource_labels("20260101T000000Z-abcdef", "t.x", "fake"),
        images={},
        tmp=tmp_path,
    )
    resource_steps.create_resources(ctx)
    return ctx


def test_create_resources_names_labels_and_files(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, volumes={"data": {"labels": {"a": "b"}}}, host_files={"d/f.txt": "hi"})
    real = ctx.volumes["data"]
    assert real.startswith("h-") and real.endswith("-vol-data")
    assert ctx.engine.inspect_volume(real)["Labels"] == {"a": "b", **ctx.labels}
    assert (tmp_path / "d" / "f.txt").read_text() == "hi"
    assert ctx.expand("{{ tmp }}/d:{{ volumes.data }}") == f"{tmp_path}/d:{real}"


def test_host_ns_reads_the_harness_own_namespace(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    host_steps.host_ns(ctx, HostNsSpec(name="h", ns="ipc"))
    assert ctx.observations["h.link"] == os.readlink("/proc/self/ns/ipc")
    assert ctx.observations["h.link"].startswith("ipc:[")


def test_host_files_cannot_escape(tmp_path: Path) -> None:
    with pytest.raises(EngineError):
        _ctx(tmp_path / "in", host_files={"../evil": "x"})


def test_prune_maps_names_and_counts_foreign(tmp_path: Path) -> None:
    assert resource_steps.prune_result(["x1", "other"], {"a": "x1", "b": "x2"}) == (["a"], 1)
    ctx = _ctx(tmp_path, volumes={"a": {}, "b": {}})
    ctx.engine.in_use.add(ctx.volumes["b"])  # type: ignore[attr-defined]
    resource_steps.prune_volumes(ctx, PruneVolumesSpec(name="p"))
    assert ctx.observations["p.removed"] == ["a"]
    assert ctx.observations["p.foreign"] == 1
    # One label naming run, scenario and engine: Podman 4.3 ORs several label filters.
    assert ctx.engine.pruned_with == {SCOPE: f"{ctx.run_id}/t.x/fake"}  # type: ignore[attr-defined]


def test_volume_rm_records_refusal(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, volumes={"a": {}})
    ctx.engine.in_use.add(ctx.volumes["a"])  # type: ignore[attr-defined]
    resource_steps.volume_rm(ctx, VolumeRmSpec(name="rm", volume="a"))
    assert ctx.observations["rm.removed"] is False
    assert "in use" in ctx.observations["rm.error"]


def test_volume_inspect_facts_and_anonymous(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, volumes={"a": {"labels": {"k": "v"}}})
    resource_steps.volume_inspect(ctx, VolumeInspectSpec(name="i", volume="a"))
    assert ctx.observations["i.labels"] == {"k": "v"}
    assert ctx.observations["i.mountpoint_present"] is True
    ctx.containers["c"] = "cid"
    ctx.remember("c", ctx.engine.inspect_container("cid"))
    assert ctx.anonymous == {"anon123"}
    spec = VolumeInspectSpec.model_validate(
        {"name": "j", "anonymous": {"container": "c", "target": "/data"}}
    )
    resource_steps.volume_inspect(ctx, spec)
    assert ctx.observations["j.anonymous_found"] is True
    assert ctx.observations["j.exists"] is False
    assert "no such volume" in ctx.observations["j.error"]


def test_path_facts(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    (tmp_path / "f").chmod(0o640)
    facts = host_steps.path_facts(tmp_path / "f")
    assert facts["exists"] and not facts["is_dir"] and facts["mode"] == "640"
    assert facts["content"] == "x"
    assert host_steps.path_facts(tmp_path / "missing")["exists"] is False


def test_stop_and_remove_record(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    ctx.containers["c"] = "cid"
    containers.stop(ctx, StopSpec(name="s", container="c", timeout=1))
    assert ctx.observations["s.exit_code"] == 143
    assert ctx.observations["s.stdout"] == "bye\n"
    assert ctx.observations["s.duration_s"] >= 0
    containers.remove(ctx, RemoveSpec(name="r", container="c"))
    assert ctx.observations["r.removed"] is False


def test_unsupported_propagates(tmp_path: Path) -> None:
    from harness.model.specs.containers import HealthcheckRunSpec

    ctx = _ctx(tmp_path)
    ctx.containers["c"] = "cid"
    with pytest.raises(Unsupported):
        containers.healthcheck_run(ctx, HealthcheckRunSpec(name="h", container="c"))


def test_volume_ls_keeps_the_scenarios_volumes_and_needs_the_protocol(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, volumes={"a": {}, "b": {}})
    with pytest.raises(Unsupported, match="list_volumes"):
        resource_steps.volume_ls(ctx, VolumeLsSpec(name="ls", labels={"k": "v"}))
    seen: list[dict[str, str]] = []

    def list_volumes(labels: dict[str, str]) -> list[str]:
        seen.append(labels)
        return ["someone-elses", ctx.volumes["b"], ctx.volumes["a"]]

    ctx.engine.list_volumes = list_volumes  # type: ignore[attr-defined]
    resource_steps.volume_ls(ctx, VolumeLsSpec(name="ls", labels={"k": "v"}))
    assert ctx.observations["ls.volumes"] == ["a", "b"]
    assert seen == [{"k": "v"}]  # the scenario's labels only, as a user's filter


def test_a_symlink_planted_in_tmp_does_not_become_a_host_bind(tmp_path: Path) -> None:
    from harness.model.specs.containers import RunSpec
    from harness.steps.containers import _container_spec

    ctx = _ctx(tmp_path)
    ctx.images["base"] = "harness-base:x"
    (tmp_path / "link").symlink_to("/")
    spec = RunSpec.model_validate(
        {
            "name": "c",
            "image": "base",
            "mounts": [{"type": "bind", "source": "{{ tmp }}/link/etc", "target": "/x"}],
        }
    )
    with pytest.raises(EngineError, match="leaves the scenario's"):
        _container_spec(ctx, spec)
    (tmp_path / "real").mkdir()
    ok = spec.model_copy(
        update={"mounts": [spec.mounts[0].model_copy(update={"source": "{{ tmp }}/real"})]}
    )
    assert _container_spec(ctx, ok).mounts[0].source == str(tmp_path / "real")

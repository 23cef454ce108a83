"""Pure logic of the registry, stats and compose steps (no engines)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness import local_registry as registry
from harness.engines._util import split_ref, timestamp_ns
from harness.engines.base import StatsSample
from harness.errors import EngineError
from harness.model import compose_file
from harness.steps.compose import gating, project_name, service_facts
from harness.steps.stats import cpu_percent, facts
from harness.verdict.compare import matches


def test_split_ref_tags_ports_and_digests() -> None:
    assert split_ref("127.0.0.1:5000/a/b:v1") == ("127.0.0.1:5000/a/b", "v1")
    assert split_ref("127.0.0.1:5000/a/b") == ("127.0.0.1:5000/a/b", None)
    assert split_ref("r/a@sha256:ab") == ("r/a", "sha256:ab")


def test_timestamp_ns_reads_nanoseconds_and_offsets() -> None:
    a = timestamp_ns("2026-11-28T01:00:00.000000001Z")
    b = timestamp_ns("2026-11-28T02:00:00.5+01:00")
    assert a is not None and b is not None
    assert b - a == 500_000_000 - 1
    assert timestamp_ns("0001-01-01T00:00:00Z") is None
    assert timestamp_ns("") is None


def test_registry_refs_stay_on_the_local_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARNESS_REGISTRY", raising=False)
    ref = registry.qualify("app", "harness/ns")
    assert ref == "127.0.0.1:5000/harness/ns/app:latest"
    assert registry.split(ref) == ("harness/ns/app", "latest")
    with pytest.raises(EngineError):
        registry.require_local("docker.io/library/busybox:latest")
    with pytest.raises(EngineError):
        registry.qualify("Bad Name", "harness/ns")
    monkeypatch.setenv("HARNESS_REGISTRY", "10.0.0.1:5000")
    with pytest.raises(EngineError):
        registry.address()


def test_registry_namespaces_differ_per_engine() -> None:
    assert registry.prefix("run-abcdef", "s.x", "docker") != registry.prefix(
        "run-abcdef", "s.x", "podman"
    )


def sample(cpu_ns: int | None, **kw: Any) -> StatsSample:
    return StatsSample(
        memory_usage=kw.get("mem"),
        memory_limit=None,
        cpu_total_ns=cpu_ns,
        pids=1,
        engine_cpu_percent=None,
        raw={"b": 1, "a": 2},
    )


def test_cpu_percent_is_cpu_time_over_wall_time() -> None:
    assert cpu_percent(sample(0), sample(1_000_000_000), 2.0) == 50.0
    assert cpu_percent(sample(None), sample(5), 1.0) is None
    assert cpu_percent(sample(0), sample(5), 0) is None


def test_stats_facts_list_only_given_fields() -> None:
    got = facts(sample(10, mem=100))
    assert got["fields"] == ["memory_usage", "cpu_total_ns", "pids"]
    assert got["raw_keys"] == ["a", "b"]


def test_between_matcher_is_inclusive_and_rejects_non_numbers() -> None:
    assert matches({"between": [1, 3]}, 1)
    assert matches({"between": [1, 3]}, 3.0)
    assert not matches({"between": [1, 3]}, 3.5)
    assert not matches({"between": [1, 3]}, None)
    assert not matches({"between": [0, 3]}, True)


COMPOSE = """\
services:
  db:
    image: "{{ base }}"
    labels: [own=1]
  web:
    image: "{{ images.app }}"
    depends_on:
      db: {condition: service_healthy}
volumes:
  data: {}
"""


def test_compose_file_checks_images_and_renders_labels(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(COMPOSE)
    doc = compose_file.load(path)
    assert compose_file.problems(doc, {"app"}) == []
    assert compose_file.problems(doc, set()) != []
    assert compose_file.healthy_dependencies(doc) == {"web": ["db"]}
    rendered = compose_file.render(doc, {"base": "b:1", "app": "a:1"}, {"io.harness.run": "r"})
    assert "image: b:1" in rendered and "image: a:1" in rendered
    assert rendered.count("io.harness.run: r") == 3
    assert "own: '1'" in rendered


def test_compose_file_refuses_build_and_foreign_images(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("services:\n  a: {build: .}\n  b: {image: busybox}\n")
    found = compose_file.problems(compose_file.load(path), set())
    assert any("'build'" in p for p in found)
    assert sum("image must be" in p for p in found) == 2


def doc(started: str, passes: list[str] | None = None, running: bool = True) -> dict[str, Any]:
    log = [{"End": t, "ExitCode": 0} for t in passes or []]
    return {
        "State": {
            "Running": running,
            "StartedAt": started,
            "Health": {"Status": "healthy" if passes else "starting", "Log": log},
        }
    }


def test_gating_needs_a_pass_before_the_dependent_started() -> None:
    deps = {"web": ["db"]}
    gated = {
        "db": doc("2026-01-01T00:00:00Z", ["2026-01-01T00:00:02Z"]),
        "web": doc("2026-01-01T00:00:03Z"),
    }
    assert gating(gated, deps) == {"web": True}
    early = {"db": gated["db"], "web": doc("2026-01-01T00:00:01Z")}
    assert gating(early, deps) == {"web": False}
    never = {"db": doc("2026-01-01T00:00:00Z"), "web": doc("2026-01-01T00:00:03Z")}
    assert gating(never, deps) == {"web": False}
    facts_ = service_facts(gated, deps)
    assert facts_["start_order"] == ["db", "web"]
    assert facts_["health.db"] == "healthy"


def test_project_names_are_plain_lowercase() -> None:
    name = project_name("20261128T000000Z-AbC123", "compose.app", "docker")
    assert name == name.lower() and name.isalnum()

"""Registry, stats and compose adapter methods against the real engines."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from harness import local_registry as registry
from harness.engines.base import ContainerSpec, Engine, Unsupported
from harness.errors import EngineError
from harness.labels import RUN, new_run_id, resource_labels
from harness.run.images import ImageCache

pytestmark = pytest.mark.engine


@pytest.fixture
def run_id(engine: Engine) -> Iterator[str]:
    rid = new_run_id()
    yield rid
    engine.remove_labelled({RUN: rid})


def test_stats_of_a_sleeping_container(engine: Engine, run_id: str) -> None:
    base = ImageCache(engine, run_id).base()
    cid = engine.create_container(
        ContainerSpec(
            image=base,
            name=f"h-test-{uuid.uuid4().hex[:10]}",
            labels=resource_labels(run_id, "stack.stats"),
            command=["sleep", "60"],
            memory="64m",
        )
    )
    engine.start(cid)
    sample = engine.stats(cid)
    assert sample.memory_limit == 64 * 1024 * 1024
    assert sample.memory_usage is not None and 0 < sample.memory_usage < sample.memory_limit
    assert sample.pids == 1
    assert sample.cpu_total_ns is not None and sample.taken_ns is not None
    assert sample.raw


def test_push_remove_pull_round_trip(engine: Engine, run_id: str) -> None:
    if engine.name not in ("docker", "podman"):
        # Docker's API has no per-request plain-HTTP switch: on Podman's Docker-compatible
        # API a push to 127.0.0.1 needs the service started with the harness registries.conf.
        pytest.skip(f"{engine.name}: registry round trip is checked on docker and podman")
    if not registry.reachable():
        pytest.skip(f"no local registry at {registry.address()} (scripts/setup.sh starts it)")
    base = ImageCache(engine, run_id).base()
    namespace = registry.prefix(run_id, "stack.test", engine.name)
    ref = registry.qualify("probe:t", namespace)
    repo, tag = registry.split(ref)
    try:
        engine.tag_image(base, ref)
        engine.push_image(ref)
        served = registry.manifest(repo, tag)
        assert served is not None and served.digest.startswith("sha256:")
        engine.remove_image(ref)
        assert not engine.image_exists(ref)
        pulled = engine.pull_image(ref)
        assert pulled.removeprefix("sha256:") == str(engine.inspect_image(base)["Id"]).removeprefix(
            "sha256:"
        )
    finally:
        engine.remove_image(ref)
        assert registry.delete_repository(repo) == []
    assert registry.tags(repo) == []


def test_push_and_pull_refuse_other_registries(engine: Engine) -> None:
    with pytest.raises(EngineError, match="only"):
        engine.pull_image("docker.io/library/busybox:latest")
    with pytest.raises(EngineError, match="only"):
        engine.push_image("quay.io/someone/thing:latest")


def test_compose_cli_names_a_tool(engine: Engine) -> None:
    try:
        cli = engine.compose_cli()
    except Unsupported as exc:  # a probed refusal (podman-docker-api), not a failure
        assert str(exc), "an unsupported compose surface must say why"
        pytest.skip(str(exc))
    assert cli.argv and cli.argv[0].endswith("compose")

"""Kill real `harness run` processes mid-scenario: SIGINT/SIGTERM must tear down and
write partial results; after SIGKILL the next run or `harness clean` removes what
was left, and nothing else (a live run's resources, the user's own)."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.engines.base import BuildRequest, ContainerSpec, Engine
from harness.errors import EngineError
from harness.labels import CACHE, OWNER, RUN, owner
from harness.results.document import validate
from harness.run.images import ImageCache
from tests.e2e.crash_support import (
    BOTH,
    count_owned,
    engines,
    hang_scenario,
    harness,
    owner_of,
    start_run,
    stop,
    wait_for_containers,
)

pytestmark = [pytest.mark.engine, pytest.mark.slow]


@pytest.fixture
def both() -> Iterator[list[Engine]]:
    found = engines()
    for engine in found:
        info = engine.info()
        if not info.available:
            pytest.skip(f"{engine.name} unavailable: {info.error}")
    yield found
    for engine in found:
        engine.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_interrupt_tears_down_and_writes_partial_results(
    both: list[Engine], tmp_path: Path, sig: signal.Signals
) -> None:
    scenario = hang_scenario(tmp_path)
    out = tmp_path / "out"
    proc = start_run(str(scenario), *BOTH, "-j", "2", "-q", "--out", str(out))
    own = owner_of(proc.pid)
    try:
        wait_for_containers(own, both, proc)
        stdout, stderr = stop(proc, sig)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, stdout + stderr
    assert "Traceback" not in stderr
    assert f"interrupted by {sig.name}" in stdout
    document = json.loads((out / "results.json").read_text())
    validate(document)
    assert document["run"]["incomplete"] is True
    for name in ("report.html", "junit.xml", "summary.md"):
        assert (out / name).stat().st_size > 0
    for engine in both:
        assert count_owned(engine, own) == 0, engine.name


def _plant(engine: Engine, name: str, labels: dict[str, str]) -> str:
    return engine.create_volume(f"safety-{name}-{os.getpid()}", labels)


@pytest.mark.parametrize("recovery", ["clean", "next-run"])
def test_sigkill_leftovers_are_swept_and_nothing_else(
    both: list[Engine], tmp_path: Path, recovery: str
) -> None:
    scenario = hang_scenario(tmp_path)
    proc = start_run(str(scenario), *BOTH, "-j", "2", "-q", "--out", str(tmp_path / "killed"))
    own = owner_of(proc.pid)
    planted: list[tuple[Engine, str]] = []
    try:
        wait_for_containers(own, both, proc)
        proc.kill()
        proc.communicate(timeout=60)
        left = {e.name: count_owned(e, own) for e in both}
        # container, volume and network on each engine: really left behind by the kill
        assert all(n >= 3 for n in left.values()), left
        for engine in both:
            # another run in progress (this live process) and the user's own volume
            planted.append((engine, _plant(engine, "live", {RUN: "live-run", OWNER: owner()})))
            planted.append((engine, _plant(engine, "user", {"purpose": "users-own"})))
        if recovery == "clean":
            done = harness("clean")
            assert done.returncode == 0, done.stdout + done.stderr
        else:
            done = harness(
                "run",
                "scenarios/entrypoint/exec-entry-exec-cmd.yaml",
                "-q",
                "--out",
                str(tmp_path / "next"),
            )
            assert done.returncode in (0, 1), done.stdout + done.stderr
            stale = json.loads((tmp_path / "next" / "results.json").read_text())["run"]
            assert all(stale["stale_removed"][e.name] >= left[e.name] for e in both), stale
        for engine in both:
            assert count_owned(engine, own) == 0, engine.name
            for eng, volume in planted:
                if eng is engine:
                    engine.inspect_volume(volume)  # still there: raises if it was removed
    finally:
        if proc.poll() is None:
            proc.kill()
        for engine, volume in planted:
            engine.remove_volume(volume, force=True)
        for engine in both:
            engine.remove_labelled({OWNER: own})


def test_clean_leaves_a_live_runs_resources(both: list[Engine]) -> None:
    """`harness clean` in one shell while a run is going in another."""
    planted = [(e, _plant(e, "running", {RUN: "running", OWNER: owner()})) for e in both]
    try:
        done = harness("clean")
        assert done.returncode == 0, done.stderr
        for engine, volume in planted:
            engine.inspect_volume(volume)
    finally:
        for engine, volume in planted:
            engine.remove_volume(volume, force=True)


def _build(engine: Engine, request: BuildRequest) -> None:
    """Podman 4.3's shared storage sometimes loses a layer while other processes
    remove images ("layer not known"); that is not what this test is about."""
    for attempt in range(3):
        try:
            engine.build(request)
            return
        except EngineError:
            if attempt == 2:
                raise
            time.sleep(2)


def test_clean_images_removes_unused_cache_images_only(both: list[Engine], tmp_path: Path) -> None:
    for engine in both:
        base = ImageCache(engine, "safety-images").base()
        unique = f"safety-{os.getpid()}-{engine.name}"
        tags = [f"harness-safety-{n}:{unique}" for n in ("unused", "used")]
        for tag in tags:  # two different images (same content would be one image, two tags)
            (tmp_path / "Containerfile").write_text(f"FROM {base}\nLABEL purpose={tag}\n")
            _build(engine, BuildRequest(tmp_path, "Containerfile", tag, {CACHE: unique}))
        used = engine.create_container(
            ContainerSpec(image=engine.image_ref(tags[1]), name=unique, labels={RUN: unique})
        )
        try:
            removed = engine.remove_cache_images(f"{CACHE}={unique}")
            assert len(removed) == 1
            assert not engine.image_exists(engine.image_ref(tags[0]))
            assert engine.image_exists(engine.image_ref(tags[1]))
        finally:
            engine.remove_container(used)
            engine.remove_cache_images(f"{CACHE}={unique}")
        assert not engine.image_exists(engine.image_ref(tags[1]))

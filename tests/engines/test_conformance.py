"""Each adapter against its real engine: the protocol does what the runner relies on."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.engines.base import BuildRequest, ContainerSpec, Engine, Unsupported
from harness.errors import EngineError, ImageMissing
from harness.labels import CACHE, RUN, SCENARIO, new_run_id, resource_labels
from harness.run.images import ImageCache

pytestmark = pytest.mark.engine


@pytest.fixture
def run_id(engine: Engine) -> Iterator[str]:
    rid = new_run_id()
    yield rid
    engine.remove_labelled({RUN: rid})
    assert not any(engine.list_labelled({RUN: rid}).values())


@pytest.fixture
def base(engine: Engine, run_id: str) -> str:
    return ImageCache(engine, run_id).base()


def spec(base: str, run_id: str, **kw: object) -> ContainerSpec:
    return ContainerSpec(
        image=base,
        name=f"h-test-{uuid.uuid4().hex[:10]}",
        labels=resource_labels(run_id, "conformance.test"),
        **kw,
    )  # type: ignore[arg-type]


def test_fingerprint(engine: Engine) -> None:
    info = engine.info()
    assert info.available and info.version and info.api_version
    assert info.runtime and info.cgroup_version and info.storage_driver
    assert info.network_backend and info.default_build_format in info.build_formats


def test_base_image_is_cached_by_content(engine: Engine, run_id: str) -> None:
    first = ImageCache(engine, run_id)
    ref = first.base()
    again = ImageCache(engine, run_id)
    assert again.base() == ref
    assert again.stats.builds == 0 and again.stats.reused == 1
    assert engine.image_exists(ref)


def test_create_start_wait_logs_inspect(engine: Engine, base: str, run_id: str) -> None:
    cid = engine.create_container(
        spec(base, run_id, command=["sh", "-c", "echo out; echo err >&2; exit 3"], env={"A": "1"})
    )
    engine.start(cid)
    assert engine.wait(cid, timeout=30).exit_code == 3
    assert engine.logs(cid) == (b"out\n", b"err\n")
    inspect = engine.inspect_container(cid)
    assert inspect["State"]["ExitCode"] == 3
    assert inspect["Config"]["Labels"][SCENARIO] == "conformance.test"


def test_exec_in_running_container(engine: Engine, base: str, run_id: str) -> None:
    cid = engine.create_container(spec(base, run_id, command=["sleep", "30"]))
    engine.start(cid)
    result = engine.exec(cid, ["sh", "-c", "echo $X; echo e >&2; exit 4"], env={"X": "y"})
    assert (result.exit_code, result.stdout, result.stderr) == (4, b"y\n", b"e\n")


def test_resource_limits_reach_the_cgroup(engine: Engine, base: str, run_id: str) -> None:
    """Every limit the spec carries is applied (podman-py silently drops nano_cpus)."""
    files = "memory/memory.limit_in_bytes cpu/cpu.cfs_quota_us pids/pids.max"
    try:
        cid = engine.create_container(
            spec(
                base,
                run_id,
                command=["sh", "-c", f"cd /sys/fs/cgroup && cat {files}"],
                memory="64m",
                cpus=0.5,
                pids_limit=20,
            )
        )
    except Unsupported as exc:  # probed (rootless on cgroup v1), never a silent no-op
        pytest.skip(str(exc))
    engine.start(cid)
    assert engine.wait(cid, timeout=30).exit_code == 0
    assert engine.logs(cid)[0] == b"67108864\n50000\n20\n"
    assert engine.inspect_container(cid)["HostConfig"]["NanoCpus"] == 500_000_000


def test_wait_times_out_without_hanging(engine: Engine, base: str, run_id: str) -> None:
    cid = engine.create_container(spec(base, run_id, command=["sleep", "30"]))
    engine.start(cid)
    result = engine.wait(cid, timeout=1)
    assert result.timed_out and result.exit_code is None
    engine.kill(cid)


def test_start_failure_is_an_engine_error(engine: Engine, base: str, run_id: str) -> None:
    cid = engine.create_container(spec(base, run_id, command=["/no/such/binary"]))
    with pytest.raises(EngineError, match=r"no such file|not found"):
        engine.start(cid)


def test_missing_image_is_refused_without_pull(engine: Engine, run_id: str) -> None:
    with pytest.raises(ImageMissing):
        engine.create_container(spec("harness-no-such-image:never", run_id))


def test_remove_labelled_removes_everything(engine: Engine, base: str, run_id: str) -> None:
    labels = resource_labels(run_id, "conformance.test")
    engine.create_container(spec(base, run_id, command=["true"]))
    engine.create_volume(f"h-test-{uuid.uuid4().hex[:10]}", labels)
    engine.create_network(f"h-test-{uuid.uuid4().hex[:10]}", labels)
    found = engine.list_labelled({RUN: run_id})
    assert all(len(v) == 1 for v in found.values()), found
    engine.remove_labelled({RUN: run_id})
    assert not any(engine.list_labelled({RUN: run_id}).values())


def test_listing_by_several_labels_matches_all_of_them(engine: Engine, run_id: str) -> None:
    """Teardown selects by run and scenario: another scenario's volumes in the same run
    must not match (Podman 4.3 ORs volume label filters, containers/podman#19219)."""
    mine, other = (resource_labels(run_id, f"conformance.{s}", engine.name) for s in "ab")
    names = {s: f"h-test-{uuid.uuid4().hex[:10]}" for s in "ab"}
    engine.create_volume(names["a"], mine)
    engine.create_volume(names["b"], other)
    selector = {RUN: run_id, SCENARIO: "conformance.a"}
    assert engine.list_labelled(selector)["volumes"] == [names["a"]]
    engine.remove_labelled(selector)
    assert engine.list_labelled({RUN: run_id})["volumes"] == [names["b"]]


def test_build_context_ignore_file_with_exception(
    engine: Engine, base: str, run_id: str, tmp_path: Path
) -> None:
    """The engine's own .dockerignore rules apply, `!` re-includes and `**` included."""
    (tmp_path / "files" / "sub").mkdir(parents=True)
    for name in ("keep.txt", "drop.log", "important.log", "sub/x.tmp"):
        (tmp_path / "files" / name).write_text(name)
    (tmp_path / ".dockerignore").write_text("files/*.log\n!files/important.log\n**/*.tmp\n")
    (tmp_path / "Containerfile").write_text(f"FROM {base}\nCOPY files /files\n")
    tag = f"harness-test-ignore:{uuid.uuid4().hex[:12]}"
    labels = {**resource_labels(run_id, "conformance.test"), CACHE: "test"}
    engine.build(BuildRequest(tmp_path, "Containerfile", tag, labels))
    ref = engine.image_ref(tag)
    try:
        cid = engine.create_container(spec(ref, run_id, command=["find", "/files", "-type", "f"]))
        engine.start(cid)
        assert engine.wait(cid, timeout=30).exit_code == 0
        found = sorted(engine.logs(cid)[0].decode().split())
        assert found == ["/files/important.log", "/files/keep.txt"]
    finally:
        engine.remove_labelled({RUN: run_id})
        engine.remove_image(ref)


def test_cli_talks_to_the_same_engine(engine: Engine) -> None:
    done = subprocess.run([*engine.cli(), "version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert engine.info().version.split("+")[0] in done.stdout

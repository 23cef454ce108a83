"""Build-format and build-context logic: image facts per format, the format an image
was built in, the refusal of a format an engine cannot write, the context upload."""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

import pytest

from harness.engines.base import BuildRequest, EngineInfo, Unsupported
from harness.engines.docker import DockerEngine
from harness.engines.podman import context_tar
from harness.run.images import ImageCache
from harness.verdict.observe import image_facts

OCI = "application/vnd.oci.image.manifest.v1+json"
DOCKER = "application/vnd.docker.distribution.manifest.v2+json"


def test_libpod_image_healthcheck_sits_beside_config() -> None:
    # libpod 4.3 image inspect of a `--format docker` build, as observed on this host.
    doc = {
        "Config": {"User": "app"},
        "Healthcheck": {"Test": ["CMD", "true"]},
        "ManifestType": DOCKER,
    }
    facts = image_facts(doc)
    assert facts["healthcheck"] == ["CMD", "true"]
    assert facts["format"] == "docker"
    assert facts["user"] == "app"


def test_docker_image_healthcheck_in_config_and_no_manifest_type() -> None:
    facts = image_facts({"Config": {"Healthcheck": {"Test": ["CMD-SHELL", "x"]}, "Shell": ["a"]}})
    assert facts["healthcheck"] == ["CMD-SHELL", "x"]
    assert facts["shell"] == ["a"]
    assert facts["format"] is None  # the runner falls back to what the cache built


def test_oci_image_has_no_healthcheck() -> None:
    facts = image_facts({"Config": {"StopSignal": "SIGUSR1"}, "ManifestType": OCI})
    assert (facts["healthcheck"], facts["format"], facts["stop_signal"]) == (None, "oci", "SIGUSR1")


def test_docker_refuses_oci_as_unsupported_before_any_call(tmp_path: Path) -> None:
    engine = DockerEngine(url="unix:///nonexistent.sock")
    request = BuildRequest(context=tmp_path, containerfile="Containerfile", tag="t:1", labels={})
    with pytest.raises(Unsupported, match="oci"):
        engine.build(BuildRequest(**{**request.__dict__, "format": "oci"}))


class FakeBuilder:
    """Just enough of an engine for ImageCache: records builds, answers info()."""

    name = "fake"

    def __init__(self, default_format: str) -> None:
        self.default_format = default_format
        self.built: list[BuildRequest] = []
        self.info_calls = 0

    def info(self) -> EngineInfo:
        self.info_calls += 1
        return EngineInfo(name="fake", available=True, default_build_format=self.default_format)

    def image_ref(self, tag: str) -> str:
        return f"localhost/{tag}"

    def image_exists(self, ref: str) -> bool:
        return any(ref.endswith(b.tag) for b in self.built)

    def build(self, request: BuildRequest) -> str:
        self.built.append(request)
        return "id"


def test_cache_records_the_format_each_image_was_built_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    busybox = tmp_path / "busybox"
    busybox.write_bytes(b"\x7fELF fake")
    monkeypatch.setenv("HARNESS_BUSYBOX", str(busybox))
    monkeypatch.setattr("harness.run.images.LOCK_DIR", tmp_path / "locks")
    engine: Any = FakeBuilder(default_format="oci")
    cache = ImageCache(engine, "run")
    ref = cache.base()
    assert cache.formats[ref] == "oci"  # "default" resolved through the fingerprint
    cache._ensure("x:1", "s", lambda ctx: None, build_args={}, target=None, fmt="docker")
    assert cache.formats["localhost/x:1"] == "docker"
    assert [b.format for b in engine.built] == ["default", "docker"]
    assert engine.info_calls == 1


def test_context_tar_sends_every_file_ignore_files_included(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "keep.log").write_text("k")
    (tmp_path / ".dockerignore").write_text("*.log\n!keep.log\n")
    (tmp_path / ".containerignore").write_text("x\n")
    (tmp_path / "Containerfile").write_text("FROM scratch\n")
    with tarfile.open(fileobj=context_tar(tmp_path)) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert set(members) == {
        ".containerignore",
        ".dockerignore",
        "Containerfile",
        "files",
        "files/keep.log",
    }
    assert {(m.uid, m.gid, m.uname) for m in members.values()} == {(0, 0, "root")}

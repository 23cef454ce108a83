"""Local images: the busybox base image and each scenario's images.

Nothing is ever pulled. Every FROM must name a build stage, `scratch`, or an
image already present on the engine, checked before the build starts (a
missing FROM image makes the engine reach for a registry). Images are tagged
by a hash of everything that goes into them, so an unchanged image is built
once per engine and reused by later runs and by parallel workers.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from harness.engines.base import BuildRequest, Engine, Unsupported
from harness.errors import EngineError, ScenarioError
from harness.labels import CACHE, OWNER, RUN, SCENARIO, owner, session_labels
from harness.model.loader import PLACEHOLDER, LoadedScenario
from harness.model.scenario import ImageSpec
from harness.project.dockerfile import RemoteSource, parse_dockerfile, remote_sources
from harness.tempdirs import scratch

BASE_CONTAINERFILE = """\
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
CMD ["sh"]
"""
CONTAINERFILE = "Containerfile"
LOCK_STRIPES = 64
LOCK_DIR = Path(os.environ.get("HARNESS_LOCK_DIR", tempfile.gettempdir())) / "harness-locks"


def busybox_path() -> Path:
    return Path(os.environ.get("HARNESS_BUSYBOX", "/bin/busybox"))


@contextlib.contextmanager
def _file_lock(key: str) -> Iterator[None]:
    """A lock shared by every process on the host (xdist workers, parallel runs)."""
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    # Striped over a fixed set of files: one per image tag piled up without bound.
    stripe = int(hashlib.sha256(key.encode()).hexdigest(), 16) % LOCK_STRIPES
    with open(LOCK_DIR / f"{stripe:02d}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def external_sources(containerfile: str, build_args: dict[str, str]) -> list[RemoteSource]:
    """Every image or URL a Containerfile would fetch from outside itself: FROM in all
    its spellings, COPY --from, RUN --mount from=, ADD of a URL (the builder's own parser,
    harness.project.dockerfile; not stages, not scratch)."""
    try:
        parsed = parse_dockerfile(containerfile, CONTAINERFILE)
    except ScenarioError as exc:
        raise EngineError(f"cannot read the Containerfile before building: {exc}") from None
    return remote_sources(parsed, build_args)


def require_local(engine: Engine, containerfile: str, build_args: dict[str, str]) -> None:
    """Refuse a build that would fetch anything: a URL always, an image unless it is
    local on this engine. The refusal is `Unsupported` (the engine lacks the image),
    never a pull."""
    for source in external_sources(containerfile, build_args):
        if source.kind == "add-url":
            raise Unsupported(
                f"ADD {source.reference}: the harness never downloads (at {source.location})"
            )
        if not engine.image_exists(source.reference):
            raise Unsupported(
                f"{source.kind} {source.reference} is not a local image on {engine.name}; "
                "refusing to build (it would pull)"
            )


def _hash_tree(root: Path, digest: hashlib._Hash) -> None:
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        digest.update(rel.encode())
        if path.is_symlink():
            digest.update(b"L" + os.readlink(path).encode())
        elif path.is_file():
            digest.update(oct(path.stat().st_mode & 0o777).encode())
            digest.update(path.read_bytes())


@functools.lru_cache(maxsize=4)
def _base_digest(path: Path, size: int, mtime_ns: int) -> str:
    """Hash of the base Containerfile and busybox, read once per process (not per scenario)."""
    return hashlib.sha256(BASE_CONTAINERFILE.encode() + path.read_bytes()).hexdigest()


@dataclass
class BuildStats:
    """`seconds` is time spent building; `phase_seconds` all time spent getting images
    (lookups and reuse included, summed over workers): what a warm cache must keep small."""

    builds: int = 0
    reused: int = 0
    seconds: float = 0.0
    phase_seconds: float = 0.0


@dataclass
class ImageCache:
    """Builds (or finds) images on one engine; safe to share between threads."""

    engine: Engine
    run_id: str
    stats: BuildStats = field(default_factory=BuildStats)
    formats: dict[str, str] = field(default_factory=dict)  # image ref -> format built
    # The engine's default build format; the runner passes its fingerprint's, since
    # asking the engine again costs a whole `info()` (seconds on a busy Podman).
    default_format: str | None = None
    _known: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def base(self) -> str:
        """The harness base image (static busybox FROM scratch), built once per engine."""
        busybox = busybox_path()
        if not busybox.is_file():
            raise EngineError(f"static busybox not found at {busybox}; run scripts/setup.sh")
        st = busybox.stat()
        digest = hashlib.sha256(_base_digest(busybox, st.st_size, st.st_mtime_ns).encode())
        digest.update(self._surface("default").encode())
        tag = f"harness-base:{digest.hexdigest()[:16]}"

        def populate(ctx: Path) -> None:
            shutil.copy2(busybox, ctx / "busybox")
            (ctx / CONTAINERFILE).write_text(BASE_CONTAINERFILE)

        return self._ensure(tag, "base", populate, build_args={}, target=None, fmt="default")

    def scenario_image(self, loaded: LoadedScenario, name: str, refs: dict[str, str]) -> str:
        """Build image `name` of a scenario; `refs` maps its other images already built."""
        spec: ImageSpec = loaded.scenario.images[name]
        text = spec.containerfile
        if text is None:
            assert spec.context is not None
            text = (loaded.directory / spec.context / spec.file).read_text()
        values = {"base": refs["base"], **{f"images.{k}": v for k, v in refs.items()}}
        rendered = PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
        digest = hashlib.sha256(rendered.encode())
        for part in (
            repr(sorted(spec.build_args.items())),
            str(spec.target),
            self._surface(spec.format),
            repr(sorted(spec.labels.items())),
        ):
            digest.update(part.encode())
        if spec.context is not None:
            _hash_tree(loaded.directory / spec.context, digest)
        slug = re.sub(r"[^a-z0-9_.-]", "-", loaded.scenario.id)[:80]
        tag = f"harness-{slug}-{name}:{digest.hexdigest()[:16]}"

        def populate(ctx: Path) -> None:
            if spec.context is not None:
                shutil.copytree(
                    loaded.directory / spec.context, ctx, dirs_exist_ok=True, symlinks=True
                )
            (ctx / CONTAINERFILE).write_text(rendered)

        return self._ensure(
            tag,
            loaded.scenario.id,
            populate,
            build_args=spec.build_args,
            target=spec.target,
            fmt=spec.format,
            labels=spec.labels,
            containerfile=rendered,
        )

    def _surface(self, fmt: str) -> str:
        """What a cache tag must say beyond the Containerfile: which engine surface built
        it, in which format. Podman's two surfaces share one image store and resolve each
        other's short names, so without this a Docker-format build through the compat
        API would silently reuse an OCI image built through libpod (no HEALTHCHECK)."""
        with self._lock:
            resolved = self._default_format() if fmt == "default" else fmt
        return f"{self.engine.name}/{resolved}"

    def _ensure(
        self,
        tag: str,
        scenario: str,
        populate: Callable[[Path], None],
        *,
        build_args: dict[str, str],
        target: str | None,
        fmt: str,
        labels: dict[str, str] | None = None,
        containerfile: str | None = None,
    ) -> str:
        started = time.monotonic()
        try:
            return self._lookup_or_build(
                tag,
                scenario,
                populate,
                build_args=build_args,
                target=target,
                fmt=fmt,
                labels=labels,
                containerfile=containerfile,
            )
        finally:
            with self._lock:
                self.stats.phase_seconds += time.monotonic() - started

    def _lookup_or_build(
        self,
        tag: str,
        scenario: str,
        populate: Callable[[Path], None],
        *,
        build_args: dict[str, str],
        target: str | None,
        fmt: str,
        labels: dict[str, str] | None,
        containerfile: str | None,
    ) -> str:
        ref = self.engine.image_ref(tag)
        with self._lock:
            if tag in self._known:
                self.stats.reused += 1
                return self._known[tag]
        with _file_lock(f"{self.engine.name}-{tag}"):
            if self.engine.image_exists(ref):
                self.stats.reused += 1
            else:
                require_local(self.engine, containerfile or BASE_CONTAINERFILE, build_args)
                started = time.monotonic()
                with scratch("build") as tmp:
                    populate(tmp)
                    all_labels = {
                        **(labels or {}),
                        RUN: self.run_id,
                        SCENARIO: scenario,
                        OWNER: owner(),
                        CACHE: tag.rsplit(":", 1)[1],
                        **session_labels(),
                    }
                    self.engine.build(
                        BuildRequest(
                            context=tmp,
                            containerfile=CONTAINERFILE,
                            tag=tag,
                            labels=all_labels,
                            build_args=build_args,
                            target=target,
                            format=fmt,
                        )
                    )
                self.stats.builds += 1
                self.stats.seconds += time.monotonic() - started
        with self._lock:
            self._known[tag] = ref
            self.formats[ref] = fmt if fmt != "default" else self._default_format()
        return ref

    def _default_format(self) -> str:
        """The format the engine builds when not told (its fingerprint says which)."""
        if self.default_format is None:
            self.default_format = self.engine.info().default_build_format or "default"
        return self.default_format

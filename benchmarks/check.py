"""`harness check` against the same work done by hand with the engines' CLIs.

For each fixture project and engine, "by hand" is what a user types: `build` every
Dockerfile, `run -d` each image, wait until it is healthy, has exited or has run 2 s,
`stop`, `rm`, `rmi`; for a compose project also `compose up -d --build`, wait until
its containers settle, `down`. The harness side is `harness check --no-cache` as a
process (both engines, all reports), which also reads each image's filesystem and
probes ports. Prints both times and the ratio (target <= 1.3); asserts nothing.

    .venv/bin/python -m benchmarks.check [PROJECT ...]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.check.bases import ensure_fixture_base
from harness.check.project import load_project
from harness.engines import create_engine

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = ROOT / "tests" / "fixtures" / "projects"
DEFAULT = ("clean-app", "web-nonroot", "healthcheck-shell", "three-tier")
CLIS = {"docker": ["docker"], "podman": ["podman", "--url", "unix:///run/podman/podman.sock"]}
COMPOSE = {
    "docker": (["docker-compose"], {}),
    "podman": (["podman-compose"], {"CONTAINER_HOST": "unix:///run/podman/podman.sock"}),
}
LABEL = "io.harness.run=bench-check"


def _sh(argv: list[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False,
                          env={**os.environ, **(env or {})})  # fmt: skip
    return done.stdout.strip()


def _settle(cli: list[str], cid: str, limit: float = 20.0) -> None:
    started = time.monotonic()
    fmt = "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}"
    while time.monotonic() - started < limit:
        state = _sh([*cli, "inspect", "-f", fmt, cid]).split()
        if not state or state[0] != "running":
            return  # exited (or gone)
        if len(state) > 1 and state[1] != "starting":
            return  # healthy or unhealthy
        if len(state) == 1 and time.monotonic() - started >= 2:
            return  # no healthcheck: running for 2 s
        time.sleep(0.25)


def _base(engine: str) -> None:
    """The fixture base, as the harness makes it (other sessions may have removed it)."""
    adapter = create_engine(engine)
    try:
        ensure_fixture_base(adapter, "bench-check")
    finally:
        adapter.close()


def by_hand(project: Path, engine: str) -> float:
    """Seconds; a failed build makes the figure meaningless, so it raises."""
    cli = CLIS[engine]
    _base(engine)
    started = time.monotonic()
    for n, artifact in enumerate(load_project(str(project)).artifacts):
        tag = f"harness-bench-hand-{n}:{os.getpid()}"
        build = [*cli, "build", "-q", "--label", LABEL, "-t", tag, "-f", artifact.dockerfile,
                 artifact.context]  # fmt: skip
        _sh(build)
        present = [*cli, "image", "inspect", "-f", "{{.Id}}", tag]
        if not _sh(present):  # as the harness does: the base gone meanwhile? once more
            _base(engine)
            _sh(build)
        if not _sh(present):
            raise RuntimeError(f"{engine}: hand build of {artifact.dockerfile} failed")
        cid = _sh([*cli, "run", "-d", "--label", LABEL, tag])
        if cid:
            _settle(cli, cid)
            _sh([*cli, "stop", cid])
            _sh([*cli, "rm", "-f", cid])
        _sh([*cli, "rmi", "-f", tag])
    for compose in project.glob("compose.yaml"):
        tool, env = COMPOSE[engine]
        name = f"hbench{os.getpid()}"
        base = [*tool, "-p", name, "-f", str(compose)]
        _sh([*base, "up", "-d", "--build"], env)
        time.sleep(2)
        _sh([*base, "down", "-v"], env)
        _sh([*cli, "network", "rm", f"{name}_default"])  # podman-compose 1.0 leaves it
        named = [s.image for s in load_project(str(compose)).compose_files()[0].services.values()
                 if s.build is not None and s.image]  # fmt: skip
        found = _sh([*cli, "images", "-q", "--filter", f"reference=*{name}*"]).split()
        for image in found + named:  # the tool names a built image by `image:` if given
            _sh([*cli, "rmi", "-f", image])
    return time.monotonic() - started


def with_harness(project: Path) -> float:
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as out:
        argv = [str(Path(sys.executable).parent / "harness"), "check", str(project), "--no-cache",
                "--quiet", "--out", out, "--engine", "docker", "--engine", "podman"]  # fmt: skip
        subprocess.run(argv, capture_output=True, check=False)
    return time.monotonic() - started


def main(names: list[str]) -> None:
    print(f"{'project':20} {'by hand (s)':>12} {'harness (s)':>12} {'ratio':>6}")
    total_hand = total_harness = 0.0
    for name in names or DEFAULT:
        project = PROJECTS / name
        hand = sum(by_hand(project, engine) for engine in CLIS)
        harness = with_harness(project)
        total_hand, total_harness = total_hand + hand, total_harness + harness
        print(f"{name:20} {hand:12.1f} {harness:12.1f} {harness / hand:6.2f}")
    print(
        f"{'total':20} {total_hand:12.1f} {total_harness:12.1f} {total_harness / total_hand:6.2f}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])

"""Lint: `harness lint` over 200 generated compose projects (no engine involved).

Each project has a compose file with three services (build, image, healthcheck,
ports, volumes, depends_on), a Dockerfile, a .dockerignore and a .env, like the
fixture projects. Figures: the whole `harness lint` process (interpreter start
included) against the 5 s target, and files per second in-process.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure, Settings
from harness.lint.inputs import load_inputs
from harness.lint.runner import lint

TARGET_S = 5.0
FILES_PER_PROJECT = 4

COMPOSE = """\
services:
  web{n}:
    build: .
    ports: ["{port}:8080"]
    depends_on:
      db{n}: {{condition: service_healthy}}
    environment: {{API_URL: "http://host.docker.internal:{port}"}}
    volumes: ["./data:/data", "cache{n}:/cache"]
  db{n}:
    image: docker.io/library/postgres:16
    healthcheck:
      test: ["CMD", "pg_isready"]
    restart: always
  worker{n}:
    build: {{context: ., dockerfile: Dockerfile}}
    command: ["sh", "-c", "ping -c1 db{n}"]
    read_only: true
volumes:
  cache{n}: {{}}
"""

DOCKERFILE = """\
FROM harness-fixture-base AS build
RUN --mount=type=cache,target=/root/.cache echo build {n}
FROM harness-fixture-base
COPY --from=build /etc/hostname /srv/{n}
USER 1000
WORKDIR /srv/app{n}
HEALTHCHECK CMD wget -q localhost:8080
CMD ["httpd", "-f", "-p", "8080"]
"""


def generate(root: Path, count: int) -> None:
    for n in range(count):
        project = root / f"p{n:03d}"
        project.mkdir(parents=True)
        (project / "compose.yaml").write_text(COMPOSE.format(n=n, port=8000 + n))
        (project / "Dockerfile").write_text(DOCKERFILE.format(n=n))
        (project / ".dockerignore").write_text(".git\n.env\n")
        (project / ".env").write_text(f'TAG="v{n}"\n')


def _child(argv: list[str]) -> tuple[float, float, str]:
    """(wall s, CPU s of the child, stdout) of one process."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = child.communicate()
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode not in (0, 1):
        raise RuntimeError(f"{argv[3:5]} exited {child.returncode}: {err[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime, out


def _process(root: Path) -> tuple[float, float, int]:
    argv = [
        sys.executable,
        "-m",
        "harness.cli",
        "lint",
        str(root),
        "--format",
        "json",
        "--local-image",
        "harness-fixture-base",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, cpu, out = _child(argv)
    return wall, cpu - before.ru_utime - before.ru_stime, out.count('"rule": ')


def run(cfg: Settings) -> list[Figure]:
    count = 20 if cfg.quick else 200
    files = count * FILES_PER_PROJECT
    with tempfile.TemporaryDirectory(prefix="harness-bench-lint-") as tmp:
        root = Path(tmp)
        generate(root, count)
        wall, cpu, findings = _process(root)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        import_wall, import_cpu, _ = _child([sys.executable, "-c", "import harness.lint.cli"])
        import_cpu -= before.ru_utime + before.ru_stime
        started = time.perf_counter()
        found = lint(load_inputs([str(root)], frozenset({"harness-fixture-base"})))
        inner = time.perf_counter() - started
    return [
        Figure(
            "lint",
            "-",
            f"{count} projects: harness lint process, wall",
            wall,
            "s",
            f"< {TARGET_S:.0f}",
            wall < TARGET_S,
            f"{files} files, {findings / count:.0f} findings per project",
        ),
        Figure(
            "lint",
            "-",
            f"{count} projects: harness lint process, CPU",
            cpu,
            "s",
            note="user+sys of the child: less sensitive to other load than wall",
        ),
        Figure(
            "lint",
            "-",
            "of which: importing the harness package",
            import_wall,
            "s",
            note=f"CPU {import_cpu:.2f} s; harness/__init__ imports engines and SDKs",
        ),
        Figure("lint", "-", "files per second (process)", files / wall, "files/s"),
        Figure(
            "lint",
            "-",
            "files per second (in-process)",
            files / inner,
            "files/s",
            note=f"{len(found)} findings in {inner:.2f} s",
        ),
    ]

"""Against the CLI: `harness run` vs a shell loop of `docker`/`podman` commands.

Both sides are whole processes started from here, so both pay their own
start-up: the harness's Python imports, fingerprint and report writing; the
shell loop's one CLI process per operation. The loop does the fixed set's work
as a user would type it: `run` (attached: create, start, wait, output),
`inspect`, `run -d`, `exec`, then `rm -f` (with `-t 0` on Podman, whose `rm -f`
otherwise stops gracefully first).
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import (
    Figure,
    Settings,
    each_engine,
    engine_session,
    interleaved,
    median,
    ratio,
)
from benchmarks.scenarios import EXEC_COMMAND, SLEEPER, fixed_set, hello_command
from harness.engines.base import Engine
from harness.labels import RUN, new_run_id
from harness.run.images import ImageCache

HARNESS = [sys.executable, "-m", "harness.cli"]


def shell_loop(engine: Engine, image: str, count: int, run_id: str) -> str:
    """The bash script a user would write for the same containers and reads."""
    cli = shlex.join(engine.cli())
    label = shlex.quote(f"{RUN}={run_id}")
    force = "rm -f -t 0" if engine.name == "podman" else "rm -f"
    lines = ["set -e"]
    for i in range(count):
        hello, server = f"hc-{run_id[-6:]}-{i:03d}-h", f"hc-{run_id[-6:]}-{i:03d}-s"
        lines += [
            f"{cli} run --pull never --name {hello} --label {label} {image} "
            f"{shlex.join(hello_command(i))} >/dev/null 2>&1 || test $? -eq 3",
            f"{cli} inspect {hello} >/dev/null",
            f"{cli} run -d --pull never --name {server} --label {label} {image} "
            f"{shlex.join(SLEEPER)} >/dev/null",
            f"{cli} exec {server} {shlex.join(EXEC_COMMAND)} >/dev/null",
            f"{cli} {force} {hello} {server} >/dev/null",
        ]
    return "\n".join(lines) + "\n"


def run(cfg: Settings) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as tmp:
        fixed_set(Path(tmp) / "scenarios", cfg.fixed_scenarios)
        return each_engine("cli_loop", cfg.engines, lambda name: _one_engine(name, cfg, Path(tmp)))


def _one_engine(name: str, cfg: Settings, tmp: Path) -> list[Figure]:
    with engine_session(name) as engine:
        image = ImageCache(engine, new_run_id()).base()

        def harness() -> None:
            argv = [*HARNESS, "run", str(tmp / "scenarios"), "--engine", name]
            argv += ["--out", str(tmp / "out"), "-j", "1", "-q"]
            done = subprocess.run(argv, capture_output=True, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"harness run exited {done.returncode}: {done.stderr[-500:]!r}")

        def loop() -> None:
            run_id = new_run_id()
            script = shell_loop(engine, image, cfg.fixed_scenarios, run_id)
            try:
                done = subprocess.run(["bash", "-c", script], capture_output=True, check=False)
                if done.returncode != 0:
                    raise RuntimeError(f"shell loop failed: {done.stderr[-400:]!r}")
            finally:
                engine.remove_labelled({RUN: run_id})

        harness()
        times = interleaved({"harness": harness, "cli": loop}, cfg.repeats)
    h, c = median(times["harness"]), median(times["cli"])
    r = ratio(h, c)
    n = cfg.fixed_scenarios
    return [
        Figure("cli_loop", name, f"harness run (process), {n} scenarios", h, "s"),
        Figure("cli_loop", name, f"shell loop of {name} commands, {n} scenarios", c, "s"),
        Figure("cli_loop", name, "harness / CLI loop", r, "x", "< 1", r < 1),
    ]

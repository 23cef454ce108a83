"""Teardown: the harness's labelled teardown vs the engine's own forced removal.

Each round starts N running containers whose PID 1 ignores SIGTERM (so any
stop timeout shows up in full) and removes them three ways, each on fresh
containers: the harness's `_teardown` (list by label, remove with a zero stop
timeout, list again as a leak check), the SDK's forced removal one by one, and
one `rm -f` CLI command for all N. Figures are per container.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

from benchmarks.common import Figure, Settings, each_engine, engine_session, median
from benchmarks.scenarios import SLEEPER
from harness.engines.base import ContainerSpec, Engine
from harness.labels import new_run_id, resource_labels
from harness.run.images import ImageCache
from harness.run.janitor import sweep_scenario

SCENARIO = "bench.teardown"


def _start(engine: Engine, image: str, run_id: str, count: int) -> list[str]:
    labels = resource_labels(run_id, SCENARIO, engine.name)
    ids = []
    for i in range(count):
        spec = ContainerSpec(
            image=image, name=f"ht-{run_id[-6:]}-{i}", labels=labels, command=list(SLEEPER)
        )
        cid = engine.create_container(spec)
        engine.start(cid)
        ids.append(cid)
    return ids


def _cli_rm(engine: Engine) -> list[str]:
    return [*engine.cli(), "rm", "-f", *(["-t", "0"] if engine.name == "podman" else [])]


def _cli_label(engine: Engine) -> str:
    return " ".join([engine.name, *_cli_rm(engine)[len(engine.cli()) :]])


def run(cfg: Settings) -> list[Figure]:
    def measure(name: str) -> list[Figure]:
        with engine_session(name) as engine:
            return _one_engine(engine, cfg)

    return each_engine("teardown", cfg.engines, measure)


def _one_engine(engine: Engine, cfg: Settings) -> list[Figure]:
    image = ImageCache(engine, new_run_id()).base()
    n = cfg.teardown_containers

    def sdk_remove(run_id: str, ids: list[str]) -> None:
        for cid in ids:
            engine.remove_container(cid, force=True)

    variants: dict[str, Callable[[str, list[str]], object]] = {
        "harness": lambda run_id, ids: sweep_scenario(engine, run_id, SCENARIO),
        "sdk": sdk_remove,
        "cli": lambda run_id, ids: subprocess.run(
            [*_cli_rm(engine), *ids], capture_output=True, check=True
        ),
    }
    times: dict[str, list[float]] = {k: [] for k in variants}
    for round_no in range(cfg.repeats):
        names = list(variants)
        names = names[round_no % 3 :] + names[: round_no % 3]
        for variant in names:
            run_id = new_run_id()
            ids = _start(engine, image, run_id, n)
            started = time.perf_counter()
            try:
                variants[variant](run_id, ids)
                times[variant].append((time.perf_counter() - started) / n * 1000)
            finally:
                sweep_scenario(engine, run_id, SCENARIO)
    harness, sdk, cli = (median(times[k]) for k in ("harness", "sdk", "cli"))
    figures = [
        Figure(
            "teardown",
            engine.name,
            "harness teardown per container",
            harness,
            "ms",
            "<= SDK forced removal",
            harness <= sdk,
        ),
        Figure(
            "teardown",
            engine.name,
            "SDK forced removal per container",
            sdk,
            "ms",
            note="podman: libpod DELETE force=1 timeout=0 (the adapter's call)"
            if engine.name == "podman"
            else "DELETE force=1 (SIGKILL, no stop timeout)",
        ),
        Figure("teardown", engine.name, f"`{_cli_label(engine)}` per container", cli, "ms"),
    ]
    if engine.name == "podman" and not cfg.quick:
        figures.append(_podman_default_rm(engine, image))
    return figures


def _podman_default_rm(engine: Engine, image: str) -> Figure:
    """Why the zero stop timeout matters: `podman rm -f` without `-t 0`, one container."""
    run_id = new_run_id()
    ids = _start(engine, image, run_id, 1)
    started = time.perf_counter()
    try:
        subprocess.run([*engine.cli(), "rm", "-f", *ids], capture_output=True, check=True)
        took = (time.perf_counter() - started) * 1000
    finally:
        sweep_scenario(engine, run_id, SCENARIO)
    return Figure(
        "teardown",
        engine.name,
        "`podman rm -f` without -t 0, one container",
        took,
        "ms",
        note="stops gracefully first: SIGTERM, then the 10 s stop timeout",
    )

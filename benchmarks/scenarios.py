"""Generated scenario sets, written to a temporary directory (never to scenarios/).

The fixed set is what the overhead, CLI and parallelism benchmarks all run, and
what `baseline.py` and `cli_loop.py` replay: per scenario, one container that
runs to completion (create, start, wait, logs, inspect), one detached container
whose PID 1 ignores SIGTERM (so teardown pays for any stop timeout it does not
zero), and one exec into it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REF = "https://docs.docker.com/reference/api/engine/"
NONCE_LABEL = "io.harness.bench.nonce"
SLEEPER = ["sleep", "120"]  # PID 1 without a SIGTERM handler: only SIGKILL ends it quickly


def hello_command(index: int) -> list[str]:
    return ["sh", "-c", f"echo out-{index}; echo err-{index} >&2; exit 3"]


EXEC_COMMAND = ["cat", "/etc/hostname"]


def fixed_scenario(index: int, prefix: str = "bench.fixed") -> dict[str, Any]:
    return {
        "schema": 1,
        "id": f"{prefix}-{index:03d}",
        "area": "bench",
        "refs": [REF],
        "title": f"Benchmark scenario {index}: run to exit, detached server, exec",
        "steps": [
            {"run": {"name": "hello", "image": "base", "command": hello_command(index)}},
            {"run": {"name": "server", "image": "base", "command": SLEEPER, "detach": True}},
            {"exec": {"name": "probe", "container": "server", "command": EXEC_COMMAND}},
        ],
        "expect": {
            "hello.exit_code": 3,
            "hello.stdout": f"out-{index}\n",
            "hello.stderr": f"err-{index}\n",
            "probe.exit_code": 0,
        },
    }


def simple_scenario(index: int, prefix: str = "bench.simple") -> dict[str, Any]:
    """One container run to completion: the unit of the parallelism and scale runs."""
    return {
        "schema": 1,
        "id": f"{prefix}-{index:03d}",
        "area": "bench",
        "refs": [REF],
        "title": f"Benchmark scenario {index}: one container run to exit",
        "steps": [{"run": {"name": "hello", "image": "base", "command": ["echo", f"hi-{index}"]}}],
        "expect": {"hello.exit_code": 0, "hello.stdout": f"hi-{index}\n"},
    }


def cached_scenario(index: int, nonce: str) -> dict[str, Any]:
    """A scenario with its own image; `nonce` makes a fresh set build cold."""
    containerfile = (
        "FROM {{ base }}\n"
        f"LABEL {NONCE_LABEL}={nonce}\n"
        f"ENV BENCH_INDEX={index}\n"
        'CMD ["sh", "-c", "echo $BENCH_INDEX"]\n'
    )
    return {
        "schema": 1,
        "id": f"bench.cache-{nonce}-{index:03d}",
        "area": "bench",
        "refs": [REF],
        "title": f"Build-cache scenario {index}",
        "images": {"app": {"containerfile": containerfile}},
        "steps": [{"run": {"name": "hello", "image": "app"}}],
        "expect": {"hello.stdout": f"{index}\n"},
    }


def write(directory: Path, scenarios: list[dict[str, Any]]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for scenario in scenarios:
        path = directory / f"{scenario['id']}.yaml"
        path.write_text(yaml.safe_dump(scenario, sort_keys=False))
        paths.append(path)
    return paths


def fixed_set(directory: Path, count: int, prefix: str = "bench.fixed") -> list[Path]:
    return write(directory, [fixed_scenario(i, prefix) for i in range(count)])


def simple_set(directory: Path, count: int, prefix: str = "bench.simple") -> list[Path]:
    return write(directory, [simple_scenario(i, prefix) for i in range(count)])


def cache_set(directory: Path, count: int, nonce: str) -> list[Path]:
    return write(directory, [cached_scenario(i, nonce) for i in range(count)])

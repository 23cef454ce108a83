"""A synthetic results document of any size, shaped like a real run: for
rendering tests and for measuring the report at 500 scenarios x 4 engines
without any engine."""

from __future__ import annotations

import random
from typing import Any

from harness.results.document import SCHEMA_ID, summarize

AREAS = ("entrypoint", "env", "user", "volumes", "network", "build", "health", "signals", "limits")
ENGINES = ("docker", "podman", "docker@24.0.7@ci-2", "podman@5.2.1@ci-2")
INJECTION = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">&amp;'


def engine_fingerprint(name: str, version: str = "1.0", host: str = "synthetic") -> dict[str, Any]:
    base = name.split("@", 1)[0]
    return {
        "name": name,
        "available": True,
        "version": version,
        "api_version": "1.41",
        "runtime": "crun" if base == "podman" else "runc",
        "cgroup_version": "2",
        "cgroup_driver": "systemd",
        "storage_driver": "overlay",
        "network_backend": "netavark" if base == "podman" else "libnetwork",
        "rootless": base == "podman",
        "default_build_format": "oci" if base == "podman" else "docker",
        "build_formats": ["oci", "docker"] if base == "podman" else ["docker"],
        "url": f"unix:///run/{base}.sock",
        "os": "Debian GNU/Linux 12 (bookworm)",
        "kernel": "6.1.0",
        "settings": {},
        "error": None,
        "host": host,
    }


def _step_observations(step: str, rng: random.Random, stdout: str) -> dict[str, Any]:
    obs: dict[str, Any] = {
        f"{step}.created": True,
        f"{step}.started": True,
        f"{step}.exit_code": 0,
        f"{step}.error": None,
        f"{step}.timed_out": False,
        f"{step}.stdout": stdout,
        f"{step}.stderr": "",
        f"{step}.restart_count": 0,
        f"{step}.state.status": "exited",
        f"{step}.state.exit_code": 0,
        f"{step}.state.oom_killed": False,
        f"{step}.state.health": None,
        f"{step}.config.entrypoint": ["/bin/sh", "-c"],
        f"{step}.config.cmd": ["echo", f"hello {rng.randint(0, 999)}"],
        f"{step}.config.env": {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"},
        f"{step}.config.user": "",
        f"{step}.config.workdir": "/",
        f"{step}.config.labels": {},
        f"{step}.config.volumes": [],
        f"{step}.config.exposed_ports": [],
        f"{step}.config.stop_signal": None,
    }
    return obs


def _scenario(i: int, engines: tuple[str, ...], rng: random.Random) -> dict[str, Any]:
    area = AREAS[i % len(AREAS)]
    verdict = rng.choices(
        ["portable", "divergent", "known-divergence", "failing", "error", "unsupported"],
        weights=[70, 10, 8, 4, 4, 4],
    )[0]
    steps = [f"s{n}" for n in range(rng.randint(1, 3))]
    base_stdout = "\n".join(f"line {n} of scenario {i}" for n in range(rng.randint(1, 12))) + "\n"
    outcomes: dict[str, Any] = {}
    for k, name in enumerate(engines):
        obs: dict[str, Any] = {}
        for step in steps:
            out = base_stdout
            if verdict in ("divergent", "known-divergence") and k % 2:
                out = base_stdout.upper()
            obs |= _step_observations(step, rng, out)
        ok = obs[f"{steps[0]}.stdout"] == base_stdout
        status = "pass" if ok and verdict != "failing" else "fail"
        if verdict in ("error", "unsupported") and k == len(engines) - 1:
            status = verdict
        outcomes[name] = {
            "status": status,
            "duration_s": round(rng.uniform(0.2, 4.0), 3),
            "checks": [
                {
                    "key": f"{steps[0]}.stdout",
                    "expected": base_stdout,
                    "actual": obs[f"{steps[0]}.stdout"],
                    "ok": ok and verdict != "failing",
                },
                {"key": f"{steps[0]}.exit_code", "expected": 0, "actual": 0, "ok": True},
            ],
            "observations": obs,
            "error": "engine timed out after 30s" if status == "error" else None,
            "leftovers": [],
        }
    differences = []
    if verdict in ("divergent", "known-divergence"):
        key = f"{steps[0]}.stdout"
        differences.append(
            {"key": key, "values": {n: o["observations"][key] for n, o in outcomes.items()}}
        )
    known = [
        {
            "engine": engines[1 % len(engines)],
            "key": f"{steps[0]}.stdout",
            "why": "synthetic: this engine shouts",
            "link": "https://github.com/containers/podman/issues/1",
            "observed": None,
        }
    ]
    return {
        "id": f"{area}.synthetic-{i:04d}",
        "area": area,
        "title": f"Synthetic scenario {i} about {area}",
        "description": f"Generated scenario number {i}.\nIt has {len(steps)} step(s).",
        "file": f"scenarios/{area}/synthetic-{i:04d}.yaml",
        "line": 2,
        "refs": ["https://docs.docker.com/reference/cli/docker/container/run/"],
        "verdict": verdict,
        "engines": outcomes,
        "differences": differences,
        "known_divergences": known if verdict == "known-divergence" else [],
        "stale_divergences": known if i % 97 == 5 else [],
        "expect": {f"{steps[0]}.stdout": base_stdout, f"{steps[0]}.exit_code": 0},
        "steps": [
            {"kind": "run", "name": s, "image": "app", "command": ["echo", "hello world"]}
            for s in steps
        ],
    }


def synthetic_document(
    scenarios: int = 500,
    engines: tuple[str, ...] = ENGINES,
    seed: int = 4,
    run_id: str = "synthetic",
    inject: bool = False,
) -> dict[str, Any]:
    """A valid results.json document; `inject` puts markup in the first scenario's stdout."""
    rng = random.Random(seed)
    items = [_scenario(i, engines, rng) for i in range(scenarios)]
    if inject and items:
        for outcome in items[0]["engines"].values():
            outcome["observations"]["s0.stdout"] = INJECTION
            outcome["error"] = INJECTION if outcome["status"] == "error" else None
        items[0]["title"] = "title " + INJECTION
    return {
        "schema": SCHEMA_ID,
        "run": {
            "id": run_id,
            "started": "2025-01-01T00:00:00+00:00",
            "finished": "2025-01-01T00:10:00+00:00",
            "incomplete": False,
            "host": {"name": "synthetic", "os": "Linux", "python": "3.11"},
        },
        "engines": [engine_fingerprint(n) for n in engines],
        "scenarios": items,
        "summary": summarize(s["verdict"] for s in items),
    }

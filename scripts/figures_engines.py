"""Misbehaving engines and output floods for scripts/figures.py (issue 13 #8).

  - an engine socket that accepts and never answers, one that drips a byte every
    50 ms, one that answers garbage: `harness run` with that socket as Podman and
    the real Docker; the fake engine must be unavailable (with the reason) within
    15 s and Docker's results written;
  - a scenario whose `run` step and whose `cli` step each print 600 MB to stdout:
    the harness's peak RSS (VmHWM of the `harness run` process, sampled until it
    exits; and ru_maxrss over its process tree) must stay under 300 MB.

The fake sockets are the ones tests/engines/test_misbehaving_sockets.py uses.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.engines import create_engine  # noqa: E402
from tests.engines.test_misbehaving_sockets import FakeEngine, drip, garbage, silent  # noqa: E402

UNAVAILABLE_WITHIN_S = 15.0
MAX_RSS_MB = 300
ECHO = """\
schema: 1
id: figures.sockets
area: figures
title: One quick step, to see the other engine's results written
refs: [https://docs.docker.com/reference/cli/docker/container/run/]
steps:
  - run: {name: echo, image: base, command: [echo, hi]}
expect:
  echo.stdout: "hi\\n"
"""
FLOOD = """\
schema: 1
id: figures.flood
area: figures
title: A run step and a cli step that each print {mb} MB to stdout
refs: [https://docs.docker.com/reference/cli/docker/container/logs/]
steps:
  - run: {{name: flood, image: base, timeout: 300,
          command: [sh, -c, "head -c {bytes} /dev/zero | tr '\\\\0' y"]}}
  - cli: {{name: cli_flood, image: base, timeout: 300,
          args: [sh, -c, "head -c {bytes} /dev/zero | tr '\\\\0' y"]}}
expect:
  flood.exit_code: 0
  cli_flood.exit_code: 0
"""
BEHAVIOURS: dict[str, Callable[..., None]] = {
    "unanswering": silent,
    "slow-drip": drip,
    "garbage": garbage,
}


@dataclass
class SocketFigures:
    tried: int = 0
    ok: int = 0
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _info_time(name: str, url: str) -> tuple[float, bool, str]:
    engine = create_engine(name, url)
    started = time.monotonic()
    info = engine.info()
    elapsed = time.monotonic() - started
    engine.close()
    return elapsed, info.available, info.error or ""


def _one_socket(name: str, faked: str, work: Path, figures: SocketFigures) -> None:
    """`faked` (docker or podman) is the misbehaving socket; the other one is real."""
    real = "docker" if faked == "podman" else "podman"
    fake = FakeEngine(BEHAVIOURS[name], handshake=name == "unanswering")
    out, scenario = work / f"sock-{name}-{faked}", work / "sockets.yaml"
    scenario.write_text(ECHO)
    try:
        elapsed, available, error = _info_time(faked, fake.url)
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "harness.cli", "run", str(scenario), "--engine", "docker",
             "--engine", "podman", "--url", f"{faked}={fake.url}", "-q", "--out", str(out)],
            cwd=ROOT, capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip
        took = time.monotonic() - started
    finally:
        fake.close()
    figures.tried += 1
    doc = json.loads((out / "results.json").read_text()) if (out / "results.json").exists() else {}
    bad = next((e for e in doc.get("engines", []) if e["name"] == faked), {})
    outcomes = [
        " ".join(filter(None, (o.get("status"), o.get("error"))))
        for o in (s["engines"].get(real, {}) for s in doc.get("scenarios", []))
    ]
    figures.lines.append(
        f"{name} socket as {faked}: unavailable after {elapsed:.1f} s "
        f"({error.rsplit(': ', 1)[-1][:60]!r}); `harness run` exit {done.returncode} in "
        f"{took:.1f} s, {faked} available={bad.get('available')}, {real} {outcomes}"
    )
    good = not available and error and elapsed < UNAVAILABLE_WITHIN_S
    if good and bad.get("available") is False and outcomes == ["pass"]:
        figures.ok += 1
    else:
        figures.problems.append(f"{name} socket: {figures.lines[-1]}; {done.stderr[-300:]!r}")


def sockets(work: Path) -> SocketFigures:
    figures = SocketFigures()
    for name in BEHAVIOURS:
        for faked in ("podman", "docker"):
            _one_socket(name, faked, work, figures)
    return figures


_MEASURE = """
import resource, subprocess, sys, time
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
hwm = 0
while proc.poll() is None:
    try:
        for line in open(f"/proc/{proc.pid}/status"):
            if line.startswith("VmHWM:"):
                hwm = max(hwm, int(line.split()[1]) // 1024)
    except OSError:
        pass
    time.sleep(0.05)
err = proc.stderr.read().decode(errors="replace")[-300:]
tree = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
print(f"{hwm}|{tree}|{proc.returncode}|{err!r}")
"""


@dataclass
class FloodFigures:
    tried: int = 0
    ok: int = 0
    hwm_mb: int = 0
    tree_mb: int = 0
    line: str = ""


def flood(work: Path, targets: list[str], megabytes: int = 600) -> FloodFigures:
    """Peak RSS of `harness run` on the flood scenario, on each engine in turn."""
    figures = FloodFigures()
    scenario = work / "flood.yaml"
    scenario.write_text(FLOOD.format(mb=megabytes, bytes=megabytes * 1000 * 1000))
    parts = []
    for name in targets:
        out = work / f"flood-{name}"
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, sys.executable, "-m", "harness.cli", "run",
             str(scenario), "--engine", name, "-q", "--out", str(out)],
            cwd=ROOT, capture_output=True, text=True, check=False, timeout=1800,
        )  # fmt: skip
        hwm, tree, code, err = done.stdout.strip().rsplit("\n", 1)[-1].split("|", 3)
        doc = json.loads((out / "results.json").read_text())
        outcome = doc["scenarios"][0]["engines"][name]
        figures.tried += 1
        figures.hwm_mb, figures.tree_mb = (
            max(figures.hwm_mb, int(hwm)),
            max(figures.tree_mb, int(tree)),
        )
        fine = int(hwm) < MAX_RSS_MB and outcome["status"] == "pass"
        seen = [outcome["observations"].get(f"{step}.output_bytes", {}).get("stdout", 0)
                for step in ("flood", "cli_flood")]  # fmt: skip
        fine = fine and min(seen) == megabytes * 1000 * 1000
        figures.ok += fine
        parts.append(f"{name}: harness peak {hwm} MB (process tree {tree} MB), exit {code}, "
                     f"{outcome['status']}, stdout recorded {' + '.join(str(b) for b in seen)} "
                     f"bytes{'' if fine else ' ' + err}")  # fmt: skip
    figures.line = "; ".join(parts)
    return figures

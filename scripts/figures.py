"""Robustness figures for issue 6: leftovers, kills survived, bad inputs, faults, losses.

    .venv/bin/python scripts/figures.py [--runs N] [--kills K] [--bad M] [--scenarios PATH]

Prints figures, asserts nothing (the tests in tests/e2e and tests/unit do that, on
the same machinery). Uses the real engines; takes a few minutes per full run.
Every resource it creates carries harness labels and is removed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.engines import create_engine  # noqa: E402
from harness.engines.base import Engine  # noqa: E402
from harness.errors import ScenarioErrors  # noqa: E402
from harness.labels import OWNER, RUN  # noqa: E402
from harness.model.loader import load_scenario  # noqa: E402
from tests.e2e.crash_support import (  # noqa: E402
    BOTH,
    count_owned,
    hang_scenario,
    harness,
    owner_of,
    start_run,
    wait_for_containers,
    wait_until,
)
from tests.hostile_cases import MUTATIONS, TRAPS, dump, mutate, position_pattern  # noqa: E402

LOST: list[str] = []
# What the library's namespace and capability scenarios need (see tests/library.py).
LIBRARY_FLAGS = ("--allow-host-namespaces", "--allow-capabilities")


def engines() -> list[Engine]:
    found = [create_engine("docker"), create_engine("podman")]
    return [e for e in found if e.info().available]


def remaining(targets: list[Engine], labels: dict[str, str]) -> int:
    return sum(len(ids) for e in targets for ids in e.list_labelled(labels).values())


def full_runs(count: int, scenarios: str, targets: list[Engine], work: Path) -> None:
    for i in range(count):
        out = work / f"full-{i}"
        started = time.monotonic()
        done = harness(
            "run",
            scenarios,
            *LIBRARY_FLAGS,
            *BOTH,
            "-j",
            "2",
            "-q",
            "--out",
            str(out),
            timeout=3600,
        )
        took = time.monotonic() - started
        if not (out / "results.json").exists():
            LOST.append(f"full run {i}: no results.json (exit {done.returncode})")
            continue
        doc = json.loads((out / "results.json").read_text())
        per_scenario = sum(
            len(o.get("leftovers", [])) for s in doc["scenarios"] for o in s["engines"].values()
        )
        run_level = sum(len(v) for v in doc["run"].get("leftovers", {}).values())
        after = remaining(targets, {RUN: doc["run"]["id"]})
        if after:
            LOST.append(f"full run {i}: {after} resources still labelled after the run")
        print(
            f"full run {i + 1}/{count}: {len(doc['scenarios'])} scenarios x "
            f"{len(doc['engines'])} engines in {took:.0f} s, exit {done.returncode}; "
            f"leftovers recorded per scenario {per_scenario}, at run end {run_level}, "
            f"labelled resources remaining {after}"
        )


def kills(count: int, targets: list[Engine], work: Path) -> tuple[int, int]:
    """SIGKILL then `harness clean`, and SIGTERM, alternately; (survived, tried)."""
    survived = 0
    for i in range(count):
        sig = signal.SIGKILL if i % 2 == 0 else signal.SIGTERM
        out = work / f"kill-{i}"
        proc = start_run(
            str(hang_scenario(work, f"hang{i}")), *BOTH, "-j", "2", "-q", "--out", str(out)
        )
        own = owner_of(proc.pid)
        try:
            wait_for_containers(own, targets, proc)
            proc.send_signal(sig)
            proc.communicate(timeout=120)
            left_by_kill = sum(count_owned(e, own) for e in targets)
            if sig == signal.SIGKILL:
                harness("clean")
            after = sum(count_owned(e, own) for e in targets)
            ok = after == 0
            if sig == signal.SIGTERM:
                doc = json.loads((out / "results.json").read_text())
                ok = ok and doc["run"]["incomplete"] and (out / "report.html").exists()
            survived += ok
            if not ok:
                LOST.append(f"{sig.name} #{i}: {after} resources left, or no partial report")
            print(
                f"{sig.name} mid-scenario #{i + 1}: left by the signal {left_by_kill}, "
                f"after {'`harness clean`' if sig == signal.SIGKILL else 'its own teardown'} "
                f"{after}{'; partial report written' if sig == signal.SIGTERM else ''}"
            )
        finally:
            if proc.poll() is None:
                proc.kill()
            for engine in targets:
                engine.remove_labelled({OWNER: own})
    return survived, count


def bad_inputs(count: int, work: Path) -> tuple[int, int, list[str]]:
    """(rejected cleanly, tried, problems): traps + generated one-defect documents + noise."""
    rng = random.Random(6)
    cases = list(TRAPS.values())
    for _ in range(count):
        kind = rng.choice(MUTATIONS)
        text = "".join(rng.choice("abcXYZ_- :/[]{}") for _ in range(rng.randint(1, 12)))
        cases.append(dump(mutate(kind, rng.randint(0, 1000), text), rng.choice(["yaml", "json"])))
    for _ in range(count // 3):
        cases.append("".join(chr(rng.randint(1, 0x2FF)) for _ in range(rng.randint(0, 200))))
    clean, problems = 0, []
    path = work / "bad.yaml"
    pattern = position_pattern(path)
    for text in cases:
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        try:
            load_scenario(path)
            problems.append(f"accepted: {text[:60]!r}")
        except ScenarioErrors as exc:
            if all(pattern.match(str(e.args[0])) for e in exc.errors):
                clean += 1
            else:
                problems.append(f"no position: {exc.errors[0]}")
        except Exception as exc:  # a crash is exactly what this counts
            problems.append(f"crash {type(exc).__name__}: {text[:60]!r}")
    return clean, len(cases), problems


def daemon_fault(work: Path) -> bool:
    """Kill a private Podman service mid-run; podman `error`, docker finishes, exit 3."""
    sock = Path(f"/tmp/harness-figures-{os.getpid()}.sock")
    env = {**os.environ, "CONTAINERS_CONF": "/var/lib/harness/containers.conf"}
    resolv = Path("/var/lib/harness/resolv.conf")  # the setup's offline safety net
    offline_ns = Path(__file__).resolve().parent / "offline-ns.sh"
    offline = ["bash", str(offline_ns), str(resolv)] if resolv.exists() else []
    service = subprocess.Popen(
        [*offline, "podman", "system", "service", "--time=0", f"unix://{sock}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    shared, docker = create_engine("podman"), create_engine("docker")
    out = work / "fault"
    try:
        wait_until(sock.exists, 60, "private podman socket")
        proc = start_run(
            str(hang_scenario(work, "fault", timeout=8)), "--engine", "docker",
            "--engine", "podman", "--url", f"podman=unix://{sock}", "-j", "2", "-q",
            "--out", str(out),
        )  # fmt: skip
        own = owner_of(proc.pid)
        wait_until(lambda: bool(shared.list_labelled({OWNER: own})["containers"]), 120, "start")
        os.killpg(service.pid, signal.SIGKILL)
        service.wait()
        proc.communicate(timeout=180)
        doc = json.loads((out / "results.json").read_text())
        (scenario,) = doc["scenarios"]
        ok = (
            proc.returncode == 3
            and scenario["engines"]["podman"]["status"] == "error"
            and scenario["engines"]["docker"]["status"] == "pass"
            and (out / "report.html").exists()
        )
        podman, dock = scenario["engines"]["podman"], scenario["engines"]["docker"]
        print(
            f"podman daemon killed mid-run: exit {proc.returncode}, podman "
            f"{podman['status']} ({podman['error']}), docker {dock['status']}, report written"
        )
        for engine in (shared, docker):
            engine.remove_labelled({OWNER: own})
        return ok
    finally:
        if service.poll() is None:
            os.killpg(service.pid, signal.SIGKILL)
        sock.unlink(missing_ok=True)


def hung_step(work: Path) -> bool:
    scenario = work / "hung.yaml"
    scenario.write_text(
        "schema: 1\nid: figures.hung\narea: figures\ntitle: hung exec\n"
        "refs: [https://docs.docker.com/reference/cli/docker/container/exec/]\nsteps:\n"
        "  - run: {name: box, image: base, command: [sleep, '300'], detach: true}\n"
        "  - exec: {name: stuck, container: box, command: [sleep, '300'], timeout: 3}\n"
    )
    done = harness("run", str(scenario), *BOTH, "-q", "--out", str(work / "hung"))
    doc = json.loads((work / "hung" / "results.json").read_text())
    errors = {n: o["error"] for n, o in doc["scenarios"][0]["engines"].items()}
    print(f"hung exec: exit {done.returncode}, {errors}")
    return done.returncode == 3 and all("timed out" in (e or "") for e in errors.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="full library runs")
    parser.add_argument(
        "--kills", type=int, default=4, help="signal cycles (SIGKILL, SIGTERM, ...)"
    )
    parser.add_argument("--bad", type=int, default=300, help="generated bad documents")
    parser.add_argument("--scenarios", default="scenarios")
    args = parser.parse_args()
    os.environ.setdefault("HARNESS_KEEP_TEST_IMAGES", "1")
    targets = engines()
    with tempfile.TemporaryDirectory(prefix="harness-figures-") as tmp:
        work = Path(tmp)
        clean, tried, problems = bad_inputs(args.bad, work)
        print(f"bad inputs: {tried} tried, {clean} rejected cleanly with file:line:col")
        for problem in problems[:10]:
            print(f"  bad input problem: {problem}")
            LOST.append(problem)
        full_runs(args.runs, args.scenarios, targets, work)
        survived, attempted = kills(args.kills, targets, work)
        print(f"kills survived: {survived}/{attempted}")
        faults = [("podman daemon killed", daemon_fault(work)), ("hung exec", hung_step(work))]
        handled = sum(ok for _, ok in faults)
        print(f"faults injected: {len(faults)}, handled as specified: {handled}")
        LOST.extend(f"fault not handled: {name}" for name, ok in faults if not ok)
    print(f"lost: {len(LOST)}" + "".join(f"\n  - {item}" for item in LOST))
    for engine in targets:
        engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

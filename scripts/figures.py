"""Safety figures (issues 6 and 13): bad inputs, host access, hostile results,
SIGKILLs, concurrent runs, misbehaving engine sockets, output floods, faults.

    .venv/bin/python scripts/figures.py [--only NAME ...] [--kills K] [--bad M] ...

One line per figure, "NAME: N tried, N ok, ...", then a summary. Prints figures,
asserts nothing (the tests in tests/ do that, on the same machinery). Uses the
real engines (docker and podman, -j 2 at most, tiny busybox scenarios); every
resource it creates carries harness labels and is removed. The full library
runs only with --runs N.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import figures_bad  # noqa: E402
import figures_engines  # noqa: E402
import figures_kills  # noqa: E402
import figures_reports  # noqa: E402
import host_access_figures  # noqa: E402

from harness.engines import create_engine  # noqa: E402
from harness.engines.base import Engine  # noqa: E402
from harness.labels import OWNER, RUN  # noqa: E402
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
                written = (out / "results.json").exists()
                doc = json.loads((out / "results.json").read_text()) if written else {}
                incomplete = doc.get("run", {}).get("incomplete", False)
                ok = ok and incomplete and (out / "report.html").exists()
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


SUBSETS = ("bad", "host", "reports", "kills", "xdist", "concurrency", "sockets", "flood",
           "signals", "faults", "full")  # fmt: skip
TOTALS = {"figures": 0, "tried": 0, "ok": 0}


def figure(
    name: str, tried: int, ok: int, rest: str = "", problems: list[str] | None = None
) -> None:
    """One line "NAME: N tried, N ok, ..."; problems (at most 10) below it and in LOST."""
    TOTALS["figures"] += 1
    TOTALS["tried"] += tried
    TOTALS["ok"] += ok
    print(f"{name}: {tried} tried, {ok} ok" + (f", {rest}" if rest else ""), flush=True)
    for problem in (problems or [])[:10]:
        print(f"  - {problem}")
    LOST.extend(f"{name}: {p}" for p in problems or [])


def fig_bad(args: argparse.Namespace, targets: list[Engine], work: Path) -> None:
    f = figures_bad.bad_inputs(args.bad, work, targets, every=args.bad_cli_every)
    per = ", ".join(f"{k} {f.refused.get(k, 0)}/{n}" for k, n in f.tried.items())
    tried, refused = sum(f.tried.values()), sum(f.refused.values())
    figure("bad inputs", tried, refused,
           f"{tried - refused} not refused with file:line:col ({per}); through `harness run` "
           f"{f.cli_clean}/{f.through_cli} exit 2 without traceback; engine resources "
           f"labelled with a bad scenario's id (after - before): {f.created}",
           f.problems)  # fmt: skip


def fig_host(args: argparse.Namespace, work: Path) -> None:
    f = host_access_figures.host_access(args.host_generated, work)
    figure("host access", f.tried, f.refused,
           f"{f.accepted} accepted without a flag; with its own flag {f.flagged_with_flag} "
           f"loaded and flagged, {f.forbidden_with_all_flags} forbidden ones refused with every "
           "flag", f.problems)  # fmt: skip


def fig_reports(args: argparse.Namespace, work: Path) -> None:
    tried, safe, failures, lines = figures_reports.hostile_files(work, args.mixed)
    figure("hostile results files", tried, safe, "rendered safely (Markdown, JUnit, HTML)",
           failures)  # fmt: skip
    (work / "shell").mkdir()
    ran, clean, called = figures_reports.shell_lines(lines, work / "shell")
    figure("reproducer lines", ran, clean,
           f"no side effect in a scratch shell ({called} called the fake CLI)")  # fmt: skip
    (work / "bad").mkdir()
    tried, refused = figures_reports.malformed(work / "bad")
    figure("malformed `harness report` inputs", tried, refused, "exit 2 without traceback")
    tried, ok = figures_reports.unsafe_secrets()
    figure("unsafe secrets", tried, ok, "warned about, results valid")


def fig_kills(args: argparse.Namespace, targets: list[Engine], work: Path) -> None:
    started = time.monotonic()
    solo = figures_kills.harness(
        ["run", str(figures_kills.library(work)), *figures_kills.engine_args(targets),
         "-j", "2", "-q", "--out", str(work / "solo")], work / "solo-tmp")  # fmt: skip
    spread = max(2.0, time.monotonic() - started)
    f = figures_kills.run_kills(args.kills, work, targets, spread)
    _kill_line(f"SIGKILL of `harness run` (random moment in 0.2-{spread:.0f} s, "
               f"solo exit {solo.returncode})", f)  # fmt: skip


def _kill_line(name: str, f: figures_kills.KillFigures) -> None:
    figure(name, f.tried, f.ok,
           f"results.json valid {f.valid_results}, absent {f.no_results}; labelled resources "
           f"left by the kills {f.left_by_kill}, after `harness clean` {f.leftovers_after_clean}; "
           f"tmp dirs {f.tmp_before_clean} -> {f.tmp_after_clean}, lock files "
           f"{f.locks_before_clean} -> {f.locks_after_clean}", f.problems)  # fmt: skip


def fig_xdist(args: argparse.Namespace, targets: list[Engine], work: Path) -> None:
    f = figures_kills.xdist_kills(args.xdist_kills, work, targets)
    _kill_line("SIGKILL of an xdist worker (pytest -n 2)", f)


def fig_concurrency(targets: list[Engine], work: Path) -> None:
    f = figures_kills.concurrency(work, targets)
    figure("concurrent runs and clean during a run", f.tried, f.ok,
           "same verdicts and exit as a solo run, the live run's resources untouched",
           f.problems)  # fmt: skip


def fig_sockets(work: Path) -> None:
    f = figures_engines.sockets(work)
    for line in f.lines:
        print(f"  {line}")
    figure("misbehaving engine sockets", f.tried, f.ok,
           f"unavailable with the reason within {figures_engines.UNAVAILABLE_WITHIN_S:.0f} s "
           "and the other engine's results written", f.problems)  # fmt: skip


def fig_flood(args: argparse.Namespace, targets: list[Engine], work: Path) -> None:
    f = figures_engines.flood(work, [e.name for e in targets], args.flood_mb)
    figure(f"{args.flood_mb} MB output flood (run step + cli step)", f.tried, f.ok,
           f"peak RSS of the harness {f.hwm_mb} MB (limit {figures_engines.MAX_RSS_MB}); "
           f"{f.line}")  # fmt: skip


def fig_signals(args: argparse.Namespace, targets: list[Engine], work: Path) -> None:
    survived, attempted = kills(args.signals, targets, work)
    figure("SIGKILL/SIGTERM mid-scenario (alternating)", attempted, survived)


def fig_faults(work: Path) -> None:
    faults = [("podman daemon killed", daemon_fault(work)), ("hung exec", hung_step(work))]
    problems = [f"fault not handled: {name}" for name, ok in faults if not ok]
    figure("faults injected", len(faults), sum(ok for _, ok in faults), "", problems)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=SUBSETS, help="run only these figures")
    parser.add_argument("--runs", type=int, default=0, help="full library runs (figure 'full')")
    parser.add_argument("--scenarios", default="scenarios")
    parser.add_argument("--bad", type=int, default=1000, help="generated bad inputs (about)")
    parser.add_argument("--bad-cli-every", type=int, default=30,
                        help="every Nth bad case also through `harness run`")  # fmt: skip
    parser.add_argument("--host-generated", type=int, default=1000,
                        help="generated host-access option spellings")  # fmt: skip
    parser.add_argument("--mixed", type=int, default=60, help="random hostile results files")
    parser.add_argument("--kills", type=int, default=10, help="SIGKILLs of `harness run`")
    parser.add_argument("--xdist-kills", type=int, default=2, help="SIGKILLs of xdist workers")
    parser.add_argument("--signals", type=int, default=2, help="alternating SIGKILL/SIGTERM")
    parser.add_argument("--flood-mb", type=int, default=600, help="MB each flooding step prints")
    return parser.parse_args()


def main() -> int:
    args = parse()
    chosen = set(args.only or [s for s in SUBSETS if s != "full" or args.runs])
    os.environ.setdefault("HARNESS_KEEP_TEST_IMAGES", "1")
    targets = engines()
    steps: list[tuple[str, Callable[[Path], None]]] = [
        ("bad", lambda w: fig_bad(args, targets, w)),
        ("host", lambda w: fig_host(args, w)),
        ("reports", lambda w: fig_reports(args, w)),
        ("kills", lambda w: fig_kills(args, targets, w)),
        ("xdist", lambda w: fig_xdist(args, targets, w)),
        ("concurrency", lambda w: fig_concurrency(targets, w)),
        ("sockets", fig_sockets),
        ("flood", lambda w: fig_flood(args, targets, w)),
        ("signals", lambda w: fig_signals(args, targets, w)),
        ("faults", fig_faults),
        ("full", lambda w: full_runs(max(args.runs, 1), args.scenarios, targets, w)),
    ]
    with tempfile.TemporaryDirectory(prefix="figures-") as tmp:
        for name, run in steps:
            if name in chosen:
                work = Path(tmp) / name
                work.mkdir()
                started = time.monotonic()
                run(work)
                print(f"  ({name}: {time.monotonic() - started:.0f} s)", flush=True)
    print(f"summary: {TOTALS['figures']} figures, {TOTALS['tried']} tried, {TOTALS['ok']} ok, "
          f"{len(LOST)} problems" + "".join(f"\n  - {item}" for item in LOST))  # fmt: skip
    for engine in targets:
        engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

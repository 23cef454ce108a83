"""Kills and concurrency for scripts/figures.py (issue 13 #8), on the real engines.

  - SIGKILL of `harness run` at a random moment, then `harness clean` (default mode):
    results.json absent or valid, 0 resources left by the dead owner, its temporary
    directories and lock files counted before and after;
  - SIGKILL of an xdist worker under `pytest -n 2`, the same checks for its owner;
  - two `harness run` at once on the same engines, and `harness clean` during one:
    same verdicts as a solo run, the live run's resources untouched.

Every run gets a private TMPDIR (so the temporary directories and lock files
counted are exactly the killed runs'); scenarios are tiny (busybox, seconds).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.engines.base import Engine  # noqa: E402
from harness.labels import OWNER  # noqa: E402
from harness.results.document import validate  # noqa: E402
from tests.e2e.crash_support import count_owned, hang_scenario, owner_of  # noqa: E402

QUICK = """\
schema: 1
id: figures.{name}
area: figures
title: A tiny scenario for the kill and concurrency figures
refs: [https://docs.docker.com/reference/cli/docker/container/run/]
volumes:
  data: {{}}
steps:
  - run: {{name: echo, image: base, command: [sh, -c, "echo hi > /d/x; cat /d/x"],
          mounts: [{{type: volume, source: data, target: /d}}]}}
  - run: {{name: box, image: base, command: [sleep, "60"], detach: true}}
  - exec: {{name: probe, container: box, command: [sh, -c, "sleep 1; echo ok"]}}
expect:
  echo.stdout: "hi\\n"
  probe.stdout: "ok\\n"
"""


@dataclass
class KillFigures:
    tried: int = 0
    ok: int = 0  # valid or no results.json, 0 leftovers after clean, tmp dirs swept
    valid_results: int = 0
    no_results: int = 0
    leftovers_after_clean: int = 0
    left_by_kill: int = 0
    tmp_before_clean: int = 0
    tmp_after_clean: int = 0
    locks_before_clean: int = 0
    locks_after_clean: int = 0
    problems: list[str] = field(default_factory=list)


def library(work: Path, hang_s: int = 4) -> Path:
    """A private scenario directory: two quick scenarios and one that waits `hang_s`."""
    directory = work / f"library-{hang_s}"
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("quick-a", "quick-b"):
        (directory / f"{name}.yaml").write_text(QUICK.format(name=name))
    hang_scenario(directory, "hang", timeout=hang_s)
    return directory


def env_for(tmpdir: Path) -> dict[str, str]:
    tmpdir.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "TMPDIR": str(tmpdir), "HARNESS_KEEP_TEST_IMAGES": "1"}


def harness(
    args: list[str], tmpdir: Path, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args], cwd=ROOT, env=env_for(tmpdir),
        capture_output=True, text=True, check=False, timeout=timeout,
    )  # fmt: skip


def start(args: list[str], tmpdir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "harness.cli", *args], cwd=ROOT, env=env_for(tmpdir),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def engine_args(targets: list[Engine]) -> list[str]:
    return [a for e in targets for a in ("--engine", e.name)]


def tmp_counts(tmpdir: Path) -> tuple[int, int]:
    """(harness-* temporary directories, lock files) in a private TMPDIR."""
    dirs = sum(1 for p in tmpdir.glob("harness-*") if p.is_dir() and p.name != "harness-locks")
    return dirs, sum(1 for _ in (tmpdir / "harness-locks").glob("*.lock"))


def _left(tmpdir: Path) -> list[str]:
    """The temporary directories still there, by name without the random suffix."""
    names = (p.name for p in tmpdir.glob("harness-*") if p.name != "harness-locks")
    return sorted(n.rsplit("-", 1)[0] + "-*" for n in names)


def results_state(out: Path) -> str:
    """'valid', 'none' or why the file is not a valid results document."""
    path = out / "results.json"
    if not path.exists():
        return "none"
    try:
        validate(json.loads(path.read_text()))
    except Exception as exc:
        return f"invalid: {type(exc).__name__}: {str(exc)[:120]}"
    return "valid"


def _after_kill(
    figures: KillFigures, what: str, owners: list[str], out: Path, tmpdir: Path,
    targets: list[Engine],
) -> None:  # fmt: skip
    """`harness clean` (default mode), then the checks, for one kill."""
    figures.tried += 1
    state = results_state(out)
    figures.valid_results += state == "valid"
    figures.no_results += state == "none"
    figures.left_by_kill += sum(count_owned(e, own) for e in targets for own in owners)
    dirs, locks = tmp_counts(tmpdir)
    clean = harness(["clean", *engine_args(targets)], tmpdir, timeout=300)
    after = sum(count_owned(e, own) for e in targets for own in owners)
    dirs_after, locks_after = tmp_counts(tmpdir)
    figures.tmp_before_clean += dirs
    figures.tmp_after_clean += dirs_after
    figures.locks_before_clean += locks
    figures.locks_after_clean += locks_after
    figures.leftovers_after_clean += after
    if state in ("valid", "none") and after == 0 and dirs_after == 0 and clean.returncode == 0:
        figures.ok += 1
    else:
        figures.problems.append(
            f"{what}: results {state}, {after} labelled left after clean (exit "
            f"{clean.returncode}), {dirs_after} tmp dirs left {_left(tmpdir)}"
        )
    for engine in targets:  # whatever the figure found, leave nothing behind
        for own in owners:
            engine.remove_labelled({OWNER: own})


def run_kills(count: int, work: Path, targets: list[Engine], spread_s: float) -> KillFigures:
    """`count` SIGKILLs of `harness run -j 2` at uniform random moments in [0.2, spread_s]."""
    rng, figures, scenarios = random.Random(8), KillFigures(), library(work)
    for i in range(count):
        tmpdir, out = work / f"kill-tmp-{i}", work / f"kill-out-{i}"
        proc = start(["run", str(scenarios), *engine_args(targets), "-j", "2", "-q",
                      "--out", str(out)], tmpdir)  # fmt: skip
        own = owner_of(proc.pid)
        time.sleep(rng.uniform(0.2, spread_s))
        finished = proc.poll() is not None
        proc.kill()
        proc.communicate(timeout=60)
        _after_kill(figures, f"kill {i}{' (after it ended)' if finished else ''}", [own], out,
                    tmpdir, targets)  # fmt: skip
    return figures


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if int(text[text.rfind(")") + 2 :].split()[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _worker_with_containers(pid: int, targets: list[Engine], timeout: float) -> tuple[int, str]:
    """An xdist worker of pytest `pid` that has a container on some engine, and its owner."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in _children(pid):
            own = owner_of(child)
            if any(e.list_labelled({OWNER: own})["containers"] for e in targets):
                return child, own
        time.sleep(0.2)
    raise AssertionError("no xdist worker started a container")


def xdist_kills(count: int, work: Path, targets: list[Engine]) -> KillFigures:
    """SIGKILL one xdist worker of `pytest -n 2` mid-scenario, let pytest finish (xdist
    replaces the worker), then `harness clean`; checked for the dead worker's owner."""
    figures, scenarios = KillFigures(), library(work)
    (scenarios / "pytest.ini").write_text("[pytest]\n")
    for i in range(count):
        tmpdir, out = work / f"xdist-tmp-{i}", work / f"xdist-out-{i}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider",
             "--compat-report", str(out), *engine_args(targets), str(scenarios)],
            cwd=scenarios, env=env_for(tmpdir), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            worker, own = _worker_with_containers(proc.pid, targets, 120)
            os.kill(worker, 9)
            proc.wait(timeout=300)
            _after_kill(figures, f"xdist worker kill {i}", [own], out, tmpdir, targets)
        except AssertionError as exc:
            figures.tried += 1
            figures.problems.append(f"xdist worker kill {i}: {exc}")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return figures


@dataclass
class ConcurrencyFigures:
    tried: int = 0
    ok: int = 0
    problems: list[str] = field(default_factory=list)


def verdicts(out: Path) -> dict[str, str]:
    doc = json.loads((out / "results.json").read_text())
    return {s["id"]: s["verdict"] for s in doc["scenarios"]}


def concurrency(work: Path, targets: list[Engine]) -> ConcurrencyFigures:
    """A solo run; two runs at once; a run with `harness clean` (default mode) during it:
    same verdicts as solo, and clean removes nothing of the live run."""
    figures, scenarios = ConcurrencyFigures(), library(work)
    run = ["run", str(scenarios), *engine_args(targets), "-j", "2", "-q", "--out"]
    tmpdir = work / "conc-tmp"
    solo = harness([*run, str(work / "solo")], tmpdir)
    expected = verdicts(work / "solo")
    pair = [start([*run, str(work / f"pair-{i}")], tmpdir) for i in (0, 1)]
    for i, proc in enumerate(pair):
        proc.communicate(timeout=600)
        figures.tried += 1
        got = verdicts(work / f"pair-{i}")
        if got == expected and proc.returncode == solo.returncode:
            figures.ok += 1
        else:
            figures.problems.append(f"concurrent run {i}: {got} (exit {proc.returncode}), "
                                    f"solo {expected} (exit {solo.returncode})")  # fmt: skip
    long = [str(library(work, hang_s=20)), *run[2:]]  # the same scenarios, a longer wait
    live = start(["run", *long, str(work / "live")], tmpdir)
    own = owner_of(live.pid)
    deadline = time.monotonic() + 120
    while not all(e.list_labelled({OWNER: own})["volumes"] for e in targets):
        if time.monotonic() > deadline or live.poll() is not None:
            break
        time.sleep(0.2)
    before = sum(count_owned(e, own) for e in targets)
    clean = harness(["clean", *engine_args(targets)], tmpdir, timeout=300)
    after = sum(count_owned(e, own) for e in targets)
    live.communicate(timeout=600)
    figures.tried += 1
    got = verdicts(work / "live")
    print(f"  clean during a run: the live run had {before} resources before `harness clean`, "
          f"{after} after it; clean said {clean.stdout.strip()!r}")  # fmt: skip
    if got == expected and live.returncode == solo.returncode and before and after:
        figures.ok += 1
    else:
        figures.problems.append(f"clean during a run: {got} (exit {live.returncode}), "
                                f"live resources {before} before clean, {after} after")  # fmt: skip
    return figures

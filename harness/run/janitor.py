"""One home for removal: a scenario's teardown by label with its leak audit, the
run-level audit, and the leftovers of runs that died (SIGKILL, OOM, a lost CI worker).

Teardown removes by label, so anything found afterwards is a real leak (a
removal the engine refused, a container a CLI step started late, a daemon that
went away). Each leftover is recorded against its scenario, then removed once
more, so the next run starts clean even when this one leaked.


A resource is *stale* when its `io.harness.owner` names a process on this host
that no longer exists (or a different process now has its pid). Resources of a
live run, of another host, and anything without harness labels are never
touched. Images are a shared cache, not leftovers: they are removed only on
request (`harness clean --images`), and then only when no container uses them.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from harness.engines import links
from harness.engines.base import Engine, LabelLister
from harness.engines.version_surfaces import SHARED_DIR, running_netns
from harness.errors import EngineError, EngineUnavailable, HarnessError
from harness.labels import ENGINE, OWNER, RUN, SCENARIO, process_start_time
from harness.tempdirs import sweep_temp, temp_dir

__all__ = ["sweep_temp", "temp_dir"]  # the run layer's names for them

_FAULTS = (EngineError, EngineUnavailable, OSError)


def remaining(engine: Engine, selector: dict[str, str]) -> list[str]:
    """`kind:id` of every container, volume and network matching `selector`."""
    found = engine.list_labelled(selector)
    return [f"{kind.rstrip('s')}:{rid}" for kind, ids in sorted(found.items()) for rid in ids]


def teardown_and_audit(engine: Engine, selector: dict[str, str]) -> list[str]:
    """Remove what matches `selector`; return the leftovers found afterwards (then removed)."""
    problem = ""
    try:
        engine.remove_labelled(selector)
    except _FAULTS as exc:
        problem = f"teardown failed: {exc}"
    try:
        left = remaining(engine, selector)
    except _FAULTS as exc:
        return [f"leak audit failed: {problem or exc}"]
    if left:
        with contextlib.suppress(*_FAULTS):
            engine.remove_labelled(selector)
    return left


def audit_run(engines: list[Engine], selector: dict[str, str]) -> dict[str, list[str]]:
    """Run-level audit across engines: leftovers per engine (only engines with any).
    All engines at once: each waits on its own daemon."""
    with ThreadPoolExecutor(max_workers=max(1, len(engines))) as pool:
        lefts = list(pool.map(lambda e: teardown_and_audit(e, selector), engines))
    return {e.name: left for e, left in zip(engines, lefts, strict=True) if left}


def sweep_scenario(engine: Engine, run_id: str, scenario_id: str) -> list[str]:
    """Remove everything labelled for this scenario on this surface (surfaces may share
    one store); the leftovers the leak audit found."""
    return teardown_and_audit(engine, {RUN: run_id, SCENARIO: scenario_id, ENGINE: engine.name})


@dataclass(frozen=True)
class Owner:
    """Who created a resource, parsed from its owner label."""

    host: str
    pid: int
    start_time: str | None = None


def parse_owner(text: str) -> Owner | None:
    """`host:pid[:starttime]` -> Owner; None for anything else (left alone)."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[1].isdigit() or not parts[0]:
        return None
    start = parts[2] if len(parts) == 3 and parts[2] not in ("", "0") else None
    return Owner(parts[0], int(parts[1]), start)


def is_stale(owner_label: str, host: str | None = None) -> bool:
    """True only when the owner is surely dead: same host, and its process is gone
    or its pid now belongs to a process that started at another time."""
    parsed = parse_owner(owner_label)
    if parsed is None or parsed.host != (host or socket.gethostname()):
        return False
    if parsed.pid == os.getpid():
        return False
    current = process_start_time(parsed.pid)
    if current is None:
        return True
    return parsed.start_time is not None and current != parsed.start_time


@dataclass
class SweepReport:
    """What one sweep found and did on one engine."""

    removed: dict[str, int] = field(default_factory=dict)  # "run owner" -> resources removed
    live: set[str] = field(default_factory=set)  # run ids left alone because their owner lives
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.removed.values())


def stale_groups(engine: LabelLister) -> tuple[dict[tuple[str, str], int], set[str]]:
    """(run id, owner) pairs whose owner is dead, with their resource counts; live run ids."""
    stale: dict[tuple[str, str], int] = defaultdict(int)
    live: set[str] = set()
    for resource in engine.labelled_resources({RUN: ""}):
        run = resource.labels.get(RUN, "")
        own = resource.labels.get(OWNER, "")
        if run and own and is_stale(own):
            stale[(run, own)] += 1
        elif run:
            live.add(run)
    return dict(stale), live


def sweep_stale_pods(engine: Engine) -> int:
    """Pods (Podman's kube play, the capability probe) of dead harness processes: the
    engine APIs the adapters use list no pods, so this asks the engine's own CLI. An
    engine without pods answers an error and nothing is removed."""
    try:
        cli = engine.cli()
        listed = subprocess.run(
            [*cli, "pod", "ps", "--filter", f"label={OWNER}", "--format", "json"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        pods = json.loads(listed.stdout or "[]") if listed.returncode == 0 else []
    except (AttributeError, HarnessError, OSError, ValueError, subprocess.TimeoutExpired):
        return 0  # an adapter without a CLI, or an engine without pods
    removed = 0
    for pod in pods if isinstance(pods, list) else []:
        labels = pod.get("Labels") or {}
        if isinstance(labels, dict) and is_stale(str(labels.get(OWNER, ""))):
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                subprocess.run([*cli, "pod", "rm", "-f", str(pod.get("Name"))],
                               capture_output=True, timeout=60, check=False)  # fmt: skip
                removed += 1
    return removed


def sweep_host_leftovers() -> int:
    """What killed runs left on the host outside any engine, whose owner is dead: the
    temporary directories (in the system's and in the version surfaces' shared scratch)
    and the macvlan/ipvlan parent links (hx…, on the host and in the running version
    surfaces' network namespaces); how many."""
    in_surfaces = sum(links.sweep_stale_links(is_stale, ns) for ns in running_netns())
    shared = sweep_temp(SHARED_DIR) if SHARED_DIR.is_dir() else 0
    return sweep_temp() + shared + links.sweep_stale_links(is_stale) + in_surfaces


def sweep_stale(engine: Engine) -> SweepReport:
    """Remove the containers, volumes and networks of dead harness processes on this host."""
    report = SweepReport()
    if not isinstance(engine, LabelLister):
        return report  # an adapter that cannot tell owners apart is never swept
    try:
        groups, report.live = stale_groups(engine)
    except (EngineError, EngineUnavailable, OSError) as exc:
        report.errors.append(f"{engine.name}: cannot list resources: {exc}")
        return report
    pods = sweep_stale_pods(engine)
    if pods:
        report.removed["pods of dead runs"] = pods
    for (run, own), _count in sorted(groups.items()):
        try:
            report.removed[f"{run} {own}"] = engine.remove_labelled({RUN: run, OWNER: own})
        except (EngineError, EngineUnavailable, OSError) as exc:
            report.errors.append(f"{engine.name}: run {run} ({own}): {exc}")
    return report

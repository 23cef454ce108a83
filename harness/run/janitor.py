"""Leftovers of runs that died (SIGKILL, OOM, a lost CI worker): find and remove them.

A resource is *stale* when its `io.harness.owner` names a process on this host
that no longer exists (or a different process now has its pid). Resources of a
live run, of another host, and anything without harness labels are never
touched. Images are a shared cache, not leftovers: they are removed only on
request (`harness clean --images`), and then only when no container uses them.
"""

from __future__ import annotations

import os
import socket
from collections import defaultdict
from dataclasses import dataclass, field

from harness.engines.base import Engine, LabelLister
from harness.errors import EngineError, EngineUnavailable
from harness.labels import OWNER, RUN, process_start_time


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
    for (run, own), _count in sorted(groups.items()):
        try:
            report.removed[f"{run} {own}"] = engine.remove_labelled({RUN: run, OWNER: own})
        except (EngineError, EngineUnavailable, OSError) as exc:
            report.errors.append(f"{engine.name}: run {run} ({own}): {exc}")
    return report

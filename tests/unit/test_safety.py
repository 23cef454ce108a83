"""Crash-safety logic with no engine: stale owners, the sweep, the leak audit,
signal handling, step timeouts and file modes."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import pytest

from harness.engines._util import has_labels
from harness.engines.base import LabelledResource
from harness.errors import EngineError
from harness.labels import OWNER, RUN, owner, process_start_time
from harness.results.document import write_atomic
from harness.run.janitor import is_stale, parse_owner, sweep_stale, teardown_and_audit
from harness.run.signals import InterruptOnce, interrupt_once
from harness.steps.waits import within

HOST = socket.gethostname()


def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


class LabelStore:
    """Just enough of an engine to hold labelled resources and remove them by label."""

    name = "fake"

    def __init__(self, resources: list[LabelledResource], stuck: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.resources = list(resources)
        self.stuck = set(stuck)  # ids whose first removal fails
        self.selectors: list[dict[str, str]] = []

    def labelled_resources(self, labels: dict[str, str]) -> list[LabelledResource]:
        return [r for r in self.resources if has_labels(r.labels, labels)]

    def list_labelled(self, labels: dict[str, str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {"containers": [], "volumes": [], "networks": []}
        for r in self.labelled_resources(labels):
            found[f"{r.kind}s"].append(r.id)
        return found

    def remove_labelled(self, labels: dict[str, str]) -> int:
        self.selectors.append(dict(labels))
        gone = [r for r in self.labelled_resources(labels) if r.id not in self.stuck]
        self.stuck.clear()
        self.resources = [r for r in self.resources if r not in gone]
        return len(gone)


def test_owner_label_names_this_process_with_its_start_time() -> None:
    parsed = parse_owner(owner())
    assert parsed is not None
    assert (parsed.host, parsed.pid) == (HOST, os.getpid())
    assert parsed.start_time == process_start_time(os.getpid())


@pytest.mark.parametrize(
    ("label", "stale"),
    [
        (lambda: f"{HOST}:{dead_pid()}:123", True),
        (lambda: f"{HOST}:{dead_pid()}", True),  # the old host:pid format
        (lambda: f"{HOST}:{os.getppid()}:{process_start_time(os.getppid())}", False),
        (lambda: f"{HOST}:{os.getppid()}", False),
        (lambda: f"{HOST}:{os.getppid()}:1", True),  # pid reused by another process
        (lambda: f"other-host:{dead_pid()}:1", False),  # not ours to judge
        (lambda: owner(), False),
        (lambda: "garbage", False),
        (lambda: f"{HOST}:notapid:1", False),
        (lambda: "", False),
    ],
)
def test_staleness(label: object, stale: bool) -> None:
    assert callable(label)
    assert is_stale(label()) is stale


def test_sweep_removes_only_dead_owners_resources() -> None:
    dead = f"{HOST}:{dead_pid()}:99"
    alive = owner()
    store = LabelStore(
        [
            LabelledResource("container", "c1", {RUN: "dead-run", OWNER: dead}),
            LabelledResource("volume", "v1", {RUN: "dead-run", OWNER: dead}),
            # the same run id, another (live) xdist worker: must survive
            LabelledResource("container", "c2", {RUN: "dead-run", OWNER: alive}),
            LabelledResource("network", "n1", {RUN: "live-run", OWNER: alive}),
            LabelledResource("volume", "v2", {RUN: "remote-run", OWNER: "elsewhere:1:1"}),
            LabelledResource("volume", "v3", {RUN: "no-owner-run"}),
        ]
    )
    report = sweep_stale(store)  # type: ignore[arg-type]
    assert report.total == 2
    assert {r.id for r in store.resources} == {"c2", "n1", "v2", "v3"}
    assert store.selectors == [{RUN: "dead-run", OWNER: dead}]
    assert "live-run" in report.live


def test_leak_audit_records_a_leftover_then_removes_it() -> None:
    labels = {RUN: "r", "io.harness.scenario": "s"}
    store = LabelStore([LabelledResource("container", "c1", labels)], stuck={"c1"})
    left = teardown_and_audit(store, labels)  # type: ignore[arg-type]
    assert left == ["container:c1"]
    assert store.resources == []  # removed on the second try, after being recorded


def test_leak_audit_is_empty_when_teardown_worked() -> None:
    labels = {RUN: "r"}
    store = LabelStore([LabelledResource("volume", "v1", labels)])
    assert teardown_and_audit(store, labels) == []  # type: ignore[arg-type]


def test_leak_audit_reports_a_dead_engine() -> None:
    class Dead(LabelStore):
        def list_labelled(self, labels: dict[str, str]) -> dict[str, list[str]]:
            raise EngineError("connection refused")

        def remove_labelled(self, labels: dict[str, str]) -> int:
            raise EngineError("connection refused")

    left = teardown_and_audit(Dead([]), {RUN: "r"})  # type: ignore[arg-type]
    assert len(left) == 1 and "teardown failed: connection refused" in left[0]


def test_first_signal_interrupts_and_later_ones_do_not() -> None:
    handler = InterruptOnce()
    with pytest.raises(KeyboardInterrupt):
        handler(signal.SIGTERM, None)
    handler(signal.SIGINT, None)  # acknowledged, cleanup goes on
    assert handler.received == signal.SIGTERM


def test_sigterm_becomes_keyboard_interrupt_and_handlers_are_restored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), interrupt_once():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises long before this ends
    assert signal.getsignal(signal.SIGTERM) is before


def test_within_returns_gives_up_and_reraises() -> None:
    assert within(lambda: 7, 1.0) == 7
    assert within(lambda: time.sleep(2), 0.1) is None

    def boom() -> None:
        raise EngineError("refused")

    with pytest.raises(EngineError, match="refused"):
        within(boom, 1.0)


def test_outputs_are_written_readable_by_all(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    write_atomic(target, "{}\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_has_labels_requires_every_selector_item() -> None:
    labels = {RUN: "r1", "io.harness.scenario": "a", "flag": ""}
    assert has_labels(labels, {RUN: "r1", "io.harness.scenario": "a"})
    assert not has_labels(labels, {RUN: "r1", "io.harness.scenario": "b"})
    assert has_labels(labels, {"flag": ""})  # an empty value: the key at all
    assert not has_labels(None, {RUN: ""})
    assert has_labels(None, {})

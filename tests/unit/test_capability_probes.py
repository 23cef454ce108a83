"""One probe per capability and surface, however many items ask at once.

A probe names its throwaway networks and links after the run and the engine, so two
at once collided ("network ... already exists") and the false "no" was cached: every
macvlan scenario of a `make report` became `unsupported`. A fake engine is enough
here: what is tested is the bookkeeping around the probe, not the engine.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.engines import capabilities
from harness.engines.capabilities import Capability, Probe


class FakeEngine:
    name = "fake"

    def cli(self) -> list[str]:
        return ["fake-cli"]


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    calls: dict[str, Any] = {"count": 0, "inside": 0, "most": 0}
    guard = threading.Lock()

    def slow_probe(_: Probe) -> Capability:
        with guard:
            calls["count"] += 1
            calls["inside"] += 1
            calls["most"] = max(calls["most"], calls["inside"])
        time.sleep(0.2)
        with guard:
            calls["inside"] -= 1
        return Capability(True, "")

    monkeypatch.setattr(capabilities, "CACHE_DIR", tmp_path)
    monkeypatch.setattr(capabilities, "_cache", {})
    monkeypatch.setattr(capabilities, "_probing", {})
    monkeypatch.setitem(capabilities.PROBES, "network.macvlan", slow_probe)
    yield calls


def test_parallel_askers_share_one_probe(isolated: dict[str, Any]) -> None:
    engine: Any = FakeEngine()
    answers: list[Capability] = []

    def ask() -> None:
        answers.append(capabilities.capability(engine, "network.macvlan", "base", "run1"))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert isolated["count"] == 1
    assert isolated["most"] == 1
    assert answers == [Capability(True, "")] * 4


def test_answers_remembered_on_disk_serve_the_steps_too(
    isolated: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runner reads the matrix from the disk cache; a step's `require` afterwards
    must not probe again (that second probe is the one that raced)."""
    engine: Any = FakeEngine()
    remembered = {"network.macvlan": {"supported": True, "reason": "from disk"}}
    monkeypatch.setattr(capabilities, "_fingerprint_key", lambda *_: "fp")
    (capabilities.CACHE_DIR / "fp.json").write_text(json.dumps(remembered))
    found = capabilities.probe_all_cached(engine, Any, "base", "run1")  # type: ignore[arg-type]
    assert found["network.macvlan"].reason == "from disk"
    assert capabilities.require(engine, "network.macvlan", "base", "run1").reason == "from disk"
    assert isolated["count"] == 0


@pytest.mark.parametrize(
    "reason",
    [
        "run --rm did not answer within 60 s",
        "dial unix /tmp/x.sock: connect: connection refused",
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock",
        "Error: image not known",
    ],
)
def test_a_probe_that_got_no_answer_is_not_remembered(
    reason: str, isolated: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loaded or stopped engine is not an engine without the capability: remembering
    that "no" would turn its scenarios `unsupported` for hours."""
    monkeypatch.setitem(capabilities.PROBES, "network.macvlan", lambda _: Capability(False, reason))
    engine: Any = FakeEngine()
    assert capabilities.inconclusive(
        capabilities.capability(engine, "network.macvlan", "base", "run1")
    )
    assert capabilities._cache == {}

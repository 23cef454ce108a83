"""A scenario's own `timeout` ends it within seconds of the deadline, whatever its
container does: a stop that SIGTERM cannot end, a healthcheck that hangs (real engines)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.e2e.crash_support import BOTH, harness

pytestmark = [pytest.mark.engine, pytest.mark.slow]

STUBBORN = """\
schema: 1
id: deadline.stubborn
area: deadline
title: A container that ignores SIGTERM, stopped with a long grace period
refs: [https://docs.docker.com/reference/cli/docker/container/stop/]
timeout: 15
steps:
  - run:
      name: c
      image: base
      detach: true
      command: ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"]
  - stop: {name: s, container: c, timeout: 300}
expect:
  s.error: null
"""

HANGING = """\
schema: 1
id: deadline.hanging-health
area: deadline
title: A healthcheck that never answers, waited for
refs: [https://docs.docker.com/reference/dockerfile/#healthcheck]
timeout: 15
steps:
  - run:
      name: c
      image: base
      detach: true
      command: ["sleep", "1000"]
      healthcheck: {test: ["CMD", "sleep", "1000"], interval: 1, timeout: 600, retries: 1}
  - healthcheck_run: {name: h, container: c}
  - wait: {name: w, container: c, for: healthy, timeout: 600}
expect:
  w.reached: true
"""


@pytest.mark.parametrize("text", [STUBBORN, HANGING], ids=["sigterm-ignored", "hanging-health"])
def test_the_scenario_timeout_ends_it_in_time(tmp_path: Path, text: str) -> None:
    (tmp_path / "s.yaml").write_text(text)
    started = time.monotonic()
    done = harness("run", str(tmp_path / "s.yaml"), *BOTH, "-q", "--out", str(tmp_path / "out"))
    took = time.monotonic() - started
    document = json.loads((tmp_path / "out" / "results.json").read_text())
    (scenario,) = document["scenarios"]
    for engine, outcome in scenario["engines"].items():
        if outcome["status"] == "unsupported":  # docker: no on-demand healthcheck
            continue
        assert outcome["status"] == "error", (engine, outcome)
        assert "exceeded its timeout (15 s)" in outcome["error"], (engine, outcome["error"])
        assert outcome["duration_s"] < 30, (engine, outcome["duration_s"])
        assert outcome["leftovers"] == [], (engine, outcome["leftovers"])
    assert took < 120, done.stderr  # both engines, images cached or not

"""Engine CLIs run with bounded memory and time (a real subprocess, no engine)."""

from __future__ import annotations

import time

from harness.steps.process import run_bounded


def test_a_flood_keeps_head_and_tail_and_the_size() -> None:
    # 20 MiB on stdout: more than the 8 MiB kept per stream.
    done = run_bounded(["sh", "-c", "head -c 20971520 /dev/zero | tr '\\0' x; echo END"], 60)
    assert done.exit_code == 0 and done.truncated
    assert done.stdout_size == 20 * 1024 * 1024 + 4
    assert done.stdout.endswith("END\n") and "bytes of" in done.stdout
    assert len(done.stdout) < 9 * 1024 * 1024


def test_the_step_timeout_kills_the_whole_process_group() -> None:
    started = time.monotonic()
    done = run_bounded(["sh", "-c", "sleep 60 & sleep 60; echo never"], 0.5)
    assert done.timed_out and done.exit_code is None
    assert time.monotonic() - started < 10


def test_stop_ends_it_early() -> None:
    started = time.monotonic()
    done = run_bounded(["sleep", "60"], 60, stop=lambda: time.monotonic() - started > 0.3)
    assert done.timed_out and time.monotonic() - started < 10


def test_small_output_is_kept_whole() -> None:
    done = run_bounded(["sh", "-c", "echo out; echo err >&2; exit 3"], 10)
    assert (done.exit_code, done.stdout, done.stderr) == (3, "out\n", "err\n")
    assert not done.truncated

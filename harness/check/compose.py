"""Compose projects on each engine (filled in below)."""

from __future__ import annotations

from harness.check.runner import CheckRun


def check_compose(run: CheckRun) -> None:
    return None

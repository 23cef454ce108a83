"""The engine's own command line from a step: argv prefix, labels, answers as text."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from harness.engines._util import text
from harness.errors import EngineError
from harness.steps.context import StepContext


@dataclass(frozen=True)
class Answer:
    exit_code: int | None  # None: timed out
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def error(self) -> str | None:
        """The engine's refusal, as it said it (None when it did not refuse)."""
        if self.ok:
            return None
        return (self.stderr.strip() or self.stdout.strip() or "timed out")[:2000]


def label_args(ctx: StepContext) -> list[str]:
    return [arg for k, v in ctx.labels.items() for arg in ("--label", f"{k}={v}")]


def run_cli(ctx: StepContext, *args: str, timeout: float = 60, cwd: Path | None = None) -> Answer:
    """`<engine cli> ARGS`, in the scenario's temporary directory unless told."""
    try:
        done = subprocess.run(
            [*ctx.engine.cli(), *args],
            capture_output=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
            cwd=cwd or ctx.tmp,
        )
    except subprocess.TimeoutExpired as exc:
        return Answer(None, text(exc.stdout), text(exc.stderr))
    except FileNotFoundError as exc:
        raise EngineError(f"{ctx.engine.name} CLI not found: {exc}") from None
    return Answer(done.returncode, text(done.stdout), text(done.stderr))

"""The `cli` step: the engine's own command line, as a user types it, with the
exit status and output a user sees."""

from __future__ import annotations

import subprocess

from harness.engines._util import text
from harness.errors import EngineError
from harness.model.confine import escapes
from harness.model.specs.cli import CliSpec
from harness.steps.context import StepContext
from harness.steps.kinds import Family, StepKind


def run_cli(ctx: StepContext, spec: CliSpec) -> None:
    """`<cli> run` as a user types it: the exit status and output a user sees."""
    step = spec.name
    labels = [arg for k, v in ctx.labels.items() for arg in ("--label", f"{k}={v}")]
    argv = [
        *ctx.engine.cli(),
        "run",
        "--pull",
        "never",
        "--name",
        ctx.name_for(step),
        *labels,
        *(ctx.expand(o) for o in spec.options),
        ctx.images[spec.image] if spec.image else ctx.engine.image_ref(spec.image_ref or ""),
        *(ctx.expand(a) for a in spec.args),
    ]
    if ctx.tmp is not None:
        outside = escapes([ctx.expand(o) for o in spec.options], ctx.tmp)
        if outside:
            raise EngineError(f"{spec.name}: {outside[0]} leaves the scenario's {{{{ tmp }}}}")
    try:
        # In the scenario's temporary directory: conmon inherits the cwd and writes
        # files there (an `oom` file when the container is OOM-killed).
        done = subprocess.run(
            argv,
            capture_output=True,
            timeout=spec.timeout,
            check=False,
            stdin=subprocess.DEVNULL,
            cwd=ctx.tmp,
        )
    except subprocess.TimeoutExpired as exc:
        ctx.record(
            step, exit_code=None, timed_out=True, stdout=text(exc.stdout), stderr=text(exc.stderr)
        )
        return
    except FileNotFoundError as exc:
        raise EngineError(f"{ctx.engine.name} CLI not found: {exc}") from None
    ctx.record(
        step,
        exit_code=done.returncode,
        timed_out=False,
        stdout=text(done.stdout),
        stderr=text(done.stderr),
    )


FAMILY = Family("cli", (StepKind(CliSpec, run_cli),))

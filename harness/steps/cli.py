"""The `cli` step: the engine's own command line, as a user types it, with the
exit status and output a user sees."""

from __future__ import annotations

from harness.engines.base import Unsupported
from harness.errors import EngineError
from harness.model.confine import escapes
from harness.model.specs.cli import CliSpec
from harness.steps.context import StepContext
from harness.steps.kinds import Family, StepKind
from harness.steps.process import run_bounded


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
        expanded = [ctx.expand(o) for o in spec.options]
        if not getattr(ctx.engine, "sees_host_paths", True) and any(
            str(ctx.tmp) in o for o in expanded
        ):
            raise Unsupported(f"{ctx.engine.name} resolves paths in its own root, not the host's")
        outside = escapes(expanded, ctx.tmp)
        if outside:
            raise EngineError(f"{spec.name}: {outside[0]} leaves the scenario's {{{{ tmp }}}}")
    # In the scenario's temporary directory: conmon inherits the cwd and writes files
    # there (an `oom` file when the container is OOM-killed).
    done = run_bounded(argv, spec.timeout, cwd=ctx.tmp, stop=ctx.stopping)
    ctx.record(
        step,
        exit_code=done.exit_code,
        timed_out=done.timed_out,
        stdout=done.stdout,
        stderr=done.stderr,
    )
    if done.truncated:  # the cut is marked in the text; the sizes say how much
        ctx.record(step, output_bytes={"stdout": done.stdout_size, "stderr": done.stderr_size})


FAMILY = Family("cli", (StepKind(CliSpec, run_cli),))

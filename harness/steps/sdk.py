"""The `sdk` step: what docker-py or podman-py raises for a failed call, as users
catch it (exception class, HTTP status, message)."""

from __future__ import annotations

from harness.engines.sdk import sdk_client
from harness.model.specs.sdk import SdkSpec
from harness.steps.cli import expand, unexpand
from harness.steps.context import StepContext
from harness.steps.kinds import Family, StepKind


def sdk_call(ctx: StepContext, spec: SdkSpec) -> None:
    """One SDK call; a create gets the harness labels, so the label sweep removes it."""
    client = sdk_client(ctx.engine)
    kwargs: dict[str, object] = {"name": expand(ctx, spec.target)}
    if spec.operation.startswith("create_"):
        kwargs["labels"] = dict(ctx.labels)
    if spec.image is not None:
        kwargs["image"] = ctx.images[spec.image]
    try:
        outcome = client.sdk_call(spec.operation, **kwargs)
    finally:
        client.close()
    ctx.record(
        spec.name,
        raised=outcome.raised,
        exception=outcome.exception,
        status_code=outcome.status_code,
        message=unexpand(ctx, outcome.message) if outcome.message else None,
    )


FAMILY = Family("sdk", (StepKind(SdkSpec, sdk_call),))

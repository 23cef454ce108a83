"""What one SDK call did, as `SdkClient.sdk_call` reports it (harness.engines.sdk)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SdkOutcome:
    """What the call did: raised (exception class, HTTP status, message) or returned."""

    raised: bool
    exception: str | None = None
    status_code: int | None = None
    message: str | None = None


def observe(
    call: Callable[..., Any], kwargs: dict[str, Any], errors: tuple[type[BaseException], ...]
) -> SdkOutcome:
    """Make the call; what the SDK raised (one of `errors`), as users catch it."""
    try:
        call(**kwargs)
    except errors as exc:
        status = getattr(exc, "status_code", None)
        explanation = getattr(exc, "explanation", None)
        return SdkOutcome(True, type(exc).__name__, status, str(explanation or exc))
    return SdkOutcome(False)

"""What one SDK call did, as `SdkClient.sdk_call` reports it (harness.engines.sdk)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SdkOutcome:
    """What the call did: raised (exception class, HTTP status, message) or returned."""

    raised: bool
    exception: str | None = None
    status_code: int | None = None
    message: str | None = None

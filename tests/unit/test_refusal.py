"""A step records the engine's refusal as its `error` observation; an operation the
surface cannot do at all (`Unsupported`) is no refusal: it propagates, so its column
is `unsupported` (rootless limits on cgroup v1 were an `error` of the next step)."""

from __future__ import annotations

import pytest

from harness.engines.base import Unsupported
from harness.errors import EngineError
from harness.steps.context import refusal


def test_a_refusal_is_an_observation() -> None:
    assert refusal(EngineError("invalid config provided")) == "invalid config provided"


def test_unsupported_propagates() -> None:
    with pytest.raises(Unsupported, match="cgroup v1"):
        refusal(Unsupported("podman-rootless: rootless Podman on cgroup v1 cannot apply limits"))

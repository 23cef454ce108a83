"""Observations that must read the same fact from every surface's inspect shape."""

from __future__ import annotations

import pytest

from harness.verdict.observe import container_facts


@pytest.mark.parametrize("raw", ["SIGUSR1", 10, "10"])
def test_stop_signal_is_a_name_whatever_the_shape(raw: object) -> None:
    # dockerd: a name; libpod: a number; Podman's Docker-compatible API: a numeric string.
    assert container_facts({"Config": {"StopSignal": raw}})["config.stop_signal"] == "SIGUSR1"

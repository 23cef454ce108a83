"""Capability probes and check builds make their scratch directories through the ground
layer's owner-named helper, so a killed run's are swept like the runner's."""

from __future__ import annotations

from harness.tempdirs import scratch


def test_scratch_is_owner_named_and_removed() -> None:
    with scratch("cap") as path:
        assert path.is_dir() and path.name.startswith("harness-cap-")
    assert not path.exists()

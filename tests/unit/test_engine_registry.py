"""Which adapters a plain `harness run` uses, and the rootless variant's probed reasons."""

from __future__ import annotations

import pytest

from harness.engines import available_adapters, default_names
from harness.engines.podman_rootless import host_blockers


def test_builtin_surfaces_are_registered() -> None:
    assert {"docker", "podman", "podman-docker-api", "podman-rootless"} <= set(available_adapters())


def test_rootless_is_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARNESS_ROOTLESS", raising=False)
    names = default_names()
    assert "podman-rootless" not in names
    assert {"docker", "podman", "podman-docker-api"} <= set(names)
    monkeypatch.setenv("HARNESS_ROOTLESS", "1")
    assert "podman-rootless" in default_names()


def test_missing_user_is_a_named_blocker() -> None:
    blockers = host_blockers("harness-no-such-user")
    assert any("no user 'harness-no-such-user'" in b for b in blockers)
    assert any("/etc/subuid" in b for b in blockers)

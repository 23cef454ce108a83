"""Engine-neutral container facts from both inspect shapes (no engine needed)."""

from __future__ import annotations

from typing import Any

import pytest

from harness.verdict.observe import container_facts


def libpod(entrypoint: Any, cmd: Any, path: str, args: list[str]) -> dict[str, Any]:
    """A libpod (Podman 4.3) container inspect, as observed on this host."""
    return {"Config": {"Entrypoint": entrypoint, "Cmd": cmd}, "Path": path, "Args": args}


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        # Observed on Podman 4.3.1: the entrypoint string is joined with spaces.
        (
            libpod("/bin/sh -c echo a b", None, "/bin/sh", ["-c", "echo a b"]),
            ["/bin/sh", "-c", "echo a b"],
        ),
        (
            libpod("/bin/sh -c echo a b", ["x y", "z"], "/bin/sh", ["-c", "echo a b", "x y", "z"]),
            ["/bin/sh", "-c", "echo a b"],
        ),
        (libpod("echo", ["1 2"], "echo", ["1 2"]), ["echo"]),
        # A one-word argv gives Args == [Path]; the join decides between the readings.
        (libpod("echo", None, "echo", ["echo"]), ["echo"]),
        (libpod("echo echo", None, "echo", ["echo"]), ["echo", "echo"]),
        (libpod("", ["echo", "hi"], "echo", ["hi"]), None),
        # Docker: a list (or null) is taken as it is.
        ({"Config": {"Entrypoint": ["sh", "-c", "a b"], "Cmd": None}}, ["sh", "-c", "a b"]),
        ({"Config": {"Entrypoint": None, "Cmd": ["sh"]}}, None),
    ],
)
def test_entrypoint_words_are_exact(doc: dict[str, Any], expected: list[str] | None) -> None:
    assert container_facts(doc)["config.entrypoint"] == expected


def test_entrypoint_falls_back_to_split_without_a_matching_argv() -> None:
    # No Path/Args (or an argv that does not join back): splitting is all that is left.
    assert container_facts({"Config": {"Entrypoint": "a b"}})["config.entrypoint"] == ["a", "b"]
    doc = libpod("a b", None, "other", ["x"])
    assert container_facts(doc)["config.entrypoint"] == ["a", "b"]


def test_image_healthcheck_from_libpod_top_level() -> None:
    from harness.verdict.observe import image_facts

    libpod = {"Config": {"Cmd": ["sh"]}, "Healthcheck": {"Test": ["CMD-SHELL", "true"]}}
    assert image_facts(libpod)["healthcheck"] == ["CMD-SHELL", "true"]
    docker = {"Config": {"Healthcheck": {"Test": ["CMD", "x"]}}}
    assert image_facts(docker)["healthcheck"] == ["CMD", "x"]
    assert image_facts({"Config": {}})["healthcheck"] is None


def test_libpod_healthcheck_uses_go_field_names() -> None:
    from harness.engines.podman import _libpod_healthcheck

    assert _libpod_healthcheck(
        {"test": ["CMD", "true"], "interval": 1, "start_period": 60, "retries": 1}
    ) == {"Test": ["CMD", "true"], "Interval": 1, "StartPeriod": 60, "Retries": 1}
    assert _libpod_healthcheck(None) is None

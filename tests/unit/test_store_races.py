"""Podman 4.3's shared image store: an inspect that walks the store while another image
is removed fails with a 500 naming the removed image; the adapters retry that, and
only that."""

from __future__ import annotations

from typing import Any

import pytest

from harness.engines.podman import retry_inspect_race
from harness.errors import EngineError, ImageMissing

RACE = (
    'inspect image harness-x-app:1234: 500 Server Error: Internal Server Error ("failed to '
    "convert ImageData to ImageInspect 'harness-x-app:1234': reading image \"fd0a\": "
    'locating image with ID "fd0a": image not known")'
)


def answers(*items: Any) -> Any:
    queue = list(items)
    calls: list[int] = []

    def inspect() -> dict[str, Any]:
        calls.append(1)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return dict(item)

    return inspect, calls


def test_the_parent_walk_race_is_retried() -> None:
    inspect, calls = answers(EngineError(RACE), {"Id": "sha256:abc"})
    assert retry_inspect_race(inspect) == {"Id": "sha256:abc"}
    assert len(calls) == 2


def test_the_handlers_panic_after_a_failed_inspect_is_retried() -> None:
    panic = EngineError(
        "inspect image: 500: runtime error: invalid memory address or nil pointer dereference"
    )
    inspect, calls = answers(panic, {"Id": "sha256:abc"})
    assert retry_inspect_race(inspect) == {"Id": "sha256:abc"}
    assert len(calls) == 2


def test_a_race_that_persists_is_reported_after_five_tries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("harness.engines.podman.time.sleep", lambda _s: None)
    inspect, calls = answers(*[EngineError(RACE)] * 5)
    with pytest.raises(EngineError, match="locating image with ID"):
        retry_inspect_race(inspect)
    assert len(calls) == 5


@pytest.mark.parametrize(
    "error",
    [ImageMissing("no local image 'harness-x-app:1234'"), EngineError("500: unknown failure")],
)
def test_a_missing_image_or_another_failure_is_not_retried(error: EngineError) -> None:
    inspect, calls = answers(error, {"Id": "never"})
    with pytest.raises(type(error)):
        retry_inspect_race(inspect)
    assert len(calls) == 1

"""The adapters' one error translation, the log cap and the created-resource memory
(pure logic: SDK exceptions are built as the SDKs raise them)."""

from __future__ import annotations

import docker.errors
import podman.errors
import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from harness.engines._errors import check_alive, engine_call, sdk_errors
from harness.engines._labels import Owned
from harness.engines._logs import capture
from harness.engines._transport import current
from harness.engines._util import demux
from harness.engines.base import NotFound, Unsupported, Vanished
from harness.engines.podman import retry_interface_race, retry_layer_race
from harness.errors import EngineError, EngineUnavailable


def _response(status: int) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    return response


def test_a_404_is_not_found_with_the_engines_words() -> None:
    exc = docker.errors.NotFound("x", response=_response(404), explanation="No such container: c1")
    with pytest.raises(NotFound) as raised, sdk_errors():
        raise exc
    assert str(raised.value) == "No such container: c1"
    assert not isinstance(raised.value, Vanished)


def test_podman_image_not_found_is_not_found_too() -> None:
    with pytest.raises(NotFound, match="image not known"), sdk_errors():
        raise podman.errors.ImageNotFound("image not known")


def test_other_api_errors_keep_the_explanation_and_the_prefix() -> None:
    exc = docker.errors.APIError("500", response=_response(500), explanation="driver failed")
    with pytest.raises(EngineError) as raised, sdk_errors(prefix="build failed: "):
        raise exc
    assert type(raised.value) is EngineError
    assert str(raised.value) == "build failed: driver failed"


def test_transport_errors_become_engine_errors() -> None:
    with pytest.raises(EngineError, match="refused"), sdk_errors():
        raise requests.ConnectionError("connection refused")


def test_a_404_on_a_resource_of_ours_is_vanished() -> None:
    gone = "container c1 was removed by another process"
    with pytest.raises(Vanished, match=gone), sdk_errors(vanished="container c1"):
        raise podman.errors.NotFound("no such container")


def test_harness_errors_and_foreign_exceptions_pass_through() -> None:
    with pytest.raises(Unsupported), sdk_errors():
        raise Unsupported("no such operation")
    with pytest.raises(KeyError), sdk_errors():
        raise KeyError("a bug is not an engine's answer")


def test_a_cut_short_call_is_unavailable_with_the_budgets_reason() -> None:
    reason = "eng: inspect: no complete answer within 5 s"
    with pytest.raises(EngineUnavailable, match=reason), engine_call("eng", "inspect", seconds=5):
        spent = current()
        assert spent is not None
        spent.expire()
        raise requests.ReadTimeout("read timed out")


def test_budgets_nest_without_outliving_the_outer_one() -> None:
    with engine_call("eng", "outer", seconds=1):
        outer = current()
        with engine_call("eng", "inner", seconds=100):
            inner = current()
            assert inner is not None and outer is not None
            assert inner.deadline <= outer.deadline
    assert current() is None


def _frame(stream: int, data: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(data).to_bytes(4, "big") + data


@given(
    st.lists(st.tuples(st.sampled_from([1, 2]), st.binary(max_size=40)), max_size=8),
    st.binary(max_size=12),
    st.lists(st.integers(min_value=0, max_value=400), max_size=6),
)
def test_streamed_capture_reads_as_demux_does(
    frames: list[tuple[int, bytes]], tail: bytes, cuts: list[int]
) -> None:
    data = b"".join(_frame(s, d) for s, d in frames) + tail
    points = sorted({min(c, len(data)) for c in cuts})
    chunks = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]
    captured = capture(chunks)
    assert (captured.stdout, captured.stderr) == demux(data)
    assert not captured.truncated


@given(st.binary(max_size=64))
def test_unframed_output_is_stdout(data: bytes) -> None:
    if len(data) >= 8 and data[0] in (0, 1, 2) and data[1:4] == b"\0\0\0":
        return
    assert capture([data[:5], data[5:]]).stdout == demux(data)[0]


def test_a_long_stream_keeps_head_and_tail_and_its_size() -> None:
    chunks = [_frame(1, bytes([65 + i % 26]) * 100) for i in range(100)]
    captured = capture(chunks, head=250, tail=150)
    assert captured.stdout_size == 10_000 and captured.truncated
    assert captured.stdout.startswith(b"A" * 100 + b"B" * 100 + b"C" * 50)
    assert captured.stdout.endswith(b"U" * 50 + b"V" * 100)
    assert b"[harness: 9600 bytes of 10000 left out]" in captured.stdout


def test_owned_resources_are_known_by_every_reference_until_dropped() -> None:
    owned = Owned()
    owned.add("container", "abc123", "h-web")
    assert owned.describe("container", "h-web") == "container h-web"
    assert owned.describe("volume", "h-web") is None
    owned.drop("container", "abc123")
    assert owned.describe("container", "h-web") is None


def test_podmans_layer_race_is_retried_inside_the_adapter() -> None:
    answers = [EngineError("build failed: layer not known"), "sha256:abc"]

    def build() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert retry_layer_race(build) == "sha256:abc"


def test_other_build_failures_are_not_retried() -> None:
    calls: list[int] = []

    def build() -> str:
        calls.append(1)
        raise EngineError("build failed: no such file")

    with pytest.raises(EngineError, match="no such file"):
        retry_layer_race(build)
    assert len(calls) == 1


def test_a_network_create_is_retried_after_the_interface_race_only() -> None:
    """golang/go#51934: Podman 4.3 fails to pick a subnet while interfaces change."""
    answers: list[str | EngineError] = [
        EngineError("create network: route ip+net: no such network interface"),
        "net-id",
    ]
    assert retry_interface_race(lambda: _next(answers)) == "net-id"
    assert answers == []
    refused = [EngineError("network with name x already exists"), "never"]
    with pytest.raises(EngineError, match="already exists"):
        retry_interface_race(lambda: _next(refused))
    assert refused == ["never"]


def _next(answers: list[str | EngineError]) -> str:
    answer = answers.pop(0)
    if isinstance(answer, EngineError):
        raise answer
    return answer


def test_only_a_cut_short_ping_is_final() -> None:
    def refused() -> None:
        raise requests.ConnectionError("connection refused")

    check_alive("eng: cannot reach x", refused)  # left for the real request to report

    def silent() -> None:
        spent = current()
        assert spent is not None
        spent.expire()
        raise requests.ReadTimeout("read timed out")

    with pytest.raises(EngineUnavailable, match="eng: cannot reach x: no complete answer"):
        check_alive("eng: cannot reach x", silent, seconds=1)

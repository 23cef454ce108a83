"""The multiplexed log stream both engine APIs send for a container without a TTY."""

from __future__ import annotations

from harness.engines._util import demux


def frame(stream: int, payload: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


def test_splits_interleaved_frames_by_stream() -> None:
    data = frame(1, b"out1\n") + frame(2, b"err1\n") + frame(1, b"out2\n") + frame(2, b"")
    assert demux(data) == (b"out1\nout2\n", b"err1\n")


def test_empty_output() -> None:
    assert demux(b"") == (b"", b"")


def test_unframed_output_is_stdout() -> None:
    assert demux(b"hello from a tty\n") == (b"hello from a tty\n", b"")


def test_payload_bytes_that_look_like_headers_stay_payload() -> None:
    tricky = bytes([2, 0, 0, 0, 0, 0, 0, 1]) + b"x"
    assert demux(frame(1, tricky)) == (tricky, b"")


def test_truncated_trailing_frame_keeps_what_was_complete() -> None:
    data = frame(1, b"ok\n") + frame(2, b"partial")[:10]
    assert demux(data) == (b"ok\n", b"pa")

"""Read a container's log stream with bounded memory: demultiplex it as it
arrives and keep each stream's head and tail, counting what went by.

A container that prints gigabytes must not take the harness with it; the head
and tail are what a reader of a scenario's output looks at, and the sizes say
how much was left out.
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.engines.base import CapturedLogs

MiB = 1024 * 1024
HEAD = 4 * MiB
TAIL = 4 * MiB


class CappedStream:
    """One stream: its first `head` bytes, its last `tail` bytes, and its size."""

    def __init__(self, head: int = HEAD, tail: int = TAIL) -> None:
        self.head_limit, self.tail_limit = head, tail
        self.head = bytearray()
        self.tail = bytearray()
        self.size = 0

    def add(self, data: bytes | memoryview) -> None:
        self.size += len(data)
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            if len(self.tail) > 2 * self.tail_limit:  # trim in batches, not per chunk
                del self.tail[: len(self.tail) - self.tail_limit]

    def kept(self) -> bytes:
        tail = bytes(self.tail[-self.tail_limit :]) if self.tail_limit else b""
        left_out = self.size - len(self.head) - len(tail)
        if left_out <= 0:
            return bytes(self.head) + bytes(self.tail)
        marker = f"\n[harness: {left_out} bytes of {self.size} left out]\n".encode()
        return bytes(self.head) + marker + tail


class LogDemuxer:
    """Incremental form of `_util.demux`: 8-byte frame headers (stream 1 or 2, three
    zero bytes, big-endian length); unframed data from the start (a TTY) is stdout,
    and a bad header later ends the stream, as `demux` does."""

    def __init__(self, head: int = HEAD, tail: int = TAIL) -> None:
        self.out = CappedStream(head, tail)
        self.err = CappedStream(head, tail)
        self._buffer = bytearray()
        self._framed: bool | None = None
        self._frame_left = 0
        self._frame_to: CappedStream | None = None
        self._done = False

    def feed(self, chunk: bytes) -> None:
        if self._done or not chunk:
            return
        if self._framed is False:
            self.out.add(chunk)
            return
        self._buffer += chunk
        self._drain()

    def _drain(self) -> None:
        buf, pos = self._buffer, 0
        while pos < len(buf) and not self._done:
            if self._frame_left:
                take = min(self._frame_left, len(buf) - pos)
                assert self._frame_to is not None
                self._frame_to.add(bytes(buf[pos : pos + take]))
                self._frame_left -= take
                pos += take
            elif len(buf) - pos < 8:
                break
            elif self._header(bytes(buf[pos : pos + 8])):
                pos += 8
            elif not self._done:  # unframed from the start (a TTY): everything is stdout
                self.out.add(bytes(buf[pos:]))
                pos = len(buf)
        del buf[:pos]
        if self._done:
            buf.clear()

    def _header(self, header: bytes) -> bool:
        """Take a frame header; False when the stream turns out not to be framed."""
        valid = header[0] in (0, 1, 2) and header[1:4] == b"\0\0\0"
        if self._framed is None:
            self._framed = valid
        if not valid:
            self._done = self._framed
            return False
        self._frame_left = int.from_bytes(header[4:8], "big")
        self._frame_to = self.err if header[0] == 2 else self.out
        return True

    def finish(self) -> CapturedLogs:
        if self._framed is None and self._buffer:  # fewer than 8 bytes in all: unframed
            self.out.add(bytes(self._buffer))
        return CapturedLogs(self.out.kept(), self.err.kept(), self.out.size, self.err.size)


def capture(chunks: Iterable[bytes], head: int = HEAD, tail: int = TAIL) -> CapturedLogs:
    """Demultiplex and cap a log stream given as chunks."""
    demuxer = LogDemuxer(head, tail)
    for chunk in chunks:
        demuxer.feed(chunk)
    return demuxer.finish()

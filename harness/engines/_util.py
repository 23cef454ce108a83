"""Small helpers shared by the SDK adapters (parsing, label filters, timeouts)."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

# Re-exported: the adapters read sizes exactly as the model does.
from harness.units import parse_size as parse_size


def label_filter(labels: dict[str, str]) -> list[str]:
    """{'a': 'b'} -> ['a=b'], the filter syntax both APIs share."""
    return [f"{k}={v}" if v else k for k, v in labels.items()]


def has_labels(labels: dict[str, str] | None, selector: dict[str, str]) -> bool:
    """Whether `labels` carry every item of `selector` (an empty value: the key at all).

    Applied to every labelled listing because Podman before 4.6 ORs several label
    filters on volumes (containers/podman#19219): a listing by run and scenario
    returned every volume of the run, and teardown removed other scenarios' volumes.
    """
    own = labels or {}
    return all((k in own) if not v else own.get(k) == v for k, v in selector.items())


def restart_policy(text: str | None) -> dict[str, Any] | None:
    """'on-failure:3' -> {'Name': 'on-failure', 'MaximumRetryCount': 3}."""
    if not text:
        return None
    name, _, count = text.partition(":")
    return {"Name": name, "MaximumRetryCount": int(count or 0)}


def nanoseconds(seconds: float | int | None) -> int | None:
    return None if seconds is None else int(float(seconds) * 1_000_000_000)


def healthcheck_config(spec: dict[str, Any] | None) -> dict[str, Any] | None:
    """Scenario healthcheck (seconds, docker-run names) -> the API's shape (nanoseconds)."""
    if spec is None:
        return None
    test = spec.get("test")
    if isinstance(test, str):
        test = ["CMD-SHELL", test]
    out: dict[str, Any] = {"test": test}
    for key in ("interval", "timeout", "start_period"):
        if spec.get(key) is not None:
            out[key] = nanoseconds(spec[key])
    if spec.get("retries") is not None:
        out["retries"] = int(spec["retries"])
    return out


def demux(data: bytes) -> tuple[bytes, bytes]:
    """Split a multiplexed log stream into (stdout, stderr).

    Both APIs frame non-TTY output as an 8-byte header (stream 1 or 2, three
    zero bytes, big-endian length) and the payload, so one logs request gives
    both streams. Anything that is not framed that way (a TTY) is stdout.
    """
    out, err = bytearray(), bytearray()
    pos = 0
    while pos < len(data):
        header = data[pos : pos + 8]
        if len(header) < 8 or header[0] not in (0, 1, 2) or header[1:4] != b"\0\0\0":
            return (data, b"") if pos == 0 else (bytes(out), bytes(err))
        size = int.from_bytes(header[4:8], "big")
        (err if header[0] == 2 else out).extend(data[pos + 8 : pos + 8 + size])
        pos += 8 + size
    return bytes(out), bytes(err)


def for_each_concurrently(
    action: Callable[[str], object], items: list[str], limit: int = 4
) -> None:
    """Apply `action` to every item, a few at a time; the first failure is raised after all ran.

    Removing containers one after another makes teardown pay each kill and
    cleanup in turn; `docker rm -f A B C` itself removes them concurrently.
    """
    if len(items) <= 1:
        for item in items:
            action(item)
        return
    with ThreadPoolExecutor(max_workers=min(limit, len(items))) as pool:
        futures = [pool.submit(action, item) for item in items]
    for future in futures:
        future.result()


def text(data: bytes | str | None) -> str:
    """Engine output as text; invalid UTF-8 is replaced, not fatal."""
    if data is None:
        return ""
    if isinstance(data, str):
        return data
    return data.decode("utf-8", errors="replace")


def split_ref(ref: str) -> tuple[str, str | None]:
    """'host:5000/a/b:t' -> ('host:5000/a/b', 't'); 'a/b@sha256:..' -> ('a/b', 'sha256:..')."""
    if "@" in ref:
        repo, _, digest = ref.partition("@")
        return repo, digest
    repo, _, tag = ref.rpartition(":")
    if not repo or "/" in tag:
        return ref, None
    return repo, tag


_FRACTION = re.compile(r"\.(\d+)")


def timestamp_ns(text: str) -> int | None:
    """An RFC 3339 time with up to nanoseconds ('...T01:02:03.123456789Z') -> ns since
    the epoch; None for empty or zero times ('0001-01-01T00:00:00Z')."""
    if not text or text.startswith("0001-"):
        return None
    frac = _FRACTION.search(text)
    nanos = int((frac.group(1) + "000000000")[:9]) if frac else 0
    plain = _FRACTION.sub("", text, count=1).replace("Z", "+00:00")
    try:
        seconds = int(datetime.fromisoformat(plain).timestamp())
    except ValueError:
        return None
    return seconds * 1_000_000_000 + nanos

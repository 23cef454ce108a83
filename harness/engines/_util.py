"""Small helpers shared by the SDK adapters (parsing, label filters, timeouts)."""

from __future__ import annotations

import re
from typing import Any

_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([bkmgt]?)i?b?$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """'64m' -> bytes, the way `docker run --memory` reads it (binary units)."""
    m = _SIZE.match(text.strip())
    if not m:
        raise ValueError(f"invalid size {text!r}; expected a number with b, k, m or g")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def label_filter(labels: dict[str, str]) -> list[str]:
    """{'a': 'b'} -> ['a=b'], the filter syntax both APIs share."""
    return [f"{k}={v}" if v else k for k, v in labels.items()]


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


def text(data: bytes | str | None) -> str:
    """Engine output as text; invalid UTF-8 is replaced, not fatal."""
    if data is None:
        return ""
    if isinstance(data, str):
        return data
    return data.decode("utf-8", errors="replace")

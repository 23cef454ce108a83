"""Small helpers the rule families share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from harness.project.dockerfile import Dockerfile, Instruction

ROOT_USERS = frozenset({"", "root", "0", "0:0", "root:root"})


def is_nonroot(user: str | None) -> bool:
    return user is not None and user.strip() not in ROOT_USERS


def final_user(parsed: Dockerfile | None) -> str | None:
    """The USER in force at the end of the last stage (None: not set there)."""
    if parsed is None:
        return None
    stages = parsed.stages()
    if not stages:
        return None
    user = None
    for ins in stages[-1].instructions:
        if ins.keyword == "USER" and ins.args:
            user = ins.args[0]
    return user


def instructions(parsed: Dockerfile, keyword: str) -> Iterator[Instruction]:
    for ins in parsed.instructions:
        if ins.keyword == keyword:
            yield ins


def words(value: Any) -> str:
    """A compose command/test/entrypoint value as one string."""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)

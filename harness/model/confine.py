"""Run-time confinement of `{{ tmp }}` paths: a symlink planted inside the run's
temporary directory (by a container that has it mounted) must not turn a later
bind of `{{ tmp }}/x` into a bind of `/`.

Load time can only check the text (`{{ tmp }}/…`, no `..`); what is on disk at
run time is checked here, right before the engine gets the path: every existing
component under the root must be a real directory or file (no symlink), and the
resolved path must stay under the resolved root. A container racing to swap a
directory for a symlink between this check and the engine's mount is the
residual risk; the check narrows it to that window.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from harness.model.cli_grammar import csv_fields, parse


def confined(path: str | Path, root: Path) -> bool:
    """Is `path` under `root` with no symlink on the way (components that exist)?"""
    real_root = Path(os.path.realpath(root))
    full = Path(os.path.abspath(path))
    try:
        rel = full.relative_to(Path(os.path.abspath(root)))
    except ValueError:
        try:
            rel = full.relative_to(real_root)
        except ValueError:
            return False
    current = real_root
    for part in rel.parts:
        if part in ("..", "."):
            return False
        current = current / part
        try:
            if stat.S_ISLNK(os.lstat(current).st_mode):
                return False
        except FileNotFoundError:
            break  # the rest does not exist yet: nothing to follow
        except OSError:
            return False
    return Path(os.path.realpath(full)).is_relative_to(real_root)


def _sources(role: str, value: str) -> list[str]:
    if role == "volume":
        return [value.split(":", 1)[0]] if ":" in value else []
    if role == "mount":
        fields = [f.partition("=") for f in csv_fields(value)]
        return [v for k, _, v in fields if k.strip().lower() in ("source", "src")]
    if role in ("host-file", "log-opt"):
        return [value.partition("=")[2] if role == "log-opt" else value]
    return []


def escapes(argv: list[str], root: Path) -> list[str]:
    """Host paths in an expanded `cli` argv (bind sources, files the CLI reads or
    writes) that lie under `root` but are not `confined` there."""
    parsed, _ = parse(argv)
    out = []
    for item in parsed:
        for source in _sources(item.option.role, item.value):
            under = source.startswith(str(root)) or source.startswith(os.path.realpath(root))
            if under and not confined(source, root):
                out.append(source)
    return out

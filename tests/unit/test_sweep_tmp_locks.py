"""Temporary directories and lock files of killed runs do not pile up: a directory
names its owner and is removed once that process is gone; a lock file exists only
while held, and one a killed holder left is removed when nobody holds it."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from harness.run.janitor import sweep_tmp, tmp_prefix
from harness.run.locks import file_lock, lock_dir, sweep_locks


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv("HARNESS_LOCK_DIR", raising=False)
    return tmp_path


def test_only_directories_of_dead_owners_are_swept(private_tmp: Path) -> None:
    live = Path(tempfile.mkdtemp(prefix=tmp_prefix()))
    build = Path(tempfile.mkdtemp(prefix=tmp_prefix("build-")))
    dead = subprocess.run(
        [sys.executable, "-c", "import tempfile; from harness.run.janitor import tmp_prefix;"
         "print(tempfile.mkdtemp(prefix=tmp_prefix()))"],
        env={**os.environ, "TMPDIR": str(private_tmp)}, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    unowned = private_tmp / "harness-abcdef12"  # another tool's, or an older harness's
    unowned.mkdir()
    assert sweep_tmp() == 1
    assert not Path(dead).exists()
    assert live.is_dir() and build.is_dir() and unowned.is_dir()


def test_a_lock_file_exists_only_while_held(private_tmp: Path) -> None:
    order: list[str] = []

    def second() -> None:
        with file_lock("k"):
            order.append("second")

    with file_lock("k"):
        assert (lock_dir() / "k.lock").exists()
        waiter = threading.Thread(target=second)
        waiter.start()
        time.sleep(0.3)
        assert sweep_locks() == 0  # held: never removed
        order.append("first")
    waiter.join(5)
    assert order == ["first", "second"]
    assert list(lock_dir().glob("*.lock")) == []


def test_a_lock_left_by_a_killed_holder_is_swept(private_tmp: Path) -> None:
    lock_dir().mkdir(parents=True)
    left = lock_dir() / "left.lock"
    with left.open("a") as handle:  # what a SIGKILL while holding leaves: the file, unlocked
        fcntl.flock(handle, fcntl.LOCK_EX)
    assert sweep_locks() == 1 and not left.exists()

"""Temporary directories are named after their process and swept once it is dead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from harness.run.janitor import sweep_temp, temp_dir


def test_a_dead_process_directory_is_swept_and_a_live_one_kept(tmp_path: Path) -> None:
    mine = temp_dir("scenario")
    try:
        code = "from harness.run.janitor import temp_dir; print(temp_dir('build'))"
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        dead = Path(done.stdout.strip())  # its process has exited
        other = Path(tmp_path / "harness-user-data")  # not ours: no owner in the name
        other.mkdir()
        assert dead.is_dir()
        assert sweep_temp() >= 1
        assert not dead.exists() and mine.is_dir()
        assert sweep_temp(tmp_path) == 0 and other.is_dir()
    finally:
        os.rmdir(mine)

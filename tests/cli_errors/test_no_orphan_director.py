"""A run killed or interrupted at any moment leaves no director process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import director_processes

WAIT_S = 60.0


def _start_run(out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "joulekit", "run", "--duration-s", "30", "--settle", "0.1",
         "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )


def _wait_for_director(proc: subprocess.Popen[str], marker: str) -> list[int]:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        pids = director_processes(marker)
        if pids:
            return pids
        assert proc.poll() is None, proc.communicate()[0]
        time.sleep(0.05)
    raise AssertionError("the local director never started")


def _assert_gone(pids: list[int], marker: str, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while director_processes(marker):
        if time.monotonic() > deadline:
            for pid in director_processes(marker):  # leave nothing behind for other tests
                os.kill(pid, signal.SIGKILL)
            raise AssertionError(f"director {pids} still running {within_s:g} s after its run")
        time.sleep(0.1)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_director_ends_with_the_run_that_started_it(tmp_path: Path, sig: int) -> None:
    """SIGKILL: the run cannot stop it, the director notices its parent is gone.
    SIGINT right as the director starts: the run stops it on the way out."""
    out = tmp_path / "out"
    proc = _start_run(out)
    marker = str(out / "director")
    try:
        pids = _wait_for_director(proc, marker)
        os.killpg(proc.pid, sig)
        proc.communicate(timeout=WAIT_S)
        _assert_gone(pids, marker, within_s=20.0)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    if sig == signal.SIGINT:
        assert proc.returncode == 130


def test_a_director_whose_parent_is_already_gone_exits_at_once(tmp_path: Path) -> None:
    """The watch itself: started with a parent pid that is not its parent, it exits."""
    done = subprocess.run(
        [sys.executable, "-m", "joulekit.cli.watched", "1", "director",
         "--analyzer", "sim://49", "--listen", "127.0.0.1", "0", "--output", str(tmp_path)],
        capture_output=True, text=True, timeout=WAIT_S,
    )
    assert done.returncode == 128 + signal.SIGTERM, done.stdout + done.stderr
    assert "listening" not in done.stdout

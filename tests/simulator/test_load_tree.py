"""``cpu:…,tree=PID`` follows one process tree's CPU, not the rest of the host."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from joulekit.simulator.load import parse_load

BURN = "import time\nend = time.monotonic() + {s}\nwhile time.monotonic() < end: pass\n"


def _burn_here(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


@pytest.mark.timeout(30)
def test_busy_child_raises_the_power_of_its_tree() -> None:
    model = parse_load(f"cpu:idle=60,per=140,tree={os.getpid()}")
    child = subprocess.Popen([sys.executable, "-c", BURN.format(s=1.5)])
    try:
        time.sleep(1.0)
        watts = model.power(1.0)
    finally:
        child.wait(timeout=10)
    # one busy core of this machine's cores, at least partly: clearly above idle
    assert watts > 60 + 140 * 0.1, watts
    assert "process tree" in model.describe()


@pytest.mark.timeout(30)
def test_load_outside_the_tree_is_not_counted() -> None:
    sleeper = subprocess.Popen(
        [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(20)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert sleeper.stdout is not None and sleeper.stdout.readline() == "up\n"
        model = parse_load(f"cpu:idle=60,per=140,tree={sleeper.pid}")  # after its start-up
        _burn_here(1.0)  # this test process is not in the sleeper's tree
        watts = model.power(1.0)
    finally:
        sleeper.kill()
        sleeper.communicate(timeout=10)
    assert 60 <= watts < 60 + 140 * 0.05, watts


def test_tree_of_a_vanished_process_reads_idle() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(timeout=10)
    model = parse_load(f"cpu:idle=60,per=140,tree={gone.pid}")
    assert model.power(0.0) == 60

"""Start-up faults and a whole measurement with the simulator as a real subprocess."""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

import pytest

from joulekit.analyzers import AnalyzerError, build_ptd_argv, spawn_ptd

PTD = [sys.executable, "-m", "joulekit", "ptd-sim"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _argv(tmp_path: Path, port: int, device: int = 49, channel: str | None = None) -> list[str]:
    iface = "-y" if channel else ""
    return build_ptd_argv(
        PTD, tmp_path / "ptd_logfile_1.log", port, device, "SIMPORT", iface, channel
    )


def test_build_ptd_argv_matches_the_reference_layout() -> None:
    argv = build_ptd_argv("/opt/ptd", "/tmp/l.log", 8888, 77, "C2WL21005V", "-y", [1, 2], 0, "-D")
    assert argv == [
        "/opt/ptd",
        "-l",
        "/tmp/l.log",
        "-p",
        "8888",
        "-b",
        "0",
        "-c",
        "1,2",
        "-D",
        "-y",
        "77",
        "C2WL21005V",
    ]
    assert build_ptd_argv("ptd", "f", 8889, 8, "/dev/ttyS1") == [
        "ptd",
        "-l",
        "f",
        "-p",
        "8889",
        "8",
        "/dev/ttyS1",
    ]


def test_full_session_through_joulekit_ptd_subprocess(tmp_path: Path) -> None:
    port = _free_port()
    a = spawn_ptd(
        _argv(tmp_path, port, 77, "1,2"),
        port,
        tmp_path / "console.txt",
        channels=(1, 2),
        startup_timeout=30,
    )
    try:
        a.open()
        assert a.kind == "simulator" and not a.compliant
        a.set_ranges(300, 2)
        a.start(1000, "s_testing")
        time.sleep(2.3)
        samples = a.stop()
        assert len(samples) >= 2 and all(s.watts == pytest.approx(120.0) for s in samples)
        assert len(samples[0].channels) == 3 and samples[0].mark == "s_testing"
        assert [c for c, _ in a.transcript][:3] == ["Hello", "Identify", "RR"]
        assert "RL,*,*" in [c for c, _ in a.transcript]
    finally:
        a.close()
    assert a.restored
    assert a.process is not None and a.process.poll() is not None
    console = (tmp_path / "console.txt").read_text()
    assert "joulekit PTDaemon simulator" in console
    assert "Go with mark 's_testing'" in console and "Completed test" in console
    assert (
        console.rstrip().endswith("Shutting down (signal)") or "Waiting for a connection" in console
    )
    data = (tmp_path / "ptd_logfile_1.log").read_text().splitlines()
    assert data and all(
        line.startswith("Time,") and ",Mark,s_testing,Ch1," in line for line in data
    )


def test_refused_start_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOULEKIT_PTD_FAULTS", "refuse-start")
    port = _free_port()
    a = spawn_ptd(_argv(tmp_path, port), port, tmp_path / "c.txt", startup_timeout=20)
    with pytest.raises(AnalyzerError, match=r"exited with code 1 before it opened port"):
        a.open()
    assert a.process is not None and a.process.poll() == 1
    a.close()


def test_slow_start_beyond_the_timeout_kills_the_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOULEKIT_PTD_FAULTS", "slow-start:seconds=30")
    port = _free_port()
    a = spawn_ptd(
        _argv(tmp_path, port), port, tmp_path / "c.txt", startup_timeout=1.5, kill_after=3
    )
    with pytest.raises(AnalyzerError, match=r"did not accept a connection within 1.5 s"):
        a.open()
    assert a.process is not None and a.process.poll() is not None  # no orphan
    a.close()


def test_slow_start_within_the_timeout_connects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOULEKIT_PTD_FAULTS", "slow-start:seconds=1")
    port = _free_port()
    a = spawn_ptd(_argv(tmp_path, port), port, tmp_path / "c.txt", startup_timeout=20)
    try:
        t0 = time.monotonic()
        a.open()
        assert time.monotonic() - t0 >= 1.0
        assert a.identify().model.startswith("JoulekitSimulator-")
    finally:
        a.close()
    assert a.process is not None and a.process.poll() is not None


def test_missing_binary_is_a_clear_error(tmp_path: Path) -> None:
    a = spawn_ptd(["/nonexistent/ptd", "49", "x"], _free_port(), tmp_path / "c.txt")
    with pytest.raises(AnalyzerError, match="cannot start PTDaemon '/nonexistent/ptd'"):
        a.open()
    a.close()
    assert os.path.exists(tmp_path / "c.txt")

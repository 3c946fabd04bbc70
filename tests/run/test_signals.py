"""SIGTERM and SIGHUP end ``run``, ``client``, ``director`` and ``sweep`` as Ctrl-C does.

Real signals to real subprocesses mid-phase: each test asserts the shell's exit code
(143 for TERM, 129 for HUP), the one-line message, the files that must be kept, and
that no process the command started is left running. The signal goes to the command's
own pid only (what ``systemctl stop``, ``timeout`` or a scheduler does), not to its
process group as a terminal's Ctrl-C would.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from tests.client.procs import director, free_port, simulator, workload_command

SIGNALS = [(signal.SIGTERM, 143), (signal.SIGHUP, 129)]
IDS = ["SIGTERM", "SIGHUP"]
#: how long the processes a command started may take to go after it exited
GONE_S = 20.0


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def has_child(pid: int, text: str, *, exact: bool = False) -> bool:
    """A live descendant of ``pid`` has ``text`` in (or as) its command line."""
    for child in descendants(pid):
        with contextlib.suppress(psutil.Error):
            line = " ".join(child.cmdline())
            if line == text or (not exact and text in line):
                return True
    return False


def wait_for(what: str, check: Callable[[], bool], proc: subprocess.Popen[str],
             timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert proc.poll() is None, f"exited with {proc.returncode} before {what}"
        assert time.monotonic() < deadline, f"no {what} within {timeout:g} s"
        time.sleep(0.1)


def assert_all_gone(procs: list[psutil.Process]) -> None:
    """Every process in ``procs`` has exited (``is_running`` checks the start time, so a
    reused pid does not count); the ones left are killed so no test leaves them."""
    deadline = time.monotonic() + GONE_S
    alive = procs
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.1)
    left = []
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            left.append(" ".join(proc.cmdline()))
            proc.kill()
    assert not left, f"still running {GONE_S:g} s after the command exited: {left}"


@contextlib.contextmanager
def started(argv: list[str], **kw: object):  # type: ignore[no-untyped-def]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, **kw)  # type: ignore[call-overload]
    try:
        yield proc
    finally:
        if proc.poll() is None:
            for child in descendants(proc.pid):
                with contextlib.suppress(psutil.Error):
                    child.kill()
            proc.kill()
            proc.communicate(timeout=10)


def joulekit(*args: str) -> list[str]:
    return [sys.executable, "-m", "joulekit", *args]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("sig", "code"), SIGNALS, ids=IDS)
def test_run_stopped_mid_ranging_keeps_the_measurement(tmp_path: Path, sig: int, code: int
                                                       ) -> None:
    out = tmp_path / "out"
    with started(joulekit("run", "--duration-s", "20", "--settle", "0.2", "--output",
                          str(out))) as proc:
        wait_for("ranging LoadGen", lambda: has_child(proc.pid, "loadgen"), proc)
        time.sleep(1.5)
        children = descendants(proc.pid)
        os.kill(proc.pid, sig)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    name = signal.Signals(sig).name
    assert f"joulekit run: interrupted by {name}; what was measured is kept in {out}" in stderr
    assert "Traceback" not in stderr, stderr
    outcome = json.loads((out / "outcome.json").read_text())
    assert outcome["interrupted"] is True and name in outcome["error"], outcome["error"]
    for rel in ("power/client.json", "power/server.json", "ranging/spl.txt"):
        assert (out / "performance" / rel).is_file(), rel
    client = json.loads((out / "performance" / "power" / "client.json").read_text())
    assert any(name in reason for reason in client["joulekit"]["not_valid_for_submission"])
    assert_all_gone(children)


SHELL_WORKLOAD = (
    'if [ "$JOULEKIT_POWER_MODE" = ranging ]; then {ranging}; '
    "else sleep 300 & {testing}; fi"
)


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("sig", "code"), SIGNALS, ids=IDS)
def test_client_stopped_mid_testing_ends_the_session_and_stops_the_workload(
    tmp_path: Path, sig: int, code: int
) -> None:
    logs, out = tmp_path / "logs", tmp_path / "out"
    workload = SHELL_WORKLOAD.format(ranging=workload_command(logs, 0.5),
                                     testing=workload_command(logs, 60))
    with (
        simulator(tmp_path) as sim_port,
        director(tmp_path, [f"ptd://127.0.0.1:{sim_port}"]) as (port, _dir_out, director_proc),
        started(joulekit("client", "-a", "127.0.0.1", "-p", str(port), "-w", workload,
                         "-L", str(logs), "-o", str(out), "-T", "--no-clock-step")) as proc,
    ):
        wait_for("testing workload", lambda: has_child(proc.pid, "sleep 300", exact=True),
                 proc)
        time.sleep(1.0)
        children = descendants(proc.pid)
        os.kill(proc.pid, sig)
        _, stderr = proc.communicate(timeout=60)
        assert director_proc.poll() is None  # the director serves the next client
    name = signal.Signals(sig).name
    assert proc.returncode == code, stderr
    lines = [ln for ln in stderr.splitlines() if ln.startswith("joulekit client:")]
    assert lines == [f"joulekit client: interrupted by {name} during testing; the session "
                     f"was ended (the director restored its ranges) and what was measured "
                     f"is kept in {out}."], stderr
    client = json.loads((out / "power" / "client.json").read_text())
    assert f"interrupted by {name} during testing" in \
        client["joulekit"]["not_valid_for_submission"]
    # the director wrote the testing samples and the client fetched them
    assert (out / "run_1" / "spl.txt").stat().st_size > 0
    assert (out / "power" / "server.json").is_file()
    assert_all_gone(children)  # the shell, its background sleep and the workload


@pytest.mark.timeout(120)
def test_director_hung_up_mid_testing_writes_the_session_and_exits_129(tmp_path: Path) -> None:
    logs, out = tmp_path / "logs", tmp_path / "out"
    workload = SHELL_WORKLOAD.format(ranging=workload_command(logs, 0.5),
                                     testing=workload_command(logs, 6.0))
    workload = workload.replace("sleep 300 &", "")  # the director stops, not the client
    with (
        simulator(tmp_path) as sim_port,
        director(tmp_path, [f"ptd://127.0.0.1:{sim_port}"]) as (port, dir_out, director_proc),
        started(joulekit("client", "-a", "127.0.0.1", "-p", str(port), "-w", workload,
                         "-L", str(logs), "-o", str(out), "-T", "--no-clock-step")) as proc,
    ):
        wait_for("testing workload", lambda: has_child(
            proc.pid, workload_command(logs, 6.0), exact=True), proc)
        time.sleep(1.0)
        director_proc.send_signal(signal.SIGHUP)
        director_code = director_proc.wait(timeout=30)
        _, stderr = proc.communicate(timeout=90)
    assert director_code == 129
    console = (tmp_path / "director.console").read_text()
    assert "joulekit director: interrupted; what was measured is kept (SIGHUP)." in console
    (session,) = [p for p in dir_out.iterdir() if p.is_dir()]
    server = json.loads((session / "power" / "server.json").read_text())
    assert "interrupted (SIGHUP)" in server["joulekit"]["end_reason"], server["joulekit"]
    assert (session / "run_1" / "spl.txt").stat().st_size > 0
    assert proc.returncode == 3 and "Traceback" not in stderr, stderr


@pytest.mark.timeout(60)
def test_director_under_nohup_keeps_serving_after_a_hang_up(tmp_path: Path) -> None:
    """``nohup`` asks to ignore SIGHUP: the director keeps it ignored (a closed terminal
    must not end a measurement started that way), and still stops on SIGTERM."""
    port = free_port()
    argv = ["nohup", *joulekit("director", "--listen", "127.0.0.1", str(port), "--output",
                               str(tmp_path / "director"), "--analyzer", "sim://49")]
    with started(argv, cwd=tmp_path) as proc:
        wait_for("the director's port", lambda: _listens(port), proc, timeout=30)
        proc.send_signal(signal.SIGHUP)
        time.sleep(1.0)
        assert proc.poll() is None, proc.communicate(timeout=10)
        assert _listens(port)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 143, stderr
    assert "Traceback" not in stderr, stderr


def _listens(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 0.5):
            return True
    except OSError:
        return False


@pytest.mark.timeout(150)
def test_sweep_stopped_mid_point_keeps_the_point_for_the_next_run(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    point = out / "points" / "batch_size-2"
    with started(joulekit("sweep", "-o", str(out), "--batch-size", "2,32", "--duration-s",
                          "20", "--settle", "0.2")) as proc:
        wait_for("the first point's LoadGen", lambda: has_child(proc.pid, "loadgen"), proc,
                 timeout=90)
        time.sleep(1.0)
        children = descendants(proc.pid)
        os.kill(proc.pid, signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert "joulekit sweep: interrupted; what was measured is kept (SIGTERM)." in stderr
    assert (point / "run" / "outcome.json").is_file()
    assert not (point / "point.json").exists()  # measured again on the next run
    assert_all_gone(children)


@pytest.mark.timeout(90)
def test_loadgen_stopped_reports_its_partial_logs_and_exits_143(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    with started(joulekit("loadgen", "--sut", "demo", "--scenario", "SingleStream",
                          "--min-duration-ms", "30000", "--log-dir", str(logs))) as proc:
        wait_for("LoadGen's detail log", lambda: (logs / "mlperf_log_detail.txt").exists(), proc)
        time.sleep(1.0)
        os.kill(proc.pid, signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert f"joulekit loadgen: interrupted; LoadGen's partial logs are in {logs}" in stderr

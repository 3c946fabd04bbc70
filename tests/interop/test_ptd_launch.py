"""``joulekit ptd-launch``: a real PTDaemon stand-in under the wrapper, its console read
back over TCP byte for byte, hostile requests refused, and signals that leave nothing
running and lose nothing."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from doctor.inifiles import free_port, joulekit_ptd
from procutil import stop_tree, wait_listening

from joulekit.analyzers import open_analyzer
from joulekit.analyzers.console_feed import ConsoleFeed, ConsoleFeedError, ConsoleFile
from joulekit.analyzers.ptd import PtdAnalyzer

pytestmark = pytest.mark.timeout(120)


class Launched:
    def __init__(self, proc: subprocess.Popen[bytes], console: Path, ptd_port: int,
                 feed_port: int, log: Path) -> None:  # fmt: skip
        self.proc, self.console, self.log = proc, console, log
        self.ptd_port, self.feed_port = ptd_port, feed_port

    @property
    def feed(self) -> ConsoleFeed:
        return ConsoleFeed("127.0.0.1", self.feed_port, timeout=10)


def _launch(tmp_path: Path, *ptd_extra: str) -> Launched:
    ptd_port, feed_port = free_port(), free_port()
    console, log = tmp_path / "console.txt", tmp_path / "launch.log"
    argv = [sys.executable, "-m", "joulekit", "ptd-launch", "--quiet",
            "--listen", "127.0.0.1", str(feed_port), "--console", str(console), "--",
            str(joulekit_ptd(tmp_path)), "-l", str(tmp_path / "ptd.log"), "-p", str(ptd_port),
            *ptd_extra, "49", "/dev/ttyUSB0"]  # fmt: skip
    with open(log, "wb") as handle:
        proc = subprocess.Popen(argv, stdout=handle, stderr=subprocess.STDOUT)
    wait_listening(proc, ptd_port, log)
    wait_listening(proc, feed_port, log)
    return Launched(proc, console, ptd_port, feed_port, log)


@pytest.fixture
def launched(tmp_path: Path) -> Iterator[Launched]:
    running = _launch(tmp_path)
    try:
        yield running
    finally:
        stop_tree(running.proc)


def _request(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_session_slice_is_the_console_byte_for_byte(launched: Launched) -> None:
    feed = launched.feed
    head = feed.head()
    assert b"Uncertainty checking for" in head and head.endswith(b"Waiting for a connection...\n")
    start = feed.size()
    analyzer = open_analyzer(f"ptd://127.0.0.1:{launched.ptd_port}?console=127.0.0.1:"
                             f"{launched.feed_port}")  # fmt: skip
    assert isinstance(analyzer, PtdAnalyzer)
    analyzer.open()
    analyzer.start(100, "launch_ranging")
    time.sleep(1.0)
    analyzer.stop()
    analyzer.close()
    assert analyzer.ptd_argv[-4:] == ["-p", str(launched.ptd_port), "49", "/dev/ttyUSB0"]
    console = analyzer.console_log()
    assert console is not None and analyzer.console_source == feed.peer
    written = launched.console.read_bytes()
    # the start-up lines, then everything from where the session began, CRLF kept
    assert console.encode() == head + written[start:]
    assert b"\r\n" in written[start:] and "Go with mark 'launch_ranging'" in console
    assert "Completed test" in console and "Avg watts" in console


def test_hostile_requests_get_one_error_line_and_nothing_else(launched: Launched) -> None:
    port = launched.feed_port
    assert _request(port, b"READ ../../etc/passwd 10\n").startswith(b"ERROR READ needs")
    assert _request(port, b"READ -1 10\n").startswith(b"ERROR READ needs")
    assert _request(port, b"GET / HTTP/1.0\n").startswith(b"ERROR unknown request")
    assert _request(port, b"A" * 5000).startswith(b"ERROR request line too long")
    assert _request(port, b"READ 999999999999 10\n") == b"0\n"  # past the end: nothing
    size = int(_request(port, b"SIZE\n"))
    assert _request(port, b"READ 0 16\n") == b"16\n" + launched.console.read_bytes()[:16]
    assert size == launched.console.stat().st_size
    # a feed that never answers, or answers nonsense, is one clear error for the director
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        feed = ConsoleFeed("127.0.0.1", silent.getsockname()[1], timeout=0.5)
        with pytest.raises(ConsoleFeedError, match="failed during SIZE"):
            feed.size()
    with pytest.raises(ConsoleFeedError, match=r"did not accept a connection.*ptd-launch"):
        ConsoleFeed("127.0.0.1", free_port(), timeout=0.5).size()


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_stops_ptdaemon_and_keeps_the_console(
    tmp_path: Path, signum: int, code: int
) -> None:
    running = _launch(tmp_path)
    try:
        children = psutil.Process(running.proc.pid).children(recursive=True)
        assert children, "the wrapper started PTDaemon"
        running.proc.send_signal(signum)
        assert running.proc.wait(30) == code
    finally:
        stop_tree(running.proc)
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    text = running.log.read_text()
    assert f"{signal.Signals(signum).name}: PTDaemon stopped; console kept in" in text
    assert "Traceback" not in text
    assert b"Waiting for a connection..." in running.console.read_bytes()


def test_ptdaemon_exiting_ends_the_wrapper_with_its_code(tmp_path: Path) -> None:
    console = tmp_path / "console.txt"
    ran = subprocess.run(
        [sys.executable, "-m", "joulekit", "ptd-launch", "--quiet", "--listen", "127.0.0.1",
         "0", "--console", str(console), "--", sys.executable, "-c",
         "import sys; print('PTD says bye\\r'); sys.exit(7)"],
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert ran.returncode == 7
    assert console.read_bytes() == b"PTD says bye\r\n"
    assert b"PTDaemon exited with code 7; console kept in" in ran.stderr


def test_an_existing_console_file_is_never_overwritten(tmp_path: Path) -> None:
    console = tmp_path / "console.txt"
    console.write_text("last week's measurement\n")
    ran = subprocess.run(
        [sys.executable, "-m", "joulekit", "ptd-launch", "--listen", "127.0.0.1", "0",
         "--console", str(console), "--", sys.executable, "-c", "print('x')"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert ran.returncode == 3 and "Traceback" not in ran.stderr
    assert "already exists; a console file is never overwritten" in ran.stderr
    assert console.read_text() == "last week's measurement\n"


def test_no_ptd_command_line_is_a_usage_error(tmp_path: Path) -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "joulekit", "ptd-launch", "--listen", "127.0.0.1", "0"],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert ran.returncode == 3 and "give the PTDaemon command line after '--'" in ran.stderr


@pytest.mark.parametrize("chunk", [1, 3, 7, 24, 4096])
def test_the_start_up_lines_end_at_the_first_listener_line_in_any_chunking(
    tmp_path: Path, chunk: int
) -> None:
    console = b"banner\r\nUncertainty checking for YokogawaWT310E is activated\r\n"
    console += b"Waiting for a connection...\r\nAccepted connection\r\n"
    console += b"Waiting for a connection...\n"
    path = tmp_path / "console.txt"
    path.write_bytes(console)
    seen = ConsoleFile(path)
    for start in range(0, len(console), chunk):
        seen.note_written(start, console[start : start + chunk])
    assert seen.head() == console[: console.index(b"...\r\n") + 5]

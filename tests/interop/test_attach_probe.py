"""An attached PTDaemon is probed when the director starts: an unknown meter model, an
unreachable PTDaemon or a dead console feed is one clear error before any client comes,
never ``device_type: null`` in a tree measured hours later."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from doctor.inifiles import free_port
from procutil import stop_tree

pytestmark = pytest.mark.timeout(120)

ACME_IDENTIFY = (
    "AcmeMeter9000,1000,1,1,1,1,0,0,1,version=1.11.1-0123abcd-20240101,OS=Linux,mode=power,"
    "1,1,1,0,0,no_cal_date,ACME;9000;0;F1.0"
)


@pytest.fixture
def acme_ptd() -> Iterator[int]:
    """A PTDaemon-protocol peer whose meter PTDaemon's device table does not know."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn, conn.makefile("rwb") as stream:
                for raw in stream:
                    command = raw.decode().strip()
                    reply = {"Hello": "Hello, PTDaemon here!", "Identify": ACME_IDENTIFY}.get(
                        command, "Ranges,1,5.000000,1,150.000000"
                    )
                    stream.write(reply.encode() + b"\r\n")
                    stream.flush()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        server.close()


def _director(url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "joulekit", "director", "--analyzer", url,
         "--listen", "127.0.0.1", "0", "--settle", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def test_an_unknown_meter_model_stops_the_director_at_start(acme_ptd: int) -> None:
    proc = _director(f"ptd://127.0.0.1:{acme_ptd}")
    try:
        out, _ = proc.communicate(timeout=60)
    finally:
        stop_tree(proc)  # type: ignore[arg-type]
    assert proc.returncode == 3, out
    assert "'AcmeMeter9000', which has no known PTDaemon device number" in out
    assert f"ptd://127.0.0.1:{acme_ptd}?device_type=49" in out and "Traceback" not in out


def test_a_declared_device_type_lets_the_director_start(acme_ptd: int) -> None:
    proc = _director(f"ptd://127.0.0.1:{acme_ptd}?device_type=49")
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        while first and "listening on" not in first:
            first = proc.stdout.readline()
        assert "listening on 127.0.0.1:" in first
        assert proc.poll() is None
    finally:
        stop_tree(proc)  # type: ignore[arg-type]


def test_an_unreachable_ptdaemon_or_console_feed_is_one_line(acme_ptd: int) -> None:
    for url, wanted in (
        (f"ptd://127.0.0.1:{free_port()}?connect_timeout=1", "did not accept a connection"),
        (f"ptd://127.0.0.1:{acme_ptd}?device_type=49&console=127.0.0.1:{free_port()}",
         "the console feed at 127.0.0.1:"),
    ):  # fmt: skip
        proc = _director(url)
        try:
            out, _ = proc.communicate(timeout=60)
        finally:
            stop_tree(proc)  # type: ignore[arg-type]
        assert proc.returncode == 3, out
        assert wanted in out and "Traceback" not in out
        assert len([line for line in out.splitlines() if "error" in line]) == 1, out

"""Real processes for end-to-end tests: the simulator, the director, a local NTP server.

Every process is started with ``[sys.executable, "-m", "joulekit", …]`` and stopped in
the context manager's exit, whatever the test did.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"process exited early with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port} after {timeout} s")


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@contextlib.contextmanager
def simulator(tmp: Path, device: int = 49, extra: tuple[str, ...] = ()) -> Iterator[int]:
    port = free_port()
    argv = [sys.executable, "-m", "joulekit", "ptd-sim", "--device", str(device),
            "--port", str(port), "-l", str(tmp / f"sim_{port}.log"), *extra]  # fmt: skip
    log = open(tmp / f"sim_{port}.console", "w")  # noqa: SIM115
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_port(port, proc, 20)
        yield port
    finally:
        _stop(proc)
        log.close()


@contextlib.contextmanager
def director(
    tmp: Path, analyzers: list[str], settle: float = 0.3, extra: tuple[str, ...] = ()
) -> Iterator[tuple[int, Path, subprocess.Popen[str]]]:
    port = free_port()
    out = tmp / "director"
    argv = [sys.executable, "-m", "joulekit", "director", "--listen", "127.0.0.1", str(port),
            "--settle", str(settle), "--output", str(out), "--keep-sessions", *extra]  # fmt: skip
    for url in analyzers:
        argv += ["--analyzer", url]
    out.mkdir(parents=True, exist_ok=True)
    log = open(tmp / "director.console", "w")  # noqa: SIM115
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    try:
        _wait_port(port, proc, 20)
        yield port, out, proc
    finally:
        _stop(proc)
        log.close()


NTP_EPOCH = 2208988800


class NtpResponder:
    """A minimal NTP v4 server on 127.0.0.1 whose clock is ours plus ``offset`` seconds."""

    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @staticmethod
    def _stamp(seconds: float) -> tuple[int, int]:
        whole = int(seconds)
        return whole + NTP_EPOCH, int((seconds - whole) * 2**32)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(512)
            except TimeoutError:
                continue
            received = time.time() + self.offset
            origin = data[40:48]
            sec, frac = self._stamp(received)
            sent_sec, sent_frac = self._stamp(time.time() + self.offset)
            reply = struct.pack("!BBbbII4sII", (0 << 6) | (4 << 3) | 4, 1, 0, -20, 0, 0,
                                b"LOCL", sec, frac)  # fmt: skip
            reply += origin + struct.pack("!IIII", sec, frac, sent_sec, sent_frac)
            self.sock.sendto(reply, peer)

    def close(self) -> None:
        self._stop.set()
        self.thread.join(timeout=2)
        self.sock.close()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def session_dirs(result: Path) -> list[str]:
    return sorted(p.name for p in result.iterdir())


WORKLOAD = Path(__file__).with_name("fake_workload.py")


def workload_command(log_dir: Path, seconds: float, die: bool = False) -> str:
    cmd = f"{sys.executable} {WORKLOAD} {log_dir} {seconds}"
    return cmd + (" --die" if die else "")


LISTEN_RE = re.compile(r"listening on ([\d.]+):(\d+)")

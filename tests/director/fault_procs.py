"""Real processes for the director's fault matrix: ``joulekit director`` and a client.

The director runs as its own process (``[sys.executable, "-m", "joulekit", "director"]``)
on a free loopback port; the client is :func:`run_client` with a stand-in workload that
writes LoadGen's detail/summary logs. Every wait has a deadline and the director is
stopped (SIGINT, then SIGKILL) when the context exits, whatever the test did.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from client.fake_workload import write_loadgen_logs

from joulekit.errors import UserError
from joulekit.run.client import ClientOptions, ClientResult, WorkloadContext, run_client

LISTEN_RE = re.compile(r"joulekit director: listening on ([\d.]+):(\d+)")

def loadgen_workload(seconds: float) -> Any:
    """A workload callable: ``power_begin``, ``seconds`` of sleep, ``power_end``, logs."""

    def workload(ctx: WorkloadContext) -> None:
        time.sleep(0.1)
        begin = datetime.now(UTC)
        time.sleep(seconds)
        end = datetime.now(UTC)
        time.sleep(0.1)
        write_loadgen_logs(ctx.loadgen_logs, begin, end)

    return workload


@dataclass
class DirectorProc:
    proc: subprocess.Popen[str]
    port: int
    out: Path
    console: Path
    children: list[int] = field(default_factory=list)

    def console_text(self) -> str:
        return self.console.read_text(errors="replace") if self.console.exists() else ""

    def sessions(self) -> list[Path]:
        return sorted(p for p in self.out.iterdir() if p.is_dir())

    def session(self) -> Path:
        found = self.sessions()
        assert len(found) == 1, found
        return found[0]


def _read_listen_line(proc: subprocess.Popen[str], timeout: float) -> int:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            if proc.poll() is not None:
                raise AssertionError(f"the director exited with {proc.returncode}") from None
            continue
        match = LISTEN_RE.search(line)
        if match:
            return int(match.group(2))
    raise AssertionError(f"the director did not say it listens within {timeout} s")


def stop_process(proc: subprocess.Popen[str], sig: int = signal.SIGINT, wait: float = 15) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@contextlib.contextmanager
def director(
    tmp: Path,
    analyzers: list[str],
    *,
    settle: float = 0.2,
    extra: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> Iterator[DirectorProc]:
    out = tmp / "director"
    out.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "joulekit", "director", "--listen", "127.0.0.1", "0",
            "--settle", str(settle), "--output", str(out), "--keep-sessions", *extra]  # fmt: skip
    for url in analyzers:
        argv += ["--analyzer", url]
    console = tmp / "director.console"
    with open(console, "w") as err:
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=err, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )  # fmt: skip
    handle = DirectorProc(proc, 0, out, console)
    try:
        handle.port = _read_listen_line(proc, 30)
        yield handle
    finally:
        with contextlib.suppress(psutil.Error):
            handle.children = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
        stop_process(proc)
        for pid in handle.children:  # nothing the director started may outlive it
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()
        if proc.stdout is not None:
            proc.stdout.close()


def client_options(tmp: Path, port: int, seconds: float = 1.0, **kw: Any) -> ClientOptions:
    base: dict[str, Any] = {
        "address": "127.0.0.1", "port": port, "loadgen_logs": tmp / "logs",
        "output": tmp / "out", "no_timestamp_dir": True, "echo": False,
        "allow_clock_step": False, "label": "fm",
        "workload": loadgen_workload(seconds),
    }  # fmt: skip
    base.update(kw)
    return ClientOptions(**base)


def run_client_catching(options: ClientOptions) -> tuple[ClientResult | None, str | None]:
    """(result, None) when the run completed, (None, the client's error line) when not."""
    try:
        return run_client(options), None
    except UserError as err:
        return None, str(err)


def server_json(session_dir: Path, timeout: float = 20) -> dict[str, Any]:
    """The session's server.json, waiting until the director has written it."""
    path = session_dir / "power" / "server.json"
    deadline = time.monotonic() + timeout
    while not path.is_file():
        assert time.monotonic() < deadline, f"no {path} after {timeout} s"
        time.sleep(0.05)
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def spl_lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.is_file() else []

"""A director with the PTDaemon simulator on loopback, for runs without hardware.

It runs as its own process, like a real director on its own host, so a demo goes
through the same TCP protocol, session files and downloads as a real measurement. It
is started in a new session: Ctrl-C in the terminal reaches the client, which then
ends the session properly, instead of killing the director mid-phase.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from joulekit.errors import UserError

#: the simulated meter follows this host's CPU use, so the demo's energy tracks its work
DEMO_LOAD = "cpu:idle=60,per=140"
DEMO_DEVICE = "49"  # a Yokogawa WT310, the most common analyzer in published results
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
_LISTENING = "joulekit director: listening on "


class LocalDirector:
    """``joulekit director --analyzer sim://…`` on 127.0.0.1, a free port."""

    def __init__(
        self, workdir: Path, *, settle_s: float, load: str = DEMO_LOAD,
        device: str = DEMO_DEVICE, period_ms: int | None = None,
    ) -> None:
        self.workdir = workdir
        query = f"load={load}" + (f"&period_ms={period_ms}" if period_ms else "")
        self.analyzer_url = f"sim://{device}?{query}"
        self.settle_s = settle_s
        self.host = "127.0.0.1"
        self.port = 0
        self._proc: subprocess.Popen[str] | None = None
        self._console: IO[str] | None = None

    @property
    def console_path(self) -> Path:
        return self.workdir / "director-console.txt"

    def start(self) -> LocalDirector:
        """Start it on a port the system picks (``--listen HOST 0``); it prints the port."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._console = open(self.console_path, "w", encoding="utf-8")  # noqa: SIM115
        return self._start_once(0)

    def _start_once(self, port: int) -> LocalDirector:
        cmd = [sys.executable, "-m", "joulekit", "director", "--analyzer", self.analyzer_url,
               "--listen", self.host, str(port), "--settle", f"{self.settle_s:g}",
               "--output", str(self.workdir)]
        self._proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=self._console, text=True,
            start_new_session=True, preexec_fn=_die_with_parent,
        )
        lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        threading.Thread(target=_pump, args=(self._proc.stdout, lines, self._console),
                         daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                if self._proc.poll() is not None:
                    break
                continue
            if line is None:
                break
            if line.startswith(_LISTENING):
                self.port = int(line[len(_LISTENING):].strip().rpartition(":")[2])
                return self
        self.stop()
        raise UserError(
            f"the local director did not start within {START_TIMEOUT_S:g} s; "
            f"its console is in {self.console_path}"
        )

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def stop(self) -> None:
        """SIGTERM (the director ends its session and writes its logs), then kill."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(STOP_TIMEOUT_S)

    def close(self) -> None:
        """Stop it and close its console file."""
        self.stop()
        if self._console is not None:
            with contextlib.suppress(OSError):
                self._console.close()

    def __enter__(self) -> LocalDirector:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the process that started it dies (Linux).

    The director runs in its own session so Ctrl-C does not reach it; without this, a
    measuring process killed outright would leave it running forever.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def _pump(stream: IO[str] | None, lines: queue.SimpleQueue[str | None], copy: IO[str]) -> None:
    """Forward the director's stdout to the console file, line by line."""
    if stream is None:
        lines.put(None)
        return
    for line in stream:
        lines.put(line)
        with contextlib.suppress(OSError, ValueError):
            copy.write(line)
            copy.flush()
    lines.put(None)

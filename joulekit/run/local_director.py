"""A director with the PTDaemon simulator on loopback, for runs without hardware.

It runs as its own process, like a real director on its own host, so a demo goes
through the same TCP protocol, session files and downloads as a real measurement. It
is started in a new session: Ctrl-C in the terminal reaches the client, which then
ends the session properly, instead of killing the director mid-phase.

Being in its own session, nothing the terminal does reaches it, so it must notice by
itself when the process that started it is gone (killed outright, or ended by Ctrl-C
before it could stop the director). It is started through :func:`director_argv`:
``python -m joulekit.cli.watched PARENT_PID director …`` (:mod:`joulekit.cli.watched`)
watches its parent pid and, once the parent is gone, ends the director as SIGTERM
would (session ended, logs written) and exits at the latest ``STOP_TIMEOUT_S`` later.
Watching the pid, rather than ``PR_SET_PDEATHSIG``, does not depend on which *thread*
of the parent started it, has no window between fork and arming, and needs no
``preexec_fn`` (which forks through Python's at-fork hooks, where a Ctrl-C arriving
during the fork was swallowed as "Exception ignored").
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from joulekit.errors import UserError
from joulekit.run.demo import DEMO_DEVICE, DEMO_LOAD

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
        if load.startswith("cpu:") and "tree=" not in load:
            load = f"{load},tree={os.getpid()}"
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
        cmd = director_argv(["--analyzer", self.analyzer_url, "--listen", self.host,
                             str(port), "--settle", f"{self.settle_s:g}",
                             "--output", str(self.workdir)])
        try:
            self._proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=self._console, text=True,
                start_new_session=True,
            )
            return self._await_listening()
        except BaseException:
            # Ctrl-C while it starts: the caller never gets a director to stop, so stop it
            self.close()
            raise

    def _await_listening(self) -> LocalDirector:
        assert self._proc is not None and self._console is not None
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


def director_argv(director_args: list[str]) -> list[str]:
    """``joulekit director DIRECTOR_ARGS`` that ends when this process is gone."""
    return [sys.executable, "-m", "joulekit.cli.watched", str(os.getpid()),
            "director", *director_args]


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

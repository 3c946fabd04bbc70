"""``joulekit ptd-launch``: start PTDaemon on its own host, keep its console, serve it.

Where PTDaemon runs on another host than the director (its meter is wired there), the
director attaches over TCP and never sees PTDaemon's console, which a submission needs
as ``ptd_logs.txt``. This wrapper starts the PTDaemon command line it is given (the
same argv the reference director builds), writes every byte PTDaemon prints to a new
console file as it arrives (flushed per chunk, carriage returns and all: nothing is
re-encoded), echoes it to the terminal, and serves the file read-only with
:mod:`joulekit.analyzers.console_feed`. The director then attaches with
``ptd://PTDHOST:PTDPORT?console=PTDHOST:FEEDPORT`` and writes the session's console.

The console file is never overwritten (a new name per launch by default) and survives
the wrapper: it is the lab's record of what PTDaemon said. SIGTERM, SIGHUP and Ctrl-C
stop PTDaemon (terminate, then kill after a grace period), drain what it printed last,
and exit 128 + the signal number; when PTDaemon exits on its own, so does the wrapper,
with PTDaemon's exit code.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import IO

from joulekit.analyzers.console_feed import ConsoleFile, ConsoleServer
from joulekit.errors import UserError

#: signals that end the wrapper the way Ctrl-C does
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


class ConsoleTee:
    """Copies a child's output, byte for byte, into a console file and an echo stream."""

    def __init__(self, source: IO[bytes], console: ConsoleFile, echo: IO[bytes] | None) -> None:
        self.source = source
        self.console = console
        self.echo = echo
        self.written = 0
        self._file = open(console.path, "xb")  # noqa: SIM115 (closed by run())
        self._thread = threading.Thread(target=self.run, name="ptd-console-tee", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def run(self) -> None:
        try:
            while chunk := os.read(self.source.fileno(), 65536):
                self._file.write(chunk)
                self._file.flush()
                self.console.note_written(self.written, chunk)
                self.written += len(chunk)
                if self.echo is not None:
                    with contextlib.suppress(OSError, ValueError):
                        self.echo.write(chunk)
                        self.echo.flush()
        finally:
            self._file.close()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


def default_console_path(now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return Path(f"ptd-console-{stamp}.txt")


def _ptd_port(argv: list[str]) -> str | None:
    """The ``-p PORT`` of a PTDaemon command line, to print the attach URL."""
    for flag, value in itertools.pairwise(argv):
        if flag == "-p":
            return value
    return None


class Launch:
    """One PTDaemon child with its console teed and served."""

    def __init__(
        self,
        argv: list[str],
        console_path: Path,
        host: str,
        port: int,
        *,
        echo: IO[bytes] | None,
        kill_after: float,
    ) -> None:
        self.argv = argv
        self.console = ConsoleFile(console_path)
        self.kill_after = kill_after
        if console_path.exists() or console_path.is_symlink():
            raise UserError(
                f"{console_path} already exists; a console file is never overwritten: "
                "give another --console FILE"
            )
        try:
            self.server = ConsoleServer(self.console, host, port, argv)
        except OSError as err:
            raise UserError(
                f"cannot serve the console on {host}:{port}: {err.strerror or err}; "
                "choose another --listen address or port"
            ) from None
        env = dict(os.environ, TZ="UTC")  # PTDaemon stamps local time; MLPerf wants UTC
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # the wrapper, not the terminal, stops PTDaemon
            )
        except OSError as err:
            self.server.server_close()
            raise UserError(f"cannot start {argv[0]!r}: {err.strerror or err}") from None
        assert self.proc.stdout is not None
        try:
            self.tee = ConsoleTee(self.proc.stdout, self.console, echo)
        except OSError as err:
            self.stop()
            self.server.server_close()
            raise UserError(f"cannot create the console file {console_path}: {err}") from None
        self.tee.start()
        self._serving = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )
        self._serving.start()

    def stop(self) -> None:
        """Terminate PTDaemon, kill it after ``kill_after`` s, reap it; idempotent."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(self.kill_after)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5.0)

    def close(self) -> None:
        self.stop()
        self.tee.join(5.0)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.server.shutdown()
        self.server.server_close()


def launch_and_serve(
    argv: list[str],
    console_path: Path,
    host: str,
    port: int,
    *,
    echo: IO[bytes] | None,
    kill_after: float,
) -> int:
    """Run PTDaemon until it exits or a stop signal comes; its exit code, or 128 + signal.

    Status lines (what runs, where the console is served, how it ended) go to stderr.
    """
    stopped: list[int] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stopped.append(signum)
        launch.stop()

    launch = Launch(argv, console_path, host, port, echo=echo, kill_after=kill_after)
    previous = {s: signal.signal(s, on_signal) for s in STOP_SIGNALS}
    ptd_port = _ptd_port(argv)
    print(
        f"joulekit ptd-launch: {Path(argv[0]).name} (pid {launch.proc.pid}), console in "
        f"{console_path}, served on {host}:{launch.server.port}"
        + (f"; attach with ptd://{host}:{ptd_port}?console={host}:{launch.server.port}"
           if ptd_port else ""),
        file=sys.stderr, flush=True,
    )  # fmt: skip
    try:
        while launch.proc.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                launch.proc.wait(0.5)
    finally:
        launch.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if stopped:
        name = signal.Signals(stopped[0]).name
        print(
            f"joulekit ptd-launch: {name}: PTDaemon stopped; console kept in {console_path}",
            file=sys.stderr,
            flush=True,
        )
        return 128 + stopped[0]
    code = launch.proc.returncode
    print(
        f"joulekit ptd-launch: PTDaemon exited with code {code}; console kept in {console_path}",
        file=sys.stderr,
        flush=True,
    )
    return code if code >= 0 else 128 - code

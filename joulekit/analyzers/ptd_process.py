"""Supervise a PTDaemon process: the reference argv, TZ=UTC, a flushed stdout tee, clean exit.

The reference director tees PTD's console into a buffered file and reads it while PTD
still runs, losing the tail (reference-director-protocol.md §4). Here every console
line is written and flushed as it arrives, so :meth:`PtdProcess.console_text` is always
complete up to the last line PTD printed. ``stop()`` terminates, then kills after a
grace period, and reaps the child: no orphan survives a failed session.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from joulekit.analyzers.base import AnalyzerError


def build_ptd_argv(
    ptd: str | os.PathLike[str] | Sequence[str],
    logfile: str | os.PathLike[str],
    port: int,
    device_type: int,
    device_port: str,
    interface_flag: str = "",
    channel: str | Sequence[int] | None = None,
    gpib_board: int | str | None = None,
    dc_flag: str | None = None,
) -> list[str]:
    """The reference director's PTD command line (reference-director-protocol.md §2).

    ``<ptd> -l <logfile> -p <port> [-b <board>] [-c <ch[,ch]>] [<dc>] [<iface>] <type> <port>``.
    ``ptd`` may be a list (for example ``[python, "-m", "joulekit", "ptd-sim"]``).
    """
    head = [os.fspath(ptd)] if isinstance(ptd, str | os.PathLike) else [str(p) for p in ptd]
    argv = [*head, "-l", os.fspath(logfile), "-p", str(port)]
    if gpib_board is not None and str(gpib_board) != "":
        argv += ["-b", str(gpib_board)]
    if channel is not None and channel != "" and channel != ():
        text = channel if isinstance(channel, str) else ",".join(str(c) for c in channel)
        argv += ["-c", text]
    if dc_flag:
        argv.append(dc_flag)
    if interface_flag:
        argv.append(interface_flag)
    argv += [str(device_type), str(device_port)]
    return argv


#: PTDaemon flags that take a value (``-l FILE``, ``-p PORT``...), and flags that do not
_VALUED_FLAGS = frozenset({"-l", "-p", "-b", "-c", "-d", "-B", "-V", "-A", "-C", "-i", "-h"})
_INTERFACE_FLAGS = ("-g", "-y", "-n", "-U")
_DC_FLAG = "-D"


def ptd_config_from_argv(argv: Sequence[str]) -> dict[str, object] | None:
    """The ``ptd_config`` entry for a PTDaemon command line (the inverse of
    :func:`build_ptd_argv`), or None when the line does not end in ``<type> <port>``.

    ``joulekit ptd-launch`` reports the argv it started, so a director attached to that
    PTDaemon records the same configuration the reference director records for one it
    started itself (the reference checker reads ``-c`` from it for a WT330 multichannel).
    """
    args = list(argv)[1:]
    positional: list[str] = []
    interface = ""
    dc: str | None = None
    channel: list[int] | None = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in _VALUED_FLAGS and i + 1 < len(args):
            if arg == "-c":
                try:
                    channel = [int(c) for c in args[i + 1].split(",")]
                except ValueError:
                    return None
            i += 2
            continue
        if arg in _INTERFACE_FLAGS:
            interface = arg
        elif arg == _DC_FLAG:
            dc = arg
        elif not arg.startswith("-"):
            positional.append(arg)
        i += 1
    if len(positional) != 2 or not positional[0].isdigit():
        return None
    return {
        "command": list(argv),
        "device_type": int(positional[0]),
        "interface_flag": interface,
        "dc_flag": dc,
        "device_port": positional[1],
        "channel": channel,
    }


class PtdProcess:
    """One PTDaemon child process with its console teed to ``console_path``."""

    def __init__(
        self,
        argv: Sequence[str],
        console_path: str | os.PathLike[str],
        *,
        env: dict[str, str] | None = None,
        kill_after: float = 10.0,
    ) -> None:
        self.argv = list(argv)
        self.console_path = Path(console_path)
        self.kill_after = kill_after
        self._env = dict(os.environ if env is None else env)
        self._env["TZ"] = "UTC"  # PTD stamps local time; MLPerf wants UTC
        self._proc: subprocess.Popen[bytes] | None = None
        self._tee: threading.Thread | None = None
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        self.last_line = ""

    @property
    def name(self) -> str:
        return Path(self.argv[0]).name if self.argv else "ptd"

    def start(self) -> None:
        self.console_path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.console_path.open("w", encoding="utf-8", newline="\n")
        try:
            self._proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=self._env,
                start_new_session=True,  # Ctrl-C in the director must not kill PTD mid-restore
            )
        except OSError as err:
            self._file.close()
            self._file = None
            raise AnalyzerError(
                f"cannot start PTDaemon {self.argv[0]!r}: {err.strerror}; check the 'ptd' path "
                "in the [ptd] section"
            ) from None
        self._tee = threading.Thread(target=self._pump, name="ptd-tee", daemon=True)
        self._tee.start()

    def _pump(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for raw in iter(self._proc.stdout.readline, b""):
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            with self._lock:
                self.last_line = text or self.last_line
                if self._file is not None:
                    self._file.write(text + "\n")
                    self._file.flush()

    def poll(self) -> int | None:
        """The exit code when PTD has exited, else None."""
        return None if self._proc is None else self._proc.poll()

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def console_text(self) -> str:
        """Everything PTD printed so far (flushed line by line)."""
        with self._lock:
            if self._file is not None:
                self._file.flush()
        try:
            return self.console_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """Terminate, kill after ``kill_after`` seconds, reap, close the tee; idempotent."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(self.kill_after)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.wait(5.0)
        if self._tee is not None:
            self._tee.join(5.0)
            self._tee = None
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

"""SIGTERM and SIGHUP end a command the way Ctrl-C does.

A scheduler, ``systemctl stop``, ``timeout`` or a closed SSH session stops a run with
SIGTERM or SIGHUP, not SIGINT. Python's default for those is to die on the spot: no
phase ended, LoadGen and the director left running, nothing written. Every path that
already ends a run cleanly on Ctrl-C catches ``KeyboardInterrupt``, so the handler
installed here raises exactly that, once, and remembers which signal it was: the
command then ends its phases, stops its children, keeps what it measured, and exits
with the shell's code for that signal (128 + number: 143 for TERM, 129 for HUP).

Further signals while the command is already ending are remembered but not raised: a
second interrupt in the middle of writing the samples would lose them (a user who
really wants it dead has SIGKILL).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from types import FrameType

from joulekit.errors import EXIT_INTERRUPTED

#: the signals handled like Ctrl-C
STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGHUP)

_received: int | None = None
_interrupted = False


def _handler(signum: int, frame: FrameType | None) -> None:
    global _received, _interrupted
    if _received is None:
        _received = signum
    if not _interrupted:
        _interrupted = True
        raise KeyboardInterrupt


def install() -> None:
    """Handle SIGTERM and SIGHUP like Ctrl-C in this process (main thread only)."""
    global _received, _interrupted
    _received, _interrupted = None, False
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in STOP_SIGNALS:
        if signal.getsignal(sig) is not signal.SIG_IGN:  # ``nohup`` asked to ignore HUP
            signal.signal(sig, _handler)


def received() -> int | None:
    """The stop signal this process got (None: none, or only Ctrl-C)."""
    return _received


def exit_code() -> int:
    """128 + the signal's number, or 130 (Ctrl-C) when no stop signal came."""
    return 128 + _received if _received is not None else EXIT_INTERRUPTED


def describe() -> str:
    """``SIGTERM``, ``SIGHUP`` or ``Ctrl-C``: what interrupted the command."""
    return signal.Signals(_received).name if _received is not None else "Ctrl-C"


def ignore_ctrl_c() -> None:
    """Ignore further Ctrl-C while a stop is being carried out (main thread only);
    :func:`install` and the caller's own restore put the handler back."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


class Interrupted(KeyboardInterrupt):
    """An interrupt already handled: the session ended, the message says what is kept."""


def stop_child(proc: subprocess.Popen[bytes] | subprocess.Popen[str], grace: float) -> None:
    """Stop a child started in a process group of its own, and everything in that group.

    A terminal's Ctrl-C reaches its whole foreground group, a stop signal only us: so
    the child gets SIGINT here either way (its own Ctrl-C path, which writes its logs),
    then SIGTERM and SIGKILL for the group if it does not end within ``grace`` seconds.
    Once the child has exited, but before it is reaped (its pid, the group's id, cannot
    be reused until then), what it left in its group gets SIGKILL, so a shell's
    background job does not outlive the run. Then the child is reaped.
    """
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        if proc.returncode is not None or _exited(proc.pid, 0):
            break
        _signal_group(proc.pid, sig)
        if _exited(proc.pid, grace):
            break
    if proc.returncode is None:
        _signal_group(proc.pid, signal.SIGKILL)  # stragglers; the leader is a zombie
    proc.wait()


def _exited(pid: int, within: float) -> bool:
    """True once ``pid`` has exited (left unreaped), polling for ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        try:
            info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG)
        except ChildProcessError:
            return True  # already reaped elsewhere
        if info is not None:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return

"""Scripted instrument peers for transcript tests: real sockets and ptys, no sleeps.

A transcript test drives a real analyzer class against a peer that plays a script, as
pymeasure and pyvisa-sim test instruments: each step is the exact command line the
analyzer must send and the reply line(s) the instrument gives. The peer fails the test
on the first command that is not the script's next one, and records every byte it
received, so a test can assert the bytes on the wire, CRLF or LF included.

Every wait is bounded (``timeout``), and ``close()`` ends the peer's thread.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import tty
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType


@dataclass(frozen=True)
class Drop:
    """Reply with ``lines`` (possibly none), then cut the connection."""

    lines: Sequence[str] = ()


#: a reply: one line, several lines, none (a write-only command), or a cut connection
Reply = str | Sequence[str] | None | Drop
Step = tuple[str, Reply]


class ScriptMismatch(AssertionError):
    """The analyzer sent something other than the script's next command."""


class _Script:
    """The steps, consumed in order by whoever serves them."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = list(steps)
        self.index = 0
        self.errors: list[str] = []
        self.done = threading.Event()
        #: set when the step at an index has been answered (for tests that wait on it)
        self.reached: dict[int, threading.Event] = {}

    def answer(self, command: str) -> Reply:
        if self.index >= len(self.steps):
            self.errors.append(f"command {command!r} after the end of the script")
            raise ScriptMismatch(self.errors[-1])
        wanted, reply = self.steps[self.index]
        if command != wanted:
            self.errors.append(f"step {self.index}: expected {wanted!r}, got {command!r}")
            raise ScriptMismatch(self.errors[-1])
        self.index += 1
        if self.index in self.reached:
            self.reached[self.index].set()
        if self.index == len(self.steps):
            self.done.set()
        return reply

    def wait_for(self, count: int, timeout: float) -> None:
        """Block until ``count`` steps were answered."""
        event = self.reached.setdefault(count, threading.Event())
        if self.index >= count:
            return
        assert event.wait(timeout), f"the analyzer stopped at step {self.index} of {count}"

    def check(self) -> None:
        assert not self.errors, "; ".join(self.errors)
        assert self.index == len(self.steps), (
            f"the analyzer stopped after {self.index} of {len(self.steps)} steps; "
            f"next expected {self.steps[self.index][0]!r}"
        )


def _lines(reply: Reply) -> list[str]:
    if reply is None:
        return []
    if isinstance(reply, Drop):
        return list(reply.lines)
    return [reply] if isinstance(reply, str) else list(reply)


class ScriptedTcpPeer:
    """A PTDaemon stand-in on 127.0.0.1:<free port> that answers only its script (CRLF).

    A :class:`Drop` reply ends the connection; the next connection continues the script
    (an analyzer that reconnects starts again with ``Hello``).
    """

    def __init__(self, steps: Sequence[Step], *, timeout: float = 10.0) -> None:
        self.script = _Script(steps)
        self.timeout = timeout
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(timeout)
        self.port = int(self.server.getsockname()[1])
        #: every byte received, one entry per connection
        self.received: list[bytes] = []
        self._closing = False
        self._thread = threading.Thread(target=self._serve, name="scripted-ptd", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._closing and not self.script.done.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                if not self._talk(conn):
                    return
        # after the script: the analyzer may close, or open a connection it never uses
        self._drain_after_end()

    def _talk(self, conn: socket.socket) -> bool:
        """Serve one connection; False when the script failed and serving stops."""
        conn.settimeout(self.timeout)
        self.received.append(b"")
        buffer = b""
        while True:
            while b"\n" not in buffer:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    return True
                if not chunk:
                    return True
                buffer += chunk
                self.received[-1] += chunk
            raw, buffer = buffer.split(b"\n", 1)
            try:
                reply = self.script.answer(raw.decode("utf-8").rstrip("\r"))
            except ScriptMismatch:
                return False
            payload = "".join(line + "\r\n" for line in _lines(reply)).encode()
            if payload:
                conn.sendall(payload)
            if isinstance(reply, Drop):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                return True
            if self.script.done.is_set():
                self._finish(conn)
                return True

    def _finish(self, conn: socket.socket) -> None:
        """The script is over: anything more the analyzer sends is an error."""
        try:
            extra = conn.recv(65536)
        except OSError:
            return
        if extra:
            self.received[-1] += extra
            self.script.errors.append(f"bytes after the end of the script: {extra!r}")

    def _drain_after_end(self) -> None:
        with contextlib.suppress(OSError):  # closed meanwhile: nothing to drain
            self.server.settimeout(0.05)
            conn, _ = self.server.accept()
            conn.close()

    def check(self) -> None:
        """Fail unless every step was served in order and nothing else was sent."""
        self._thread.join(self.timeout)
        self.script.check()

    def close(self) -> None:
        self._closing = True
        self.server.close()
        self._thread.join(self.timeout)

    def __enter__(self) -> ScriptedTcpPeer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class ScriptedPty:
    """A serial meter stand-in behind a real pty: LF-terminated lines, replies from a script.

    ``idle`` answers commands that may come any number of times between steps (a
    sampling loop polling the meter's update flag while nothing is due): a command that
    is not the script's next one but is in ``idle`` gets that reply and consumes no step.
    :attr:`log` lists every command with whether the script or ``idle`` answered it.
    """

    def __init__(
        self,
        steps: Sequence[Step],
        *,
        idle: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.script = _Script(steps)
        self.idle = dict(idle or {})
        self.timeout = timeout
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self.received = b""
        self.log: list[tuple[str, bool]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="scripted-pty", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        buffer = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                return
            self.received += chunk
            buffer += chunk
            while b"\n" in buffer:
                raw, buffer = buffer.split(b"\n", 1)
                if not self._answer(raw.decode("ascii").rstrip("\r")):
                    return

    def _answer(self, command: str) -> bool:
        script = self.script
        upcoming = script.steps[script.index][0] if script.index < len(script.steps) else None
        reply: Reply
        if command != upcoming and command in self.idle:
            reply = self.idle[command]
            self.log.append((command, False))
        else:
            try:
                reply = script.answer(command)
            except ScriptMismatch:
                return False
            self.log.append((command, True))
        payload = "".join(line + "\n" for line in _lines(reply)).encode("ascii")
        if payload:
            os.write(self.master, payload)
        return True

    def scripted(self) -> list[str]:
        """The commands the script answered, in order."""
        return [command for command, by_script in self.log if by_script]

    def idled(self) -> list[str]:
        return [command for command, by_script in self.log if not by_script]

    def check(self) -> None:
        self.script.check()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(self.timeout)
        for fd in (self._slave, self.master):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> ScriptedPty:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

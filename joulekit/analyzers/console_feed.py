"""PTDaemon's console, served read-only over TCP to a director on another host.

A submission's ``ptd_logs.txt`` is PTDaemon's console: the reference checker finds the
ranging window, the uncertainty-activation line and every ``ERROR``/``WARNING`` in it.
A director attached to a PTDaemon it did not start (``ptd://HOST:PORT``) never sees that
console, so ``joulekit ptd-launch`` starts PTDaemon on its own host, tees the console to
a file as it arrives, and serves that file here; the director asks for the start-up
lines and for the bytes its session produced (``ptd://HOST:PORT?console=HOST:PORT``).

The protocol is one ASCII request line, one reply, any number per connection::

    ARGV              -> "<n>\\n" + n bytes: the PTDaemon command line, a JSON list
    HEAD              -> "<n>\\n" + n bytes: the start-up lines, up to the first
                         "Waiting for a connection..." (where the uncertainty check is
                         announced)
    SIZE              -> "<n>\\n": the console's length once it has been quiet a moment
    READ <off> <max>  -> "<n>\\n" + n bytes from <off> (n <= max and <= CHUNK_BYTES)
    (anything else)   -> "ERROR <why>\\n"

``SIZE`` waits until the console has not grown for ``QUIET_S`` (at most ``SETTLE_MAX_S``):
PTDaemon prints ``Completed test`` and its summary a little after it answers ``Stop``,
and a session's slice must not end before them. The server only reads: no request
names a path, offsets are bounded by the file, and each connection has a deadline.
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import threading
import time
from pathlib import Path

#: largest reply body; a longer console is read in several requests
CHUNK_BYTES = 1 << 20
#: largest console a director takes into ptd_logs.txt (13-hour runs stay far below it)
MAX_CONSOLE_BYTES = 512 << 20
#: the start-up lines are searched for the listener line within this many bytes
HEAD_SEARCH_BYTES = 64 << 10
QUIET_S = 0.3
SETTLE_MAX_S = 3.0
#: a connection idle this long is closed
IDLE_S = 20.0
MAX_LINE = 80
MAX_CONNECTIONS = 16
LISTENER_LINE = b"Waiting for a connection"


class ConsoleFile:
    """The growing console file, with the end of its start-up lines once seen."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.head_end: int | None = None
        self._listener_at: int | None = None
        self._carry = b""
        self._lock = threading.Lock()

    def note_written(self, start: int, data: bytes) -> None:
        """Called by the writer for each chunk: remembers where the start-up lines end.

        The first listener line may straddle two chunks, and its line end may come in
        a later one: the unsearched tail is carried over, so the first occurrence is
        found, never a later one that follows a session.
        """
        with self._lock:
            if self.head_end is not None or start >= HEAD_SEARCH_BYTES:
                return
            window = self._carry + data
            base = start - len(self._carry)
            if self._listener_at is None:
                at = window.find(LISTENER_LINE)
                if at >= 0:
                    self._listener_at = base + at
            if self._listener_at is not None:
                newline = window.find(b"\n", max(0, self._listener_at - base))
                if newline >= 0:
                    self.head_end = base + newline + 1
                    self._carry = b""
                    return
                self._carry = window[max(0, self._listener_at - base) :]
            else:
                self._carry = window[-(len(LISTENER_LINE) - 1) :]

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def settled_size(self) -> int:
        """The size once nothing has been appended for ``QUIET_S`` (bounded wait)."""
        deadline = time.monotonic() + SETTLE_MAX_S
        size = self.size()
        while time.monotonic() < deadline:
            time.sleep(QUIET_S)
            now = self.size()
            if now == size:
                break
            size = now
        return size

    def read(self, offset: int, limit: int) -> bytes:
        with open(self.path, "rb") as handle:
            handle.seek(offset)
            return handle.read(max(0, min(limit, CHUNK_BYTES)))

    def head(self) -> bytes:
        with self._lock:
            end = self.head_end
        return self.read(0, end) if end else b""


class _Handler(socketserver.StreamRequestHandler):
    server: ConsoleServer
    timeout = IDLE_S

    def handle(self) -> None:
        if not self.server.admit():
            self.wfile.write(b"ERROR too many console connections; try again later\n")
            return
        try:
            while True:
                line = self.rfile.readline(MAX_LINE + 1)
                if not line:
                    return
                if len(line) > MAX_LINE or not line.endswith(b"\n"):
                    self.wfile.write(b"ERROR request line too long\n")
                    return
                self.wfile.write(self._answer(line.decode("ascii", "replace").split()))
                self.wfile.flush()
        except (OSError, TimeoutError):
            return
        finally:
            self.server.leave()

    def _answer(self, words: list[str]) -> bytes:
        console = self.server.console
        if words == ["ARGV"]:
            body = json.dumps(self.server.argv).encode()
            return b"%d\n" % len(body) + body
        if words == ["HEAD"]:
            body = console.head()
            return b"%d\n" % len(body) + body
        if words == ["SIZE"]:
            return b"%d\n" % console.settled_size()
        if len(words) == 3 and words[0] == "READ":
            if not all(w.isascii() and w.isdigit() and len(w) <= 15 for w in words[1:]):
                return b"ERROR READ needs two non-negative integers\n"
            body = console.read(int(words[1]), int(words[2]))
            return b"%d\n" % len(body) + body
        return b"ERROR unknown request; use ARGV, HEAD, SIZE or READ <offset> <max>\n"


class ConsoleServer(socketserver.ThreadingTCPServer):
    """Serves one :class:`ConsoleFile` until :meth:`shutdown`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, console: ConsoleFile, host: str, port: int, argv: list[str] | None = None
    ) -> None:
        self.console = console
        self.argv = list(argv or [])
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__((host, port), _Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def admit(self) -> bool:
        return self._slots.acquire(blocking=False)

    def leave(self) -> None:
        with contextlib.suppress(ValueError):
            self._slots.release()


class ConsoleFeedError(Exception):
    """The console feed could not be reached or answered nonsense."""


class ConsoleFeed:
    """The director's side: the start-up lines and a session's slice of the console."""

    def __init__(self, host: str, port: int, *, timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout

    @property
    def peer(self) -> str:
        return f"the console feed at {self.host}:{self.port}"

    def _request(self, sock: socket.socket, reader: _Reader, line: str) -> int:
        """Send one request; the length (or size) its reply starts with."""
        sock.sendall(line.encode("ascii") + b"\n")
        header = reader.line()
        if header.startswith(b"ERROR"):
            raise ConsoleFeedError(
                f"{self.peer} answered {line!r} with {header.decode(errors='replace')[:200]!r}"
            )
        text = header.decode("ascii", "replace").strip()
        if not text.isascii() or not text.isdigit() or len(text) > 15:
            raise ConsoleFeedError(f"{self.peer} sent {text[:40]!r} where a length was due")
        return int(text)

    def _session(self) -> tuple[socket.socket, _Reader]:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as err:
            raise ConsoleFeedError(
                f"{self.peer} did not accept a connection ({err.strerror or err}); start "
                "PTDaemon under 'joulekit ptd-launch --listen HOST PORT' on its host"
            ) from None
        sock.settimeout(self.timeout)
        return sock, _Reader(sock, self.peer)

    def head(self) -> bytes:
        return self._body("HEAD")

    def argv(self) -> list[str]:
        """The PTDaemon command line the launcher started (empty if it gave none)."""
        try:
            value = json.loads(self._body("ARGV"))
        except ValueError:
            raise ConsoleFeedError(f"{self.peer} sent a command line that is not JSON") from None
        if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
            raise ConsoleFeedError(f"{self.peer} sent a command line that is not a list")
        return value

    def size(self) -> int:
        sock, reader = self._session()
        with sock:
            try:
                return self._request(sock, reader, "SIZE")
            except OSError as err:
                raise ConsoleFeedError(f"{self.peer} failed during SIZE ({err})") from None

    def read(self, start: int, end: int) -> bytes:
        """Bytes ``start..end`` of the console (several requests for a long slice)."""
        if end - start > MAX_CONSOLE_BYTES:
            raise ConsoleFeedError(
                f"{self.peer}: the session's console is {end - start} bytes, over the "
                f"{MAX_CONSOLE_BYTES} byte limit"
            )
        parts: list[bytes] = []
        sock, reader = self._session()
        with sock:
            offset = start
            try:
                while offset < end:
                    length = self._request(sock, reader, f"READ {offset} {end - offset}")
                    if length == 0 or length > end - offset:
                        break
                    parts.append(reader.exactly(length))
                    offset += length
            except OSError as err:
                raise ConsoleFeedError(f"{self.peer} failed during READ ({err})") from None
        return b"".join(parts)

    def _body(self, request: str) -> bytes:
        sock, reader = self._session()
        with sock:
            try:
                length = self._request(sock, reader, request)
                if length > MAX_CONSOLE_BYTES:
                    raise ConsoleFeedError(f"{self.peer} announced {length} bytes for {request}")
                return reader.exactly(length)
            except OSError as err:
                raise ConsoleFeedError(f"{self.peer} failed during {request} ({err})") from None


class _Reader:
    """Buffered reads of lines and exact lengths from one socket."""

    def __init__(self, sock: socket.socket, peer: str) -> None:
        self.sock = sock
        self.peer = peer
        self.buffer = b""

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConsoleFeedError(f"{self.peer} closed the connection mid-reply")
        self.buffer += data

    def line(self) -> bytes:
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_LINE * 4:
                raise ConsoleFeedError(f"{self.peer} sent an over-long reply line")
            self._fill()
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line

    def exactly(self, length: int) -> bytes:
        while len(self.buffer) < length:
            self._fill()
        data, self.buffer = self.buffer[:length], self.buffer[length:]
        return data

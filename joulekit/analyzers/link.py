"""A CRLF line link over TCP with a timeout on every read, used to talk to PTDaemon.

PTD answers each command with one line (``RL``: a header and N lines). Every read has a
deadline, and a lost link raises :class:`LinkLost` so the caller can reconnect
instead of hanging (the reference client has no timeouts at all).
"""

from __future__ import annotations

import contextlib
import socket
import time

MAX_LINE = 1 << 20


class LinkLost(Exception):
    """The peer closed the connection or it broke."""


class LinkTimeout(Exception):
    """No complete line arrived before the deadline."""


class LineLink:
    """One TCP connection; ``send_line`` appends CRLF, ``read_line`` strips CR/LF."""

    def __init__(self, host: str, port: int, connect_timeout: float) -> None:
        self.host = host
        self.port = port
        self._buffer = b""
        self._sock = socket.create_connection((host, port), timeout=connect_timeout)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send_line(self, text: str) -> None:
        try:
            self._sock.sendall(text.encode("utf-8") + b"\r\n")
        except OSError as err:
            raise LinkLost(str(err) or type(err).__name__) from None

    def read_line(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LinkTimeout(f"no reply within {timeout:g} s")
            if len(self._buffer) > MAX_LINE:
                raise LinkLost("reply line longer than 1 MiB")
            self._sock.settimeout(left)
            try:
                chunk = self._sock.recv(65536)
            except TimeoutError:
                continue
            except OSError as err:
                raise LinkLost(str(err) or type(err).__name__) from None
            if not chunk:
                raise LinkLost("connection closed by the peer")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("utf-8", "replace").rstrip("\r")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.close()

"""Raw peers for the hostile-connection tests: exact bytes, resets, half-closes.

Every socket has a timeout, and :func:`eof_within` tells a closed connection from one
the director still holds, so no test can hang on a director that never answers.
"""

from __future__ import annotations

import socket
import struct
import time

from joulekit.session import protocol as p


class Peer:
    """One raw TCP connection to the director on 127.0.0.1."""

    def __init__(self, port: int, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def line(self) -> str:
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the director closed the connection")
            self.buffer += chunk
        raw, _, self.buffer = self.buffer.partition(b"\n")
        return raw.rstrip(b"\r").decode()

    def ask(self, command: str) -> str:
        self.send(command.encode() + b"\r\n")
        return self.line()

    def handshake(self) -> Peer:
        assert self.ask(p.CLIENT_MAGIC) == p.SERVER_MAGIC
        return self

    def eof_within(self, seconds: float) -> bool:
        """True when the director closes the connection within ``seconds``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            except ConnectionError:
                return True
            if not chunk:
                return True
            self.buffer += chunk
        return False

    def reset(self) -> None:
        """Close with an RST instead of a FIN (SO_LINGER 0), as a dropped link looks."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def close(self) -> None:
        self.sock.close()

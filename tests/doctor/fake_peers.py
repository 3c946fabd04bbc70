"""Small TCP peers for doctor tests: a director that only answers ``time``, a mute one."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

from joulekit.session.protocol import CLIENT_MAGIC, SERVER_MAGIC


class TimeOnlyDirector:
    """Answers the v3 handshake and ``time`` (its clock ``offset_s`` ahead); ``mute``
    accepts connections and never says a word, like a hung director or analyzer."""

    def __init__(self, offset_s: float = 0.0, *, mute: bool = False, greeting: str = "") -> None:
        self.offset_s = offset_s
        self.mute = mute
        self.greeting = greeting or SERVER_MAGIC
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(4)
        self.server.settimeout(0.2)
        self.port: int = self.server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._conns: list[socket.socket] = []

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._conns.append(conn)
            if not self.mute:
                threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        stream = conn.makefile("rwb")
        try:
            for raw in stream:
                line = raw.decode().strip()
                if line == CLIENT_MAGIC:
                    reply = self.greeting
                elif line == "time":
                    reply = str(time.time() + self.offset_s)
                else:
                    reply = "Error"
                stream.write(reply.encode() + b"\r\n")
                stream.flush()
        except OSError:
            pass

    def __enter__(self) -> TimeOnlyDirector:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self._conns:
            conn.close()
        self.server.close()

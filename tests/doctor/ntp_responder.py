"""A tiny NTP server on 127.0.0.1 for tests: answers each query with a chosen offset.

ntplib computes offset = ((recv - orig) + (tx - dest)) / 2, so answering with receive
and transmit times of ``now + offset`` makes the client see ``offset`` (give or take
the loopback round trip, microseconds).
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import ntplib


class NtpResponder:
    def __init__(self, offset_s: float = 0.0, *, stratum: int = 2, leap: int = 0) -> None:
        self.offset_s = offset_s
        self.stratum = stratum
        self.leap = leap
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port: int = self.sock.getsockname()[1]
        self.queries = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(512)
            except TimeoutError:
                continue
            except OSError:
                return
            query = ntplib.NTPPacket()
            query.from_data(data)
            now = ntplib.system_to_ntp_time(time.time() + self.offset_s)
            reply = ntplib.NTPPacket(version=query.version, mode=4, tx_timestamp=now)
            reply.stratum = self.stratum
            reply.leap = self.leap
            reply.orig_timestamp = query.tx_timestamp
            reply.recv_timestamp = now
            reply.ref_timestamp = now
            self.queries += 1
            self.sock.sendto(reply.to_data(), peer)

    def __enter__(self) -> NtpResponder:
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
        self.sock.close()

"""Noticing, during the workload, that the director has gone.

The client says nothing to the director while the workload runs, and the director
says nothing back: a director that crashed, was killed, or dropped the session (its
analyzer lost) is otherwise found only when the workload ends, hours later, and the
run has gone on unmeasured. The director sends nothing unasked during a phase, so any
readable event on the socket then is the end of the connection (or a reset): the
watch notes it and the workload is stopped (``WorkloadContext.cancelled``).

A host that vanishes without closing (power cut, cable) sends nothing at all; TCP
keepalive on the connection turns that into a reset within minutes.
"""

from __future__ import annotations

import select
import socket
import threading

#: how often the watch looks at the socket, and how often the workload checks it
POLL_S = 0.5


class DirectorWatch:
    """A thread watching one connection for its end while a phase's workload runs."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        #: what happened to the connection (None while it is alive)
        self.lost: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="director-watch", daemon=True)

    def start(self) -> DirectorWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def is_lost(self) -> bool:
        return self.lost is not None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                readable, _, _ = select.select([self.sock], [], [], POLL_S)
                if not readable:
                    continue
                data = self.sock.recv(1, socket.MSG_PEEK)
            except (OSError, ValueError) as err:  # reset, or the socket was closed here
                if not self._stop.is_set():
                    self.lost = f"dropped the connection ({err})"
                return
            if not data:
                self.lost = "closed the connection"
            # bytes the director sent unasked stay for the next reply: stop watching
            return

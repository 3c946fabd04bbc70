"""Log lines in the reference layout (``ptd-server 2024-07-23 11:35:08,495 [INFO] …``).

Each connection gets a :class:`CaptureHandler` that keeps its lines for the session's
``server.log``; the director-wide log file receives every line as it happens, so a
crash loses nothing that was logged.
"""

from __future__ import annotations

import logging
import threading

SERVER_FORMAT = "ptd-server %(asctime)s [%(levelname)s] %(message)s"
CLIENT_FORMAT = "client %(asctime)s [%(levelname)s] %(message)s"


class CaptureHandler(logging.Handler):
    """Keeps formatted lines in memory for one session's log file."""

    def __init__(self, fmt: str) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter(fmt))
        self._lines: list[str] = []
        self._lock2 = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        with self._lock2:
            self._lines.append(text)

    def text(self) -> str:
        with self._lock2:
            return "".join(line + "\n" for line in self._lines)

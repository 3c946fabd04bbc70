"""The sampling thread of a backend that samples on our side (direct SCPI, software counters).

PTDaemon samples by itself; these backends read their device in a thread of ours between
``start`` and ``stop``. The thread's life and the one way to end it (stop, join, raise what
went wrong with every sample kept) live here so each backend only writes its loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from joulekit.analyzers.base import AnalyzerError, Sample

#: how long ``stop``/``close`` wait for a loop to notice it should end
JOIN_TIMEOUT_S = 10.0


class SamplingThread:
    """``running`` is set while the loop should go on; the loop sets ``error`` and returns
    when its device fails."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.running = threading.Event()
        self.error: str | None = None
        self._thread: threading.Thread | None = None

    def start(self, loop: Callable[[], None]) -> None:
        self.error = None
        self.running.set()
        self._thread = threading.Thread(target=loop, name=self.name, daemon=True)
        self._thread.start()

    def join(self) -> None:
        """Tell the loop to end and wait for it."""
        self.running.clear()
        if self._thread is not None:
            self._thread.join(JOIN_TIMEOUT_S)
            self._thread = None

    def stop(self, samples: list[Sample]) -> list[Sample]:
        """End the loop; the samples, or an :class:`AnalyzerError` that keeps them."""
        self.join()
        if self.error:
            raise AnalyzerError(f"{self.error}; {len(samples)} sample(s) kept", samples=samples)
        return list(samples)

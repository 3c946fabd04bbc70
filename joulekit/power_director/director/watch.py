"""Watching the analyzers while a phase measures, and recording what was lost.

The protocol leaves the director silent for the whole workload: PTDaemon is asked for
its samples only at ``stop``. An analyzer that dies an hour into a 13-hour testing
phase was therefore noticed twelve hours later, and the run went on blind. While a
phase measures, :class:`PhaseWatch` asks every analyzer for the samples taken so far
(``poll``: ``RL`` for PTDaemon, kept on our side as they arrive) every ``period_s``
seconds. When one cannot be reached even after its reconnect attempts, the loss is
recorded and the session is told (``on_lost``), so the phase stops now with the
samples already fetched, instead of at the end of the workload with none.

The shape of a loss in ``server.json``/``client.json`` is ``joulekit.session.lost``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from joulekit.analyzers.base import AnalyzerError
from joulekit.power_director.director.bank import AnalyzerBank

#: seconds between two polls of the analyzers during a phase (an ``RL`` each)
WATCH_PERIOD_S = 5.0


class PhaseWatch:
    """A thread that polls the bank's analyzers until :meth:`stop` or the first loss."""

    def __init__(
        self,
        bank: AnalyzerBank,
        period_s: float,
        on_lost: Callable[[str, str], None],
        log: logging.Logger,
    ) -> None:
        self.bank = bank
        self.period_s = period_s
        self.on_lost = on_lost
        self.log = log
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="phase-watch", daemon=True)

    def start(self) -> PhaseWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        """End the watch; returns once an ``RL`` under way has finished."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.period_s):
            for member in self.bank.members:
                if self._stop.is_set():
                    return
                try:
                    member.analyzer.poll()
                except AnalyzerError as err:
                    self.on_lost(member.analyzer.url, f"analyzer {member.index}: {err}")
                    return
                except Exception as err:  # a bug in one backend must not end the director
                    self.log.warning("Stopped watching analyzer %d: %r", member.index, err)
                    return

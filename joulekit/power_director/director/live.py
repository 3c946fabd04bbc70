"""Feeding the live metrics (``--metrics-port``) from the director's sessions.

The session code stays as it is: a thread reads, every ``period_s``, what the current
session already holds — its state, the samples each analyzer has delivered so far
(the analyzer watch polls them during a phase) and, once a phase is stopped, the
phase's final samples — and hands the new ones to
:class:`~joulekit.analyzers.metrics.PowerMetrics`. Reading only, from one thread:
nothing it does can slow or break a measurement.
"""

from __future__ import annotations

import logging
import threading

from joulekit.analyzers.base import Sample
from joulekit.analyzers.metrics import PowerMetrics
from joulekit.formats.layout import RANGING_PHASE, TESTING_PHASE
from joulekit.power_director.director.server import Director
from joulekit.power_director.director.session import Session, State
from joulekit.session.provenance import analyzer_kind

#: seconds between two reads of the session
FEED_PERIOD_S = 0.5
_RUNNING = {State.RANGING: RANGING_PHASE, State.TESTING: TESTING_PHASE}
_IDLE = "idle"


def source_name(index: int) -> str:
    """The ``source`` label of analyzer ``index`` (1-based, as in ``server.log``)."""
    return f"analyzer{index}"


class LiveFeed:
    """Copies the director's session samples into ``metrics`` until :meth:`stop`."""

    def __init__(
        self,
        director: Director,
        metrics: PowerMetrics,
        log: logging.Logger,
        period_s: float = FEED_PERIOD_S,
    ) -> None:
        self.director = director
        self.metrics = metrics
        self.log = log
        self.period_s = period_s
        self._session: Session | None = None
        #: (phase, analyzer index) -> samples already observed
        self._seen: dict[tuple[str, int], int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="live-metrics", daemon=True)

    def start(self) -> LiveFeed:
        for index, factory in enumerate(self.director.factories, start=1):
            url = str(getattr(factory, "url", ""))
            # the kind by URL scheme (the identity is not known before a session opens it)
            self.metrics.source(source_name(index), url=url, kind=analyzer_kind(url))
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.period_s):
            try:
                self.sync()
            except Exception as err:  # the export must never end the director
                self.log.warning("Live metrics stopped: %r", err)
                return

    def sync(self) -> None:
        """Observe what the current session holds that was not observed yet."""
        session = self.director.last_session
        if session is None:
            return
        if session is not self._session:
            self._session = session
            self._seen.clear()
            for source in self.metrics.sources().values():
                source.reset()
        state = session.state
        members = list(session.bank.members)
        for mode in (RANGING_PHASE, TESTING_PHASE):
            finished = session.samples.get(mode)
            for member in members:
                if finished is not None and member.index <= len(finished):
                    taken: list[Sample] = finished[member.index - 1]
                elif _RUNNING.get(state) == mode:
                    taken = member.analyzer.samples
                else:
                    continue
                key = (mode, member.index)
                seen = self._seen.get(key, 0)
                fresh = taken[seen:]
                if not fresh:
                    continue
                source = self.metrics.source(source_name(member.index))
                source.set_phase(mode)
                source.observe_samples(fresh)
                self._seen[key] = seen + len(fresh)
        phase = _RUNNING.get(state, _IDLE)
        for member in members:
            self.metrics.source(source_name(member.index)).set_phase(phase)

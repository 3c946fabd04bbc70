"""Sample every node and switch of a training job at a fixed rate, on one timeline.

Each source gets a thread of its own, paced by one shared schedule: tick ``k`` is at
``t0 + k × interval`` on this host's monotonic clock, so a slow or dead BMC delays only
its own readings. A reading is stamped with the middle of its request on the
collector's one timeline at the instant its request was sent (the host's UTC clock read
once at the start, then advanced by the monotonic clock: an NTP step during the run does
not tear the timeline). The send instant, not the reply's, because a reply that needed a
library retry can come a second or two late; the stamp stays on its tick. The
sources' own clocks are not used to place readings; their offsets from ours are
measured from every stamped reply and recorded beside the logs.

Every reading is appended to the source's log and flushed as it comes
(:class:`joulekit.formats.training_power.PowerLogWriter`: a partial file renamed into
place at the end), so a collector that dies keeps what it took. A source that stops
answering is reported once with one line; each failed tick is part of its gap, and the
gap (first and last missed tick, count, the error) is recorded when it answers again or
the run ends. Every tick of every source is accounted for exactly once: read, or missed.

A request may also never come back (pyghmi to a BMC that died mid-session keeps the call
for about 30 s, then logs in again for as long). A watchdog thread sees that: a source
with no reading for more than ``drop_after`` intervals is reported dropped at once and
its gap opened from the first tick it missed; a reply that comes back later than that is
not written (its tick is already counted missed). At the end the collector waits for
each source's last reading at most ``drop_after × interval`` after the last tick, and not
at all for a source the watchdog has dropped that is still inside a call; closing the
sources afterwards takes at most :data:`CLOSE_WAIT_S` (:func:`close_sources`). A thread
still stuck in its library is left behind (a daemon thread: it holds nothing we write).
"""

from __future__ import annotations

import contextlib
import math
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joulekit.analyzers.metrics import SourceMetrics
from joulekit.analyzers.polled import PolledSource, SourceError
from joulekit.formats.layout import node_log_name, switch_log_name
from joulekit.formats.training_power import PowerLogWriter

NODE = "node"
SWITCH = "switch"
#: a source with no reading for more than this many intervals is reported dropped at once
DEFAULT_DROP_AFTER = 5
#: seconds :func:`close_sources` waits for every source to close (a hung one is left)
CLOSE_WAIT_S = 2.0


class Timeline:
    """The one clock of a run: UTC milliseconds from a monotonic base."""

    def __init__(self) -> None:
        self.wall0 = time.time()
        self.mono0 = time.monotonic()

    def ms(self, mono: float | None = None) -> float:
        """Unix epoch milliseconds of the monotonic instant ``mono`` (default: now)."""
        return (self.wall0 + ((time.monotonic() if mono is None else mono) - self.mono0)) * 1000


@dataclass
class Gap:
    """Ticks a source missed in a row: ``first_ms``..``last_ms`` (the ticks), how many, why."""

    first_ms: float
    last_ms: float
    missed: int
    error: str

    def to_json(self) -> dict[str, Any]:
        return {"from_ms": round(self.first_ms), "to_ms": round(self.last_ms),
                "missed_readings": self.missed, "seconds": round(
                    (self.last_ms - self.first_ms) / 1000, 3), "error": self.error}


@dataclass
class Track:
    """One source and its log: what was read, what was missed, how late each reading was."""

    role: str  # NODE or SWITCH
    index: int
    source: PolledSource
    writer: PowerLogWriter
    readings: int = 0
    gaps: list[Gap] = field(default_factory=list)
    open_gap: Gap | None = None
    lateness_ms: list[float] = field(default_factory=list)
    first_ms: float | None = None
    last_ms: float | None = None
    #: sum of watts x ms since the previous reading (the summarizer's v3 integral)
    area_wms: float = 0.0
    prev_ms: float = 0.0
    #: ticks 1..done_k are accounted for (read or missed); last_k: the last one read
    done_k: int = 0
    last_k: int = 0
    #: the tick whose request is in flight (None: the thread is not inside a call)
    busy_k: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: the live metrics of this source (``--metrics-port``), fed with every reading
    metrics: SourceMetrics | None = None

    @property
    def name(self) -> str:
        return f"{'node' if self.role == NODE else 'sw'}_{self.index}"

    def to_json(self) -> dict[str, Any]:
        gaps = self.gaps + ([self.open_gap] if self.open_gap else [])
        late = sorted(self.lateness_ms)
        return {
            "file": self.writer.path.name,
            "role": self.role,
            "source": self.source.url,
            "kind": self.source.kind,
            "answered_by": self.source.description,
            "readings": self.readings,
            "first_reading_ms": None if self.first_ms is None else round(self.first_ms),
            "last_reading_ms": None if self.last_ms is None else round(self.last_ms),
            "clock": self.source.clock.to_json(),
            "gaps": [g.to_json() for g in gaps],
            "lateness_ms": _percentiles(late),
        }


def _percentiles(values: Sequence[float]) -> dict[str, float | None]:
    """p50/p99/max of sorted ``values`` (None when empty)."""
    if not values:
        return {"p50": None, "p99": None, "max": None}
    def at(q: float) -> float:
        return round(values[min(len(values) - 1, math.ceil(q * len(values)) - 1)], 3)
    return {"p50": round(statistics.median(values), 3), "p99": at(0.99),
            "max": round(values[-1], 3)}


class Collector:
    """Start with :meth:`start` (writes the start marks), end with :meth:`stop` (one more
    reading of every source at its next tick, then the stop marks, then the files are
    renamed into place). ``say`` gets the one-line notices (a source dropped, back).
    ``drop_after``: intervals without a reading after which a source is reported dropped
    while the run goes on (see the module docstring)."""

    def __init__(self, tracks: Sequence[Track], *, interval: float,
                 conversion_eff: float | None, measurement_type: str,
                 say: Callable[[str], None], timeline: Timeline | None = None,
                 drop_after: int = DEFAULT_DROP_AFTER) -> None:
        if drop_after < 1:
            raise ValueError("drop_after must be at least 1 interval")
        self.tracks = list(tracks)
        self.interval = interval
        self.drop_after = drop_after
        self.conversion_eff = conversion_eff
        self.measurement_type = measurement_type
        self.say = say
        self.timeline = timeline or Timeline()
        self._final_k: int | None = None  # the run's last tick, once stop() knows it
        self._frozen = False  # the record is being written: no more accounting
        self._threads: list[threading.Thread] = []
        self._watchdog: threading.Thread | None = None
        self._halt = threading.Event()  # set: the watchdog ends
        self._t0 = 0.0
        self.start_ms: float | None = None
        self.stop_ms: float | None = None

    @property
    def silence_limit_s(self) -> float:
        """Seconds without a reading after which a source is reported dropped."""
        return self.drop_after * self.interval

    def _tick(self, k: int) -> float:
        return self._t0 + k * self.interval

    def _due(self, mono: float) -> int:
        """The last tick at or before the monotonic instant ``mono``."""
        return math.floor((mono - self._t0) / self.interval + 1e-9)

    def start(self) -> float:
        """Write every start mark (and ``conversion_eff``) now; returns the start's ms."""
        self._t0 = time.monotonic()
        self.start_ms = self.timeline.ms(self._t0)
        for track in self.tracks:
            track.prev_ms = self.start_ms
            track.writer.start(self.start_ms)
            if self.conversion_eff is not None:
                track.writer.conversion_eff(self.conversion_eff, self.start_ms,
                                            self.measurement_type)
            thread = threading.Thread(target=self._loop, args=(track,), daemon=True,
                                      name=f"collect {track.name}")
            self._threads.append(thread)
        for thread in self._threads:
            thread.start()
        self._watchdog = threading.Thread(target=self._watch, daemon=True,
                                          name="collect watchdog")
        self._watchdog.start()
        return self.start_ms

    def _loop(self, track: Track) -> None:
        k = 0
        while True:
            k += 1
            due = self._due(time.monotonic())
            final = self._final_k
            if due >= k:  # a slow read ran past these ticks: skip to the next one not passed
                last = due if final is None else min(due, final)
                self._missed(track, k, last, "the previous request ran past this tick")
                k = due + 1
            if final is not None and k > final:
                return  # past the run's last tick (or abandoned): read no more
            time.sleep(max(0.0, self._tick(k) - time.monotonic()))
            final = self._final_k
            if final is not None and k > final:
                return
            self._read_once(track, k)
            if final is not None and k >= final:
                return

    def _read_once(self, track: Track, k: int) -> None:
        before = time.monotonic()
        with track.lock:
            track.busy_k = k
        try:
            watts, _, _ = track.source.read()
        except SourceError as err:
            self._missed(track, k, k, str(err))
            return
        except Exception as err:  # a library bug must not end the sampling of the others
            self._missed(track, k, k, f"{type(err).__name__}: {err}")
            return
        finally:
            with track.lock:
                track.busy_k = None
        stamp = self.timeline.ms(before)
        with track.lock:
            if k <= track.done_k or self._frozen:
                return  # the watchdog counted this tick missed: its reply came too late
            if track.writer.closed or (self.stop_ms is not None and stamp > self.stop_ms):
                return  # past the stop mark: not part of this run
            track.writer.reading(watts, stamp)
            track.readings += 1
            track.done_k = track.last_k = k
            track.area_wms += watts * (stamp - track.prev_ms)
            track.prev_ms = stamp
            track.lateness_ms.append((before - self._tick(k)) * 1000)
            track.first_ms = stamp if track.first_ms is None else track.first_ms
            track.last_ms = stamp
            if track.metrics is not None:
                track.metrics.observe(watts, stamp / 1000)
            gap, track.open_gap = track.open_gap, None
            if gap is not None:
                track.gaps.append(gap)
        if gap is not None:
            self.say(f"{track.name} ({track.source.url}) answers again after "
                     f"{gap.missed} missed reading(s); the gap is recorded")

    def _missed(self, track: Track, first_k: int, last_k: int, error: str) -> None:
        """Ticks ``first_k..last_k`` were not read (those already accounted for are
        skipped); the first tick of a new gap is said in one line."""
        with track.lock:
            opened = self._account_missed(track, first_k, last_k, error)
        if opened:
            self._say_dropped(track, error)

    def _account_missed(self, track: Track, first_k: int, last_k: int, error: str) -> bool:
        """:meth:`_missed` with ``track.lock`` held; True when a new gap was opened."""
        first_k = max(first_k, track.done_k + 1)
        if self._frozen or first_k > last_k:
            return False
        track.done_k = last_k
        last_ms = self.timeline.ms(self._tick(last_k))
        gap = track.open_gap
        if gap is None:
            track.open_gap = Gap(self.timeline.ms(self._tick(first_k)), last_ms,
                                 last_k - first_k + 1, error)
            return True
        gap.last_ms = last_ms
        gap.missed += last_k - first_k + 1
        return False

    def _say_dropped(self, track: Track, error: str) -> None:
        self.say(f"{track.name} ({track.source.url}) dropped: {error}; sampling the "
                 "others goes on, its gap is recorded")

    def _watch(self) -> None:
        """Report a source silent for more than ``drop_after`` intervals while the run
        goes on, and open its gap from the first tick it missed."""
        period = min(self.interval / 4, 0.5)
        while not self._halt.wait(period):
            now = time.monotonic()
            due = self._due(now)
            final = self._final_k
            if final is not None:
                due = min(due, final)
            for track in self.tracks:
                with track.lock:
                    silent = now - self._tick(track.last_k)
                    if track.open_gap is not None or silent <= self.silence_limit_s:
                        continue
                    error = f"no reading for {silent:.1f} s (over {self.drop_after} intervals)"
                    if track.busy_k is not None:
                        error += (f", its request of {now - self._tick(track.busy_k):.1f} s "
                                  "ago still unanswered")
                    opened = self._account_missed(track, track.done_k + 1, due, error)
                if opened:
                    self._say_dropped(track, error)

    def _hung(self, track: Track, final_k: int) -> bool:
        """Dropped while inside the call of a tick before the last: nothing to wait for
        (a source inside the last tick's call is waited for)."""
        with track.lock:
            return (track.open_gap is not None and track.busy_k is not None
                    and track.busy_k < final_k)

    def _end_watch(self) -> None:
        self._halt.set()
        if self._watchdog is not None:
            self._watchdog.join(1.0)

    def stop(self) -> float:
        """Take the last reading of each source at its next tick, write the stop marks and
        rename every log into place; returns the stop's ms. Safe to call once. Returns at
        most ``drop_after × interval`` after the last tick (module docstring)."""
        final_k = max(1, math.ceil((time.monotonic() - self._t0) / self.interval - 1e-9))
        self._final_k = final_k
        final_tick = self._tick(final_k)
        deadline = final_tick + self.silence_limit_s
        while True:
            waiting = [thread for track, thread in zip(self.tracks, self._threads, strict=True)
                       if thread.is_alive() and not self._hung(track, final_k)]
            left = deadline - time.monotonic()
            if not waiting or left <= 0:
                break
            waiting[0].join(min(left, 0.1))
        self._end_watch()
        for track, thread in zip(self.tracks, self._threads, strict=True):
            if thread.is_alive():  # still inside a request its library has not given up on
                self._missed(track, track.done_k + 1, final_k,
                             "no answer by the end of the run (a request still waiting)")
        # the stop mark right after the last tick's readings (a source still hung in a
        # request is not waited for: the official formula spreads the window's energy over
        # start..stop, so a late stop mark would dilute every other log's mean power)
        last = [t.last_ms for t in self.tracks if t.last_ms is not None]
        self.stop_ms = max([self.timeline.ms(final_tick), *last])
        for track in self.tracks:
            with track.lock:
                if not track.writer.closed:
                    track.writer.stop(self.stop_ms)
                    track.writer.close()
        self._frozen = True
        return self.stop_ms

    def abandon(self) -> None:
        """Close every log where it stands (no stop mark): the readings are kept."""
        self._final_k = 0
        self._end_watch()
        for track in self.tracks:
            with track.lock:
                track.writer.close()
        self._frozen = True

    def lost(self) -> list[Track]:
        """Sources with a gap (open or closed)."""
        return [t for t in self.tracks if t.gaps or t.open_gap]


def open_sources(sources: Sequence[PolledSource]) -> list[str]:
    """Open all sources at once (each within its own timeout); the one-line problem of
    every source that did not open (empty: all answered)."""
    problems: list[str | None] = [None] * len(sources)

    def one(i: int) -> None:
        try:
            sources[i].open()
        except SourceError as err:
            problems[i] = str(err)
        except Exception as err:  # a library error is still one line naming the source
            problems[i] = f"{sources[i].url}: {type(err).__name__}: {err}"

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(len(sources))]
    for thread in threads:
        thread.start()
    longest = max((s.timeout for s in sources), default=0.0)
    deadline = time.monotonic() + 4 * longest + 5.0  # a login plus a few requests each
    for i, thread in enumerate(threads):
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            problems[i] = f"{sources[i].url}: did not open within {4 * longest + 5.0:g} s"
    return [p for p in problems if p]


def close_sources(sources: Sequence[PolledSource], limit: float = CLOSE_WAIT_S) -> list[str]:
    """Close every source at once, waiting ``limit`` seconds in all (a BMC whose request
    never came back may hold its library's lock on close); the URLs of those that did
    not close in time (their thread is left behind, a daemon)."""
    def one(source: PolledSource) -> None:
        with contextlib.suppress(Exception):  # closing is best effort: the files are written
            source.close()

    threads = [threading.Thread(target=one, args=(s,), daemon=True, name=f"close {s.url}")
               for s in sources]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + limit
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [s.url for s, t in zip(sources, threads, strict=True) if t.is_alive()]


def log_path(power_dir: Path, role: str, index: int) -> Path:
    """``power/result_<i>/node_<j>.txt`` or ``sw_<k>.txt`` (names from layout)."""
    return power_dir / (node_log_name(index) if role == NODE else switch_log_name(index))

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
the run ends.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joulekit.analyzers.polled import PolledSource, SourceError
from joulekit.formats.layout import node_log_name, switch_log_name
from joulekit.formats.training_power import PowerLogWriter

NODE = "node"
SWITCH = "switch"


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
    lock: threading.Lock = field(default_factory=threading.Lock)

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
    renamed into place). ``say`` gets the one-line notices (a source dropped, back)."""

    def __init__(self, tracks: Sequence[Track], *, interval: float,
                 conversion_eff: float | None, measurement_type: str,
                 say: Callable[[str], None], timeline: Timeline | None = None) -> None:
        self.tracks = list(tracks)
        self.interval = interval
        self.conversion_eff = conversion_eff
        self.measurement_type = measurement_type
        self.say = say
        self.timeline = timeline or Timeline()
        self._stop_at: float | None = None  # monotonic: the last tick to read is >= this
        self._final_tick: float | None = None  # monotonic: the run's last tick, once known
        self._threads: list[threading.Thread] = []
        self._t0 = 0.0
        self.start_ms: float | None = None
        self.stop_ms: float | None = None

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
        return self.start_ms

    def _loop(self, track: Track) -> None:
        k = 0
        while True:
            k += 1
            tick = self._t0 + k * self.interval
            delay = tick - time.monotonic()
            if delay < 0:  # a slow read ran past this tick: skip to the next one not passed
                skipped = math.ceil(-delay / self.interval)
                self._missed(track, tick, skipped, "the previous request ran past this tick")
                k += skipped
                tick = self._t0 + k * self.interval
                delay = tick - time.monotonic()
            time.sleep(max(0.0, delay))
            stop_at = self._stop_at
            if self._final_tick is not None and tick > self._final_tick + 1e-6:
                return  # a slow source that skipped past the run's last tick reads no more
            self._read_once(track, tick)
            if stop_at is not None and tick >= stop_at:
                return

    def _read_once(self, track: Track, tick: float) -> None:
        before = time.monotonic()
        try:
            watts, _, _ = track.source.read()
        except SourceError as err:
            self._missed(track, tick, 1, str(err))
            return
        except Exception as err:  # a library bug must not end the sampling of the others
            self._missed(track, tick, 1, f"{type(err).__name__}: {err}")
            return
        stamp = self.timeline.ms(before)
        with track.lock:
            if track.writer.closed or (self.stop_ms is not None and stamp > self.stop_ms):
                return  # past the stop mark: not part of this run
            track.writer.reading(watts, stamp)
            track.readings += 1
            track.area_wms += watts * (stamp - track.prev_ms)
            track.prev_ms = stamp
            track.lateness_ms.append((before - tick) * 1000)
            track.first_ms = stamp if track.first_ms is None else track.first_ms
            track.last_ms = stamp
            gap, track.open_gap = track.open_gap, None
        if gap is not None:
            track.gaps.append(gap)
            self.say(f"{track.name} ({track.source.url}) answers again after "
                     f"{gap.missed} missed reading(s); the gap is recorded")

    def _missed(self, track: Track, tick: float, count: int, error: str) -> None:
        tick_ms = self.timeline.ms(tick)
        with track.lock:
            gap = track.open_gap
            if gap is None:
                track.open_gap = Gap(tick_ms, tick_ms + (count - 1) * self.interval * 1000,
                                     count, error)
            else:
                gap.last_ms = tick_ms + (count - 1) * self.interval * 1000
                gap.missed += count
        if gap is None:
            self.say(f"{track.name} ({track.source.url}) dropped: {error}; sampling the "
                     "others goes on, its gap is recorded")

    def stop(self) -> float:
        """Take the last reading of each source at its next tick, write the stop marks and
        rename every log into place; returns the stop's ms. Safe to call once."""
        self._stop_at = time.monotonic()
        final_tick = self._t0 + math.ceil((self._stop_at - self._t0) / self.interval) \
            * self.interval
        self._final_tick = final_tick
        longest = max((t.source.timeout for t in self.tracks), default=0.0)
        deadline = final_tick + longest + 2.0
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for track, thread in zip(self.tracks, self._threads, strict=True):
            if thread.is_alive():  # still inside a request its library has not given up on
                since = track.last_ms if track.last_ms is not None else self.start_ms or 0.0
                missed = max(1, round((self.timeline.ms(final_tick) - since)
                                      / (self.interval * 1000)))
                self._missed(track, since / 1000 - self.timeline.wall0 + self.timeline.mono0
                             + self.interval, missed,
                             f"no answer since {missed} tick(s) before the end of the run")
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
        return self.stop_ms

    def abandon(self) -> None:
        """Close every log where it stands (no stop mark): the readings are kept."""
        self._stop_at = time.monotonic()
        for track in self.tracks:
            with track.lock:
                track.writer.close()

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


def log_path(power_dir: Path, role: str, index: int) -> Path:
    """``power/result_<i>/node_<j>.txt`` or ``sw_<k>.txt`` (names from layout)."""
    return power_dir / (node_log_name(index) if role == NODE else switch_log_name(index))

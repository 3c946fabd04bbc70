"""Power sources that are *asked* for one reading at a time: BMCs (IPMI, Redfish) and PDUs.

The director's :class:`~joulekit.analyzers.base.Analyzer` is shaped by PTDaemon: ranges,
a marked measurement the meter paces by itself, statistics at the end. A BMC or a rack
PDU has none of that: it answers "how many watts now?" and, at best, what its clock says.
A training run measures dozens of them at once on one timeline, so the training
collector needs exactly that smaller interface, :class:`PolledSource`: ``open()``, one
``read()`` with a timeout, the clock offset measured from the replies, ``close()``.
:class:`PolledAnalyzer` puts any polled source behind the director's interface too (a
sampling thread of ours paces it), so ``ipmi://``, ``redfish://`` and ``snmp://`` are
ordinary ``BACKENDS`` entries.

Clock offsets are measured as bounds, not guesses: a reply stamped ``S`` (whole seconds,
as an HTTP ``Date`` header or a DCMI timestamp are) by a clock that was read between our
send ``t0`` and receive ``t1`` says ``offset = source − ours`` lies in
``[S − t1, S + resolution − t0]``. Intersecting the bounds of every reply narrows the
offset to well under a second after a few dozen samples.
"""

from __future__ import annotations

import importlib
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from joulekit.analyzers.base import (
    INVALID_READING,
    Analyzer,
    AnalyzerError,
    Identity,
    Range,
    Ranges,
    Sample,
    Statistics,
)
from joulekit.analyzers.registry import BACKENDS, check_analyzer_url, open_analyzer
from joulekit.analyzers.sampling import SamplingThread
from joulekit.analyzers.url import AnalyzerUrl
from joulekit.errors import UserError

#: seconds one request to a BMC or PDU may take before it counts as lost
DEFAULT_TIMEOUT_S = 2.0


class SourceError(AnalyzerError):
    """One read (or the open) of a polled source failed; the message names the source."""


@dataclass(frozen=True)
class Reading:
    """One answer: ``watts`` and, when the reply carried one, the source's own clock
    (``source_time``, Unix seconds) with its resolution in seconds."""

    watts: float
    source_time: float | None = None
    resolution: float = 1.0


class ClockOffset:
    """The offset ``source clock − our clock`` (seconds), as the intersection of the bounds
    every stamped reply gives; ``None`` while no reply carried a time."""

    def __init__(self) -> None:
        self.low = -math.inf
        self.high = math.inf
        self.replies = 0
        self.inconsistent = 0  # replies whose bounds missed the others' (a clock step)

    def add(self, source_time: float, resolution: float, sent: float, received: float) -> None:
        low = source_time - received
        high = source_time + resolution - sent
        self.replies += 1
        if low > self.high or high < self.low:
            self.inconsistent += 1  # the source's clock stepped: start over from this reply
            self.low, self.high = low, high
            return
        self.low = max(self.low, low)
        self.high = min(self.high, high)

    @property
    def known(self) -> bool:
        return self.replies > 0

    @property
    def estimate(self) -> float | None:
        """The middle of the bounds (None when no reply carried a time)."""
        return (self.low + self.high) / 2 if self.known else None

    @property
    def uncertainty(self) -> float | None:
        """Half the width of the bounds."""
        return (self.high - self.low) / 2 if self.known else None

    def to_json(self) -> dict[str, object]:
        if not self.known:
            return {"offset_s": None, "replies": 0}
        return {
            "offset_s": round(self.estimate or 0.0, 4),
            "uncertainty_s": round(self.uncertainty or 0.0, 4),
            "replies": self.replies,
            "steps_seen": self.inconsistent,
        }


class PolledSource(ABC):
    """A BMC or PDU read on request. Every network call honours ``timeout`` seconds.

    ``read()`` raises :class:`SourceError` (never blocks past ``timeout``); a source that
    fails once may answer again on the next call. ``clock`` accumulates the offset of
    the source's clock from every stamped reply (see the module docstring).
    """

    #: the URL that chose it, with any password replaced by ``***``
    url: str
    #: ``bmc`` (IPMI, Redfish) or ``pdu`` (SNMP), for the record
    kind: str = "bmc"

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.url = url
        self.timeout = timeout
        self.clock = ClockOffset()
        self.description = ""  # what answered (model, firmware), filled by ``open``

    @abstractmethod
    def open(self) -> None:
        """Connect and check that a power reading is there; :class:`SourceError` if not."""

    @abstractmethod
    def _read(self) -> Reading:
        """One reading (backend part)."""

    def read(self) -> tuple[float, float, float]:
        """``(watts, sent, received)``: one reading and the ``time.time()`` bounds of the
        request; the clock offset is updated from a stamped reply."""
        sent = time.time()
        reading = self._read()
        received = time.time()
        if reading.source_time is not None:
            self.clock.add(reading.source_time, reading.resolution, sent, received)
        if math.isnan(reading.watts) or reading.watts < 0:
            raise SourceError(f"{self.url}: the source has no valid power reading "
                              f"(answered {reading.watts})")
        return reading.watts, sent, received

    @abstractmethod
    def close(self) -> None:
        """Release the link; idempotent."""


def redact(url: str) -> str:
    """The URL with the password of ``user:pass@`` replaced by ``***``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, tail = rest.partition("/")
    userinfo, at, hostport = netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{hostport}{slash}{tail}"


_NO_RANGES = Ranges(Range(None, None), Range(None, None))


class PolledAnalyzer(Analyzer):
    """A :class:`PolledSource` behind the director's interface: our thread reads it once per
    interval between ``start`` and ``stop``. Never compliant (a BMC or PDU is not an
    MLPerf Power analyzer); no ranges, no uncertainty claimed."""

    compliant = False
    kind = "node-level"

    def __init__(self, source: PolledSource) -> None:
        super().__init__(source.url)
        self.source = source
        self._sampler = SamplingThread(f"polled {source.url}")
        self._interval = 1.0
        self._mark = ""
        self._opened = False

    def open(self) -> None:
        self.source.open()
        self._opened = True

    def identify(self) -> Identity:
        if not self._opened:
            raise AnalyzerError(f"{self.url}: identify() before open()")
        model = self.source.description or self.source.url
        return Identity(model=f"{model} ({self.source.kind} power reading)", device_type=None,
                        serial=None, firmware=None, ptd_version=None, channels=1,
                        compliant=False, raw=model)

    def get_ranges(self) -> Ranges:
        return _NO_RANGES

    def set_ranges(self, volts: float | str, amps: float | str) -> Ranges:
        return _NO_RANGES  # nothing to range: accepted so the director needs no branch

    def start(self, interval_ms: int, mark: str) -> None:
        self.samples = []
        self.warnings = []
        self._mark = mark
        self._interval = interval_ms / 1000.0
        self._sampler.start(self._loop)

    def _loop(self) -> None:
        next_at = time.monotonic() + self._interval
        failures = 0
        while self._sampler.running.is_set():
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at += self._interval
            try:
                watts, _, _ = self.source.read()
            except AnalyzerError as err:
                failures += 1
                self.warnings.append(str(err))
                if failures >= 3:  # three in a row: the source is gone
                    self._sampler.error = str(err)
                    return
                continue
            failures = 0
            self.samples.append(Sample(
                utc=datetime.now(UTC), monotonic=time.monotonic(), watts=watts,
                volts=INVALID_READING, amps=INVALID_READING, pf=INVALID_READING,
                mark=self._mark, flags=frozenset({"uncertainty_unknown"}), source=self.url,
            ))

    def stop(self) -> Sequence[Sample]:
        return self._sampler.stop(self.samples)

    def statistics(self) -> Statistics | None:
        if not self.samples:
            return None
        w = [s.watts for s in self.samples]
        return Statistics(sum(w) / len(w), min(w), max(w), len(w), 0)

    def close(self) -> None:
        self._sampler.join()
        self.source.close()


class AnalyzerSource(PolledSource):
    """A director analyzer (``ptd://``, ``sim://``, ``visa://``, ``serial://``, ``nvml://``,
    ``rapl://``) as a polled source, so a training run can carry a wall-plug meter or a
    GPU's counter beside the BMCs and PDUs (a secondary channel, or the node's power when
    a real meter measures it).

    The analyzer paces itself (a marked measurement at 1 Hz, as in the director); each
    ``read()`` takes the samples that came since the last one and answers their mean,
    which is the mean power over that interval, or holds the last value when none came
    (a 1 Hz meter read every 0.9 s). No clock offset is measured from its samples: they
    were stamped when the meter took them, not while we waited for a reply.
    """

    kind = "meter"

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        super().__init__(redact(url), timeout)
        self._text = url
        self._analyzer: Analyzer | None = None
        self._last: float | None = None

    def open(self) -> None:
        analyzer = self._analyzer = open_analyzer(self._text)
        try:
            analyzer.open()
            identity = analyzer.identify()
            analyzer.start(1000, ANALYZER_MARK)
        except AnalyzerError as err:
            raise SourceError(f"{self.url}: {err}") from None
        self.description = f"{identity.model} ({self.url})"
        deadline = time.monotonic() + self.timeout + 1.0
        while self._last is None:  # the first sample, so the first tick has a value
            self._take()
            if self._last is None:
                if time.monotonic() > deadline:
                    raise SourceError(f"{self.url}: no sample within {self.timeout + 1:g} s "
                                      "of starting the measurement")
                time.sleep(0.05)

    def _take(self) -> None:
        assert self._analyzer is not None
        try:
            fresh = [s.watts for s in self._analyzer.poll() if s.valid]
        except AnalyzerError as err:
            raise SourceError(f"{self.url}: {err}") from None
        if fresh:
            self._last = sum(fresh) / len(fresh)

    def _read(self) -> Reading:
        self._take()
        assert self._last is not None
        return Reading(self._last)

    def close(self) -> None:
        analyzer, self._analyzer = self._analyzer, None
        if analyzer is None:
            return
        try:
            analyzer.stop()
        except AnalyzerError:
            pass  # what it measured was read already; closing must still happen
        finally:
            analyzer.close()


#: the mark of the measurement a director analyzer makes for a training run
ANALYZER_MARK = "train_power"


def open_polled_source(text: str) -> PolledSource:
    """The polled source a URL names (not opened yet), through the one registry:
    ``ipmi://``, ``redfish://``, ``redfish+https://``, ``snmp://`` or a plug-in whose
    module has ``source_from_url``; any other analyzer scheme (``ptd://``, ``sim://``,
    ``visa://``, ``serial://``, ``nvml://``, ``rapl://``) through :class:`AnalyzerSource`.
    Raises :class:`UserError` for an unknown scheme or a malformed URL."""
    url = AnalyzerUrl(text)
    name = BACKENDS.get(url.scheme)
    if name is None:
        raise UserError(f"{redact(text)} is no power source; use ipmi://, redfish://, "
                        "redfish+https:// or snmp:// (for example "
                        "redfish://admin:secret@10.0.0.21), or a meter or counter as the "
                        "director takes it (" + ", ".join(
                            f"{s}://" for s in BACKENDS if s not in _POLLED) + ")")
    module = importlib.import_module(name)
    make = getattr(module, "source_from_url", None)
    if make is None:
        check_analyzer_url(text)  # a malformed URL is refused before anything starts
        return AnalyzerSource(text)
    source: PolledSource = make(url)
    return source


_POLLED = ("ipmi", "redfish", "redfish+https", "snmp")

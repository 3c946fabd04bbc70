"""The one interface the director sees, whatever moves the bytes underneath.

Every backend (PTDaemon over TCP, Yokogawa/Hioki meters over VISA or serial, the
simulator, NVML/RAPL software sources) implements :class:`Analyzer`. The director never
knows which one it holds: it sets ranges (always read back), starts a marked measurement
at 1 Hz, stops it, and collects :class:`Sample` objects it can write to ``spl.txt``.

Backends that talk a text protocol keep a :attr:`Analyzer.transcript` of every
``(command, reply)`` pair, which the director records in ``server.json``
(``ptd_messages``) exactly as the reference director does.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

#: The sentinel PTDaemon and ``spl.txt`` use for a reading that is not available.
INVALID_READING = -1.0


@dataclass(frozen=True)
class Range:
    """One range setting as read back from the analyzer.

    ``auto`` is None when the analyzer cannot say (PTD's ``-1``); ``value`` is None when
    the range is unknown. A range is usable for uncertainty only when it is fixed
    (``auto is False``) and known.
    """

    auto: bool | None
    value: float | None
    #: the value exactly as the analyzer wrote it (``10.000000`` in an ``RR`` reply); the
    #: restore command sends it back unchanged, because the reference checker compares
    #: ``SR,A,<value>`` with the ``RR`` reply as text
    text: str | None = field(default=None, compare=False)

    @property
    def fixed_and_known(self) -> bool:
        return self.auto is False and self.value is not None and self.value > 0

    def setting(self) -> str:
        """The value to send back with ``SR`` to restore this range (PTD semantics)."""
        if self.fixed_and_known:
            assert self.value is not None
            return self.text if self.text else f"{self.value:g}"
        return "Auto"


@dataclass(frozen=True)
class Ranges:
    """Voltage and current ranges in force on one channel (or the whole meter)."""

    volts: Range
    amps: Range


@dataclass(frozen=True)
class Identity:
    """What an analyzer says it is. ``compliant`` is True only for a real PTDaemon."""

    model: str  # e.g. "YokogawaWT310", "Yokogawa WT310E (direct SCPI)", "joulekit simulator"
    device_type: int | None  # PTDaemon device type number where one applies
    serial: str | None
    firmware: str | None
    ptd_version: str | None  # only for PTDaemon ("1.11.1"); never invented for others
    channels: int
    compliant: bool
    raw: str = ""  # the raw identify reply, kept for logs


@dataclass(frozen=True)
class ChannelReading:
    """W/V/A/PF of one channel; ``INVALID_READING`` (-1) where not available."""

    watts: float
    volts: float
    amps: float
    pf: float


@dataclass(frozen=True)
class Sample:
    """One reading of one analyzer, about 1 s apart.

    ``utc`` is the analyzer's own timestamp (the one written to ``spl.txt``); ``monotonic``
    is the director host's monotonic clock when the sample was received, which lets the
    director align analyzers and measure jitter without trusting wall clocks.
    The top-level W/V/A/PF are the total (for a multichannel meter, W is the sum over
    channels and V/A/PF are ``INVALID_READING`` as in PTD's sum group).
    """

    utc: datetime
    monotonic: float
    watts: float
    volts: float
    amps: float
    pf: float
    mark: str = ""
    channels: tuple[ChannelReading, ...] = ()
    ranges: Ranges | None = None
    #: subset of {"nan", "overrange", "autorange", "uncertainty_unknown", "uncertainty_high"}
    flags: frozenset[str] = field(default_factory=frozenset)
    #: relative uncertainty of W as a fraction (0.0063 = 0.63 %); None when unknown
    uncertainty: float | None = None
    source: str = ""

    @property
    def valid(self) -> bool:
        return self.watts >= 0 and not math.isnan(self.watts) and "nan" not in self.flags


@dataclass(frozen=True)
class Statistics:
    """PTD-style statistics of a finished measurement (``Watts`` / ``Uncertainty``)."""

    watts_avg: float
    watts_min: float
    watts_max: float
    samples: int
    errors: int
    uncertainty_avg: float | None = None
    uncertainty_max: float | None = None
    uncertain_samples: int = 0


class AnalyzerError(Exception):
    """The analyzer failed (dropped link, error reply, meter busy); the message names it.

    ``samples`` carries every sample already received when the failure happened, so a
    caller that only catches the error still never loses a measurement.
    """

    def __init__(self, message: str, *, samples: Sequence[Sample] = ()) -> None:
        super().__init__(message)
        self.samples: tuple[Sample, ...] = tuple(samples)


class Analyzer(ABC):
    """A power analyzer (or software source) as the director drives it.

    Lifecycle: ``open()`` → ``identify()`` / ``get_ranges()`` → (``set_ranges()`` →
    ``start()`` → ``stop()`` → ``samples``)* → ``close()``. ``close()`` restores the
    ranges read at ``open()`` and must be safe to call on every exit path, twice.
    """

    #: the URL-like string that selected this backend (``ptd://…``, ``sim://wt310`` …)
    url: str
    #: only a real PTDaemon measurement can be compliant; everything else says so
    compliant: bool = False
    #: every (command, reply) exchanged, for ``server.json`` ``ptd_messages``
    transcript: list[tuple[str, str]]
    #: provenance kind: "ptdaemon", "simulator", "direct-scpi", "software" or "node-level"
    kind: str = "ptdaemon"
    #: every sample received in the current (or last) measurement; kept on any error
    samples: list[Sample]
    #: one-line notices about the last measurement (clock offset, gaps, duplicates ...)
    warnings: list[str]

    def __init__(self, url: str) -> None:
        self.url = url
        self.transcript = []
        self.samples = []
        self.warnings = []

    @abstractmethod
    def open(self) -> None:
        """Connect (and start a PTDaemon process where the backend owns one)."""

    @abstractmethod
    def identify(self) -> Identity: ...

    @abstractmethod
    def get_ranges(self) -> Ranges: ...

    @abstractmethod
    def set_ranges(self, volts: float | str, amps: float | str) -> Ranges:
        """Set V then A (a number, or ``"Auto"``), read back and return what is in force.

        Raises :class:`AnalyzerError` when the analyzer refuses or the read-back differs
        from what was asked beyond the meter's own range rounding.
        """

    @abstractmethod
    def start(self, interval_ms: int, mark: str) -> None:
        """Begin an untimed measurement at ``interval_ms`` (1000 for MLPerf), marked."""

    @abstractmethod
    def stop(self) -> Sequence[Sample]:
        """End the measurement and return every sample taken since ``start``."""

    def poll(self) -> Sequence[Sample]:
        """Fetch the samples taken since the last poll while a measurement runs.

        Optional for callers: ``stop()`` always returns every sample. Backends that
        cannot stream return an empty sequence.
        """
        return ()

    def statistics(self) -> Statistics | None:
        """PTD's ``Watts``/``Uncertainty`` statistics of the last measurement, if any."""
        return None

    def console_log(self) -> str | None:
        """The analyzer process' console output (PTDaemon stdout), if the backend has one."""
        return None

    @abstractmethod
    def close(self) -> None:
        """Restore the initial ranges and release the link; idempotent."""

"""What a power plot shows, as plain arrays: independent of any file format.

The report builds these from a result folder (through ``joulekit.formats``); tests and
other callers can build them from anything. Times are seconds since ``origin`` (the
first sample of the phase) so that plots of a ten-minute run have readable ticks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

#: a gap is an interval between two samples longer than this many nominal periods
GAP_FACTOR = 1.5


@dataclass(frozen=True)
class Series:
    """One named time series (a meter channel, an NVML GPU, a RAPL zone)."""

    name: str
    t: np.ndarray
    values: np.ndarray
    unit: str = "W"


@dataclass(frozen=True)
class PhaseTrace:
    """The samples of one phase (ranging or testing) and what the report marks on them."""

    phase: str
    origin: datetime
    t: np.ndarray
    watts: np.ndarray
    #: samples the published figure averages (strictly inside the window, W > 0)
    counted: np.ndarray
    #: samples whose analyzer uncertainty was above the limit
    over_limit: np.ndarray
    #: LoadGen's power_begin/power_end in seconds since origin, when known
    window: tuple[float, float] | None
    gaps: list[tuple[float, float]] = field(default_factory=list)
    channels: list[Series] = field(default_factory=list)
    secondary: list[Series] = field(default_factory=list)

    @property
    def invalid(self) -> np.ndarray:
        """Samples with no valid reading (PTD writes -1; NaN; zero or negative)."""
        invalid: np.ndarray = ~np.isfinite(self.watts) | (self.watts <= 0)
        return invalid


def seconds_since(origin: datetime, moments: list[datetime]) -> np.ndarray:
    return np.asarray([(m - origin).total_seconds() for m in moments], dtype=float)


def find_gaps(t: np.ndarray, nominal_period_s: float = 1.0) -> list[tuple[float, float]]:
    """Intervals between consecutive samples longer than ``GAP_FACTOR`` nominal periods."""
    if t.size < 2:
        return []
    steps = np.diff(t)
    idx = np.nonzero(steps > GAP_FACTOR * nominal_period_s)[0]
    return [(float(t[i]), float(t[i + 1])) for i in idx]


def counted_mask(
    t: np.ndarray, watts: np.ndarray, window: tuple[float, float] | None
) -> np.ndarray:
    """Which samples the published mean takes: ``begin < t < end`` strictly and W > 0.

    This mirrors the checker's selection for *display* only; the figure itself is the
    checker's, and the report states the checker's sample count beside this one.
    """
    if window is None:
        return np.zeros(t.shape, dtype=bool)
    begin, end = window
    mask: np.ndarray = (t > begin) & (t < end) & np.isfinite(watts) & (watts > 0)
    return mask

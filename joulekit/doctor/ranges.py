"""The uncertainty a range setting implies for the load the SUT is expected to draw.

A meter left on its largest ranges measures a 120 W server with about 5 % uncertainty,
five times the limit (analyzers.md §3), and a load too small for the meter's smallest
ranges can never be measured within 1 % — the low-power failures of power-dev #253.
We evaluate the meter's accuracy formula (the director's own table and function) at the
ranges the meter is on now and at the ranges the director will pick for testing
(V = the line voltage, A = 1.1 × the current), so both problems show before a run.
"""

from __future__ import annotations

from dataclasses import dataclass

from joulekit.analyzers.base import Ranges
from joulekit.meters.tables import MeterModel, pick_range
from joulekit.meters.uncertainty import channel_uncertainty
from joulekit.rules import threshold


@dataclass(frozen=True)
class Load:
    """The expected electrical load on one channel."""

    watts: float
    volts: float
    power_factor: float

    @property
    def amps(self) -> float:
        return self.watts / (self.volts * self.power_factor)


@dataclass(frozen=True)
class RangeVerdict:
    """Uncertainty (fraction) at the ranges now in force and at the testing ranges."""

    now: float | None
    testing_volts: float | None
    testing_amps: float | None
    testing: float | None

    def over_limit(self, limit: float | None = None) -> bool:
        """Above ``limit`` (default: the catalog's uncertainty limit), or unknown."""
        bound = threshold("uncertainty_limit") if limit is None else limit
        return self.testing is None or self.testing > bound


def _at(
    model: MeterModel, load: Load, volt_range: float | None, amp_range: float | None
) -> float | None:
    return channel_uncertainty(
        load.watts,
        load.volts,
        load.amps,
        load.power_factor,
        volt_range,
        amp_range,
        model.accuracy,
        overrange_factor=model.overrange_factor,
    )


def judge_ranges(model: MeterModel, load: Load, ranges: Ranges | None) -> RangeVerdict:
    now = None
    if ranges is not None and ranges.volts.fixed_and_known and ranges.amps.fixed_and_known:
        now = _at(model, load, ranges.volts.value, ranges.amps.value)
    volts = pick_range(model.volt_ranges, load.volts)
    amps = pick_range(model.amp_ranges, load.amps * threshold("current_factor"))
    testing = _at(model, load, volts, amps) if volts and amps else None
    return RangeVerdict(now, volts, amps, testing)


def describe(ranges: Ranges | None) -> str:
    if ranges is None:
        return "ranges unknown"
    parts = []
    for name, unit, rng in (("V", "V", ranges.volts), ("A", "A", ranges.amps)):
        if rng.auto:
            parts.append(f"{name} auto")
        elif rng.value is None or rng.value <= 0:
            parts.append(f"{name} unknown")
        else:
            parts.append(f"{rng.value:g} {unit}")
    return " / ".join(parts)

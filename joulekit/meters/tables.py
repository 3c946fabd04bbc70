"""Range and accuracy tables of a meter family as types (analyzers.md §1.1, §2, §3).

A range table lists the fixed ranges at crest factor 3; PTD and the meters pick the
smallest range that holds a requested value, so :func:`pick_range` does the same. The
accuracy figures are the vendor's 45-66 Hz power accuracy (reading, range and the
lambda=0 influence), which is all the uncertainty formula needs. The tables of each
family are data in their own module (``yokogawa``), listed in ``registry``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Accuracy:
    """Power accuracy as fractions: ``reading`` + ``range`` (of V range x A range) + ``pf0``.

    ``pf0`` is the influence at lambda = 0 (scaled by tan phi); ``reading_12m`` is added to
    ``reading`` for meters whose table is stated for a shorter calibration period.
    """

    reading: float
    range: float
    pf0: float = 0.0
    reading_12m: float = 0.0


@dataclass(frozen=True)
class MeterModel:
    """One meter family: names, ranges, accuracy, channel count, PTD device types."""

    name: str
    volt_ranges: tuple[float, ...]
    amp_ranges: tuple[float, ...]
    accuracy: Accuracy
    channels: int = 1
    ptd_types: tuple[int, ...] = ()
    idn_model: str = ""
    #: a reading above this multiple of its range is over-range (no uncertainty)
    overrange_factor: float = 1.3


def pick_range(ranges: tuple[float, ...], value: float) -> float | None:
    """The smallest range that holds ``value`` (PTD's rule), or None when none does."""
    for candidate in ranges:
        if candidate >= value * (1 - 1e-9):
            return candidate
    return None

"""Range and accuracy tables of the meters MLPerf Power accepts (analyzers.md §1.1, §2, §3).

A range table lists the fixed ranges at crest factor 3; PTD and the meters pick the
smallest range that holds a requested value, so :func:`pick_range` does the same. The
accuracy figures are the vendor's 45-66 Hz power accuracy (reading, range and the
lambda=0 influence), which is all the uncertainty formula needs.
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


_WT300_V = (15.0, 30.0, 60.0, 150.0, 300.0, 600.0)
_WT300_A = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0)
_WT210_A = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0)
_WT500_V = (15.0, 30.0, 60.0, 100.0, 150.0, 300.0, 600.0, 1000.0)
_WT500_A = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 40.0)

MODELS: dict[str, MeterModel] = {
    "WT310E": MeterModel(
        "WT310E", _WT300_V, _WT300_A, Accuracy(0.001, 0.0005, 0.001), 1, (49, 549), "WT310E"
    ),
    "WT310": MeterModel("WT310", _WT300_V, _WT300_A, Accuracy(0.001, 0.001, 0.002), 1, (), "WT310"),
    "WT332E": MeterModel(
        "WT332E", _WT300_V, _WT300_A, Accuracy(0.001, 0.0005, 0.001), 2, (), "WT332E"
    ),
    "WT333E": MeterModel(
        "WT333E", _WT300_V, _WT300_A, Accuracy(0.001, 0.0005, 0.001), 3, (52, 53, 77), "WT333E"
    ),
    "WT210": MeterModel(
        "WT210", _WT300_V, _WT210_A, Accuracy(0.001, 0.001, 0.002, 0.0005), 1, (8, 508), "WT210"
    ),
    "WT500": MeterModel(
        "WT500", _WT500_V, _WT500_A, Accuracy(0.001, 0.001, 0.0), 3, (35, 36, 48), "WT500"
    ),
}


def model_for_name(text: str) -> MeterModel | None:
    """The model named in an IDN or PTD driver name (longest match wins: WT310E over WT310)."""
    upper = text.upper().replace(" ", "")
    for name in sorted(MODELS, key=len, reverse=True):
        if name in upper:
            return MODELS[name]
    if "WT330" in upper:
        return MODELS["WT333E"]
    return None


def model_for_device_type(device_type: int) -> MeterModel | None:
    """The meter family behind a PTDaemon device type (DC types are 500 + the AC type)."""
    for model in MODELS.values():
        if device_type in model.ptd_types:
            return model
    if device_type >= 500:
        return model_for_device_type(device_type - 500)
    return None


def pick_range(ranges: tuple[float, ...], value: float) -> float | None:
    """The smallest range that holds ``value`` (PTD's rule), or None when none does."""
    for candidate in ranges:
        if candidate >= value * (1 - 1e-9):
            return candidate
    return None

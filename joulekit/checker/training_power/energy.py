"""Energy-to-train as the MLPerf Training result summarizer computes it, per formula.

Each behaviour of a formula (``rules/training/formulas.yaml``: file order or sorted,
readings before the start mark, where the window stops, which ``conversion_eff``
counts, what a missing mark does) is implemented once here and chosen by the round's
data, so v1, v2 and v3 are the same code with different switches. Where the official
code raises (ZeroDivisionError on stop == start, ValueError without a start mark,
TypeError on a non-numeric reading, UnboundLocalError on an old switch file) the result
carries that crash as text instead of a number: the checker reports it and never makes
up a figure.

The policy figure (:func:`measured_switch_energy`) counts a switch's own
``power_reading`` lines as a node's (the rule text: every interconnect measured or
estimated); the official one counts only ``interconnect_power_est``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from joulekit.formats.training_power import (
    CONVERSION_EFF,
    INTERCONNECT_EST,
    POWER_READING,
    POWER_START,
    POWER_STOP,
    PowerRecord,
)
from joulekit.rules.training_rounds import Formula, NodeBehaviour


@dataclass(frozen=True)
class FileEnergy:
    """One file's energy under a formula, or the exception the official code raises."""

    energy_j: float | None
    crash: str | None = None
    #: the denominator window (stop - start) in ms the formula used
    window_ms: float | None = None
    eff: object = 1.0
    note: str | None = None


def _number(value: object) -> bool:
    return isinstance(value, int | float)


def _mul_crash(value: object) -> str:
    return (f"TypeError: power_reading value {value!r} is not a number "
            "(the summarizer multiplies it)")


def node_energy(records: Sequence[PowerRecord], ttt_ms: float,
                behaviour: NodeBehaviour) -> FileEnergy:
    """``_compute_power_node`` of the formula: eff x sum(W_i x dt_i) / window x TTT / 1000."""
    ordered = sorted(records, key=lambda r: r.time_ms) if behaviour.sort_by_time else records
    break_at_stop = behaviour.eff == "last_before_stop"
    window_only = behaviour.readings_before_start == "ignored"
    prev = start = stop = agg = last = 0.0
    eff: object = 1.0
    start_found = stop_found = False
    for record in ordered:
        key = record.key
        if key == POWER_START:
            start = prev = record.time_ms
            start_found = True
        elif key == POWER_READING and not stop_found and (start_found or not window_only):
            value = record.value
            if not _number(value):
                return FileEnergy(None, _mul_crash(value))
            agg += value * (record.time_ms - prev)
            prev = record.time_ms
            last = max(last, record.time_ms)
        elif key == POWER_STOP:
            stop = record.time_ms
            stop_found = True
            if break_at_stop:
                break
        elif key == CONVERSION_EFF:
            eff = record.value
    note = None
    if not start_found and behaviour.no_start == "error":
        return FileEnergy(None, "ValueError: Power start timestamp not found")
    if not stop_found and behaviour.no_stop == "last_reading":
        stop = last
        note = "no stop mark: the summarizer takes the last reading as the stop"
    if behaviour.window_stop == "max_stop_last_reading":
        stop = max(stop, last)
    window = stop - start
    if not _number(eff):  # multiplied before the division: this raises first
        return FileEnergy(None, f"TypeError: conversion_eff {eff!r} is not a number",
                          window_ms=window)
    if window == 0:
        return FileEnergy(None, "ZeroDivisionError: float division by zero (power window "
                          "stop == start)", window_ms=0.0, eff=eff)
    assert isinstance(eff, int | float)
    return FileEnergy(eff * agg * ttt_ms / window / 1000, window_ms=window, eff=eff,
                      note=note)


def switch_energy(records: Sequence[PowerRecord], ttt_ms: float,
                  formula: Formula) -> FileEnergy:
    """``_compute_power_sw``: file order, eff from conversion_eff lines met before the
    first ``interconnect_power_est``, whose value counts: eff x P x TTT / 1000."""
    eff: object = formula.switch_eff_default
    power: object = 0
    for record in records:
        if record.key == CONVERSION_EFF:
            eff = record.value
        if record.key == INTERCONNECT_EST:
            power = record.value
            break
    if eff is None:
        return FileEnergy(None, "UnboundLocalError: conversion_eff referenced before "
                          f"assignment (formula {formula.id} has no default switch efficiency)")
    if not _number(eff) or not _number(power):
        return FileEnergy(None, f"TypeError: switch values {eff!r} x {power!r} are not numbers")
    assert isinstance(eff, int | float) and isinstance(power, int | float)
    return FileEnergy(eff * power * ttt_ms / 1000, eff=eff)


@dataclass(frozen=True)
class Olympic:
    """The benchmark figure: mean energy of the runs left after dropping by time to train."""

    energy_j: float | None
    counted: tuple[str, ...]
    dropped_fast: tuple[str, ...]
    dropped_slow: tuple[str, ...]
    reason: str | None = None


def olympic(runs: Sequence[tuple[str, float, float]], rejected: int, drop: int,
            scaling: float) -> Olympic:
    """``_index_olympic_average``: ``runs`` are (name, time to train, energy) of the valid
    runs in result-file order; order by time to train (stable), drop ``drop`` fastest and
    ``drop - rejected`` slowest, mean of the rest, x ``scaling``."""
    if rejected > drop:
        return Olympic(None, (), (), (), f"{rejected} runs rejected, olympic scoring allows "
                       f"{drop}")
    ordered = sorted(runs, key=lambda run: run[1])
    end = len(ordered) - (drop - rejected)
    kept = ordered[drop:end]
    if not kept:
        return Olympic(None, (), (), (), f"no run left after dropping {drop} at each end "
                       f"of {len(ordered)}")
    mean = sum(run[2] for run in kept) / len(kept)
    return Olympic(mean * scaling, tuple(r[0] for r in kept),
                   tuple(r[0] for r in ordered[:drop]),
                   tuple(r[0] for r in ordered[max(end, drop):]))

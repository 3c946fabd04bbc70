"""What one power log says about its own measurement, in one pass: marks, readings,
intervals, duplicates, the window against the run's, the rule-text energy.

A :class:`FileFacts` is small (numbers, no records), so a run of 64 nodes keeps 64 of
them and the records of one file at a time: memory stays flat in the node count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from joulekit.formats.training_power import (
    CONVERSION_EFF,
    INTERCONNECT_EST,
    POWER_READING,
    POWER_START,
    POWER_STOP,
    PowerLog,
)


@dataclass
class FileFacts:
    """The measurement facts of one node or switch log (times in Unix ms)."""

    name: str
    path: str
    digest: str
    readings: int = 0
    start_ms: float | None = None
    start_line: int | None = None
    stop_ms: float | None = None
    stop_line: int | None = None
    first_ms: float | None = None
    last_ms: float | None = None
    #: intervals between consecutive readings (time order)
    intervals: int = 0
    over_interval: int = 0
    over_gap: int = 0
    longest_gap_ms: float = 0.0
    longest_gap_line: int | None = None
    duplicates: int = 0
    first_duplicate_line: int | None = None
    out_of_order: int = 0
    first_out_of_order_line: int | None = None
    non_positive: int = 0
    first_non_positive_line: int | None = None
    non_numeric: int = 0
    min_w: float | None = None
    max_w: float | None = None
    effs: list[tuple[object, int]] = field(default_factory=list)
    measurement_type: str | None = None
    estimates: list[tuple[object, int]] = field(default_factory=list)
    #: readings inside run_start..run_stop (their interval ends inside it)
    run_readings: int = 0
    #: sum of W x the part of each reading's interval inside the run window, in J (the
    #: rule text's energy; no extrapolation, no conversion_eff)
    run_energy_j: float = 0.0

    @property
    def window_start_ms(self) -> float | None:
        return self.start_ms if self.start_ms is not None else self.first_ms

    @property
    def window_stop_ms(self) -> float | None:
        return self.stop_ms if self.stop_ms is not None else self.last_ms


def file_facts(name: str, log: PowerLog, run_start: float | None, run_stop: float | None,
               max_interval_ms: float, gap_ms: float) -> FileFacts:
    """Facts of one log; ``run_start``/``run_stop`` may be None (no usable result log)."""
    facts = FileFacts(name=name, path=log.path, digest=log.digest)
    times: list[tuple[float, float, int]] = []
    previous_time: float | None = None
    for record in log.records:
        key = record.key
        if key == POWER_READING:
            value = record.value
            if isinstance(value, bool) or not isinstance(value, int | float):
                facts.non_numeric += 1
                continue
            watts = float(value)
            if previous_time is not None and record.time_ms < previous_time:
                facts.out_of_order += 1
                if facts.first_out_of_order_line is None:
                    facts.first_out_of_order_line = record.line
            previous_time = record.time_ms
            times.append((record.time_ms, watts, record.line))
            if watts <= 0:
                facts.non_positive += 1
                if facts.first_non_positive_line is None:
                    facts.first_non_positive_line = record.line
        elif key == POWER_START and facts.start_ms is None:
            facts.start_ms, facts.start_line = record.time_ms, record.line
        elif key == POWER_STOP:
            facts.stop_ms, facts.stop_line = record.time_ms, record.line
        elif key == CONVERSION_EFF:
            facts.effs.append((record.value, record.line))
            meta = record.metadata
            if isinstance(meta, dict) and meta.get("measurement_type") is not None:
                facts.measurement_type = str(meta["measurement_type"])
        elif key == INTERCONNECT_EST:
            facts.estimates.append((record.value, record.line))
    if not times:
        return facts
    times.sort(key=lambda item: item[0])
    facts.readings = len(times)
    facts.first_ms, facts.last_ms = times[0][0], times[-1][0]
    facts.min_w = min(t[1] for t in times)
    facts.max_w = max(t[1] for t in times)
    prev_t = facts.start_ms if facts.start_ms is not None and facts.start_ms <= times[0][0] \
        else None
    energy = 0.0
    for index, (t, watts, line) in enumerate(times):
        if index:
            dt = t - times[index - 1][0]
            facts.intervals += 1
            if dt == 0:
                facts.duplicates += 1
                if facts.first_duplicate_line is None:
                    facts.first_duplicate_line = line
            if dt > max_interval_ms:
                facts.over_interval += 1
            if dt > gap_ms:
                facts.over_gap += 1
            if dt > facts.longest_gap_ms:
                facts.longest_gap_ms, facts.longest_gap_line = dt, line
        begin = prev_t if prev_t is not None else t
        if run_start is not None and run_stop is not None:
            lo, hi = max(begin, run_start), min(t, run_stop)
            if hi > lo:
                energy += watts * (hi - lo)
            if run_start < t <= run_stop:
                facts.run_readings += 1
        prev_t = t
    facts.run_energy_j = energy / 1000
    return facts

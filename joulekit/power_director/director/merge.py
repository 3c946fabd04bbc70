"""Merge the samples of several analyzers by timestamp.

The reference pairs lines by index and truncates to the shortest file, so one missed
sample shifts every later pair by a second and the sum mixes different moments. We
group samples whose analyzer timestamps lie within ``tolerance`` of each other; a
group missing an analyzer is reported as a gap and left out of the summed line (the
per-analyzer files keep every sample).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime

from joulekit.analyzers.base import INVALID_READING, Sample
from joulekit.formats.timefmt import format_mlperf_time


@dataclass(frozen=True)
class MergedRow:
    """One moment: the sample of each analyzer (index order)."""

    time: datetime
    samples: tuple[Sample, ...]

    @property
    def watts(self) -> float:
        """Σ|W| over analyzers, skipping unavailable readings (as the reference)."""
        return sum(abs(s.watts) for s in self.samples if s.watts != INVALID_READING)


@dataclass
class MergeResult:
    rows: list[MergedRow] = field(default_factory=list)
    #: one human sentence per gap: which analyzer, when
    gaps: list[str] = field(default_factory=list)


def sampling_period(per_analyzer: list[list[Sample]]) -> float:
    """Median interval between consecutive samples (1 s for MLPerf's 1 Hz)."""
    deltas = sorted(
        (b.utc - a.utc).total_seconds()
        for samples in per_analyzer
        for a, b in itertools.pairwise(samples)
    )
    return deltas[len(deltas) // 2] if deltas else 1.0


def merge_by_time(per_analyzer: list[list[Sample]], tolerance: float | None = None) -> MergeResult:
    """Group samples of ``len(per_analyzer)`` analyzers into rows by timestamp.

    ``tolerance`` defaults to half the sampling period (0.5 s at 1 Hz).
    """
    count = len(per_analyzer)
    result = MergeResult()
    if count == 0:
        return result
    if tolerance is None:
        tolerance = sampling_period(per_analyzer) / 2
    tagged = sorted(
        ((s.utc, index, s) for index, samples in enumerate(per_analyzer) for s in samples),
        key=lambda item: (item[0], item[1]),
    )
    groups: list[dict[int, Sample]] = []
    starts: list[datetime] = []
    for utc, index, sample in tagged:
        if groups and index not in groups[-1] and (utc - starts[-1]).total_seconds() <= tolerance:
            groups[-1][index] = sample
            continue
        if groups and index in groups[-1] and (utc - starts[-1]).total_seconds() <= tolerance:
            result.gaps.append(
                f"analyzer {index + 1}: two samples within {tolerance:g} s at "
                f"{format_mlperf_time(utc)}; the second is left out of the merged line"
            )
            continue
        groups.append({index: sample})
        starts.append(utc)
    for start, group in zip(starts, groups, strict=True):
        missing = [i + 1 for i in range(count) if i not in group]
        if missing:
            names = ", ".join(str(m) for m in missing)
            result.gaps.append(
                f"analyzer {names}: no sample near {format_mlperf_time(start)}; "
                "that second is left out of the summed spl.txt"
            )
            continue
        result.rows.append(MergedRow(start, tuple(group[i] for i in range(count))))
    return result

"""The rules of ``power_measurement.adoc`` that no official code enforces, per file and
per run (spec/training-power.md §6): sampling interval and gaps, readings <= 0, start
and stop marks, the power window against run_start..run_stop, identical node logs, node
count against the system description, measured switches the formula ignores, clock
offsets between files, duplicate timestamps, 1-based node names, too few readings,
out-of-order times, conversion efficiency.

Each function yields findings; the thresholds come from the training round.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator, Sequence

from joulekit.checker.findings import Finding
from joulekit.checker.training_power import rules as R
from joulekit.checker.training_power.facts import FileFacts
from joulekit.rules.training_rounds import TrainingRound


def _s(ms: float) -> str:
    return f"{ms / 1000:,.3f} s"


def file_findings(facts: FileFacts, run_start: float | None, run_stop: float | None,
                  rnd: TrainingRound, *, is_node: bool) -> Iterator[Finding]:
    """The per-file rules."""
    path = facts.path
    max_interval = rnd.number("sampling.max_interval_s")
    if facts.start_ms is None and is_node:
        yield R.NO_START.finding(f"{facts.name} has no power_measurement_start", file=path,
                                 expected="power_measurement_start", found="none")
    if facts.stop_ms is None and facts.readings and is_node:
        yield R.NO_STOP.finding(f"{facts.name} has no power_measurement_stop", file=path,
                                expected="power_measurement_stop", found="none")
    if facts.start_ms is not None and facts.stop_ms is not None \
            and facts.stop_ms <= facts.start_ms:
        yield R.EMPTY_WINDOW.finding(
            f"{facts.name}: power_measurement_stop ({facts.stop_ms:.0f}) is not after "
            f"power_measurement_start ({facts.start_ms:.0f})", file=path,
            line=facts.stop_line, expected="stop > start",
            found=f"stop - start = {_s(facts.stop_ms - facts.start_ms)}")
    if not facts.readings:
        if is_node or not facts.estimates:
            yield R.FEW_READINGS.finding(f"{facts.name} holds no power_reading", file=path,
                                         expected=">= 1 reading", found=0)
        return
    if facts.over_interval:
        yield R.INTERVAL.finding(
            f"{facts.name}: {facts.over_interval:,} of {facts.intervals:,} intervals between "
            f"readings are longer than {max_interval:g} s (longest {_s(facts.longest_gap_ms)})",
            file=path, expected=f"<= {max_interval:g} s",
            found=f"{facts.over_interval} intervals over")
    gap = rnd.number("sampling.gap_s")
    if facts.over_gap:
        yield R.GAP.finding(
            f"{facts.name}: {facts.over_gap} gap(s) longer than {gap:g} s, the longest "
            f"{_s(facts.longest_gap_ms)} ending at line {facts.longest_gap_line}", file=path,
            line=facts.longest_gap_line, expected=f"<= {gap:g} s",
            found=_s(facts.longest_gap_ms))
    if facts.non_positive:
        yield R.NON_POSITIVE.finding(
            f"{facts.name}: {facts.non_positive} reading(s) <= 0 W", file=path,
            line=facts.first_non_positive_line, expected="> 0 W", found=facts.min_w)
    if facts.duplicates:
        yield R.DUPLICATE_TIME.finding(
            f"{facts.name}: {facts.duplicates} reading(s) share a timestamp with the "
            "previous one", file=path, line=facts.first_duplicate_line,
            expected="distinct times", found=f"{facts.duplicates} duplicates")
    if facts.out_of_order:
        yield R.OUT_OF_ORDER.finding(
            f"{facts.name}: {facts.out_of_order} reading(s) earlier than the one before",
            file=path, line=facts.first_out_of_order_line, expected="increasing times",
            found=f"{facts.out_of_order} out of order")
    low, high = rnd.number("conversion_eff.min"), rnd.number("conversion_eff.max")
    for value, line in facts.effs:
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not low <= value <= high:
            yield R.EFFICIENCY.finding(f"{facts.name}: conversion_eff {value!r}", file=path,
                                       line=line, expected=f"{low:g}..{high:g}", found=value)
    if is_node and run_start is not None and run_stop is not None:
        yield from _window(facts, run_start, run_stop, rnd)


def coverage_percent(facts: FileFacts, run_start: float, run_stop: float) -> float | None:
    """Share of run_start..run_stop inside the file's power window, in %."""
    begin, end = facts.window_start_ms, facts.window_stop_ms
    if begin is None or end is None or run_stop <= run_start:
        return None
    overlap = max(0.0, min(end, run_stop) - max(begin, run_start))
    return 100 * overlap / (run_stop - run_start)


def _window(facts: FileFacts, run_start: float, run_stop: float,
            rnd: TrainingRound) -> Iterator[Finding]:
    path = facts.path
    begin, end = facts.window_start_ms, facts.window_stop_ms
    if begin is None or end is None:
        return
    if abs(begin - run_start) > 1000 * rnd.number("clock.max_offset_s"):
        return  # a clock offset, reported once by clock_findings, not as a late start
    late = begin - run_start
    if late > 1000 * rnd.number("window.max_late_start_s"):
        yield R.LATE_START.finding(
            f"{facts.name}: power measurement starts {_s(late)} after run_start", file=path,
            line=facts.start_line, expected="start <= run_start", found=f"+{_s(late)}")
    early = run_stop - end
    coverage = coverage_percent(facts, run_start, run_stop)
    if early > 1000 * rnd.number("window.max_early_stop_s") or (
            coverage is not None and coverage < rnd.number("window.min_coverage_percent")):
        yield R.EARLY_STOP.finding(
            f"{facts.name}: power measurement stops {_s(max(early, 0.0))} before run_stop; "
            f"it covers {coverage:.2f} % of run_start..run_stop", file=path,
            line=facts.stop_line, expected="stop >= run_stop, 100 % coverage",
            found=f"{coverage:.2f} %")


def few_readings(facts: FileFacts, rnd: TrainingRound) -> Iterator[Finding]:
    minimum = int(rnd.number("sampling.min_readings"))
    if facts.readings and facts.run_readings < minimum:
        yield R.FEW_READINGS.finding(
            f"{facts.name}: {facts.run_readings} readings inside run_start..run_stop",
            file=facts.path, expected=f">= {minimum}", found=facts.run_readings)


def identical_findings(nodes: Sequence[FileFacts]) -> Iterator[Finding]:
    """Node logs of one run with the same bytes (each file named with its twins)."""
    groups: dict[str, list[FileFacts]] = {}
    for facts in nodes:
        if facts.digest:
            groups.setdefault(facts.digest, []).append(facts)
    for group in groups.values():
        if len(group) < 2:
            continue
        for facts in group:
            twins = ", ".join(f.name for f in group if f is not facts)
            yield R.IDENTICAL.finding(
                f"{facts.name} is byte-identical to {twins} (SHA-1 {facts.digest[:12]})",
                file=facts.path, expected="each node's own log", found=f"same bytes as {twins}")


def clock_findings(files: Sequence[FileFacts], run_start: float | None,
                   run_stop: float | None, rnd: TrainingRound) -> Iterator[Finding]:
    """A file whose window lies far from the run's (and from the other files')."""
    if run_start is None or run_stop is None:
        return
    limit = 1000 * rnd.number("clock.max_offset_s")
    placed = [f for f in files if f.window_start_ms is not None and f.window_stop_ms is not None]
    for facts in placed:
        begin, end = facts.window_start_ms, facts.window_stop_ms
        assert begin is not None and end is not None
        distance = max(run_start - end, begin - run_stop, 0.0)
        if distance <= limit:
            continue
        others = [f for f in placed if f is not facts
                  and max(run_start - (f.window_stop_ms or 0), (f.window_start_ms or 0)
                          - run_stop, 0.0) <= limit]
        if others:
            ref_start = statistics.median(f.window_start_ms or 0 for f in others)
            ref_stop = statistics.median(f.window_stop_ms or 0 for f in others)
            against = f"the {len(others)} other file(s) of the run"
        else:
            ref_start, ref_stop, against = run_start, run_stop, "run_start..run_stop"
        offset = ((ref_start - begin) + (ref_stop - end)) / 2
        side = "behind" if offset > 0 else "ahead of"
        yield R.CLOCK_OFFSET.finding(
            f"{facts.name}: clock about {abs(offset) / 1000:,.0f} s "
            f"({abs(offset) / 3.6e6:.2f} h) {side} {against}; its window lies "
            f"{_s(distance)} outside run_start..run_stop", file=facts.path,
            line=facts.start_line, expected=f"within {limit / 1000:g} s of the run",
            found=f"offset {offset / 1000:+,.0f} s")

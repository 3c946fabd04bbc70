"""Measure a grid of SUT configurations, one measured run per point, resumable.

Each point lives in ``OUT/points/<id>/``: the run's result folder (``run/``) and, once
the point is finished, ``point.json`` with its table row. ``point.json`` is written
atomically as the *last* act of a point, so its presence is the one proof that the
point is done: starting the same sweep again measures only the points without it. A
point interrupted mid-run has a ``run/`` but no ``point.json``; its folder is moved
aside (never deleted: a measurement taken is never lost) and the point is measured
again. After every point the table is rewritten (``sweep.csv`` and ``sweep.parquet``,
both atomically) from all ``point.json`` files, so an interruption at any moment
leaves a consistent table of what is finished.
"""

from __future__ import annotations

import io
import itertools
import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from joulekit.errors import UserError
from joulekit.formats.atomic import atomic_write_bytes, atomic_write_text
from joulekit.formats.layout import OFFLINE, ResultPaths
from joulekit.formats.mllog import read_detail
from joulekit.inputs import prepare_output_dir
from joulekit.insight.carbon import DURATION, Carbon, add_columns, testing_window_s
from joulekit.insight.sweep_executor import (
    DEFAULT_EXECUTOR,
    MeasureFn,
    PointJob,
    SweepExecutor,
    executor,
)
from joulekit.insight.table import (
    AVG_POWER,
    ENERGY,
    KNOB_COLUMNS,
    POINT,
    SAMPLES_PER_JOULE,
    STATUS,
    THROUGHPUT,
)
from joulekit.run.measure import RunConfig, RunOutcome, check_config, measure, nothing_measured

#: latency columns and the LoadGen detail keys they come from (ns in the log)
LATENCY_KEYS = {
    "latency_p50_ms": "result_50.00_percentile_latency_ns",
    "latency_p90_ms": "result_90.00_percentile_latency_ns",
    "latency_p99_ms": "result_99.00_percentile_latency_ns",
    "ttft_p90_ms": "result_first_token_90.00_percentile_latency_ns",
    "ttft_p99_ms": "result_first_token_99.00_percentile_latency_ns",
    "tpot_p90_ms": "result_time_per_output_token_90.00_percentile_ns",
    "tpot_p99_ms": "result_time_per_output_token_99.00_percentile_ns",
}
#: LoadGen option of each knob that the harness passes to ``joulekit loadgen``
KNOB_OPTIONS = {
    "batch_size": "--batch-size",
    "concurrency": "--concurrency",
    "target_qps": "--target-qps",
}

@dataclass(frozen=True)
class SweepSpec:
    """What to sweep: the grid and the settings every point shares."""

    grid: dict[str, tuple[float, ...]]
    sut: str = "demo"
    scenario: str = OFFLINE
    duration_ms: int = 12_000
    settle_s: float = 1.0
    director: str | None = None
    round: str | None = None
    benchmark: str = ""
    gpu: int = 0
    extra_args: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = set(self.grid) - set(KNOB_COLUMNS)
        if unknown:
            raise UserError(f"cannot sweep {', '.join(sorted(unknown))}")
        if not any(self.grid.values()):
            raise UserError("the grid is empty: give at least one knob with values")
        for knob, values in self.grid.items():
            if any(not math.isfinite(v) or v <= 0 for v in values):
                raise UserError(f"{knob} values must be positive numbers")

    def points(self) -> list[dict[str, float]]:
        """Every combination, in the order the values were given."""
        knobs = [k for k in KNOB_COLUMNS if self.grid.get(k)]
        return [
            dict(zip(knobs, combo, strict=True))
            for combo in itertools.product(*(self.grid[k] for k in knobs))
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "grid": {k: list(v) for k, v in self.grid.items() if v},
            "sut": self.sut,
            "scenario": self.scenario,
            "duration_ms": self.duration_ms,
            "benchmark": self.benchmark,
            "extra_args": list(self.extra_args),
        }


def point_id(knobs: dict[str, float]) -> str:
    """A folder-safe, stable name such as ``batch_size-8_power_limit_w-300``."""

    def fmt(v: float) -> str:
        return str(int(v)) if float(v).is_integer() else f"{v:g}".replace(".", "p")

    return "_".join(f"{k}-{fmt(v)}" for k, v in knobs.items())


def _ms(detail_value: Any) -> float | None:
    try:
        return float(detail_value) / 1e6
    except (TypeError, ValueError):
        return None


def row_from_outcome(
    spec: SweepSpec, pid: str, knobs: dict[str, float], outcome: RunOutcome
) -> dict[str, Any]:
    """The table row of a finished point (energy from the checker's figure)."""
    row: dict[str, Any] = {POINT: pid}
    for knob in KNOB_COLUMNS:
        row[knob] = knobs.get(knob, math.nan)
    ok = outcome.completed and outcome.efficiency is not None and outcome.efficiency > 0
    row.update(
        {
            STATUS: "ok" if ok else "failed",
            "error": outcome.error or ("" if ok else "the checker formed no power figure"),
            "benchmark": spec.benchmark,
            "scenario": outcome.scenario,
            AVG_POWER: outcome.average_watts,
            "metric": outcome.metric,
            "metric_value": outcome.metric_value,
            "metric_unit": outcome.metric_unit,
            SAMPLES_PER_JOULE: outcome.efficiency if ok else math.nan,
            # samples (or queries of one sample) per joule, inverted: J per sample
            ENERGY: 1.0 / outcome.efficiency if ok and outcome.efficiency else math.nan,
            THROUGHPUT: math.nan,
            "loadgen_valid": outcome.loadgen_valid,
            "failed_rules": ",".join(sorted({r.rule for r in outcome.other_failures})),
            "result_dir": str(outcome.result_dir or ""),
            "wall_s": outcome.wall_s,
        }
    )
    for column in LATENCY_KEYS:
        row[column] = math.nan
    # the testing window's length and energy: what carbon and cost columns are made of
    row[DURATION] = math.nan
    row["energy_j"] = math.nan
    if outcome.result_dir is not None:
        detail = read_detail(ResultPaths(outcome.result_dir).run_1_detail)
        window = testing_window_s(outcome.result_dir)
        row[DURATION] = window
        if ok and outcome.average_watts is not None:
            row["energy_j"] = outcome.average_watts * window
        for column, key in LATENCY_KEYS.items():
            value = _ms(detail.get(key))
            if value is not None:
                row[column] = value
        for key in ("result_samples_per_second", "result_completed_samples_per_sec"):
            if detail.get(key) is not None:
                row[THROUGHPUT] = float(detail.get(key))
                break
    return row


def write_table(out: Path, rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Rewrite ``sweep.csv`` and ``sweep.parquet`` atomically from ``rows``."""
    frame = pd.DataFrame(list(rows))
    if not frame.empty:
        # numeric order of the knobs (batch 4 before 16), then the point name
        keys = [k for k in KNOB_COLUMNS if k in frame.columns] + [POINT]
        frame = frame.sort_values(keys, kind="mergesort").reset_index(drop=True)
    atomic_write_text(out / "sweep.csv", frame.to_csv(index=False))
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    atomic_write_bytes(out / "sweep.parquet", buffer.getvalue())
    return frame


def _finished_rows(points_dir: Path,
                   ids: Sequence[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(point, row)`` of the grid's finished points (folders set aside are not part of
    the table)."""
    for pid in ids:
        path = points_dir / pid / "point.json"
        if path.is_file():
            yield pid, json.loads(path.read_text(encoding="utf-8"))


def _set_aside(folder: Path, why: str) -> Path:
    for n in itertools.count(1):
        target = folder.with_name(f"{folder.name}.{why}-{n}")
        if not target.exists():
            folder.rename(target)
            return target
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class SweepProgress:
    """What happened to one point, for the CLI to print."""

    point: str
    action: str  # "skipped" | "measured" | "failed" | "retried"
    row: dict[str, Any] | None


def _check_spec(out: Path, spec: SweepSpec) -> None:
    """Refuse to resume a folder that holds a different sweep."""
    path = out / "sweep.json"
    wanted = spec.to_json()
    if path.is_file():
        have = json.loads(path.read_text(encoding="utf-8"))
        if have != wanted:
            raise UserError(
                f"{out} holds a different sweep ({path}); give the same options to resume "
                "it, or another -o for a new one"
            )
    else:
        atomic_write_text(path, json.dumps(wanted, indent=2) + "\n")


def run_sweep(
    out: Path,
    spec: SweepSpec,
    *,
    measure_fn: MeasureFn | None = None,
    retry_failed: bool = False,
    on_point: Callable[[SweepProgress], None] | None = None,
    engine: str | SweepExecutor = DEFAULT_EXECUTOR,
    carbon: Carbon | None = None,
) -> pd.DataFrame:
    """Measure every point of ``spec`` not yet finished in ``out``; return the table.

    ``engine`` runs the points (:mod:`joulekit.insight.sweep_executor`; ``local`` by
    default: one after another, here). ``carbon`` adds the carbon/cost columns
    (:mod:`joulekit.insight.carbon`) to the table, computed from each row's energy at
    every rewrite (``point.json`` keeps the energy, not the settings, so a resumed sweep
    with other settings has one consistent table). A run that comes back interrupted stops the sweep
    with ``KeyboardInterrupt`` after the table is written; the interrupted point has no
    ``point.json`` and is measured again next time.
    """
    runner = engine if isinstance(engine, SweepExecutor) else executor(engine)
    if measure_fn is None:
        measure_fn = measure
        # the inputs every point shares: a typo stops the sweep before its first run
        check_config(RunConfig(sut=spec.sut, scenario=spec.scenario,
                               duration_ms=spec.duration_ms, director=spec.director,
                               round=spec.round))
    out = prepare_output_dir(out, "-o", must_be_empty=False)
    _check_spec(out, spec)
    points_dir = out / "points"
    points_dir.mkdir(exist_ok=True)
    notify = on_point or (lambda progress: None)
    ids = [point_id(knobs) for knobs in spec.points()]
    actions: dict[str, str] = {}

    # the finished rows, read from their point.json once and then kept in step with every
    # write and every folder set aside: rewriting the table after each point stays O(N)
    # instead of re-reading N files each time (O(N^2) over a 1,000-point sweep)
    rows: dict[str, dict[str, Any]] = dict(_finished_rows(points_dir, ids))

    def table() -> pd.DataFrame:
        return write_table(out, [add_columns(rows[pid], carbon) for pid in ids if pid in rows])

    def jobs() -> Iterator[PointJob]:
        """The points still to measure, drawn one by one (skips are reported as drawn)."""
        for index, knobs in enumerate(spec.points()):
            pid = point_id(knobs)
            folder = points_dir / pid
            done = folder / "point.json"
            if done.is_file():
                previous = json.loads(done.read_text(encoding="utf-8"))
                if previous.get(STATUS) == "ok" or not retry_failed:
                    notify(SweepProgress(pid, "skipped", previous))
                    continue
            actions[pid] = "measured"
            if folder.exists():
                rows.pop(pid, None)
                _set_aside(folder, "failed" if done.is_file() else "interrupted")
                actions[pid] = "retried"
            yield PointJob(pid, knobs, _point_config(spec, knobs, folder / "run", pid),
                           spec.gpu, index)

    def finished(
        job: PointJob, outcome: RunOutcome, placement: Mapping[str, Any] | None = None
    ) -> None:
        if outcome.interrupted:
            table()
            raise KeyboardInterrupt
        if nothing_measured(outcome):
            # the director cannot be reached: every other point would fail alike
            table()
            raise UserError(f"{outcome.error}; the sweep stopped at {job.point}, nothing "
                            "measured there; rerun the same command to resume")
        row = row_from_outcome(spec, job.point, job.knobs, outcome)
        row.update(placement or {})
        text = json.dumps(row, indent=2, default=str) + "\n"
        atomic_write_text(points_dir / job.point / "point.json", text)
        rows[job.point] = json.loads(text)  # the row as a resumed sweep reads it back
        table()
        notify(SweepProgress(job.point, actions[job.point] if row[STATUS] == "ok" else "failed",
                             row))

    runner.run(jobs(), measure_fn, finished)
    return table()


def _point_config(spec: SweepSpec, knobs: dict[str, float], output: Path, pid: str) -> RunConfig:
    """The measured run of one point: the shared settings plus its knobs as LoadGen options."""
    args = list(spec.extra_args)
    for knob, option in KNOB_OPTIONS.items():
        if knob in knobs:
            value = knobs[knob]
            args += [option, str(int(value)) if value.is_integer() else f"{value:g}"]
    return RunConfig(
        sut=spec.sut,
        scenario=spec.scenario,
        duration_ms=spec.duration_ms,
        output=output,
        director=spec.director,
        loadgen_args=tuple(args),
        label=f"sweep-{pid}"[:60],
        round=spec.round,
        settle_s=spec.settle_s,
    )

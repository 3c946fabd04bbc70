"""Build the :class:`BenchmarkView` of every MLPerf Training benchmark below a path.

The numbers are the training checker's: :func:`joulekit.checker.training_power.
check_training` gives one report per benchmark (the official and policy figures, the
olympic choice, the package check) followed by one per run (the run's and each file's
energy and coverage), and the view copies them. This module adds only what a page
needs besides: each run's readings on one timeline (read again through
``joulekit.formats.training_power``, under the same :func:`input_root` confinement) and
the pictures.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from joulekit.checker.options import CheckOptions
from joulekit.checker.training_power import check_training
from joulekit.checker.training_power.report import TrainingResultReport
from joulekit.formats.safe_files import input_root
from joulekit.formats.training_power import (
    INTERCONNECT_EST,
    POWER_LOG_MAX_BYTES,
    POWER_READING,
    read_power_log,
)
from joulekit.insight import training_view as tv
from joulekit.insight.plots import Picture, save
from joulekit.insight.trace import Series
from joulekit.insight.training_plots import (
    PowerSeries,
    RunBar,
    RunTrace,
    energy_per_run_figure,
    find_gaps,
    node_trace_figure,
)
from joulekit.rules.training_rounds import TrainingRound, load_training_round


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _file_row(data: dict[str, Any], kind: str) -> tv.FileRow:
    return tv.FileRow(
        name=str(data.get("file", "?")),
        kind=kind,
        energy_j=_float(data.get("energy_j")),
        measured_j=_float(data.get("measured_energy_j")),
        crash=data.get("crash"),
        conversion_eff=_float(data.get("conversion_eff")),
        readings=int(data.get("readings") or 0),
        coverage_percent=_float(data.get("coverage_percent")),
        start_vs_run_start_s=_float(data.get("start_vs_run_start_s")),
        stop_vs_run_stop_s=_float(data.get("stop_vs_run_stop_s")),
        longest_gap_s=float(data.get("longest_gap_s") or 0.0),
        intervals_over_limit=int(data.get("intervals_over_limit") or 0),
        duplicates=int(data.get("duplicate_times") or 0),
    )


def _readings(path: Path) -> tuple[np.ndarray, np.ndarray, float | None]:
    """Reading times (Unix ms, time order), watts, and the first switch estimate (W)."""
    log = read_power_log(path, "power log", POWER_LOG_MAX_BYTES)
    pairs = sorted(
        (r.time_ms, float(r.value))
        for r in log.records
        if r.key == POWER_READING
        and isinstance(r.value, int | float)
        and not isinstance(r.value, bool)
    )
    estimate = next(
        (_float(r.value) for r in log.records if r.key == INTERCONNECT_EST), None
    )
    t = np.asarray([p[0] for p in pairs], dtype=float)
    w = np.asarray([p[1] for p in pairs], dtype=float)
    return t, w, estimate


def _run_trace(run: dict[str, Any], power_dir: Path, rnd: TrainingRound) -> tuple[
        RunTrace | None, list[str]]:
    run_start = _float(run.get("run_start_ms"))
    if run_start is None:
        return None, ["no trace: the result log has no run_start to align the files on"]
    ttt_ms = _float(run.get("time_to_train_ms"))
    ttt = ttt_ms / 1000 if ttt_ms is not None else None
    gap_s = rnd.number("sampling.gap_s")
    max_offset_s = rnd.number("clock.max_offset_s")
    notes: list[str] = []
    nodes: list[PowerSeries] = []
    for entry in run.get("nodes", []):
        name = str(entry.get("file"))
        t_ms, w, _ = _readings(power_dir / name)
        t = (t_ms - run_start) / 1000
        nodes.append(PowerSeries(Series(name.removesuffix(".txt"), t, w), find_gaps(t, gap_s)))
    middle = (ttt or 0.0) / 2
    switches: list[PowerSeries] = []
    for entry in run.get("switches", []):
        name = str(entry.get("file"))
        t_ms, w, estimate = _readings(power_dir / name)
        t = (t_ms - run_start) / 1000
        offset = None
        if t.size and ttt is not None:
            centre = float(np.median(t))
            if centre < -max_offset_s or centre > ttt + max_offset_s:
                offset = centre - middle
                t = t - offset
                notes.append(f"{name}: its readings sit {offset:+,.0f} s from the run "
                             "(a clock offset); drawn shifted onto the run's timeline")
        switches.append(PowerSeries(Series(name.removesuffix(".txt"), t, w),
                                    find_gaps(t, gap_s), estimate, offset))
    gaps = sum(len(n.gaps) for n in nodes)
    if gaps:
        notes.append(f"{gaps} gap(s) longer than {gap_s:g} s between node readings, "
                     "hatched")
    start = datetime.fromtimestamp(run_start / 1000, UTC)
    return RunTrace(str(run.get("run", "?")), start, ttt, gap_s, nodes, switches), notes


def _selection(name: str, run: TrainingResultReport, olympic: dict[str, Any] | None) -> str:
    if olympic is not None:
        if name in olympic.get("counted", []):
            return tv.COUNTED
        if name in olympic.get("dropped_fastest", []):
            return tv.DROPPED_FASTEST
        if name in olympic.get("dropped_slowest", []):
            return tv.DROPPED_SLOWEST
    if run.details.get("time_to_train_ms") is None:
        return tv.REJECTED
    return tv.NOT_SCORED


def _run_view(report: TrainingResultReport, olympic: dict[str, Any] | None, rnd: TrainingRound,
              out_dir: Path, stem: str, label: str) -> tv.RunView:
    details = report.details
    name = str(details.get("run", Path(report.path).name))
    power_dir = Path(report.path)
    files = [_file_row(n, "node") for n in details.get("nodes", [])]
    files += [_file_row(s, "switch") for s in details.get("switches", [])]
    picture: Picture | None = None
    notes: list[str] = []
    if files:
        trace, notes = _run_trace(details, power_dir, rnd)
        if trace is not None:
            picture = save(node_trace_figure(trace, f"{label} — {name}"), out_dir, stem)
    elif details.get("crash"):
        notes.append(f"no trace: {details['crash']}")
    ttt = _float(details.get("time_to_train_ms"))
    return tv.RunView(
        name=name,
        path=power_dir,
        time_to_train_s=ttt / 1000 if ttt is not None else None,
        energy_j=_float(details.get("energy_j")),
        policy_energy_j=_float(details.get("policy_energy_j")),
        crash=details.get("crash"),
        selection=_selection(name, report, olympic),
        valid=report.valid,
        files=files,
        findings=list(report.findings),
        trace=picture,
        trace_notes=notes,
    )


def _label(details: dict[str, Any], path: Path) -> str:
    org = path.parents[2].name if len(path.parents) > 2 else ""
    parts = [org, str(details.get("system", "")), str(details.get("benchmark", path.name))]
    return "/".join(p for p in parts if p)


def _figure_problem(report: TrainingResultReport) -> str | None:
    if report.energy_j is not None:
        return None
    errors = [f.message for f in report.findings if f.severity == "error"]
    return errors[-1] if errors else "the checker formed no figure"


def _benchmark_view(bench: TrainingResultReport, runs: list[TrainingResultReport],
                    out_dir: Path, stem: str) -> tv.BenchmarkView:
    details = bench.details
    path = Path(bench.path)
    label = _label(details, path)
    rnd = load_training_round(bench.round)
    olympic = details.get("olympic")
    run_views = [_run_view(r, olympic, rnd, out_dir, f"{stem}-run{i:03d}-trace", label)
                 for i, r in enumerate(runs)]
    package = details.get("official_package_check", {})
    bars = [RunBar(r.name, r.time_to_train_s, r.energy_j, r.policy_energy_j,
                   r.selection == tv.COUNTED) for r in run_views]
    picture = None
    if any(b.energy_j is not None for b in bars):
        picture = save(energy_per_run_figure(bars, f"{label} — energy per run"), out_dir,
                       f"{stem}-energy")
    scaling = _float(details.get("scaling_factor"))
    return tv.BenchmarkView(
        path=path,
        label=label,
        benchmark=str(details.get("benchmark", bench.scenario or "?")),
        system=str(details.get("system", "?")),
        round=bench.round,
        round_why=bench.round_reason,
        formula=str(details.get("formula", "?")),
        formula_commit=str(details.get("formula_commit", "")),
        scaling_factor=scaling,
        olympic_drop=int(details.get("olympic_drop") or 0),
        energy_j=bench.energy_j,
        policy_energy_j=bench.policy_energy_j,
        figure_problem=_figure_problem(bench),
        valid=bench.valid,
        package=tv.PackageCheck(
            passes=bool(package.get("passes")),
            runs_not_complying=[str(x) for x in package.get("runs_not_complying", [])],
            crash=package.get("crash"),
        ),
        runs=run_views,
        findings=list(bench.findings),
        energy_picture=picture,
    )


def collect_training(path: Path, out_dir: Path, *,
                     round_name: str | None = None) -> list[tv.BenchmarkView]:
    """Check every training benchmark at or below ``path`` and draw its pictures into
    ``out_dir`` (``b<NNN>-energy.*``, ``b<NNN>-run<NNN>-trace.*``)."""
    report = check_training(path, CheckOptions(round=round_name))
    groups: list[tuple[TrainingResultReport, list[TrainingResultReport]]] = []
    for result in report.results:
        if not isinstance(result, TrainingResultReport):
            continue
        if result.kind == "benchmark" or not groups:
            groups.append((result, []))
        else:
            groups[-1][1].append(result)
    with input_root(path):
        return [
            _benchmark_view(bench, runs, out_dir, f"b{index:03d}")
            for index, (bench, runs) in enumerate(groups)
            if bench.details  # the "no benchmark here" report has none
        ]

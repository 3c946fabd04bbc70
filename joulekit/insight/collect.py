"""Build the :class:`ResultView` of one power result: checker verdict, figure, evidence, plots.

The published figure and every finding come from ``joulekit.checker`` (one source of
truth for the number); files are read through ``joulekit.formats``. What this module
adds is the interval, the traces and the pictures.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from joulekit.checker.inference_power.runner import check_power_result
from joulekit.checker.metrics import PowerFigure, select_samples
from joulekit.checker.options import CheckOptions
from joulekit.checker.report import ResultReport
from joulekit.formats.layout import ResultPaths
from joulekit.formats.mllog import MllogDetail, read_detail
from joulekit.formats.power_json import read_power_json
from joulekit.formats.ptd_log import read_ptd_log
from joulekit.formats.spl import read_spl
from joulekit.insight import evidence
from joulekit.insight.plots import power_trace_figure, save
from joulekit.insight.steady_state import NoSteadyState, RequestTiming, steady_state
from joulekit.insight.trace import PhaseTrace
from joulekit.insight.uncertainty import (
    efficiency_interval,
    energy_per_query_interval,
    power_interval,
)
from joulekit.insight.view import Headline, ResultView
from joulekit.rules import detect_round, load_pack


def run_checker(perf_dir: Path, round_name: str | None) -> ResultReport:
    """The checker's verdict on one result, under the given or detected round."""
    why = "given with --round"
    if round_name is None:
        round_name, why = detect_round(perf_dir)
    return check_power_result(
        perf_dir, load_pack(round_name), CheckOptions(round=round_name), round_reason=why
    )


def headline(
    figure: PowerFigure,
    samples_w: list[float],
    within_limit: bool,
) -> Headline:
    """The checker's figure with the interval of ``joulekit.insight.uncertainty``."""
    stats = figure.stats
    pu = power_interval(samples_w, mean=stats.mean_w, within_limit=within_limit)
    value_iv = eff_iv = None
    if pu is not None:
        if figure.metric == "average_power":
            value_iv = pu.power
        else:
            value_iv = energy_per_query_interval(figure.value, pu, stats.window_s)
        if figure.efficiency:
            eff_iv = efficiency_interval(figure.efficiency, pu)
    pf = None
    if stats.min_pf is not None and stats.mean_pf is not None and stats.max_pf is not None:
        pf = (stats.min_pf, stats.mean_pf, stats.max_pf)
    return Headline(
        metric=figure.metric,
        value=figure.value,
        unit=figure.unit,
        efficiency=figure.efficiency,
        efficiency_unit=figure.efficiency_unit,
        mean_w=stats.mean_w,
        min_w=stats.min_w,
        max_w=stats.max_w,
        window_s=stats.window_s,
        samples=stats.samples,
        expected_samples=stats.expected_samples,
        largest_gap_s=stats.largest_gap_s,
        pf=pf,
        uncertainty=pu,
        value_interval=value_iv,
        efficiency_interval=eff_iv,
    )


def _window(detail: MllogDetail) -> tuple[datetime, datetime] | None:
    if detail.power_begin is None or detail.power_end is None:
        return None
    return detail.power_begin, detail.power_end


def _performance(
    detail: MllogDetail, scenario: str | None, metric_keys: dict[str, str]
) -> str | None:
    key = metric_keys.get(scenario or "")
    value = detail.get(key) if key else None
    if key is None or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if "latency" in key:
        return f"{number / 1e6:,.4f} ms ({key})"
    return f"{number:,.2f} per s ({key})"


def collect(
    perf_dir: Path,
    label: str,
    out_dir: Path,
    stem: str,
    *,
    round_name: str | None = None,
    requests: list[RequestTiming] | None = None,
    batch_size: int | None = None,
) -> ResultView:
    """Check one result, draw its traces into ``out_dir`` as ``stem-trace.*``, and gather.

    ``requests`` (UTC epoch seconds) and ``batch_size`` add the informative steady-state
    figure of an LLM serving run.
    """
    report = run_checker(perf_dir, round_name)
    paths = ResultPaths.from_performance_dir(perf_dir)
    detail = read_detail(paths.run_1_detail)
    ranging_detail = read_detail(paths.ranging_detail)
    spl = read_spl(paths.run_1_spl)
    ranging_spl = read_spl(paths.ranging_spl)
    server, _ = read_power_json(paths.server_json)
    client, _ = read_power_json(paths.client_json)
    log = read_ptd_log(paths.ptd_logs)
    window = _window(detail)
    over_times, within_limit = evidence.uncertainty_evidence(log, window)
    names = evidence.hardware_names(server)

    head = None
    if report.figure is not None and window is not None:
        samples = [s.watts for s in select_samples(spl.lines, *window)]
        head = headline(report.figure, samples, within_limit)

    traces: list[PhaseTrace] = []
    for phase, phase_spl, phase_detail, phase_dir in (
        ("ranging", ranging_spl, ranging_detail, paths.ranging),
        ("testing", spl, detail, paths.run_1),
    ):
        trace = evidence.phase_trace(
            phase,
            phase_spl,
            _window(phase_detail),
            over_times,
            evidence.software_sources(server, phase_dir),
            names,
        )
        if trace is not None:
            traces.append(trace)
    pictures = {}
    marks: dict[str, int] = {}
    if traces:
        pictures["trace"] = save(power_trace_figure(traces, label), out_dir, f"{stem}-trace")
        testing = traces[-1]
        marks = {
            f"{testing.phase} samples counted": int(testing.counted.sum()),
            "gaps": len(testing.gaps),
            "over uncertainty limit": int(testing.over_limit.sum()),
            "without reading": int(testing.invalid.sum()),
        }

    steady = None
    steady_note = None
    if requests is not None and batch_size is not None and spl.lines:
        origin = spl.lines[0].time.timestamp()
        shifted = [
            RequestTiming(
                r.first_token - origin,
                r.finished - origin,
                r.output_tokens,
                None if r.token_times is None else tuple(x - origin for x in r.token_times),
            )
            for r in requests
        ]
        try:
            steady = steady_state(
                shifted,
                batch_size,
                [s.time.timestamp() - origin for s in spl.lines],
                [s.watts for s in spl.lines],
            )
        except NoSteadyState as err:
            steady_note = str(err)

    block = evidence.joulekit_block(server)
    pack = load_pack(report.round)
    return ResultView(
        perf_dir=perf_dir,
        label=label,
        round=report.round,
        round_why=report.round_reason,
        scenario=report.scenario,
        valid=report.valid,
        performance=_performance(detail, report.scenario, pack.submission.get("metric_keys", {})),
        loadgen_valid=detail.result_valid,
        headline=head,
        headline_problem=None if head else _figure_problem(report),
        analyzers=evidence.analyzer_lines(server),
        ranges=evidence.range_settings(server),
        clock=evidence.clock_rows(client, server),
        clock_offsets_ms=evidence.time_offsets_ms(client),
        findings=list(report.findings),
        pictures=pictures,
        marks=marks,
        steady=steady,
        steady_note=steady_note,
        not_valid_for_submission=[str(x) for x in block.get("not_valid_for_submission", [])],
    )


def _figure_problem(report: ResultReport) -> str:
    errors = [f.message for f in report.findings if f.severity == "error"]
    return errors[0] if errors else "the checker formed no figure"

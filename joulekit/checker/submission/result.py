"""Check one result folder completely; the unit of work of the parallel runner.

Every check runs even after another failed, and an exception fails this result alone,
with its traceback in the finding, never the whole tree.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any

from joulekit.checker.findings import Finding
from joulekit.checker.metrics import PowerFigure
from joulekit.checker.options import CheckOptions
from joulekit.checker.submission import rules as R
from joulekit.checker.submission.accuracy import check_accuracy
from joulekit.checker.submission.compliance import check_compliance
from joulekit.checker.submission.context import ResultContext
from joulekit.checker.submission.performance import check_log, metric_value
from joulekit.checker.submission.power import check_inferred_power, check_power
from joulekit.checker.submission.system import check_measurements, check_system
from joulekit.checker.submission.tree import ResultUnit
from joulekit.formats.layout import (
    DETAIL_LOG,
    INTERACTIVE,
    MULTI_STREAM,
    NETWORK,
    OFFLINE,
    OPEN,
    PERFORMANCE,
    RUN_1,
    SERVER,
    SINGLE_STREAM,
)
from joulekit.rules import load_pack


@dataclass(frozen=True)
class ResultVerdict:
    """What the summary and the reports need of one checked result."""
    unit: ResultUnit
    findings: tuple[Finding, ...]
    scenario: str
    metric: float | None
    power_metric: float | None
    accuracy: dict[str, float] = field(default_factory=dict)
    accuracy_text: dict[str, str] = field(default_factory=dict)
    #: the round's benchmark the result was judged as (None: not one)
    mlperf_model: str | None = None
    system: dict[str, Any] = field(default_factory=dict)
    weight_data_types: str = ""
    inferred: bool = False
    #: the power figure as the power checker computed it (None for an inferred one)
    power_figure: PowerFigure | None = None

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


def check_result(unit: ResultUnit, round_name: str, power_options: CheckOptions | None = None,
                 extra: tuple[Finding, ...] = ()) -> ResultVerdict:

    pack = load_pack(round_name).submission
    ctx = ResultContext(unit=unit, pack=pack, power_options=power_options)
    ctx.findings.extend(extra)
    try:
        _run(ctx)
    except Exception as err:  # one broken result must not stop the tree
        ctx.add(R.INTERNAL, f"{type(err).__name__}: {err}\n{traceback.format_exc(limit=5)}",
                file=unit.path)
    weights = (ctx.measurements or {}).get("weight_data_types", "")
    return ResultVerdict(unit=unit, findings=tuple(ctx.findings),
                         scenario=unit.scenario or unit.scenario_dir, metric=ctx.metric,
                         power_metric=ctx.power_metric, accuracy=dict(ctx.accuracy),
                         accuracy_text=dict(ctx.accuracy_text), mlperf_model=ctx.mlperf_model,
                         system=dict(ctx.system or {}), weight_data_types=str(weights),
                         inferred=ctx.inferred, power_figure=ctx.power_figure)


def _run(ctx: ResultContext) -> None:
    unit = ctx.unit
    pack = ctx.pack
    if ctx.bench is None and (unit.division != OPEN
                              or pack.get("unknown_benchmark_in_open") == "error"):
        where = "" if unit.division != OPEN else (
            f" and {pack.get('open_model_mapping')} maps it to none")
        ctx.add(R.UNKNOWN_BENCHMARK, f"{unit.benchmark} is not a {pack['round']} benchmark"
                + where, file=unit.path.parent)
    if unit.scenario is None or unit.scenario not in pack["scenarios"]:
        ctx.add(R.UNKNOWN_SCENARIO, f"{unit.scenario_dir} is not a {pack['round']} scenario",
                file=unit.path)
    check_system(ctx)
    check_measurements(ctx)
    run_1 = unit.path / PERFORMANCE / RUN_1
    for name in pack["performance_files"]["required"]:
        if not (run_1 / name).is_file():
            ctx.add(R.PERF_FILES, f"{PERFORMANCE}/{RUN_1}/{name} is missing", file=run_1 / name)
    if not unit.has_power and run_1.is_dir():
        allowed = set(pack["performance_files"]["required"]) | set(
            pack["performance_files"]["tolerated"])
        extra = sorted(p.name for p in run_1.iterdir() if p.name not in allowed)
        if extra:
            ctx.add(R.PERF_FILES, f"{PERFORMANCE}/{RUN_1} holds extra files: " + ", ".join(extra),
                    file=run_1)
    detail = check_log(ctx, run_1 / DETAIL_LOG)
    base_scenario = None
    if detail is not None:
        ctx.metric = metric_value(ctx, detail)
        ran = detail.scenario
        if ran and unit.scenario and ran != unit.scenario:
            allowed_pairs = [tuple(p) for p in pack["inferred_results"]]
            edge = "edge" in str((ctx.system or {}).get("system_type", ""))
            ok = (ran, unit.scenario) in allowed_pairs and (
                edge or (ran, unit.scenario) == (SERVER, INTERACTIVE))
            if ok:
                ctx.inferred = (ran, unit.scenario) != (SERVER, INTERACTIVE)
                base_scenario = ran
                ctx.metric = _inferred_metric(ctx, detail, ran, unit.scenario)
            else:
                ctx.add(R.PERF_SCENARIO, f"the run is {ran}, the folder says {unit.scenario}",
                        file=run_1 / DETAIL_LOG, expected=unit.scenario, found=ran)
        if unit.division == NETWORK:
            name = str(detail.get("sut_name", ""))
            if pack["system"]["network_sut_name"] not in name:
                ctx.add(R.PERF_NETWORK_SUT, f"sut_name is {name!r}",
                        file=run_1 / DETAIL_LOG)
    check_accuracy(ctx)
    check_compliance(ctx)
    if unit.has_power:
        if base_scenario is not None and ctx.inferred:
            check_inferred_power(ctx, base_scenario)
        check_power(ctx, ctx.power_options)


def _inferred_metric(ctx: ResultContext, detail: Any, ran: str, folder: str) -> float | None:
    def num(key: str) -> float | None:
        value = detail.get(key)
        return float(value) if isinstance(value, int | float) else None

    # The round's checker (get_inferred_result, the same from v4.1 to v5.1): a MultiStream
    # figure from a SingleStream run is 8 queries at the early-stopping estimate of the
    # 99th percentile (early_stopping_latency_ms, which a SingleStream log holds too, not
    # its 90th-percentile _ss key); an Offline one from MultiStream divides by the mean
    # latency per query, not per sample.
    if ran == SINGLE_STREAM and folder == MULTI_STREAM:
        es = num("early_stopping_latency_ms")
        return None if es is None else 8 * es / 1e6
    if ran == MULTI_STREAM and folder == OFFLINE:
        spq, mean = num("effective_samples_per_query"), num("result_mean_query_latency_ns")
        return None if not spq or not mean else spq * 1000 / (mean / 1e6)
    if ran == SINGLE_STREAM and folder == OFFLINE:
        return num("result_qps_without_loadgen_overhead")
    return metric_value(ctx, detail)

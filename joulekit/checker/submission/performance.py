"""Performance checks on a LoadGen detail log: validity, errors, seeds, duration, counts,
latency, early stopping and token latencies.

The same function checks the result's own run and the compliance runs (TEST01/04/05),
so an audit run is held to the rules of the run it audits.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from joulekit.checker.submission import rules as R
from joulekit.checker.submission.context import ResultContext
from joulekit.formats.layout import MULTI_STREAM, OFFLINE, OPEN, SERVER, SINGLE_STREAM
from joulekit.formats.mllog import MllogDetail

SEED_KEYS = ("qsl_rng_seed", "sample_index_rng_seed", "schedule_rng_seed")
_LATENCY_METRIC = re.compile(r"(_ns$|^early_stopping_latency_)")


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def check_log(ctx: ResultContext, detail_path: Path, *, label: str = "",
              compliance: bool = False, seeds: str = "round") -> MllogDetail | None:
    """Run every performance check on one detail log; returns the parsed log."""
    prefix = f"{label}: " if label else ""
    if not detail_path.is_file():
        ctx.add(R.PERF_FILES, f"{prefix}{detail_path.name} is missing", file=detail_path)
        return None
    detail = ctx.detail(detail_path)
    bad = [i for i in detail.issues if i.severity == "error"]
    if bad or not detail.records:
        first = bad[0] if bad else None
        ctx.add(R.PERF_UNREADABLE, f"{prefix}{first.message if first else 'no records'}",
                file=detail_path, line=first.line if first else None)
        if not detail.records:
            return None
    _validity(ctx, detail, detail_path, prefix)
    _errors(ctx, detail, detail_path, prefix, compliance)
    _seeds(ctx, detail, detail_path, prefix, seeds)
    _counts(ctx, detail, detail_path, prefix)
    _latency(ctx, detail, detail_path, prefix)
    return detail


def _validity(ctx: ResultContext, d: MllogDetail, path: Path, prefix: str) -> None:
    validity = d.get("result_validity")
    if validity != "VALID":
        reason = d.get("result_invalid_reason")
        ctx.add(R.PERF_INVALID, f"{prefix}LoadGen says {validity or 'nothing'}"
                + (f": {reason}" if reason else ""), file=path,
                line=_line(d, "result_validity"), expected="VALID", found=validity)


def _errors(ctx: ResultContext, d: MllogDetail, path: Path, prefix: str,
            compliance: bool) -> None:
    allowed = set(ctx.power_options.waive_errors if ctx.power_options else ())
    allowed &= set(ctx.pack["loadgen_errors"]["waivable"])
    if compliance:
        allowed |= set(ctx.pack["loadgen_errors"]["allowed_in_compliance"])
    for rec in d.errors():
        text = str(rec.value)
        if any(a in text for a in allowed):
            continue
        ctx.add(R.PERF_LOADGEN_ERROR, f"{prefix}{rec.key}: {text}", file=path, line=rec.line)


def _seeds(ctx: ResultContext, d: MllogDetail, path: Path, prefix: str, mode: str) -> None:
    official = ctx.pack["seeds"]
    found = {k: d.get(f"effective_{k}") for k in SEED_KEYS}
    if mode == "different":
        same = [k for k in SEED_KEYS if found[k] == official[k]]
        if same:
            ctx.add(R.COMP_SEEDS, f"{prefix}{', '.join(same)} equal the round's seeds",
                    file=path, expected="seeds other than the round's", found=found)
        return
    for key in SEED_KEYS:
        if found[key] != official[key]:
            ctx.add(R.PERF_SEEDS, f"{prefix}effective_{key} is not the round's", file=path,
                    line=_line(d, f"effective_{key}"), expected=official[key], found=found[key])


def _counts(ctx: ResultContext, d: MllogDetail, path: Path, prefix: str) -> None:
    bench = ctx.bench
    scenario = d.scenario
    min_dur = _num(d.get("effective_min_duration_ms"))
    if ctx.unit.benchmark not in ctx.pack["duration_exempt"] and (
            min_dur is None or min_dur < ctx.pack["min_duration_ms"]):
        ctx.add(R.PERF_DURATION, f"{prefix}effective_min_duration_ms is {min_dur}", file=path,
                line=_line(d, "effective_min_duration_ms"),
                expected=f">= {ctx.pack['min_duration_ms']}", found=min_dur)
    if bench is None:
        return
    psc = _num(d.get("effective_performance_sample_count"))
    if psc is None or psc < bench["performance_sample_count"]:
        ctx.add(R.PERF_SAMPLE_COUNT, f"{prefix}effective_performance_sample_count is {psc}",
                file=path, expected=f">= {bench['performance_sample_count']}", found=psc)
    early = ctx.pack["early_stopping"] and scenario in (SINGLE_STREAM, MULTI_STREAM, SERVER)
    if not early and scenario in ctx.pack["min_queries"]:
        queries = _num(d.get("result_query_count"))
        if queries is None:
            queries = _num(d.get("effective_min_query_count"))
        need = ctx.pack["min_queries"][scenario]
        if queries is not None and queries < need:
            ctx.add(R.PERF_MIN_QUERIES, f"{prefix}{queries:g} queries", file=path,
                    expected=f">= {need}", found=queries)
    if scenario == OFFLINE and ctx.unit.division != OPEN:
        spq = _num(d.get("effective_samples_per_query"))
        need = bench["offline_min_samples_per_query"]
        if spq is None or spq < need:
            ctx.add(R.PERF_OFFLINE_SPQ, f"{prefix}effective_samples_per_query is {spq}",
                    file=path, expected=f">= {need}", found=spq)
    if bench.get("equal_issue_mode") and d.get("effective_sample_concatenate_permutation") \
            is not True and _equal_issue_required(ctx) and not _equal_issue_in_conf(ctx):
        ctx.add(R.PERF_EQUAL_ISSUE, f"{prefix}effective_sample_concatenate_permutation is not "
                "true", file=path, expected=True,
                found=d.get("effective_sample_concatenate_permutation"))


def _equal_issue_required(ctx: ResultContext) -> bool:
    divisions = ctx.pack.get("equal_issue_divisions")
    return divisions is None or ctx.unit.division in divisions


def _equal_issue_in_conf(ctx: ResultContext) -> bool:
    """Whether the result's measurement configs set equal issue mode, which rounds up to
    v4.1 accept in place of the log's key: the last of the named files (user.conf after
    mlperf.conf) with a ``<model>.<scenario>.sample_concatenate_permutation`` line for this
    model (its name without -99/-99.9) or ``*``, and this scenario folder or ``*``, wins."""
    names = ctx.pack["measurements"].get("equal_issue_conf_files", [])
    # the round's checker names the model by its folder here, not by the mapped benchmark
    model = ctx.unit.benchmark.replace("-99.9", "").replace("-99", "")
    used = False
    for name in names:
        path = ctx.unit.measurements_dir / name
        if not path.is_file():
            continue
        for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
            line = raw.replace(" ", "")
            if not line or line.startswith("#") or line.count("=") != 1:
                continue
            key, val = line.split("=")
            parts = key.split(".")
            if len(parts) != 3:
                continue
            conf_model, conf_scenario, conf_key = parts
            if conf_key == "sample_concatenate_permutation" and conf_model in (model, "*") \
                    and conf_scenario in (ctx.unit.scenario_dir, "*") and val.isnumeric():
                used = int(val) == 1
                break
    return used


def _latency(ctx: ResultContext, d: MllogDetail, path: Path, prefix: str) -> None:
    bench = ctx.bench
    scenario = d.scenario
    if bench is None or scenario is None:
        return
    early = ctx.pack["early_stopping"] and scenario in (SINGLE_STREAM, MULTI_STREAM, SERVER)
    if early and d.get("early_stopping_met") is not True:
        ctx.add(R.PERF_EARLY_STOPPING, f"{prefix}early_stopping_met is "
                f"{d.get('early_stopping_met')}", file=path, line=_line(d, "early_stopping_met"),
                expected=True, found=d.get("early_stopping_met"))
    limit = bench.get("latency_constraints_ns", {}).get(scenario)
    if limit is not None:
        target = _num(d.get("effective_target_latency_ns"))
        p99 = _num(d.get("result_99.00_percentile_latency_ns"))
        if target is not None and target > limit:
            ctx.add(R.PERF_LATENCY, f"{prefix}effective_target_latency_ns {target:g} over the "
                    "constraint", file=path, expected=f"<= {limit}", found=target)
        if not early and not bench.get("use_token_latencies") and p99 is not None \
                and p99 > limit:
            ctx.add(R.PERF_LATENCY, f"{prefix}p99 latency {p99:g} ns over the constraint",
                    file=path, expected=f"<= {limit}", found=p99)
    if bench.get("use_token_latencies"):
        if d.get("requested_use_token_latencies") is not True and scenario != OFFLINE:
            ctx.add(R.PERF_TOKEN_LATENCY, f"{prefix}requested_use_token_latencies is not true",
                    file=path, expected=True, found=d.get("requested_use_token_latencies"))
        limits = bench.get("token_latency_limits_ms", {}).get(scenario)
        if limits:
            for short, key in (("ttft", "result_first_token_99.00_percentile_latency_ns"),
                               ("tpot", "result_time_per_output_token_99.00_percentile_ns")):
                value = _num(d.get(key))
                bound = limits[short] * 1e6
                if value is None or value >= bound:
                    ctx.add(R.PERF_TOKEN_LATENCY, f"{prefix}p99 {short.upper()} {value} ns",
                            file=path, expected=f"< {bound:g} ns", found=value)


def metric_value(ctx: ResultContext, d: MllogDetail) -> float | None:
    """The reported performance figure of the run (latencies in ms)."""
    scenario = d.scenario or ""
    bench = ctx.bench or {}
    key = bench.get("metric_keys", {}).get(scenario) or ctx.pack["metric_keys"].get(scenario)
    if key is None:
        return None
    value = _num(d.get(key))
    if value is None:
        return None
    return value / 1e6 if _LATENCY_METRIC.search(key) else value


def _line(d: MllogDetail, key: str) -> int | None:
    rec = d.record(key)
    return rec.line if rec is not None else None

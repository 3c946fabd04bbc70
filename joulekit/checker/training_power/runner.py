"""Check every MLPerf Training benchmark at or below a path: the energy-to-train as the
round's summarizer computes it, the official package checks, and the policy rules.

A benchmark is read run by run and a run file by file; only each file's
:class:`~joulekit.checker.training_power.facts.FileFacts` and energy are kept, so
memory does not grow with the node count. The round is ``--round`` (a training round:
its own series), else the ``training_results_v<X.Y>`` folder the tree sits in, else the
newest training round, and the report says which and why.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joulekit.checker.findings import Finding
from joulekit.checker.options import CheckOptions
from joulekit.checker.report import CheckReport, ResultReport
from joulekit.checker.training_power import policy
from joulekit.checker.training_power import rules as R
from joulekit.checker.training_power.energy import (
    FileEnergy,
    node_energy,
    olympic,
    switch_energy,
)
from joulekit.checker.training_power.facts import FileFacts, file_facts
from joulekit.checker.training_power.package import PackageVerdict, check_package
from joulekit.checker.training_power.report import TrainingResultReport
from joulekit.formats.layout import (
    NODE_PREFIX,
    TrainingBenchmark,
    TrainingRun,
    find_training_results,
    has_training_results,
    power_entry_suffix,
)
from joulekit.formats.safe_files import input_root
from joulekit.formats.training_power import (
    POWER_LOG_MAX_BYTES,
    PowerLog,
    ResultLog,
    read_number_of_nodes,
    read_power_log,
    read_result_log,
    read_scaling_factor,
)
from joulekit.rules.training_rounds import (
    TrainingRound,
    load_training_round,
    newest_training_round,
    normalize_round,
    training_rounds,
)

#: the public results repositories are named training_results_v<round>
_ROUND_IN_PATH = re.compile(r"^training_results_v(\d+\.\d+)$")


def claims(path: Path) -> bool:
    """A path holding a training benchmark (``results/<system>/<benchmark>/result_*.txt``)."""
    return has_training_results(path)


def _round_for(bench: TrainingBenchmark, forced: str | None) -> tuple[TrainingRound, str]:
    if forced:
        return load_training_round(forced), "given with --round"
    for part in reversed(bench.path.resolve().parts):
        match = _ROUND_IN_PATH.match(part)
        if match and normalize_round(match.group(1)) in training_rounds():
            return (load_training_round(match.group(1)),
                    f"from the folder name {part}")
    newest = newest_training_round()
    return (load_training_round(newest), f"not detected (no training_results_v<X.Y> folder "
            f"above the benchmark): the newest training round {newest}; pass --round")


@dataclass
class FileResult:
    facts: FileFacts
    energy: FileEnergy
    #: measured switch readings counted like a node (policy figure), J
    measured_j: float | None = None


@dataclass
class RunResult:
    run: TrainingRun
    result: ResultLog
    report: TrainingResultReport
    nodes: list[FileResult] = field(default_factory=list)
    switches: list[FileResult] = field(default_factory=list)
    energy_j: float | None = None
    policy_energy_j: float | None = None
    crash: str | None = None

    @property
    def valid_for_score(self) -> bool:
        """Counted by the summarizer (a result log with both marks, parsed cleanly)."""
        return (self.result.time_to_train_ms is not None and self.result.skipped == 0
                and self.result.crash is None)


def _issue_findings(log: PowerLog | ResultLog) -> list[Finding]:
    found: list[Finding] = []
    crash = log.crash
    for issue in log.issues:
        if issue is crash:
            continue
        found.append(R.UNREADABLE.finding(issue.message, file=issue.file, line=issue.line))
    if crash is not None:
        found.append(R.SUMMARIZER_CRASH.finding(crash.message, file=crash.file,
                                                line=crash.line))
    return found


def _check_file(path: Path, run: RunResult, rnd: TrainingRound, *, is_node: bool,
                findings: list[Finding]) -> FileResult:
    result = run.result
    log = read_power_log(path, "node power log" if is_node else "switch power log",
                         POWER_LOG_MAX_BYTES)
    findings.extend(_issue_findings(log))
    facts = file_facts(path.name, log, result.run_start, result.run_stop,
                       1000 * rnd.number("sampling.max_interval_s"),
                       1000 * rnd.number("sampling.gap_s"))
    ttt = result.time_to_train_ms
    if log.crash is not None:
        energy = FileEnergy(None, log.crash.message)
    elif ttt is None:
        energy = FileEnergy(None, None)
    elif is_node:
        energy = node_energy(log.records, ttt, rnd.formula.node)
    else:
        energy = switch_energy(log.records, ttt, rnd.formula)
    measured = None
    if not is_node and facts.readings and not facts.estimates and ttt is not None:
        counted = node_energy(log.records, ttt, rnd.formula.node)
        measured = counted.energy_j
    findings.extend(policy.file_findings(facts, result.run_start, result.run_stop, rnd,
                                         is_node=is_node))
    if is_node:
        findings.extend(policy.few_readings(facts, rnd))
    if energy.crash and log.crash is None:
        findings.append(R.SUMMARIZER_CRASH.finding(
            f"{path.name}: the {rnd.formula.id} formula of round {rnd.round} raises "
            f"{energy.crash}", file=str(path), found=energy.crash))
    return FileResult(facts, energy, measured)


def _node_index(name: str) -> int | None:
    try:
        return int(power_entry_suffix(name))
    except ValueError:
        return None


def _check_run(run: TrainingRun, bench: TrainingBenchmark, rnd: TrainingRound,
               package: PackageVerdict, system_nodes: int | None,
               round_reason: str) -> RunResult:
    result = read_result_log(run.result_file)
    report = TrainingResultReport(path=str(run.power_dir), round=rnd.round,
                                  round_reason=round_reason, scenario=bench.benchmark,
                                  figure=None, kind="run", formula=rnd.formula.id)
    out = RunResult(run, result, report)
    findings = report.findings
    findings.extend(_issue_findings(result))
    if result.run_start is None or result.run_stop is None:
        missing = [k for k, v in (("run_start", result.run_start),
                                  ("run_stop", result.run_stop)) if v is None]
        findings.append(R.RESULT_LOG.finding(
            f"{run.result_file.name} has no {' or '.join(missing)}: no time to train",
            file=str(run.result_file), expected="run_start and run_stop",
            found=f"no {', '.join(missing)}"))
    elif result.skipped:
        findings.append(R.RESULT_LOG.finding(
            f"{run.result_file.name}: {result.skipped} MLLOG line(s) do not parse; the "
            "summarizer drops this run as a parse error", file=str(run.result_file),
            found=f"{result.skipped} unparsable"))
    if result.status is not None and result.status != "success":
        findings.append(R.RUN_STATUS.finding(
            f"run_stop status is {result.status!r}", file=str(run.result_file),
            line=result.run_stop_line, expected="success", found=result.status))
    findings.extend(package.findings.get(run.name, []))
    if not run.power_dir.is_dir():
        out.crash = "no power folder (the summarizer asserts at least one node file)"
        return _finish(out)
    nodes, switches = run.node_files(), run.switch_files()
    if not nodes:
        out.crash = "AssertionError: no node_*.txt in the power folder"
        findings.append(R.SUMMARIZER_CRASH.finding(
            "the power folder holds no node_*.txt; the summarizer's assertion fails",
            file=str(run.power_dir), expected=">= 1 node file", found=0))
    for path in nodes:
        out.nodes.append(_check_file(path, out, rnd, is_node=True, findings=findings))
    for path in switches:
        out.switches.append(_check_file(path, out, rnd, is_node=False, findings=findings))
    node_facts = [n.facts for n in out.nodes]
    findings.extend(policy.identical_findings(node_facts))
    findings.extend(policy.clock_findings(node_facts + [s.facts for s in out.switches],
                                          result.run_start, result.run_stop, rnd))
    for switch in out.switches:
        if switch.measured_j is not None:
            findings.append(R.IGNORED_SWITCH.finding(
                f"{switch.facts.name}: {switch.facts.readings} power_reading values "
                f"({switch.facts.min_w:g}-{switch.facts.max_w:g} W) count 0 J in the "
                f"official figure; counted like a node they are {switch.measured_j:,.0f} J",
                file=switch.facts.path, expected="interconnect_power_est",
                found=f"official 0 J, measured {switch.measured_j:,.0f} J"))
    indices = sorted(i for p in nodes if (i := _node_index(p.name)) is not None)
    if indices and indices == list(range(1, len(indices) + 1)):
        findings.append(R.ONE_BASED.finding(
            f"node files are numbered {NODE_PREFIX}_1..{NODE_PREFIX}_{len(indices)}",
            file=str(run.power_dir), expected=f"node_0..node_{len(indices) - 1}",
            found=f"node_1..node_{len(indices)}"))
    if system_nodes is not None and len(nodes) != system_nodes:
        findings.append(R.NODE_COUNT.finding(
            f"{len(nodes)} node file(s) where {bench.system_json().name} says "
            f"number_of_nodes {system_nodes}", file=str(run.power_dir),
            expected=system_nodes, found=len(nodes)))
    return _finish(out)


def _finish(out: RunResult) -> RunResult:
    files = out.nodes + out.switches
    crashes = [f.energy.crash for f in files if f.energy.crash]
    if out.crash is None and crashes:
        out.crash = crashes[0]
    ttt = out.result.time_to_train_ms
    if out.crash is None and ttt is not None and all(f.energy.energy_j is not None
                                                      for f in files):
        out.energy_j = sum(f.energy.energy_j or 0.0 for f in files)
        extra = sum(f.measured_j or 0.0 for f in out.switches)
        out.policy_energy_j = out.energy_j + extra
    report = out.report
    report.energy_j = out.energy_j
    if out.policy_energy_j is not None and out.policy_energy_j != out.energy_j:
        report.policy_energy_j = out.policy_energy_j
    report.details = _run_details(out)
    return out


def _file_json(item: FileResult, run_start: float | None,
               run_stop: float | None) -> dict[str, Any]:
    facts = item.facts
    data: dict[str, Any] = {
        "file": facts.name,
        "energy_j": item.energy.energy_j,
        "crash": item.energy.crash,
        "conversion_eff": item.energy.eff if isinstance(item.energy.eff, int | float) else None,
        "readings": facts.readings,
        "window_ms": item.energy.window_ms,
        "run_window_energy_j": facts.run_energy_j if facts.readings else None,
        "longest_gap_s": facts.longest_gap_ms / 1000,
        "intervals_over_limit": facts.over_interval,
        "duplicate_times": facts.duplicates,
    }
    if run_start is not None and run_stop is not None and facts.window_start_ms is not None \
            and facts.window_stop_ms is not None:
        data["start_vs_run_start_s"] = (facts.window_start_ms - run_start) / 1000
        data["stop_vs_run_stop_s"] = (facts.window_stop_ms - run_stop) / 1000
        data["coverage_percent"] = policy.coverage_percent(facts, run_start, run_stop)
    if item.measured_j is not None:
        data["measured_energy_j"] = item.measured_j
    return data


def _run_details(out: RunResult) -> dict[str, Any]:
    result = out.result
    return {
        "run": out.run.name,
        "result_file": str(out.run.result_file),
        "run_start_ms": result.run_start,
        "run_stop_ms": result.run_stop,
        "time_to_train_ms": result.time_to_train_ms,
        "energy_j": out.energy_j,
        "policy_energy_j": out.policy_energy_j,
        "crash": out.crash,
        "nodes": [_file_json(n, result.run_start, result.run_stop) for n in out.nodes],
        "switches": [_file_json(s, result.run_start, result.run_stop) for s in out.switches],
    }


def _check_benchmark(bench: TrainingBenchmark, options: CheckOptions,
                     on_result: Callable[[ResultReport], None] | None) -> list[ResultReport]:
    rnd, reason = _round_for(bench, options.round)
    drop = rnd.olympic_drop(bench.benchmark)
    report = TrainingResultReport(path=str(bench.path), round=rnd.round, round_reason=reason,
                                  scenario=bench.benchmark, figure=None, kind="benchmark",
                                  formula=rnd.formula.id)
    findings = report.findings
    scaling, issues = read_scaling_factor(bench.scaling_json)
    findings.extend(R.SCALING.finding(i.message, file=i.file) for i in issues)
    system_nodes, issues = read_number_of_nodes(bench.system_json())
    findings.extend(R.UNREADABLE.finding(i.message, file=i.file) for i in issues)
    package = check_package(bench, drop)
    findings.extend(package.findings.get("", []))
    runs = [_check_run(run, bench, rnd, package, system_nodes, reason) for run in bench.runs()]
    if on_result is not None:
        for run in runs:
            on_result(run.report)
    valid = [r for r in runs if r.valid_for_score]
    rejected = len(runs) - len(valid)
    details: dict[str, Any] = {
        "benchmark": bench.benchmark, "system": bench.system, "round": rnd.round,
        "formula": rnd.formula.id, "formula_commit": rnd.formula.commit,
        "scaling_factor": scaling, "olympic_drop": drop, "runs": len(runs),
        "runs_rejected": rejected,
        "official_package_check": {
            "passes": not package.official_errors and package.official_crash is None
            and len(package.official_errors) <= drop,
            "runs_not_complying": sorted(package.official_errors),
            "crash": package.official_crash,
        },
    }
    if not bench.has_power:
        details["energy_j"] = None
        report.details = details
        return [report, *(r.report for r in runs)]
    unusable = [r for r in valid if r.energy_j is None]
    if not runs:
        findings.append(R.NO_FIGURE.finding("no result_<i>.txt: no run to score",
                                            file=str(bench.path)))
    elif unusable:
        names = [r.run.name for r in unusable]
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        why = unusable[0].crash or "no energy"
        computed = [r for r in valid if r.energy_j is not None]
        alone = "; ".join(f"{r.run.name} alone: {r.energy_j:,.0f} J" for r in computed[:3])
        findings.append(R.NO_FIGURE.finding(
            f"the benchmark energy cannot be computed: {len(names)} of {len(runs)} runs "
            f"have no energy ({shown}: {why}); the summarizer stops there"
            + (f". {alone}" if alone else ""), file=str(bench.path),
            expected="every counted run complete", found=f"{len(names)} runs without energy"))
    else:
        scored = [(r.run.name, r.result.time_to_train_ms or 0.0, r.energy_j or 0.0)
                  for r in valid]
        figure = olympic(scored, rejected, drop, scaling if scaling is not None else 1.0)
        policy_runs = [(n, t, r.policy_energy_j or 0.0) for (n, t, _e), r in zip(scored, valid,
                                                                                strict=True)]
        policy_figure = olympic(policy_runs, rejected, drop,
                                scaling if scaling is not None else 1.0)
        details["olympic"] = {"counted": figure.counted, "dropped_fastest": figure.dropped_fast,
                              "dropped_slowest": figure.dropped_slow}
        if figure.energy_j is None:
            findings.append(R.NO_FIGURE.finding(
                f"no energy figure: {figure.reason}", file=str(bench.path)))
            if rejected > drop:
                findings.append(R.TOO_MANY_REJECTED.finding(
                    f"{rejected} runs have no usable result log; olympic scoring accepts "
                    f"{drop}", file=str(bench.path), expected=f"<= {drop}", found=rejected))
        else:
            report.energy_j = figure.energy_j
            if policy_figure.energy_j is not None and policy_figure.energy_j != figure.energy_j:
                report.policy_energy_j = policy_figure.energy_j
            text = (f"energy-to-train {figure.energy_j:,.0f} J ({figure.energy_j / 3.6e6:.3f} "
                    f"kWh), formula {rnd.formula.id} of training round {rnd.round}: mean of "
                    f"{len(figure.counted)} runs by time-to-train order x scaling "
                    f"{scaling if scaling is not None else 1.0:.9g}")
            if report.policy_energy_j is not None:
                text += (f"; with measured switches counted {report.policy_energy_j:,.0f} J "
                         f"({100 * (report.policy_energy_j / figure.energy_j - 1):+.2f} %)")
            findings.append(R.ENERGY.finding(text, file=str(bench.path),
                                             found=f"{figure.energy_j:.3f} J"))
    details["energy_j"] = report.energy_j
    details["policy_energy_j"] = report.policy_energy_j
    report.details = details
    return [report, *(r.report for r in runs)]


def check_training(path: str | Path, options: CheckOptions | None = None, *,
                   on_result: Callable[[ResultReport], None] | None = None,
                   on_total: Callable[[int], None] | None = None) -> CheckReport:
    """Check every training benchmark at or below ``path``; one report per benchmark
    followed by one per run. Never raises for bad data; a forced unknown round is a
    UserError."""
    options = options or CheckOptions()
    root = Path(path)
    with input_root(root):
        benches = find_training_results(root)
        if on_total is not None:
            on_total(sum(len(b.runs()) for b in benches))
        results: list[ResultReport] = []
        for bench in benches:
            results.extend(_check_benchmark(bench, options, on_result))
    if not benches:
        results.append(_nothing(root, options))
    rounds = sorted({r.round for r in results})
    return CheckReport(results=results, round=rounds[0] if len(rounds) == 1 else "mixed")


def _nothing(root: Path, options: CheckOptions) -> ResultReport:
    rnd = load_training_round(options.round or newest_training_round())
    report = TrainingResultReport(path=str(root), round=rnd.round, round_reason="",
                                  scenario=None, figure=None, kind="benchmark")
    report.findings.append(R.NO_FIGURE.finding(
        "no MLPerf Training benchmark here: expected results/<system>/<benchmark>/"
        "result_<i>.txt below the path", file=str(root)))
    return report


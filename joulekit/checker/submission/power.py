"""Power results inside a submission: the file sets, the Power WG checks (the checker
part's ``check_power_result``) and inferred results reusing their base run's power."""

from __future__ import annotations

import hashlib
from pathlib import Path

from joulekit.checker.inference_power.runner import check_power_result
from joulekit.checker.options import CheckOptions
from joulekit.checker.submission import rules as R
from joulekit.checker.submission.context import ResultContext
from joulekit.formats.layout import (
    INTERACTIVE,
    MULTI_STREAM,
    OFFLINE,
    PERFORMANCE,
    POWER,
    POWER_CLIENT_JSON,
    POWER_SERVER_JSON,
    RANGING,
    RUN_1,
    RUN_1_SPL,
    SERVER,
    SINGLE_STREAM,
    canonical_scenario,
)
from joulekit.rules import load_pack

#: the power files an inferred result must share byte for byte with its base run
SHARED_POWER_FILES = (RUN_1_SPL, POWER_SERVER_JSON, POWER_CLIENT_JSON)


def check_file_sets(ctx: ResultContext) -> None:
    perf = ctx.unit.path / PERFORMANCE
    files = ctx.pack["power_files"]
    tolerated = set(ctx.pack["performance_files"]["tolerated"])
    for phase in (RUN_1, RANGING):
        folder = perf / phase
        present = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
        missing = [n for n in files["run"] if n not in present]
        extra = sorted(present - set(files["run"]) - tolerated)
        if missing or extra:
            ctx.add(R.POWER_FILES, f"{PERFORMANCE}/{phase}: "
                    + "; ".join(x for x in (("missing " + ", ".join(missing)) if missing else "",
                                            ("extra " + ", ".join(extra)) if extra else "") if x),
                    file=folder)
    folder = perf / POWER
    present = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    missing = [n for n in files["power"] if n not in present]
    if missing:
        ctx.add(R.POWER_FILES, f"{PERFORMANCE}/{POWER}: missing " + ", ".join(missing), file=folder)


def check_power(ctx: ResultContext, power_options: CheckOptions | None) -> None:
    """Run the Power WG checks and keep the published figure for the summary CSV."""
    check_file_sets(ctx)
    report = check_power_result(ctx.unit.path / PERFORMANCE, load_pack(ctx.pack["round"]),
                                power_options)
    base = str(ctx.unit.path / PERFORMANCE)
    for finding in report.findings:
        if finding.file is not None and not finding.file.startswith("/"):
            finding = type(finding)(**{**finding.to_dict(),
                                       "file": ctx.rel(Path(base) / finding.file)})
        ctx.findings.append(finding)
    figure = report.figure
    if figure is None:
        return
    value = float(figure.value)
    folder_scenario = ctx.unit.scenario
    if ctx.inferred and figure.scenario != folder_scenario:
        if folder_scenario == MULTI_STREAM and figure.scenario == SINGLE_STREAM:
            value *= 8
        elif folder_scenario in (OFFLINE, SERVER, INTERACTIVE) and figure.unit != "W":
            value = float(figure.stats.mean_w)
    ctx.power_metric = value
    if value == float(figure.value):
        ctx.power_figure = figure


def check_inferred_power(ctx: ResultContext, base_scenario: str) -> None:
    """An inferred result's power files must be its base run's, byte for byte."""
    bench_dir = ctx.unit.path.parent
    base = next((p for p in bench_dir.iterdir()
                 if p.is_dir() and canonical_scenario(p.name) == base_scenario), None)
    if base is None:
        ctx.add(R.PERF_INFERRED_POWER, f"no {base_scenario} result to infer from",
                file=bench_dir)
        return
    for rel in SHARED_POWER_FILES:
        mine = ctx.unit.path / PERFORMANCE / rel
        theirs = base / PERFORMANCE / rel
        if not (mine.is_file() and theirs.is_file()) or _sha(mine) != _sha(theirs):
            ctx.add(R.PERF_INFERRED_POWER, f"{PERFORMANCE}/{rel} differs from the "
                    f"{base_scenario} run's", file=mine)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()

"""Accuracy checks: the files, the metrics against the round's targets and limits, the
hash line and truncation of the accuracy log, and the sample count of the run."""

from __future__ import annotations

import re
from pathlib import Path

from joulekit.checker.findings import Severity
from joulekit.checker.submission import rules as R
from joulekit.checker.submission.context import ResultContext

HASH_LINE = re.compile(r"^hash=[0-9a-fA-F]{64}\s*$", re.MULTILINE)


def parse_metrics(text: str, patterns: dict[str, str], names: list[str]) -> dict[str, float]:
    """The first value of each named metric found in an accuracy script's output."""
    found: dict[str, float] = {}
    for name in names:
        pattern = patterns.get(name)
        if pattern is None:
            continue
        match = re.search(pattern, text, re.MULTILINE)
        if match is not None:
            try:
                found[name] = float(match.group(1).rstrip("."))
            except ValueError:
                continue
    return found


def check_hash_and_size(ctx: ResultContext, folder: Path, label: str) -> None:
    """accuracy.txt ends with the hash line; the accuracy log is truncated."""
    acc_txt = folder / "accuracy.txt"
    log = folder / "mlperf_log_accuracy.json"
    if acc_txt.is_file() and ctx.pack["accuracy"]["hash_required"]:
        text = acc_txt.read_text(encoding="utf-8", errors="replace")
        if HASH_LINE.search(text) is None:
            ctx.add(R.ACC_HASH, f"{label}accuracy.txt has no hash= line", file=acc_txt)
    if log.is_file():
        size = log.stat().st_size
        limit = ctx.pack["accuracy"]["max_log_bytes"]
        if size > limit:
            ctx.add(R.ACC_NOT_TRUNCATED, f"{label}mlperf_log_accuracy.json is {size} bytes",
                    file=log, expected=f"<= {limit}", found=size)


def check_accuracy(ctx: ResultContext) -> None:
    folder = ctx.unit.path / "accuracy"
    missing = [n for n in ctx.pack["accuracy"]["required_files"] if not (folder / n).is_file()]
    if missing:
        ctx.add(R.ACC_FILES, "accuracy/ lacks " + ", ".join(missing), file=folder)
    check_hash_and_size(ctx, folder, "")
    bench = ctx.bench
    acc_txt = folder / "accuracy.txt"
    if bench is not None and acc_txt.is_file():
        _targets(ctx, acc_txt, bench["accuracy_targets"], bench.get("accuracy_upper_limits", {}))
    detail_path = folder / "mlperf_log_detail.txt"
    if detail_path.is_file():
        detail = ctx.detail(detail_path)
        for rec in detail.errors():
            ctx.add(R.ACC_LOADGEN_ERROR, f"{rec.key}: {rec.value}", file=detail_path,
                    line=rec.line)
        if bench is not None:
            count = detail.get("effective_accuracy_sample_count")
            if count is None:
                count = detail.get("qsl_reported_total_count")
            wanted = {bench["dataset_size"], bench["accuracy_sample_count"]}
            if count not in wanted:
                ctx.add(R.ACC_SAMPLE_COUNT, f"the accuracy run covers {count} samples",
                        file=detail_path, expected=" or ".join(str(w) for w in sorted(wanted)),
                        found=count)


def _targets(ctx: ResultContext, acc_txt: Path, targets: dict[str, float],
             upper: dict[str, float]) -> None:
    text = acc_txt.read_text(encoding="utf-8", errors="replace")
    patterns = ctx.pack["accuracy"]["patterns"]
    values = parse_metrics(text, patterns, sorted(set(targets) | set(upper)))
    ctx.accuracy = values
    severity: Severity = "error"
    if ctx.unit.division == "open":
        severity = "warning" if ctx.pack["accuracy"]["open_division_low_accuracy"] == "warning" \
            else "error"
    for name, target in targets.items():
        if name not in values:
            ctx.add(R.ACC_UNPARSED, f"no {name} value in accuracy.txt", file=acc_txt,
                    expected=patterns.get(name))
        elif values[name] < target:
            ctx.add(R.ACC_TARGET, f"{name} {values[name]:g} below the target", file=acc_txt,
                    expected=f">= {target:g}", found=values[name], severity=severity)
    for name, limit in upper.items():
        if name in values and values[name] > limit:
            ctx.add(R.ACC_TARGET, f"{name} {values[name]:g} above the upper limit",
                    file=acc_txt, expected=f"<= {limit:g}", found=values[name],
                    severity=severity)

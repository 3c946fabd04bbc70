"""Accuracy checks: the files, the metrics against the round's targets and limits, the
hash line and truncation of the accuracy log, and the sample count of the run."""

from __future__ import annotations

import re
from pathlib import Path

from joulekit.checker.findings import Severity
from joulekit.checker.submission import rules as R
from joulekit.checker.submission.context import ResultContext
from joulekit.formats.layout import ACCURACY, ACCURACY_LOG, ACCURACY_TXT, DETAIL_LOG, OPEN

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


def metric_texts(text: str, patterns: dict[str, str], names: list[str]) -> dict[str, str]:
    """Each named metric as the accuracy script printed it, in ``names`` order: the last
    match in the file, as the round's checker reads accuracy.txt line by line."""
    found: dict[str, str] = {}
    for name in names:
        pattern = patterns.get(name)
        if pattern is None:
            continue
        matches = list(re.finditer(pattern, text, re.MULTILINE))
        if matches:
            found[name] = matches[-1].group(1)
    return found


def check_hash_and_size(ctx: ResultContext, folder: Path, label: str) -> None:
    """accuracy.txt ends with the hash line; the accuracy log is truncated."""
    acc_txt = folder / ACCURACY_TXT
    log = folder / ACCURACY_LOG
    if acc_txt.is_file() and ctx.pack["accuracy"]["hash_required"]:
        text = acc_txt.read_text(encoding="utf-8", errors="replace")
        if HASH_LINE.search(text) is None:
            ctx.add(R.ACC_HASH, f"{label}accuracy.txt has no hash= line", file=acc_txt)
    if log.is_file():
        size = log.stat().st_size
        limit = ctx.pack["accuracy"]["max_log_bytes"]
        if size > limit:
            ctx.add(R.ACC_NOT_TRUNCATED, f"{label}{ACCURACY_LOG} is {size} bytes",
                    file=log, expected=f"<= {limit}", found=size)


def check_accuracy(ctx: ResultContext) -> None:
    folder = ctx.unit.path / ACCURACY
    missing = [n for n in ctx.pack["accuracy"]["required_files"] if not (folder / n).is_file()]
    if missing:
        ctx.add(R.ACC_FILES, "accuracy/ lacks " + ", ".join(missing), file=folder)
    check_hash_and_size(ctx, folder, "")
    bench = ctx.bench
    if bench is not None:
        _extra_files(ctx, folder, bench.get("extra_accuracy_files", {}))
    acc_txt = folder / ACCURACY_TXT
    if bench is not None and acc_txt.is_file():
        _targets(ctx, acc_txt, bench["accuracy_targets"], bench.get("accuracy_upper_limits", {}))
    detail_path = folder / DETAIL_LOG
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


def _extra_files(ctx: ResultContext, folder: Path, wanted: dict[str, list[str]]) -> None:
    """Each named sub-folder of accuracy/ must hold a file for every stem the round lists
    (any extension: ``4459`` is met by ``4459.png``). The round's checker counts a miss as
    an accuracy failure, which the open division takes as it takes a low accuracy."""
    severity = _open_severity(ctx)
    for sub, stems in wanted.items():
        where = folder / sub
        if not where.is_dir():
            ctx.add(R.ACC_EXTRA_FILES, f"accuracy/{sub}/ is missing", file=where,
                    expected=f"{len(stems)} files", severity=severity)
            continue
        present = {p.name.split(".")[0] for p in where.iterdir() if p.is_file()}
        missing = [s for s in stems if s not in present]
        if missing:
            ctx.add(R.ACC_EXTRA_FILES, f"accuracy/{sub}/ lacks " + ", ".join(missing),
                    file=where, expected=", ".join(stems), severity=severity)


def _targets(ctx: ResultContext, acc_txt: Path, targets: dict[str, float],
             upper: dict[str, float]) -> None:
    text = acc_txt.read_text(encoding="utf-8", errors="replace")
    patterns = ctx.pack["accuracy"]["patterns"]
    values = parse_metrics(text, patterns, sorted(set(targets) | set(upper)))
    ctx.accuracy = values
    ctx.accuracy_text = metric_texts(text, patterns, list(targets))
    severity = _open_severity(ctx)
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


def _open_severity(ctx: ResultContext) -> Severity:
    """An accuracy miss fails a closed result; the open division may take it (per round)."""
    if ctx.unit.division == OPEN and ctx.pack["accuracy"]["open_division_low_accuracy"] \
            == "warning":
        return "warning"
    return "error"

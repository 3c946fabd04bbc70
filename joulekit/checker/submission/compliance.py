"""Compliance (audit) tests: present for the benchmark, passing by their verify files,
with the performance checks re-run on their own LoadGen logs."""

from __future__ import annotations

import re
from typing import Any

from joulekit.checker.submission import rules as R
from joulekit.checker.submission.accuracy import check_hash_and_size, parse_metrics
from joulekit.checker.submission.context import ResultContext
from joulekit.checker.submission.performance import check_log
from joulekit.formats.layout import ACCURACY, DETAIL_LOG, OPEN, PERFORMANCE, RUN_1


def check_compliance(ctx: ResultContext) -> None:
    bench = ctx.bench
    if bench is None or ctx.unit.division == OPEN:
        return
    tests: dict[str, Any] = ctx.pack["compliance_tests"]
    for name in bench["compliance_tests"]:
        folder = ctx.unit.compliance_dir / name
        if not folder.is_dir():
            ctx.add(R.COMP_MISSING, f"{name} is missing", file=folder)
            continue
        spec = tests[name]
        missing = [f for f in spec["files"] if not (folder / f).is_file()]
        if missing:
            ctx.add(R.COMP_FILES, f"{name} lacks " + ", ".join(missing), file=folder)
        accuracy_failed = False
        for fname, needles in spec["pass"].items():
            path = folder / fname
            if not path.is_file():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for needle in needles:
                if re.search(needle, text) is None:
                    if fname == "verify_accuracy.txt" and spec.get("fallback_when_accuracy_fails"):
                        accuracy_failed = True
                        continue
                    ctx.add(R.COMP_FAILED, f"{name}/{fname} does not say {needle!r}", file=path)
        if accuracy_failed:
            _accuracy_fallback(ctx, name, spec)
        if spec.get("truncate_accuracy") and (folder / ACCURACY).is_dir():
            check_hash_and_size(ctx, folder / ACCURACY, f"{name}: ")
        if spec["rerun_performance"]:
            check_log(ctx, folder / PERFORMANCE / RUN_1 / DETAIL_LOG,
                      label=name, compliance=True, seeds=spec["seeds"])
        elif spec["seeds"] == "different":
            check_log(ctx, folder / PERFORMANCE / RUN_1 / DETAIL_LOG,
                      label=name, compliance=True, seeds="different")


def _accuracy_fallback(ctx: ResultContext, name: str, spec: dict[str, Any]) -> None:
    """Non-deterministic SUT: the sampled responses may differ, so the accuracy of the
    audit run must be within 1 % (0.1 % for -99.9 benchmarks) of the baseline."""
    folder = ctx.unit.compliance_dir / name
    files = [folder / f for f in spec["fallback_when_accuracy_fails"]]
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        ctx.add(R.COMP_FAILED, f"{name}/verify_accuracy.txt does not pass and "
                + ", ".join(missing) + " are missing", file=folder)
        return
    bench = ctx.bench or {}
    names = sorted(bench.get("accuracy_targets", {}))
    patterns = ctx.pack["accuracy"]["patterns"]
    base = parse_metrics(files[0].read_text(errors="replace"), patterns, names)
    comp = parse_metrics(files[1].read_text(errors="replace"), patterns, names)
    tolerance = 0.001 if ctx.unit.benchmark.endswith("99.9") else 0.01
    for metric in names:
        if metric not in base or metric not in comp:
            ctx.add(R.COMP_FAILED, f"{name}: {metric} not found in the baseline or audit "
                    "accuracy", file=folder)
            continue
        ref = base[metric]
        delta = abs(comp[metric] - ref) / ref if ref else abs(comp[metric])
        if delta > tolerance:
            ctx.add(R.COMP_FAILED, f"{name}: {metric} differs by {delta:.4%} from the baseline",
                    file=folder, expected=f"<= {tolerance:.1%}", found=f"{delta:.4%}")

"""The official package checker's power checks (``power_checker.py``), done right and
said where the official code is wrong.

The official check runs only when ``<benchmark>/power/`` exists. Per run: a power folder
must exist (TRN001); entries starting with ``node`` / ``sw`` are node / switch files
whatever their extension, their suffix after the last ``_`` must be an integer
(otherwise the official code raises ValueError: TRN003) in ``0..n-1`` (TRN002; the
official ``seen`` set is never filled, so duplicates pass there and are an error here);
other names are warned about (TRN004). The counts must equal the most common count over
the runs (TRN005). Bad runs share the olympic allowance (TRN006). Where the official
check passes only because a plot counts as a node file, TRN007 says so.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from joulekit.checker.findings import Finding
from joulekit.checker.training_power import rules as R
from joulekit.formats.layout import (
    NODE_PREFIX,
    SWITCH_PREFIX,
    TrainingBenchmark,
    TrainingRun,
    power_entry_suffix,
)

_LOG_NAME = re.compile(r"^(node|sw)_(\d+)\.txt$")
#: ``node_3.txt`` and ``node_3.csv`` both claim index 3
_NUMBERED = re.compile(r"^(node|sw)_(\d+)(\.[^.]*)?$")


@dataclass
class PackageVerdict:
    """The official package check of one benchmark, and ours."""

    #: findings per run name ("" for the benchmark)
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    #: runs the official checker counts as not complying
    official_errors: set[str] = field(default_factory=set)
    #: the official checker would raise before a verdict
    official_crash: str | None = None
    node_counts: dict[str, int] = field(default_factory=dict)

    def add(self, run: str, finding: Finding) -> None:
        self.findings.setdefault(run, []).append(finding)


def _in_range(indices: list[int], count: int) -> bool:
    return all(0 <= i <= count - 1 for i in indices)


def _entries(run: TrainingRun) -> tuple[list[Path], list[Path], list[Path]]:
    found = run.power_entries()
    return found[NODE_PREFIX], found[SWITCH_PREFIX], found["other"]


def _check_kind(verdict: PackageVerdict, run: TrainingRun, kind: str,
                entries: list[Path]) -> None:
    indices: list[int] = []
    for entry in entries:
        suffix = power_entry_suffix(entry.name)
        try:
            indices.append(int(suffix))
        except ValueError:
            verdict.official_crash = verdict.official_crash or (
                f"ValueError: invalid literal for int() with base 10: {suffix!r} "
                f"({entry.name} in {run.power_dir})")
            verdict.add(run.name, R.NAME_CRASH.finding(
                f"{entry.name}: the package checker reads {suffix!r} as the index and "
                "raises ValueError, stopping the whole check", file=str(entry),
                expected=f"{kind}_<integer>", found=entry.name))
    if not _in_range(indices, len(entries)):
        verdict.official_errors.add(run.name)
        verdict.add(run.name, R.NAME_RANGE.finding(
            f"{kind} entries are numbered {sorted(indices)}; the package checker expects "
            f"0..{len(entries) - 1} for {len(entries)} entries", file=str(run.power_dir),
            expected=f"0..{len(entries) - 1}", found=sorted(indices)))
        return
    numbered = [int(m.group(2)) for e in entries if (m := _NUMBERED.match(e.name))]
    duplicated = sorted(i for i, n in Counter(numbered).items() if n > 1)
    logs = [int(m.group(2)) for e in entries if (m := _LOG_NAME.match(e.name))]
    if duplicated:
        verdict.add(run.name, R.NAME_RANGE.finding(
            f"{kind} index {duplicated} is used by more than one entry (the package "
            "checker never fills its `seen` set and passes this)", file=str(run.power_dir),
            expected="each index once", found=duplicated))
    elif len(logs) != len(entries) and not _in_range(logs, len(logs)):
        verdict.add(run.name, R.PASSES_BY_PLOT.finding(
            f"the {kind} logs are numbered {sorted(logs)}; the package checker passes "
            f"only because it counts {len(entries) - len(logs)} other {kind}* entr(ies) "
            f"({', '.join(e.name for e in entries if not _LOG_NAME.match(e.name))}) as "
            f"{kind} files", file=str(run.power_dir),
            expected=f"{kind}_0..{kind}_{len(logs) - 1}", found=sorted(logs)))


def check_package(bench: TrainingBenchmark, olympic_drop: int) -> PackageVerdict:
    """Every official power package check of one benchmark (only when ``power/``
    exists, as the official code)."""
    verdict = PackageVerdict()
    if not bench.has_power:
        return verdict
    node_lens: dict[str, int] = {}
    sw_lens: dict[str, int] = {}
    for run in bench.runs():
        if not run.power_dir.is_dir():
            verdict.official_errors.add(run.name)
            verdict.add(run.name, R.POWER_FOLDER.finding(
                f"{run.result_file.name} has no power folder", file=str(run.power_dir),
                expected=str(run.power_dir), found="missing"))
            continue
        nodes, switches, others = _entries(run)
        _check_kind(verdict, run, NODE_PREFIX, nodes)
        _check_kind(verdict, run, SWITCH_PREFIX, switches)
        stray = others + [e for e in nodes + switches if not _LOG_NAME.match(e.name)]
        for entry in stray:
            counted = ("counted as a node file" if entry.name.startswith(NODE_PREFIX) else
                       "counted as a switch file" if entry.name.startswith(SWITCH_PREFIX)
                       else "warned about")
            verdict.add(run.name, R.STRAY_ENTRY.finding(
                f"{entry.name} is no node_<j>.txt or sw_<k>.txt (the package checker: "
                f"{counted})", file=str(entry)))
        node_lens[run.name] = len(nodes)
        sw_lens[run.name] = len(switches)
    verdict.node_counts = {name: sum(1 for e in _entries(run)[0] if _LOG_NAME.match(e.name))
                           for run in bench.runs() if (name := run.name) in node_lens}
    for kind, lens in ((NODE_PREFIX, node_lens), (SWITCH_PREFIX, sw_lens)):
        if not lens:
            continue
        common = Counter(lens.values()).most_common(1)[0][0]
        for name, count in lens.items():
            if count != common:
                verdict.official_errors.add(name)
                verdict.add(name, R.COUNT_DIFFERS.finding(
                    f"{count} {kind} entries where the other runs have {common}",
                    expected=common, found=count))
    if len(verdict.official_errors) > olympic_drop:
        names = sorted(verdict.official_errors)
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        verdict.add("", R.TOO_MANY_REJECTED.finding(
            f"{len(names)} runs do not comply ({shown}); olympic scoring accepts "
            f"{olympic_drop}: the package checker rejects the benchmark directory",
            file=str(bench.path), expected=f"<= {olympic_drop}", found=len(names)))
    return verdict

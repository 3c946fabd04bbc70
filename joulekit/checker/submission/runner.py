"""Check a whole submission tree: hygiene once, then every result in parallel.

Results are independent, so they go to a process pool (one task per result); the tree
walk runs in the parent meanwhile. The verdicts come back in a stable order, so two runs
over the same tree write the same reports.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from joulekit.checker.findings import Finding, exit_code
from joulekit.checker.options import CheckOptions
from joulekit.checker.report import CheckReport, ResultReport
from joulekit.checker.submission import rules as R
from joulekit.checker.submission.hygiene import cross_references, walk_tree
from joulekit.checker.submission.result import ResultVerdict, check_result
from joulekit.checker.submission.tree import ResultUnit, discover
from joulekit.errors import UserError
from joulekit.formats.layout import tree_root
from joulekit.rules import load_pack
from joulekit.rules.detect import detect_tree_round


@dataclass
class SubmissionReport:
    root: Path
    round: str
    round_why: str
    tree_findings: list[Finding] = field(default_factory=list)
    results: list[ResultVerdict] = field(default_factory=list)

    def all_findings(self) -> Iterable[tuple[str, Finding]]:
        for f in self.tree_findings:
            yield "(tree)", f
        for r in self.results:
            for f in r.findings:
                yield r.unit.label, f

    @property
    def error_count(self) -> int:
        return sum(1 for _, f in self.all_findings() if f.severity == "error")

    @property
    def warning_count(self) -> int:
        return sum(1 for _, f in self.all_findings() if f.severity == "warning")

    def exit_code(self) -> int:
        return exit_code(f.severity for _, f in self.all_findings())

    def to_check_report(self) -> CheckReport:
        """The core report every output format writes: one entry per result, after a
        first ``(tree)`` entry for the tree-level findings."""
        entries = [ResultReport(path="(tree)", round=self.round, round_reason=self.round_why,
                                scenario=None, figure=None, findings=list(self.tree_findings))]
        for verdict in self.results:
            entries.append(ResultReport(path=verdict.unit.label, round=self.round,
                                        round_reason=self.round_why, scenario=verdict.scenario,
                                        figure=verdict.power_figure,
                                        findings=list(verdict.findings)))
        return CheckReport(results=entries, round=self.round)


def _folder_owners(units: list[ResultUnit]) -> dict[str, ResultUnit]:
    """Each result's own folders (relative to the tree root) -> that result."""
    owners: dict[str, ResultUnit] = {}
    for unit in units:
        for folder in (unit.path, unit.measurements_dir, unit.compliance_dir):
            owners.setdefault(folder.relative_to(unit.root).as_posix(), unit)
    return owners


def _owner(finding: Finding, owners: dict[str, ResultUnit]) -> ResultUnit | None:
    """The result whose folders hold the finding's file, if any (nearest folder wins)."""
    if finding.file is None:
        return None
    path = finding.file
    while path:
        unit = owners.get(path)
        if unit is not None:
            return unit
        path = path.rpartition("/")[0]
    return None


def check_submission(path: Path, round_name: str | None = None, *,
                     power_options: CheckOptions | None = None,
                     workers: int | None = None) -> SubmissionReport:
    """Check the submission tree at ``path`` against the rule pack of its round;
    ``power_options`` go to the inference power checks of every power result."""
    path = Path(path)
    root = tree_root(path)
    if root is None:
        raise UserError(f"{path} is not a submission tree (no closed/, open/ or network/ "
                        "folder in it or above it)")
    guessed: list[Finding] = []
    if round_name is None:
        guess = detect_tree_round(path)
        round_name, why = guess.round, guess.why
        if guess.ambiguous:
            guessed.append(R.ROUND_GUESSED.finding(
                f"the tree fits {', '.join(guess.candidates)}; checked as {guess.round}",
                expected="one round", found=", ".join(guess.candidates)))
    else:
        why = "given on the command line"
    pack = load_pack(round_name).submission
    units = discover(root, pack["layout"], pack.get("open_model_mapping"))
    if path != root:
        units = [u for u in units if path in (u.path, *u.path.parents)]
    tree = walk_tree(root, pack) + cross_references(root, units, pack)
    handed: dict[ResultUnit, list[Finding]] = {}
    report = SubmissionReport(root=root, round=round_name, round_why=why)
    report.tree_findings.extend(guessed)
    owners = _folder_owners(units)
    for finding in tree:
        owner = _owner(finding, owners)
        if owner is None:
            report.tree_findings.append(finding)
        else:
            handed.setdefault(owner, []).append(finding)
    jobs = [(u, round_name, power_options, tuple(handed.get(u, []))) for u in units]
    n = workers if workers is not None else min(len(jobs), os.cpu_count() or 1)
    if n <= 1 or len(jobs) <= 1:
        report.results = [check_result(*job) for job in jobs]
    else:
        with ProcessPoolExecutor(max_workers=n) as pool:
            futures = [pool.submit(check_result, *job) for job in jobs]
            report.results = [f.result() for f in futures]
    return report

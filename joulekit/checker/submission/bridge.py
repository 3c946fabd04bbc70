"""Hand a submission report to the checker's report writers (table, JSON, JUnit, CSV).

``joulekit check`` prints one kind of report whatever it checked; this turns a
:class:`SubmissionReport` into the checker's :class:`CheckReport` (one entry per result,
plus one ``(tree)`` entry for tree-level findings) and is the hook the CLI calls.
"""

from __future__ import annotations

from pathlib import Path

from joulekit.checker.options import CheckOptions
from joulekit.checker.report import CheckReport, ResultReport
from joulekit.checker.submission.runner import SubmissionReport, check_submission


def to_check_report(report: SubmissionReport) -> CheckReport:
    entries = [ResultReport(path="(tree)", round=report.round, round_reason=report.round_why,
                            scenario=None, figure=None, findings=list(report.tree_findings))]
    for verdict in report.results:
        entries.append(ResultReport(path=verdict.unit.label, round=report.round,
                                    round_reason=report.round_why, scenario=verdict.scenario,
                                    figure=verdict.power_figure,
                                    findings=list(verdict.findings)))
    return CheckReport(results=entries, round=report.round)


def check_tree(path: Path, options: CheckOptions, *, jobs: int | None = None,
               summary_csv: Path | None = None) -> CheckReport:
    """What ``joulekit check`` runs on a submission tree (see docs/internals.md)."""
    from joulekit.checker.submission.summary import write_csv

    report = check_submission(path, options.round, options={"power_options": options},
                              workers=jobs)
    if summary_csv is not None:
        write_csv(report, summary_csv)
    return to_check_report(report)

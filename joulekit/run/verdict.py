"""The checker's verdict on a run's result, split the way a demo or rehearsal reports it.

A run with the simulator and shortened phases fails some rules *by design* (not
PTDaemon, not a real analyzer, too short): those are kept apart from every other
finding, which is a real problem. ``joulekit run`` and ``joulekit run --rehearse`` both
report this split, so it is computed here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from joulekit.checker import BY_DESIGN_FOR_SIMULATION, REGISTRY, check_power_result
from joulekit.checker.report import ResultReport
from joulekit.rules import available_rounds, load_pack


@dataclass(frozen=True)
class RuleOutcome:
    """One failed rule in the checked result."""

    rule: str
    title: str
    severity: str
    message: str


@dataclass(frozen=True)
class RunVerdict:
    """The report, and its errors and warnings: by design, and the others in report order."""

    report: ResultReport
    by_design: tuple[RuleOutcome, ...]
    others: tuple[RuleOutcome, ...]

    @property
    def failures(self) -> tuple[RuleOutcome, ...]:
        return tuple(r for r in self.others if r.severity == "error")

    @property
    def warnings(self) -> tuple[RuleOutcome, ...]:
        return tuple(r for r in self.others if r.severity != "error")


def check_run(result_dir: Path, round_name: str | None) -> RunVerdict:
    """Check ``result_dir`` with the round's pack (the newest round when None)."""
    pack = load_pack(round_name or available_rounds()[-1])
    report = check_power_result(result_dir, pack)
    by_design: list[RuleOutcome] = []
    others: list[RuleOutcome] = []
    for finding in report.findings:
        if finding.severity not in ("error", "warning"):
            continue
        rule = REGISTRY.get(finding.rule)
        item = RuleOutcome(finding.rule, rule.title if rule else finding.rule,
                           finding.severity, finding.message)
        (by_design if finding.rule in BY_DESIGN_FOR_SIMULATION else others).append(item)
    return RunVerdict(report, tuple(by_design), tuple(others))

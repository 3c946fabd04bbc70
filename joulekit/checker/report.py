"""Results of a check run: one ``ResultReport`` per power result, one ``CheckReport`` per call.

``CheckReport.to_json`` is the contract other tools read (documented in
``docs/usage-checker.md``); new keys may be added, the documented ones never change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from joulekit import __version__
from joulekit.checker.findings import Finding, exit_code
from joulekit.checker.metrics import PowerFigure


@dataclass
class ResultReport:
    """The verdict on one performance folder.

    ``compat_differences`` is filled only with ``--compat reference``: the rules whose
    verdict on this result differs from the default (correct) mode.
    """

    path: str
    round: str
    round_reason: str
    scenario: str | None
    figure: PowerFigure | None
    findings: list[Finding] = field(default_factory=list)
    compat: str = "correct"
    compat_differences: list[str] = field(default_factory=list)
    #: with ``--compat reference``: per rule either mode raises, how the reference stands
    compat_notes: dict[str, str] = field(default_factory=dict)

    #: the catalog domain whose rules a JUnit suite lists for this result
    rule_domain: ClassVar[str] = "power"

    def figure_fields(self) -> tuple[str, float, str, float | None, str] | None:
        """(metric, value, unit, efficiency, efficiency unit) for the table and CSV; a
        domain's report with another kind of figure overrides this."""
        figure = self.figure
        if figure is None:
            return None
        return (figure.metric, figure.value, figure.unit, figure.efficiency,
                figure.efficiency_unit)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def valid(self) -> bool:
        return self.errors == 0

    def power_json(self) -> dict[str, Any] | None:
        figure = self.figure
        if figure is None:
            return None
        stats = figure.stats
        return {
            "metric": figure.metric,
            "value": figure.value,
            "unit": figure.unit,
            "samples": stats.samples,
            "window_s": stats.window_s,
            "efficiency": {"value": figure.efficiency, "unit": figure.efficiency_unit},
            "inferred_from": figure.inferred_from,
            "expected_samples": stats.expected_samples,
            "largest_gap_s": stats.largest_gap_s,
            "watts": {"min": stats.min_w, "mean": stats.mean_w, "max": stats.max_w},
            "power_factor": {"min": stats.min_pf, "mean": stats.mean_pf, "max": stats.max_pf},
            "energy_j": {
                "mean_x_window": stats.mean_energy_j,
                "time_weighted": stats.time_weighted_energy_j,
            },
        }

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "path": self.path,
            "round": self.round,
            "round_reason": self.round_reason,
            "scenario": self.scenario,
            "valid": self.valid,
            "power": self.power_json(),
            "findings": [f.to_dict() for f in self.findings],
        }
        if self.compat != "correct":
            data["compat"] = {
                "mode": self.compat,
                "rules_differing": self.compat_differences,
                "reference_per_rule": self.compat_notes,
            }
        return data


@dataclass
class CheckReport:
    results: list[ResultReport]
    round: str

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.results)

    @property
    def warnings(self) -> int:
        return sum(r.warnings for r in self.results)

    def exit_code(self) -> int:
        return exit_code(f.severity for r in self.results for f in r.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "joulekit_version": __version__,
            "round": self.round,
            "results": [r.to_json() for r in self.results],
            "summary": {
                "results": len(self.results),
                "valid": sum(1 for r in self.results if r.valid),
                "errors": self.errors,
                "warnings": self.warnings,
            },
        }

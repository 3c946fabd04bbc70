"""The state of checking one result: its rule pack section, its findings, its parsed logs.

One object per result, created in the worker process that checks it, so nothing is
shared between results and one broken result cannot disturb another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joulekit.checker.findings import Finding, Severity
from joulekit.checker.metrics import PowerFigure
from joulekit.checker.registry import Rule
from joulekit.checker.submission.tree import ResultUnit
from joulekit.formats.mllog import MllogDetail, read_detail


@dataclass
class ResultContext:
    unit: ResultUnit
    pack: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    system: dict[str, Any] | None = None
    measurements: dict[str, Any] | None = None
    metric: float | None = None
    accuracy: dict[str, float] = field(default_factory=dict)
    power_metric: float | None = None
    #: the power checker's figure behind ``power_metric`` (as measured, before inference)
    power_figure: PowerFigure | None = None
    inferred: bool = False
    _details: dict[str, MllogDetail] = field(default_factory=dict)

    @property
    def bench(self) -> dict[str, Any] | None:
        """The benchmark's pack entry, by folder name or alias."""
        benches: dict[str, Any] = self.pack["benchmarks"]
        name = self.unit.benchmark
        if name in benches:
            return dict(benches[name])
        for entry in benches.values():
            if name in entry.get("aliases", []):
                return dict(entry)
        return None

    def rel(self, path: Path) -> str:
        """A path relative to the tree root, as findings show it."""
        try:
            return str(path.relative_to(self.unit.root))
        except ValueError:
            return str(path)

    def add(self, rule: Rule, message: str, *, file: Path | None = None, line: int | None = None,
            expected: object = None, found: object = None,
            severity: Severity | None = None) -> None:
        self.findings.append(rule.finding(
            message, file=None if file is None else self.rel(file), line=line,
            expected=expected, found=found, severity=severity))

    def detail(self, path: Path) -> MllogDetail:
        key = str(path)
        if key not in self._details:
            self._details[key] = read_detail(path)
        return self._details[key]

    @property
    def failed(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

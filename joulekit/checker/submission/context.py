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
from joulekit.checker.options import CheckOptions
from joulekit.checker.registry import Rule
from joulekit.checker.submission.tree import ResultUnit
from joulekit.formats.mllog import MllogDetail, read_detail


def mlperf_model(pack: dict[str, Any], model: str, mapped: str = "") -> str | None:
    """The benchmark a model folder stands for, as the round's checker resolves it: the
    official name, then the round's aliases, then the submitter's mapping, then the
    round's guesses by substring (``resnet50-int8`` -> ``resnet``)."""
    benches: dict[str, Any] = pack["benchmarks"]

    def official(name: str) -> str | None:
        if name in benches:
            return name
        return next((b for b, e in benches.items() if name in e.get("aliases", [])), None)

    found = official(model)
    if found is None and mapped:
        found = official(mapped)
    if found is None:
        for needle, target in pack.get("model_name_guesses", []):
            if needle in model:
                return official(target)
    return found


@dataclass
class ResultContext:
    unit: ResultUnit
    pack: dict[str, Any]
    #: what the inference power checks of a power result are told
    power_options: CheckOptions | None = None
    findings: list[Finding] = field(default_factory=list)
    system: dict[str, Any] | None = None
    measurements: dict[str, Any] | None = None
    metric: float | None = None
    accuracy: dict[str, float] = field(default_factory=dict)
    #: the target metrics as accuracy.txt prints them, in the round's order (summary CSV)
    accuracy_text: dict[str, str] = field(default_factory=dict)
    power_metric: float | None = None
    #: the power checker's figure behind ``power_metric`` (as measured, before inference)
    power_figure: PowerFigure | None = None
    inferred: bool = False
    _details: dict[str, MllogDetail] = field(default_factory=dict)

    @property
    def bench(self) -> dict[str, Any] | None:
        """The benchmark's pack entry, by folder name, alias or the open division's
        model mapping."""
        name = self.mlperf_model
        if name is None:
            return None
        return dict(self.pack["benchmarks"][name])

    @property
    def mlperf_model(self) -> str | None:
        """The round's benchmark this result is judged as (None: not a benchmark)."""
        return mlperf_model(self.pack, self.unit.benchmark, self.unit.mapped)

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

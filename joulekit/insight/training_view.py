"""What the training report shows: plain data, filled from the training checker's reports.

Every energy here is the checker's (``joulekit.checker.training_power``): the official
figure as the round's summarizer computes it, the policy figure with measured switch
readings counted, each run's and each file's energy. The report adds only the traces
(readings on one timeline, for the eye) and the pictures. The page writer
(``joulekit.insight.training_html``) reads only these dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from joulekit.checker.findings import Finding
from joulekit.insight.plots import Picture

#: how a run took part in the benchmark figure (olympic scoring)
COUNTED = "counted"
DROPPED_FASTEST = "dropped (fastest)"
DROPPED_SLOWEST = "dropped (slowest)"
REJECTED = "rejected (no usable result log)"
NOT_SCORED = "not scored (no benchmark figure)"


@dataclass(frozen=True)
class FileRow:
    """One node or switch power log of a run, as the checker measured it."""

    name: str
    kind: str  # node | switch
    energy_j: float | None
    #: a switch's measured readings counted like a node (policy figure only), J
    measured_j: float | None
    crash: str | None
    conversion_eff: float | None
    readings: int
    coverage_percent: float | None
    start_vs_run_start_s: float | None
    stop_vs_run_stop_s: float | None
    longest_gap_s: float
    intervals_over_limit: int
    duplicates: int


@dataclass(frozen=True)
class RunView:
    name: str
    path: Path
    time_to_train_s: float | None
    energy_j: float | None
    policy_energy_j: float | None
    crash: str | None
    selection: str
    valid: bool | None
    files: list[FileRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    trace: Picture | None = None
    #: what the trace shows or why there is none (gaps marked, a switch on its own clock)
    trace_notes: list[str] = field(default_factory=list)

    @property
    def nodes(self) -> list[FileRow]:
        return [f for f in self.files if f.kind == "node"]

    @property
    def switches(self) -> list[FileRow]:
        return [f for f in self.files if f.kind == "switch"]


@dataclass(frozen=True)
class PackageCheck:
    """The official package checker's verdict, as ours reproduces it."""

    passes: bool
    runs_not_complying: list[str]
    crash: str | None


@dataclass(frozen=True)
class BenchmarkView:
    path: Path
    label: str
    benchmark: str
    system: str
    round: str
    round_why: str
    formula: str
    formula_commit: str
    scaling_factor: float | None
    olympic_drop: int
    #: the official figure (the round's summarizer formula, olympic mean x scaling), J
    energy_j: float | None
    #: the same with measured switch readings counted like a node, J (None: no difference)
    policy_energy_j: float | None
    #: why there is no figure, when there is none
    figure_problem: str | None
    valid: bool | None
    package: PackageCheck
    runs: list[RunView] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    energy_picture: Picture | None = None

    @property
    def all_findings(self) -> list[Finding]:
        return self.findings + [f for run in self.runs for f in run.findings]

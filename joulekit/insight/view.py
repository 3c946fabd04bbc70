"""What the report shows about one result: plain data, filled from the checker's report.

The HTML writer reads only these dataclasses, so the page can be tested without files
and the loading code (``joulekit.insight.collect``) is the one place that knows where
each fact comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from joulekit.checker.findings import Finding
from joulekit.insight.plots import Picture
from joulekit.insight.steady_state import SteadyState
from joulekit.insight.uncertainty import Interval, PowerUncertainty


@dataclass(frozen=True)
class Headline:
    """The published-style figure (from the checker) and its confidence interval."""

    metric: str  # average_power | energy_per_query
    value: float
    unit: str  # W | mJ
    efficiency: float | None
    efficiency_unit: str
    mean_w: float
    min_w: float
    max_w: float
    window_s: float
    samples: int
    expected_samples: float
    largest_gap_s: float
    pf: tuple[float, float, float] | None  # min, mean, max
    uncertainty: PowerUncertainty | None = None
    value_interval: Interval | None = None
    efficiency_interval: Interval | None = None


@dataclass(frozen=True)
class RangeSetting:
    """One ``SR`` command the director sent, with the phase it prepared."""

    phase: str
    quantity: str  # V | A
    setting: str
    reply: str


@dataclass(frozen=True)
class ClockRow:
    """A phase checkpoint as the client and the director saw it (UTC seconds)."""

    phase: str
    point: str
    client: float
    server: float

    @property
    def diff_ms(self) -> float:
        return (self.server - self.client) * 1000.0


@dataclass(frozen=True)
class ResultView:
    perf_dir: Path
    label: str
    round: str
    round_why: str
    scenario: str | None
    valid: bool | None
    performance: str | None  # e.g. "3,091.8 samples/s (result_samples_per_second)"
    loadgen_valid: bool | None
    headline: Headline | None
    headline_problem: str | None
    analyzers: list[str] = field(default_factory=list)
    ranges: list[RangeSetting] = field(default_factory=list)
    clock: list[ClockRow] = field(default_factory=list)
    clock_offsets_ms: list[float] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    pictures: dict[str, Picture] = field(default_factory=dict)
    marks: dict[str, int] = field(default_factory=dict)  # testing: over-limit, gaps ...
    steady: SteadyState | None = None
    steady_note: str | None = None
    not_valid_for_submission: list[str] = field(default_factory=list)

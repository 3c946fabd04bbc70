"""What a LoadGen run produced, read back from the logs it wrote.

The harness reports from LoadGen's own detail log rather than from its own counters,
so what the user sees is exactly what a checker and a reviewer will read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joulekit.formats.layout import (
    ACCURACY_LOG,
    DETAIL_LOG,
    MULTI_STREAM,
    OFFLINE,
    SERVER,
    SINGLE_STREAM,
    SUMMARY_LOG,
)
from joulekit.formats.mllog import read_detail

DETAIL = DETAIL_LOG
SUMMARY = SUMMARY_LOG
ACCURACY = ACCURACY_LOG

#: the figure of merit LoadGen reports per scenario, and its unit
METRIC_KEYS: dict[str, tuple[str, str]] = {
    OFFLINE: ("result_samples_per_second", "samples/s"),
    SERVER: ("result_completed_samples_per_sec", "samples/s"),
    SINGLE_STREAM: ("early_stopping_latency_ss", "ns"),
    MULTI_STREAM: ("early_stopping_latency_ms", "ns"),
}


def read_detail_keys(path: Path) -> dict[str, Any]:
    """First value of every key in an MLLOG detail log (read by ``joulekit.formats``)."""
    detail = read_detail(path)
    return {key: detail.get(key) for key in detail.keys()}  # noqa: SIM118 - not a dict


@dataclass(frozen=True)
class LoadgenOutcome:
    """The logs of one LoadGen run and the headline facts in them."""

    log_dir: Path
    scenario: str
    mode: str
    valid: bool | None
    metric_key: str | None
    metric_value: float | None
    metric_unit: str
    query_count: int | None
    power_begin: str | None
    power_end: str | None
    sut_failed_samples: int = 0
    sut_first_error: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def detail_path(self) -> Path:
        return self.log_dir / DETAIL

    @property
    def summary_path(self) -> Path:
        return self.log_dir / SUMMARY

    def headline(self) -> str:
        """One line: scenario, metric, validity."""
        if self.mode == "AccuracyOnly":
            return f"{self.scenario} accuracy run: every sample's output is in {ACCURACY}"
        validity = {True: "VALID", False: "INVALID", None: "validity unknown"}[self.valid]
        if self.metric_value is None:
            return f"{self.scenario} {self.mode}: {validity}"
        if self.metric_unit == "ns":
            figure = f"{self.metric_value / 1e6:.3f} ms ({self.metric_key})"
        else:
            figure = f"{self.metric_value:,.1f} {self.metric_unit}"
        return f"{self.scenario} {self.mode}: {figure}, LoadGen result {validity}"

    @classmethod
    def from_logs(
        cls, log_dir: Path, *, failed: int = 0, first_error: str | None = None,
        notes: tuple[str, ...] = (),
    ) -> LoadgenOutcome:
        keys = read_detail_keys(log_dir / DETAIL)
        scenario = str(keys.get("effective_scenario", "unknown"))
        mode = str(keys.get("effective_test_mode", "unknown"))
        validity = keys.get("result_validity")
        metric_key, unit = METRIC_KEYS.get(scenario, (None, ""))
        metric = keys.get(metric_key) if metric_key else None
        count = keys.get("result_query_count")
        return cls(
            log_dir=log_dir, scenario=scenario, mode=mode,
            valid=None if validity is None else validity == "VALID",
            metric_key=metric_key if metric is not None else None,
            metric_value=float(metric) if isinstance(metric, int | float) else None,
            metric_unit=unit, query_count=count if isinstance(count, int) else None,
            power_begin=_str_or_none(keys.get("power_begin")),
            power_end=_str_or_none(keys.get("power_end")),
            sut_failed_samples=failed, sut_first_error=first_error, notes=notes,
        )


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)

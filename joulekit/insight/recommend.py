"""The minimum-energy configuration that meets a latency constraint, and what it saves.

This is ML.ENERGY's automated recommendation applied to MLPerf-style runs: filter the
sweep to the configurations that meet every constraint, take the one with the least
energy per sample, and compare it with a baseline. Only deployment knobs differ between
rows, so what is computed is the same and the saving is real.

The default baseline is the *fastest* configuration that meets the constraints (least
value of the first constrained metric): what one deploys when tuning for latency
alone, which is the habit the recommendation is meant to correct.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from joulekit.errors import UserError
from joulekit.insight.pareto import pareto_frontier
from joulekit.insight.table import ENERGY, KNOB_COLUMNS, LATENCY_COLUMNS, STATUS, knob_label


@dataclass(frozen=True)
class Constraint:
    """``metric`` (a latency column, ms) must be ``<= bound_ms`` (``< bound_ms`` if strict)."""

    metric: str
    bound_ms: float
    source: str  # "user" or e.g. "round v5.0 rule pack, resnet Server"
    strict: bool = False

    def __post_init__(self) -> None:
        if self.metric not in LATENCY_COLUMNS:
            raise UserError(
                f"unknown latency metric {self.metric!r}; choose one of "
                + ", ".join(LATENCY_COLUMNS)
            )
        if not (self.bound_ms > 0 and math.isfinite(self.bound_ms)):
            raise UserError(f"latency bound for {self.metric} must be a positive number of ms")

    def holds(self, values: pd.Series) -> pd.Series:
        return values < self.bound_ms if self.strict else values <= self.bound_ms

    def describe(self) -> str:
        op = "<" if self.strict else "≤"
        return f"{self.metric} {op} {self.bound_ms:g} ms ({self.source})"


@dataclass(frozen=True)
class Recommendation:
    """The choice, the baseline it is compared with, and the frontier it sits on."""

    constraints: tuple[Constraint, ...]
    chosen: pd.Series
    baseline: pd.Series
    baseline_rule: str
    saving_fraction: float  # (E_baseline - E_chosen) / E_baseline
    feasible: int
    measured: int
    frontier: pd.DataFrame
    time_col: str

    def summary_lines(self) -> list[str]:
        chosen_e = float(self.chosen[ENERGY])
        base_e = float(self.baseline[ENERGY])
        return [
            "constraints: " + "; ".join(c.describe() for c in self.constraints),
            f"{self.feasible} of {self.measured} measured configurations meet them",
            f"recommended: {knob_label(self.chosen)}  "
            f"{_fmt_energy(chosen_e)} per sample, {self.time_col} "
            f"{float(self.chosen[self.time_col]):.3f} ms",
            f"baseline ({self.baseline_rule}): {knob_label(self.baseline)}  "
            f"{_fmt_energy(base_e)} per sample, {self.time_col} "
            f"{float(self.baseline[self.time_col]):.3f} ms",
            f"saving: {self.saving_fraction:.1%} energy per sample",
        ]


def _fmt_energy(joules: float) -> str:
    return f"{joules * 1000:.4g} mJ" if joules < 1 else f"{joules:.4g} J"


def usable_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows measured successfully with a finite, positive energy."""
    ok = frame[STATUS].eq("ok") if STATUS in frame.columns else pd.Series(True, frame.index)
    energy = pd.to_numeric(frame[ENERGY], errors="coerce")
    return frame[ok & energy.gt(0) & energy.notna()]


def select_baseline(frame: pd.DataFrame, spec: dict[str, float]) -> pd.Series:
    """The single row whose knobs equal ``spec`` (e.g. ``{"batch_size": 8}``)."""
    mask = pd.Series(True, index=frame.index)
    for knob, value in spec.items():
        if knob not in frame.columns:
            raise UserError(f"baseline names {knob!r}, which the sweep table does not have")
        mask &= pd.to_numeric(frame[knob], errors="coerce").eq(value)
    matches = frame[mask]
    if matches.empty:
        raise UserError(f"no measured configuration matches the baseline {spec}")
    if len(matches) > 1:
        labels = ", ".join(knob_label(r) for _, r in matches.iterrows())
        raise UserError(
            f"baseline {spec} matches several configurations ({labels}); name more knobs"
        )
    return matches.iloc[0]


def recommend(
    frame: pd.DataFrame,
    constraints: list[Constraint],
    baseline: dict[str, float] | None = None,
) -> Recommendation:
    """Pick the minimum-energy row meeting every constraint (ties: faster, then first)."""
    if not constraints:
        raise UserError("give a latency constraint (e.g. --p99-ms 15) or --round for its bound")
    measured = usable_rows(frame)
    if measured.empty:
        raise UserError("the sweep table has no successfully measured configuration")
    time_col = constraints[0].metric
    for constraint in constraints:
        if constraint.metric not in measured.columns:
            raise UserError(f"the sweep table has no {constraint.metric} column to constrain")
    mask = pd.Series(True, index=measured.index)
    for constraint in constraints:
        values = pd.to_numeric(measured[constraint.metric], errors="coerce")
        mask &= values.notna() & constraint.holds(values)
    feasible = measured[mask]
    if feasible.empty:
        best = pd.to_numeric(measured[time_col], errors="coerce").min()
        raise UserError(
            f"no configuration meets {constraints[0].describe()}; the fastest measured has "
            f"{time_col} = {best:.3f} ms"
        )
    order = feasible.sort_values([ENERGY, time_col], kind="mergesort")
    chosen = order.iloc[0]
    if baseline:
        base = select_baseline(measured, baseline)
        rule = "given"
    else:
        base = feasible.sort_values([time_col, ENERGY], kind="mergesort").iloc[0]
        rule = f"fastest meeting the constraints by {time_col}"
    base_e = float(base[ENERGY])
    saving = (base_e - float(chosen[ENERGY])) / base_e
    return Recommendation(
        constraints=tuple(constraints),
        chosen=chosen,
        baseline=base,
        baseline_rule=rule,
        saving_fraction=saving,
        feasible=len(feasible),
        measured=len(measured),
        frontier=pareto_frontier(measured, time_col, ENERGY),
        time_col=time_col,
    )


def knobs_of(row: pd.Series) -> dict[str, float]:
    """The knob values of a row (for JSON output)."""
    out: dict[str, float] = {}
    for knob in KNOB_COLUMNS:
        value = row.get(knob)
        if value is not None and not pd.isna(value):
            out[knob] = float(value)
    return out

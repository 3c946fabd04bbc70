"""A confidence interval on the headline power figure, which neither MLPerf nor ML.ENERGY report.

The published MLPerf figure is the plain mean of the ~1 Hz analyzer samples strictly
inside LoadGen's power window (the checker computes it; we never recompute it a second
way). What it estimates is the mean electrical power of the system over that window.
Two things make the estimate uncertain, and this module combines them the way the GUM
(JCGM 100) combines a type A and a type B component:

**Sampling (type A).** A 1 Hz sample stream is a finite, autocorrelated record of a
fluctuating load. The standard error of its mean is ``s / sqrt(n_eff)`` where ``s`` is
the sample standard deviation and ``n_eff = n (1 - r1) / (1 + r1)`` is the effective
number of independent samples under a first-order autoregressive model with lag-1
autocorrelation ``r1`` (clipped to ``[0, 0.99]``: a negative ``r1`` would shrink the
error below the independent case, which we do not claim). Degrees of freedom
``n_eff - 1``.

**Analyzer accuracy (type B).** PTDaemon evaluates, per sample, the relative
uncertainty of the Watts reading from the meter's accuracy specification and the range
in force (the 1 % limit of the rules applies to it). We treat each stated value
``u_i`` as the half-width of a rectangular distribution of a calibration error that is
*fully correlated* between samples (same meter, same ranges, same calibration), so it
does not average down: ``u_inst = mean(u_i * W_i) / sqrt(3)``. When no per-sample
value was recorded but the run proves that every testing sample stayed within the
limit (uncertainty checking active, no over-limit and no unknown-uncertainty warning
in the window), the limit itself is used as ``u_i`` and the basis is labelled so.
Otherwise the instrument part is absent and the interval covers sampling only, which
the report says.

**Combination.** ``u_c = sqrt(u_samp^2 + u_inst^2)``; effective degrees of freedom by
Welch–Satterthwaite (the type B part has infinite degrees of freedom); expanded
uncertainty ``U = t(level, nu) * u_c``. The interval on average power is
``mean ± U``.

**Derived figures.** Energy per query (``P * T * 1000 / N`` mJ) carries the relative
uncertainty of the power plus the quantisation of the two millisecond timestamps
that bound ``T`` (rectangular, ±0.5 ms each); the query count is exact. An efficiency
``R / P`` (samples per joule) maps the power interval through ``1/x``: ``[R/(P+U),
R/(P-U)]``, asymmetric as it should be.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np

from joulekit.rules import threshold

InstrumentBasis = Literal["recorded", "limit", "none"]

#: the rules' per-sample limit on the analyzer's Watts uncertainty (the catalog's)
UNCERTAINTY_LIMIT = threshold("uncertainty_limit")
#: half-width of the quantisation of an MM-DD-YYYY HH:MM:SS.mmm timestamp, in s
TIMESTAMP_HALF_WIDTH_S = 0.0005


@dataclass(frozen=True)
class Interval:
    """A value with a two-sided confidence interval at ``level`` (0.95 = 95 %)."""

    value: float
    low: float
    high: float
    level: float

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2.0

    @property
    def relative(self) -> float:
        """Half-width relative to the value (0.004 = ±0.4 %)."""
        return self.half_width / abs(self.value) if self.value else math.inf


@dataclass(frozen=True)
class PowerUncertainty:
    """The interval on average power and the parts it was built from."""

    power: Interval
    n: int
    n_eff: float
    lag1: float
    u_sampling_w: float
    u_instrument_w: float
    dof: float
    coverage_factor: float
    instrument_basis: InstrumentBasis

    def describe(self) -> str:
        """One line saying what the interval covers, for the report."""
        inst = {
            "recorded": "analyzer uncertainty recorded per sample",
            "limit": "analyzer uncertainty bounded by the 1 % limit (no sample above it)",
            "none": "analyzer uncertainty not recorded: sampling only",
        }[self.instrument_basis]
        return (
            f"{self.power.level:.0%} interval; {self.n} samples "
            f"(effective {self.n_eff:.0f}, lag-1 autocorrelation {self.lag1:.2f}); {inst}; "
            f"k = {self.coverage_factor:.2f}"
        )


def student_t_quantile(p: float, dof: float) -> float:
    """Quantile of Student's t (Cornish–Fisher expansion in 1/dof, A&S 26.7.5).

    Accurate to about 1e-3 for dof >= 3, which is all an interval on hundreds of
    samples needs; avoids a SciPy dependency for one number.
    """
    z = NormalDist().inv_cdf(p)
    if not math.isfinite(dof):
        return z
    if dof < 1:
        raise ValueError("degrees of freedom must be at least 1")
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return float(z + g1 / dof + g2 / dof**2 + g3 / dof**3 + g4 / dof**4)


def lag1_autocorrelation(values: np.ndarray) -> float:
    """Sample lag-1 autocorrelation (0 for fewer than 3 samples or a constant series)."""
    if values.size < 3:
        return 0.0
    centred = values - values.mean()
    denom = float(np.dot(centred, centred))
    if denom == 0.0:
        return 0.0
    return float(np.dot(centred[:-1], centred[1:]) / denom)


def power_interval(
    watts: Sequence[float],
    *,
    mean: float | None = None,
    per_sample_uncertainty: Sequence[float | None] | None = None,
    within_limit: bool = False,
    level: float = 0.95,
) -> PowerUncertainty | None:
    """The confidence interval on average power (see the module docstring for the method).

    ``watts`` are the samples the headline mean was taken over; ``mean`` is that headline
    (from the checker), used as the centre so the interval sits on the published figure.
    ``per_sample_uncertainty`` holds relative values (0.005 = 0.5 %) or None where
    unknown; ``within_limit`` says the run proved every sample within the 1 % limit.
    Returns None when there are fewer than two samples (no spread can be estimated).
    """
    data = np.asarray([w for w in watts if math.isfinite(w)], dtype=float)
    n = int(data.size)
    if n < 2:
        return None
    centre = float(data.mean()) if mean is None else float(mean)
    s = float(data.std(ddof=1))
    r1 = min(max(lag1_autocorrelation(data), 0.0), 0.99)
    n_eff = max(n * (1 - r1) / (1 + r1), 2.0)
    u_samp = s / math.sqrt(n_eff)

    basis: InstrumentBasis = "none"
    u_inst = 0.0
    recorded = (
        [u for u in per_sample_uncertainty if u is not None and math.isfinite(u)]
        if per_sample_uncertainty is not None
        else []
    )
    if per_sample_uncertainty is not None and len(recorded) == n == len(per_sample_uncertainty):
        basis = "recorded"
        u_inst = float(np.mean(np.asarray(recorded) * data)) / math.sqrt(3)
    elif within_limit:
        basis = "limit"
        u_inst = UNCERTAINTY_LIMIT * float(data.mean()) / math.sqrt(3)

    u_c = math.hypot(u_samp, u_inst)
    dof = math.inf if u_samp == 0 else u_c**4 / (u_samp**4 / (n_eff - 1))
    k = student_t_quantile(0.5 + level / 2, dof) if u_c > 0 else 0.0
    expanded = k * u_c
    return PowerUncertainty(
        power=Interval(centre, centre - expanded, centre + expanded, level),
        n=n,
        n_eff=n_eff,
        lag1=r1,
        u_sampling_w=u_samp,
        u_instrument_w=u_inst,
        dof=dof,
        coverage_factor=k,
        instrument_basis=basis,
    )


def energy_per_query_interval(
    published_mj: float, power: PowerUncertainty, window_s: float
) -> Interval:
    """Interval on mJ/query: the power's relative uncertainty plus timestamp quantisation."""
    if window_s <= 0:
        raise ValueError("the power window must be longer than zero")
    k = power.coverage_factor or NormalDist().inv_cdf(0.5 + power.power.level / 2)
    rel_p = math.hypot(power.u_sampling_w, power.u_instrument_w) / power.power.value
    u_t = math.sqrt(2) * TIMESTAMP_HALF_WIDTH_S / math.sqrt(3)
    rel = math.hypot(rel_p, u_t / window_s) * k
    half = abs(published_mj) * rel
    return Interval(published_mj, published_mj - half, published_mj + half, power.power.level)


def efficiency_interval(published: float, power: PowerUncertainty) -> Interval:
    """Interval on an efficiency ``R / P`` (samples/J): the power interval through ``1/x``."""
    p = power.power
    rate = published * p.value
    low = rate / p.high
    high = rate / p.low if p.low > 0 else math.inf
    return Interval(published, low, high, p.level)

"""The confidence interval on the headline figure, pinned against hand calculations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from joulekit.insight.uncertainty import (
    UNCERTAINTY_LIMIT,
    efficiency_interval,
    energy_per_query_interval,
    lag1_autocorrelation,
    power_interval,
    student_t_quantile,
)


def test_t_quantile_matches_tables() -> None:
    # two-sided 95 % values from any t table
    assert student_t_quantile(0.975, 5) == pytest.approx(2.571, abs=0.01)
    assert student_t_quantile(0.975, 10) == pytest.approx(2.228, abs=2e-3)
    assert student_t_quantile(0.975, 30) == pytest.approx(2.042, abs=1e-3)
    assert student_t_quantile(0.975, math.inf) == pytest.approx(1.960, abs=1e-3)


def test_independent_samples_give_the_textbook_interval() -> None:
    # alternating series: lag-1 autocorrelation is negative, clipped to 0 -> n_eff = n
    watts = [100.0, 102.0] * 50
    result = power_interval(watts)
    assert result is not None
    assert result.lag1 == 0.0 and result.n_eff == 100
    s = float(np.std(watts, ddof=1))
    expected_half = student_t_quantile(0.975, 99) * s / 10
    assert result.power.value == pytest.approx(101.0)
    assert result.power.half_width == pytest.approx(expected_half, rel=1e-9)
    assert result.instrument_basis == "none"


def test_autocorrelation_widens_the_interval() -> None:
    rng = np.random.default_rng(7)
    noise = rng.normal(0, 1, 2000)
    ar = np.empty_like(noise)
    ar[0] = noise[0]
    for i in range(1, ar.size):
        ar[i] = 0.8 * ar[i - 1] + noise[i]
    assert lag1_autocorrelation(ar) == pytest.approx(0.8, abs=0.05)
    correlated = power_interval(list(300 + ar))
    shuffled = power_interval(list(300 + rng.permutation(ar)))
    assert correlated is not None and shuffled is not None
    assert correlated.n_eff < 0.2 * correlated.n
    assert correlated.power.half_width > 2.5 * shuffled.power.half_width


def test_recorded_instrument_uncertainty_is_correlated_and_rectangular() -> None:
    watts = [200.0] * 60  # no spread: only the analyzer part is left
    result = power_interval(watts, per_sample_uncertainty=[0.005] * 60)
    assert result is not None
    assert result.instrument_basis == "recorded"
    # u = 0.5 % of 200 W / sqrt(3); k = z(0.975) with infinite degrees of freedom
    assert result.u_instrument_w == pytest.approx(1.0 / math.sqrt(3))
    assert result.power.half_width == pytest.approx(1.959964 / math.sqrt(3), rel=1e-5)


def test_partially_recorded_uncertainty_falls_back_to_the_limit_or_nothing() -> None:
    watts = [200.0, 201.0, 199.0, 200.0]
    partial = [0.004, None, 0.004, 0.004]
    assert power_interval(watts, per_sample_uncertainty=partial).instrument_basis == "none"  # type: ignore[union-attr]
    limited = power_interval(watts, per_sample_uncertainty=partial, within_limit=True)
    assert limited is not None and limited.instrument_basis == "limit"
    assert limited.u_instrument_w == pytest.approx(UNCERTAINTY_LIMIT * 200.0 / math.sqrt(3))


def test_interval_is_centred_on_the_published_mean() -> None:
    result = power_interval([10.0, 11.0, 12.0], mean=11.0000001)
    assert result is not None and result.power.value == 11.0000001


def test_one_sample_has_no_interval() -> None:
    assert power_interval([5.0]) is None


def test_energy_per_query_carries_relative_power_uncertainty() -> None:
    result = power_interval([100.0] * 10, per_sample_uncertainty=[0.01] * 10)
    assert result is not None
    energy = energy_per_query_interval(30.0, result, window_s=600.0)
    assert energy.relative == pytest.approx(result.power.relative, rel=1e-4)
    assert energy.low < 30.0 < energy.high


def test_efficiency_interval_is_the_power_interval_inverted() -> None:
    result = power_interval([100.0, 110.0] * 20)
    assert result is not None
    eff = efficiency_interval(2.0, result)  # 2 samples/J at 105 W -> 210 samples/s
    assert eff.low == pytest.approx(210.0 / result.power.high)
    assert eff.high == pytest.approx(210.0 / result.power.low)
    assert eff.high - 2.0 > 2.0 - eff.low  # 1/x stretches the upper side

"""Steady-state J/token and J/response on timelines worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from joulekit.insight.steady_state import (
    NoSteadyState,
    RequestTiming,
    integrate,
    steady_state,
)


def test_integrate_interpolates_edges() -> None:
    t = np.array([0.0, 1.0, 2.0, 3.0])
    w = np.array([100.0, 200.0, 200.0, 100.0])
    # from 0.5 (150 W) to 2.5 (150 W): 0.5*(150+200)/2 + 1*200 + 0.5*(200+150)/2
    assert integrate(t, w, 0.5, 2.5) == pytest.approx(87.5 + 200 + 87.5)


def test_integrate_refuses_a_window_outside_the_samples() -> None:
    with pytest.raises(NoSteadyState):
        integrate(np.array([0.0, 1.0]), np.array([1.0, 1.0]), 0.5, 2.0)


def test_window_opens_at_full_batch_and_closes_before_drain() -> None:
    # B = 2, N = 8 requests: first tokens at 0,1,...,7 ; each lasts 10 s, 11 tokens
    reqs = [
        RequestTiming(first_token=float(i), finished=float(i + 10), output_tokens=11)
        for i in range(8)
    ]
    t = np.arange(0.0, 20.0, 0.5)
    w = np.full(t.shape, 300.0)
    result = steady_state(reqs, 2, t, w)
    # start = 2nd first token (1.0); end = (N - B - 1) = 5th completion (14.0)
    assert (result.start_s, result.end_s) == (1.0, 14.0)
    assert result.energy_j == pytest.approx(300.0 * 13.0)
    # tokens stream at 1 token/s per request after the first: count by hand
    expected = 0.0
    for i in range(8):

        def by(m: float, i: int = i) -> float:
            if m < i:
                return 0.0
            return 11.0 if m >= i + 10 else 1.0 + 10 * (m - i) / 10

        expected += by(14.0) - by(1.0)
    assert result.tokens == pytest.approx(expected)
    assert result.j_per_token == pytest.approx(300.0 * 13.0 / expected)
    assert result.j_per_response == pytest.approx(result.j_per_token * 11)
    assert not result.stable  # 13 s < 30 s
    assert any("13.0 s" in w for w in result.warnings)


def test_recorded_token_times_are_counted_exactly() -> None:
    reqs = [
        RequestTiming(float(i), float(i + 40), 3, token_times=(float(i), i + 20.0, i + 40.0))
        for i in range(6)
    ]
    t = np.arange(0.0, 60.0, 1.0)
    result = steady_state(reqs, 2, t, np.full(t.shape, 100.0))
    # start 1.0, end = 3rd completion = 42.0; tokens in (1, 42]: 4 firsts (2..5),
    # six mid tokens (20..25), completions at 40,41,42 -> 3 ; req0's first at 0 excluded,
    # req1's first at 1.0 is at the start (counted by start) -> excluded
    assert (result.start_s, result.end_s) == (1.0, 42.0)
    assert result.tokens == 4 + 6 + 3
    assert result.average_batch == pytest.approx(
        sum(min(i + 40.0, 42.0) - max(float(i), 1.0) for i in range(6)) / 41.0
    )


def test_too_few_requests_have_no_steady_state() -> None:
    reqs = [RequestTiming(0.0, 1.0, 5)] * 5
    with pytest.raises(NoSteadyState, match="send at least 6"):
        steady_state(reqs, 2, [0.0, 1.0], [1.0, 1.0])

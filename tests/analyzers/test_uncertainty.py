"""The worked example of analyzers.md §3 and the range/model tables."""

from __future__ import annotations

import math

import pytest

from joulekit.meters import MODELS, channel_uncertainty, pick_range

WT310E = MODELS["WT310E"].accuracy
# 230 V, 120 W at PF 0.95 -> I = 0.549 A, S = 126.3 VA
W, V, PF = 120.0, 230.0, 0.95
A = W / (V * PF)


def test_well_ranged_is_a_quarter_percent() -> None:
    u = channel_uncertainty(W, V, A, PF, 300.0, 1.0, WT310E)
    assert u is not None and u == pytest.approx(0.00252, abs=0.00002)
    assert u * W == pytest.approx(0.30, abs=0.01)


def test_left_on_600v_20a_is_about_five_percent_and_invalid() -> None:
    u = channel_uncertainty(W, V, A, PF, 600.0, 20.0, WT310E)
    assert u is not None and 0.048 < u < 0.052


def test_crest_factor_six_doubles_the_range_term() -> None:
    u = channel_uncertainty(W, V, A, PF, 300.0, 1.0, WT310E, crest_factor=6)
    assert u == pytest.approx(0.0037, abs=0.00005)


def test_unknown_when_over_range_or_invalid() -> None:
    assert channel_uncertainty(W, V, A, PF, 300.0, 0.2, WT310E) is None  # 0.549 A on 0.2 A
    assert channel_uncertainty(math.nan, V, A, PF, 300.0, 1.0, WT310E) is None
    assert channel_uncertainty(W, V, A, PF, None, 1.0, WT310E) is None


def test_pick_range_rounds_up_like_ptd() -> None:
    assert pick_range(MODELS["WT310E"].amp_ranges, 1.1) == 2.0
    assert pick_range(MODELS["WT310E"].volt_ranges, 230) == 300.0
    assert pick_range(MODELS["WT310E"].amp_ranges, 25) is None

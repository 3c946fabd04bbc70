"""Pareto frontier and constrained recommendation against a table worked by hand."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from joulekit.errors import UserError
from joulekit.insight.pareto import pareto_frontier
from joulekit.insight.recommend import Constraint, recommend

#: point, batch, power limit, p99 (ms), energy (J/sample), status
ROWS = [
    ("A", 1, 300, 2.0, 0.050, "ok"),
    ("B", 2, 300, 3.0, 0.040, "ok"),
    ("C", 4, 300, 5.0, 0.030, "ok"),
    ("D", 8, 300, 9.0, 0.025, "ok"),
    ("E", 4, 200, 6.0, 0.032, "ok"),  # dominated by C: slower and costlier
    ("F", 16, 300, 16.0, 0.024, "ok"),
    ("G", 8, 200, 1.0, 0.001, "failed"),  # a failed run must never win
]


def table() -> pd.DataFrame:
    return pd.DataFrame(
        ROWS,
        columns=[
            "point",
            "batch_size",
            "power_limit_w",
            "latency_p99_ms",
            "energy_per_sample_j",
            "status",
        ],
    )


def test_frontier_drops_dominated_points() -> None:
    frame = table()
    frontier = pareto_frontier(frame[frame.status == "ok"], "latency_p99_ms", "energy_per_sample_j")
    assert list(frontier.point) == ["A", "B", "C", "D", "F"]


def test_frontier_keeps_exact_ties() -> None:
    frame = pd.DataFrame({"t": [1.0, 1.0, 2.0], "e": [3.0, 3.0, 1.0]})
    assert len(pareto_frontier(frame, "t", "e")) == 3


@pytest.mark.parametrize(
    ("bound", "strict", "chosen", "saving"),
    [
        # p99 <= 5 ms: A, B, C meet it; C is cheapest; baseline is the fastest, A
        (5.0, False, "C", (0.050 - 0.030) / 0.050),
        # p99 <= 10 ms: A..E meet it; D is cheapest
        (10.0, False, "D", (0.050 - 0.025) / 0.050),
        # p99 < 9 ms (strict, as a round's TTFT/TPOT bound is): D is out, C wins
        (9.0, True, "C", (0.050 - 0.030) / 0.050),
    ],
)
def test_recommendation_matches_hand_calculation(
    bound: float, strict: bool, chosen: str, saving: float
) -> None:
    rec = recommend(table(), [Constraint("latency_p99_ms", bound, "user", strict=strict)])
    assert rec.chosen["point"] == chosen
    assert rec.baseline["point"] == "A"
    assert rec.saving_fraction == pytest.approx(saving)
    assert rec.measured == 6


def test_given_baseline_is_used() -> None:
    rec = recommend(
        table(),
        [Constraint("latency_p99_ms", 10.0, "user")],
        baseline={"batch_size": 4, "power_limit_w": 200},
    )
    assert rec.baseline["point"] == "E"
    assert rec.saving_fraction == pytest.approx((0.032 - 0.025) / 0.032)


def test_ambiguous_baseline_is_a_user_error() -> None:
    with pytest.raises(UserError, match="several"):
        recommend(table(), [Constraint("latency_p99_ms", 10.0, "user")], baseline={"batch_size": 4})


def test_impossible_bound_says_how_fast_the_fastest_was() -> None:
    with pytest.raises(UserError, match=r"fastest measured has latency_p99_ms = 2\.000"):
        recommend(table(), [Constraint("latency_p99_ms", 1.5, "user")])


def test_unknown_metric_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unknown latency metric"):
        Constraint("latency_p42_ms", 1.0, "user")


def test_cli_writes_plot_and_record(tmp_path: Path) -> None:
    csv = tmp_path / "sweep.csv"
    table().to_csv(csv, index=False)
    out = tmp_path / "rec"
    proc = subprocess.run(
        [sys.executable, "-m", "joulekit", "recommend", str(csv), "--p99-ms", "10", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "recommended: batch_size=8 power_limit_w=300" in proc.stdout
    assert "saving: 50.0%" in proc.stdout
    data = json.loads((out / "recommendation.json").read_text())
    assert data["recommended"]["knobs"] == {"batch_size": 8.0, "power_limit_w": 300.0}
    assert [p["knobs"]["batch_size"] for p in data["frontier"]] == [1, 2, 4, 8, 16]
    assert (out / "frontier.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (out / "frontier.svg").read_text()


def test_cli_bad_table_is_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "joulekit",
            "recommend",
            str(tmp_path / "nope.csv"),
            "--p99-ms",
            "5",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 3
    assert proc.stderr.count("\n") == 1 and "no such sweep table" in proc.stderr


def test_round_bound_comes_from_the_rule_pack() -> None:
    from joulekit.insight.bounds import round_constraints

    frame = table().assign(benchmark="resnet50", scenario="Server")
    (constraint,) = round_constraints("v4.1", frame)
    assert constraint.metric == "latency_p99_ms" and constraint.bound_ms == 15.0
    rec = recommend(frame, [constraint])
    assert rec.chosen["point"] == "D"  # 9 ms meets 15 ms; F at 16 ms does not


def test_round_llm_bounds_are_strict_ttft_and_tpot() -> None:
    from joulekit.insight.bounds import round_constraints

    frame = pd.DataFrame(
        {"benchmark": ["llama2-70b-99"], "scenario": ["Server"], "energy_per_sample_j": [1.0]}
    )
    constraints = round_constraints("v5.0", frame)
    assert {(c.metric, c.bound_ms, c.strict) for c in constraints} == {
        ("latency_p99_ms", 20000.0, False),
        ("ttft_p99_ms", 2000.0, True),
        ("tpot_p99_ms", 200.0, True),
    }


def test_round_without_a_bound_for_offline_says_so() -> None:
    from joulekit.insight.bounds import round_constraints

    frame = table().assign(benchmark="resnet", scenario="Offline")
    with pytest.raises(UserError, match="set no latency bound"):
        round_constraints("v4.1", frame)

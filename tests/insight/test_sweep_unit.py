"""Sweep bookkeeping with a stand-in for the harness: resume, interruption, failures."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from joulekit.errors import UserError
from joulekit.insight.sweep import SweepSpec, point_id, run_sweep
from joulekit.run.measure import RunConfig, RunOutcome


class FakeHarness:
    """Answers like ``measure``: energy falls with batch size; can fail or be interrupted."""

    def __init__(self, interrupt_at: float | None = None, fail_at: float | None = None):
        self.calls: list[float] = []
        self.interrupt_at = interrupt_at
        self.fail_at = fail_at

    def __call__(self, config: RunConfig) -> RunOutcome:
        batch = float(config.loadgen_args[config.loadgen_args.index("--batch-size") + 1])
        self.calls.append(batch)
        assert config.output is not None
        config.output.mkdir(parents=True)
        (config.output / "partial.txt").write_text("measured data")
        interrupted = batch == self.interrupt_at
        failed = batch == self.fail_at
        return RunOutcome(
            config=config,
            output=config.output,
            result_dir=None,
            completed=not (interrupted or failed),
            interrupted=interrupted,
            error="SUT crashed" if failed else None,
            scenario=config.scenario,
            average_watts=100.0,
            metric="average_power",
            metric_value=100.0,
            metric_unit="W",
            efficiency=None if failed else 10.0 * batch,
        )


SPEC = SweepSpec(grid={"batch_size": (1.0, 2.0, 4.0, 16.0)}, duration_ms=1000)


def test_all_points_measured_and_both_tables_agree(tmp_path: Path) -> None:
    fake = FakeHarness()
    frame = run_sweep(tmp_path, SPEC, measure_fn=fake)
    assert fake.calls == [1, 2, 4, 16]
    assert list(frame.batch_size) == [1, 2, 4, 16]  # numeric order, not text order
    assert list(frame.energy_per_sample_j) == pytest.approx([0.1, 0.05, 0.025, 1 / 160])
    csv = pd.read_csv(tmp_path / "sweep.csv")
    parquet = pd.read_parquet(tmp_path / "sweep.parquet")
    assert list(csv.point) == list(parquet.point) == list(frame.point)
    assert list(csv.energy_per_sample_j) == pytest.approx(list(parquet.energy_per_sample_j))


def test_interrupted_sweep_resumes_with_only_the_missing_points(tmp_path: Path) -> None:
    first = FakeHarness(interrupt_at=4.0)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(tmp_path, SPEC, measure_fn=first)
    assert first.calls == [1, 2, 4]
    table = pd.read_csv(tmp_path / "sweep.csv")
    assert list(table.batch_size) == [1, 2]  # the table holds exactly what finished
    done = (tmp_path / "points" / "batch_size-1" / "point.json").stat().st_mtime_ns

    second = FakeHarness()
    frame = run_sweep(tmp_path, SPEC, measure_fn=second)
    assert second.calls == [4, 16]
    assert len(frame) == 4
    assert (tmp_path / "points" / "batch_size-1" / "point.json").stat().st_mtime_ns == done
    # the interrupted point's data was moved aside, not deleted
    aside = tmp_path / "points" / "batch_size-4.interrupted-1" / "run" / "partial.txt"
    assert aside.read_text() == "measured data"


def test_failed_point_is_kept_and_retried_only_on_request(tmp_path: Path) -> None:
    run_sweep(tmp_path, SPEC, measure_fn=FakeHarness(fail_at=2.0))
    row = json.loads((tmp_path / "points" / "batch_size-2" / "point.json").read_text())
    assert row["status"] == "failed" and row["error"] == "SUT crashed"
    again = FakeHarness()
    run_sweep(tmp_path, SPEC, measure_fn=again)
    assert again.calls == []
    retry = FakeHarness()
    frame = run_sweep(tmp_path, SPEC, measure_fn=retry, retry_failed=True)
    assert retry.calls == [2]
    assert (frame.status == "ok").all()


def test_a_different_grid_in_the_same_folder_is_refused(tmp_path: Path) -> None:
    run_sweep(tmp_path, SPEC, measure_fn=FakeHarness())
    other = SweepSpec(grid={"batch_size": (8.0,)}, duration_ms=1000)
    with pytest.raises(UserError, match="different sweep"):
        run_sweep(tmp_path, other, measure_fn=FakeHarness())


def test_grid_is_the_product_of_knobs() -> None:
    spec = SweepSpec(grid={"batch_size": (1.0, 2.0), "power_limit_w": (200.0, 250.5)})
    assert [point_id(p) for p in spec.points()] == [
        "batch_size-1_power_limit_w-200",
        "batch_size-1_power_limit_w-250p5",
        "batch_size-2_power_limit_w-200",
        "batch_size-2_power_limit_w-250p5",
    ]


def test_power_limit_without_a_gpu_is_a_user_error(tmp_path: Path) -> None:
    from joulekit.insight.power_limit import power_limit

    try:
        import pynvml

        pynvml.nvmlInit()
        pynvml.nvmlShutdown()
    except Exception:
        with pytest.raises(UserError, match="NVML"), power_limit(0, 250.0):
            pass
    else:
        pytest.skip("this machine has NVML; the refusal path needs one without")

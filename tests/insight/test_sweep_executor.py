"""The sweep's engine interface: the registry, the local engine as default, and a
driver that records each point the same whatever order an engine finishes them in."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from joulekit.errors import UserError
from joulekit.insight.sweep import SweepSpec, run_sweep
from joulekit.insight.sweep_executor import (
    DEFAULT_EXECUTOR,
    EXECUTORS,
    Finished,
    LocalExecutor,
    MeasureFn,
    PointJob,
    SweepExecutor,
    executor,
    register_executor,
)
from tests.insight.test_sweep_unit import SPEC, FakeHarness


class DrawAllThenReverse(SweepExecutor):
    """Like a fleet engine: draws every job first, results come back last-first."""

    def __init__(self) -> None:
        self.drawn: list[str] = []

    def run(self, jobs: Iterable[PointJob], measure: MeasureFn, finished: Finished) -> None:
        pending = list(jobs)
        self.drawn = [job.point for job in pending]
        outcomes = [(job, measure(job.config)) for job in pending]
        for job, outcome in reversed(outcomes):
            finished(job, outcome)


def test_local_is_the_registered_default() -> None:
    assert DEFAULT_EXECUTOR == "local"
    assert isinstance(executor(), LocalExecutor)
    assert isinstance(EXECUTORS["local"](), LocalExecutor)


def test_an_unknown_engine_is_one_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no sweep engine 'pegasus'; choose one of local"):
        run_sweep(tmp_path, SPEC, measure_fn=FakeHarness(), engine="pegasus")
    assert not (tmp_path / "sweep.json").exists()  # refused before anything is written


def test_a_name_registers_once() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_executor("local", LocalExecutor)


def test_local_engine_draws_each_point_just_before_measuring_it(tmp_path: Path) -> None:
    events: list[str] = []

    class Recorder(FakeHarness):
        def __call__(self, config):  # type: ignore[no-untyped-def]
            events.append(f"measure {config.label}")
            return super().__call__(config)

    run_sweep(tmp_path, SPEC, measure_fn=Recorder(),
              on_point=lambda p: events.append(f"{p.action} {p.point}"))
    assert events[:4] == ["measure sweep-batch_size-1", "measured batch_size-1",
                          "measure sweep-batch_size-2", "measured batch_size-2"]
    events.clear()
    run_sweep(tmp_path, SPEC, measure_fn=Recorder(), on_point=lambda p: events.append(p.action))
    assert events == ["skipped"] * 4


def test_an_engine_finishing_out_of_order_gives_the_same_table(tmp_path: Path) -> None:
    local = run_sweep(tmp_path / "local", SPEC, measure_fn=FakeHarness())
    engine = DrawAllThenReverse()
    fleet = run_sweep(tmp_path / "fleet", SPEC, measure_fn=FakeHarness(), engine=engine)
    assert engine.drawn == ["batch_size-1", "batch_size-2", "batch_size-4", "batch_size-16"]
    drop = ["result_dir", "wall_s"]
    assert fleet.drop(columns=drop).equals(local.drop(columns=drop))
    for pid in engine.drawn:
        assert (tmp_path / "fleet" / "points" / pid / "point.json").is_file()


def test_an_interrupted_point_stops_any_engine_and_is_measured_again(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        run_sweep(tmp_path, SPEC, measure_fn=FakeHarness(interrupt_at=16.0),
                  engine=DrawAllThenReverse())
    # batch 16 came back first and interrupted: nothing recorded; a resume measures all
    again = FakeHarness()
    frame = run_sweep(tmp_path, SweepSpec(grid=SPEC.grid, duration_ms=1000), measure_fn=again)
    assert again.calls == [1, 2, 4, 16]
    assert list(frame.status) == ["ok"] * 4


def test_the_sweep_command_refuses_an_unknown_engine_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "S"
    done = subprocess.run(
        [sys.executable, "-m", "joulekit", "sweep", "-o", str(out), "--batch-size", "1,2",
         "--engine", "pegasus"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    assert "no sweep engine 'pegasus'; choose one of local, ray, slurm" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not out.exists()

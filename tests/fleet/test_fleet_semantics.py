"""Fleet sweeps: placement on meters, a lost point kept aside and retried on its meter,
resume, and the Slurm engine through submitit (debug in-process, local as processes)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from joulekit.errors import UserError
from joulekit.insight.fleet import (
    FleetExecutor,
    LostPoint,
    Meter,
    PointTask,
    parse_meter,
    run_on_node,
)
from joulekit.insight.sweep import SweepSpec, run_sweep
from joulekit.insight.sweep_executor import MeasureFn, executor
from joulekit.insight.sweep_slurm import SlurmExecutor
from tests.insight.test_sweep_unit import FakeHarness

SIX = SweepSpec(grid={"batch_size": (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)}, duration_ms=1000)
METERS = [Meter("a"), Meter("b")]


class ThreadEngine(FleetExecutor):
    """An engine of threads on this machine that loses chosen points' first attempts."""

    engine_name = "threads"

    def __init__(self, lose: dict[str, int], **options: Any) -> None:
        super().__init__(**options)
        self.lose = lose
        self.running: set[str] = set()
        self.overlap: list[str] = []
        self._lock = threading.Lock()

    def submit(self, task: PointTask, measure: MeasureFn) -> Any:
        box: dict[str, Any] = {}

        def work() -> None:
            with self._lock:
                if task.meter.name in self.running:
                    self.overlap.append(task.point)
                self.running.add(task.meter.name)
            try:
                reply = run_on_node(task, measure)
                if self.lose.get(task.point, 0) >= task.attempt:
                    box["lost"] = "worker killed"
                else:
                    box["reply"] = reply
            finally:
                with self._lock:
                    self.running.discard(task.meter.name)

        thread = threading.Thread(target=work)
        thread.start()
        return _Handle(thread, box)

    def wait(self, handles: list[Any], timeout: float) -> list[Any]:
        handles[0].thread.join(timeout)
        return [h for h in handles if not h.thread.is_alive()]

    def result(self, handle: Any) -> dict[str, Any]:
        if "lost" in handle.box:
            raise LostPoint(handle.box["lost"])
        reply: dict[str, Any] = handle.box["reply"]
        return reply

    def cancel(self, handle: Any) -> None:
        handle.thread.join(10)


class _Handle:
    def __init__(self, thread: threading.Thread, box: dict[str, Any]) -> None:
        self.thread = thread
        self.box = box


def test_points_are_dealt_round_robin_and_a_lost_one_retried_on_its_meter(
    tmp_path: Path,
) -> None:
    engine = ThreadEngine({"batch_size-3": 1}, meters=METERS, say=lambda text: None)
    harness = FakeHarness()
    frame = run_sweep(tmp_path, SIX, measure_fn=harness, engine=engine)
    assert list(frame.status) == ["ok"] * 6
    assert list(frame.meter) == ["a", "b", "a", "b", "a", "b"]
    assert not engine.overlap  # never two points on one meter at once
    lost = frame.set_index("point").loc["batch_size-3"]
    assert lost.attempts == 2 and lost.meter == "a"
    # the lost attempt's partial data is kept aside, the retry measured afresh
    aside = tmp_path / "points" / "batch_size-3.lost-1" / "run" / "partial.txt"
    assert aside.read_text() == "measured data"
    assert sorted(harness.calls) == [1, 2, 3, 3, 4, 5, 6]
    assert all(math.isfinite(v) for v in frame.clock_offset_ms)
    assert all(v >= 0 for v in frame.clock_rtt_ms)
    assert set(frame.engine) == {"threads"}
    # rerun: nothing measured again
    again = FakeHarness()
    run_sweep(tmp_path, SIX, measure_fn=again,
              engine=ThreadEngine({}, meters=METERS, say=lambda text: None))
    assert again.calls == []


def test_a_point_lost_past_its_retries_is_left_for_the_next_run(tmp_path: Path) -> None:
    said: list[str] = []
    engine = ThreadEngine({"batch_size-2": 9}, meters=METERS, retries=1, say=said.append)
    with pytest.raises(UserError, match=r"1 point\(s\) lost their node 2 times"):
        run_sweep(tmp_path, SIX, measure_fn=FakeHarness(), engine=engine)
    table = pd.read_csv(tmp_path / "sweep.csv")
    assert sorted(table.point) == [f"batch_size-{i}" for i in (1, 3, 4, 5, 6)]
    assert not (tmp_path / "points" / "batch_size-2").exists()
    assert (tmp_path / "points" / "batch_size-2.lost-2").is_dir()
    assert any("giving up" in line for line in said)
    again = FakeHarness()
    run_sweep(tmp_path, SIX, measure_fn=again,
              engine=ThreadEngine({}, meters=METERS, say=lambda text: None))
    assert again.calls == [2]


class DeadNodeEngine(ThreadEngine):
    """Meter ``b``'s node never answers: its points stay pending until cancelled (as Ray
    keeps a task whose resource no live node has)."""

    def __init__(self, **options: Any) -> None:
        super().__init__({}, **options)
        self.cancelled: list[str] = []

    def submit(self, task: PointTask, measure: MeasureFn) -> Any:
        if task.meter.name != "b":
            return super().submit(task, measure)
        gone = threading.Event()
        thread = threading.Thread(target=gone.wait, args=(30,))
        thread.start()
        handle = _Handle(thread, {"lost": "cancelled"})
        handle.gone = gone  # type: ignore[attr-defined]
        handle.point = task.point  # type: ignore[attr-defined]
        return handle

    def cancel(self, handle: Any) -> None:
        if hasattr(handle, "gone"):
            self.cancelled.append(handle.point)
            handle.gone.set()
        super().cancel(handle)


def test_a_point_whose_node_never_answers_times_out_and_is_retried(tmp_path: Path) -> None:
    said: list[str] = []
    engine = DeadNodeEngine(meters=METERS, retries=1, say=said.append, point_timeout_s=0.4)
    with pytest.raises(UserError, match=r"3 point\(s\) lost their node 2 times"):
        run_sweep(tmp_path, SIX, measure_fn=FakeHarness(), engine=engine)
    table = pd.read_csv(tmp_path / "sweep.csv")
    assert sorted(table.point) == ["batch_size-1", "batch_size-3", "batch_size-5"]
    # each of b's points waited its timeout twice, was cancelled each time, then given up
    assert sorted(engine.cancelled) == sorted(["batch_size-2", "batch_size-4",
                                                "batch_size-6"] * 2)
    assert sum("no result after 0.4 s, --point-timeout" in line for line in said) == 6
    assert sum("giving up" in line for line in said) == 3


def test_with_retry_on_class_a_lost_point_moves_to_another_meter_of_its_class(
    tmp_path: Path,
) -> None:
    said: list[str] = []
    meters = [parse_meter("a@wt310"), parse_meter("b@wt310"), parse_meter("c@hioki")]
    engine = ThreadEngine({"batch_size-2": 1}, meters=meters, say=said.append,
                          retry_on_class=True)
    frame = run_sweep(tmp_path, SIX, measure_fn=FakeHarness(), engine=engine)
    rows = frame.set_index("point")
    # dealt a, b, c, a, b, c; batch_size-2 lost on b is measured again on a (same class)
    assert rows.loc["batch_size-2"].meter == "a" and rows.loc["batch_size-2"].attempts == 2
    assert list(rows.meter[[f"batch_size-{i}" for i in (1, 3, 4, 5, 6)]]) == list("acabc")
    assert any("measuring it again on meter a (same class)" in line for line in said)
    assert not engine.overlap
    # without the option it stays on its own meter
    plain = ThreadEngine({"batch_size-3": 1}, meters=meters, say=lambda text: None)
    frame = run_sweep(tmp_path / "plain", SIX, measure_fn=FakeHarness(), engine=plain)
    assert frame.set_index("point").loc["batch_size-3"].meter == "c"


def test_slurm_debug_engine_measures_each_point_on_its_meter(tmp_path: Path) -> None:
    engine = executor("slurm://debug", meters=METERS)
    assert isinstance(engine, SlurmExecutor)
    frame = run_sweep(tmp_path, SIX, measure_fn=FakeHarness(), engine=engine)
    assert list(frame.meter) == ["a", "b"] * 3 and set(frame.engine) == {"slurm"}
    assert (tmp_path / "slurm" / "a").is_dir()  # submitit's job files in the sweep folder


@pytest.mark.parametrize(("argv", "message"), [
    (["--meter", "a"], "--meter, --slurm-param, --point-timeout and --retry-on-class need a "
     "fleet engine"),
    (["--point-timeout", "60"], "--retry-on-class need a fleet engine"),
    (["--retry-on-class"], "--retry-on-class need a fleet engine"),
    (["--engine", "slurm://debug", "--meter", "a", "--retry-on-class"],
     "--retry-on-class needs meter classes"),
    (["--engine", "slurm://debug", "--meter", "a@"], "a meter name (and its @class)"),
    (["--engine", "ray"], "a fleet sweep needs its meters"),
    (["--engine", "slurm://moon", "--meter", "a"], "choose slurm, local or debug"),
    (["--engine", "slurm", "--meter", "a", "--meter", "a"], "--meter a given twice"),
    (["--engine", "slurm", "--meter", "a b"], "a meter name (and its @class) is letters"),
])
def test_fleet_options_are_refused_in_one_line(tmp_path: Path, argv: list[str],
                                                message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "joulekit", "sweep", "-o", str(tmp_path / "S"),
         "--batch-size", "1", *argv], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 3 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "S").exists()


def test_slurm_local_sweep_measures_on_two_meters_then_resumes_with_nothing(
    tmp_path: Path,
) -> None:
    out = tmp_path / "S"
    argv = [sys.executable, "-m", "joulekit", "sweep", "-o", str(out), "--engine",
            "slurm://local", "--meter", "a", "--meter", "b", "--batch-size", "1,2,4",
            "--duration-s", "1", "--settle", "0"]
    first = subprocess.run(argv, capture_output=True, text=True, timeout=240, check=False)
    assert first.returncode == 0, (first.stdout, first.stderr)
    table = pd.read_csv(out / "sweep.csv")
    assert list(table.meter) == ["a", "b", "a"] and list(table.status) == ["ok"] * 3
    assert set(table.engine) == {"slurm"} and table.clock_rtt_ms.notna().all()
    for pid in table.point:
        row = json.loads((out / "points" / pid / "point.json").read_text())
        assert row["attempts"] == 1
    second = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("skipped") == 3 and "measured" not in second.stdout.split(
        "points into")[1].split("\n", 1)[1].replace("points measured", "")

"""Fleet sweep figures: scheduling overhead per point (Ray vs the local engine), and the
time to plan and merge an N-point sweep with simulated measurements.

    .venv/bin/python tools/bench_fleet.py --points 1000 --ray-points 20

The simulated measurement returns at once, so the figures are the engine's and the
driver's own cost per point (drawing, placing, the clock exchange, point.json, the
table rewrite after each point), not a measurement's.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from joulekit.insight.fleet import Meter
from joulekit.insight.sweep import SweepSpec, run_sweep
from joulekit.insight.sweep_executor import executor
from joulekit.run.measure import RunConfig, RunOutcome


def simulated(config: RunConfig) -> RunOutcome:
    """A measured run that takes no time (what a point's bookkeeping costs without it)."""
    assert config.output is not None
    config.output.mkdir(parents=True)
    return RunOutcome(config=config, output=config.output, result_dir=None, completed=True,
                      interrupted=False, error=None, scenario=config.scenario,
                      average_watts=100.0, metric="average_power", metric_value=100.0,
                      metric_unit="W", efficiency=10.0)


def _spec(points: int) -> SweepSpec:
    return SweepSpec(grid={"batch_size": tuple(float(i) for i in range(1, points + 1))})


def _time(points: int, engine: object, root: Path, name: str) -> float:
    start = time.perf_counter()
    run_sweep(root / name, _spec(points), measure_fn=simulated, engine=engine)  # type: ignore[arg-type]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--ray-points", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        spec = _spec(args.points)
        plan = spec.points()
        print(f"plan {len(plan)} points: {(time.perf_counter() - start) * 1000:.1f} ms")
        total = _time(args.points, executor("local"), root, "local")
        print(f"local engine, {args.points} simulated points (plan + measure + merge): "
              f"{total:.2f} s, {total / args.points * 1000:.2f} ms per point")
        small = args.ray_points
        local = _time(small, executor("local"), root, "local-small")
        print(f"local engine, {small} points: {local / small * 1000:.1f} ms per point")
        try:
            import ray  # noqa: F401  (optional: the Ray figure needs the fleet extra)
        except ImportError:
            print("ray: not installed (pip install 'joulekit[fleet]')")
            return
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # loopback only
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        from ray.cluster_utils import Cluster

        cluster = Cluster(initialize_head=True, head_node_args={
            "num_cpus": 1, "include_dashboard": False, "resources": {"meter:a": 1,
                                                                      "meter:b": 1}})
        os.environ["RAY_ADDRESS"] = cluster.address
        try:
            engine = executor("ray", meters=[Meter("a"), Meter("b")], say=lambda t: None)
            remote = _time(small, engine, root, "ray")
            print(f"ray engine (local cluster, 2 meters, one worker process per point), "
                  f"{small} points: {remote / small * 1000:.1f} ms per point "
                  f"(+{(remote - local) / small * 1000:.1f} ms over local)")
        finally:
            cluster.shutdown()


if __name__ == "__main__":
    main()

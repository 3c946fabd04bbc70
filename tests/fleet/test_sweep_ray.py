"""A sweep on a real local Ray cluster: a head and two worker nodes on this machine
(Ray's own ``cluster_utils``: separate raylet processes on 127.0.0.1), each worker node
advertising its meter, each meter with its own director and simulator. Six points run
two at a time, each on its meter's node; a worker killed mid-point loses that point,
which is kept aside and measured again on the same meter; a rerun measures nothing.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
from director.fault_procs import director

#: every Ray process of this test on loopback (never the machine's other addresses)
RAY_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}


def _kill_tree(proc: psutil.Process) -> None:
    with contextlib.suppress(psutil.Error):
        family = [proc, *proc.children(recursive=True)]
        for p in family:
            with contextlib.suppress(psutil.Error):
                p.kill()


def _worker_running(point: str) -> psutil.Process | None:
    for proc in psutil.process_iter(["cmdline"]):
        line = " ".join(proc.info["cmdline"] or ())
        if line.startswith("ray::") and point in line:
            return proc
    return None


@pytest.mark.timeout(420)  # a 3-node Ray cluster on 2 loaded cores: ~60 s alone, ~150 s in CI
def test_six_points_on_two_metered_nodes_survive_a_killed_worker(tmp_path: Path) -> None:
    os.environ.update(RAY_ENV)
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 1, "include_dashboard": False})
    sweep: subprocess.Popen[str] | None = None
    try:
        cluster.add_node(num_cpus=1, resources={"meter:a": 1})
        cluster.add_node(num_cpus=1, resources={"meter:b": 1})
        with director(tmp_path / "a", ["sim://49?period_ms=200"]) as da, \
                director(tmp_path / "b", ["sim://49?period_ms=200"]) as db:
            out = tmp_path / "S"
            argv = [sys.executable, "-m", "joulekit", "sweep", "-o", str(out), "--engine",
                    "ray", "--meter", f"a=127.0.0.1:{da.port}", "--meter",
                    f"b=127.0.0.1:{db.port}", "--batch-size", "1,2,3,4,5,6",
                    "--duration-s", "2"]
            env = {**os.environ, **RAY_ENV, "RAY_ADDRESS": cluster.address}
            sweep = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
            # point batch_size-2 measures on meter b: kill its worker mid-point
            deadline = time.monotonic() + 120
            victim = None
            while victim is None:
                assert time.monotonic() < deadline, "the point never started on meter b"
                assert sweep.poll() is None, sweep.communicate()
                if (out / "points" / "batch_size-2" / "run").exists():
                    time.sleep(2.0)
                    victim = _worker_running("batch_size-2")
                time.sleep(0.2)
            _kill_tree(victim)
            stdout, stderr = sweep.communicate(timeout=240)
            assert sweep.returncode == 0, (stdout, stderr)
            table = pd.read_csv(out / "sweep.csv").set_index("point")
            assert list(table.status) == ["ok"] * 6
            assert list(table.meter) == ["a", "b"] * 3
            assert table.loc["batch_size-2", "attempts"] == 2
            assert (out / "points" / "batch_size-2.lost-1").is_dir()
            assert "lost  batch_size-2 on meter b" in stderr
            assert table.clock_rtt_ms.notna().all()
            # each meter's director saw exactly its own points (one session each, +1 lost)
            assert len(da.sessions()) == 3 and len(db.sessions()) in (3, 4)
            again = subprocess.run(argv, capture_output=True, text=True, env=env,
                                   timeout=120, check=False)
            assert again.returncode == 0, again.stderr
            assert again.stdout.count("skipped") == 6
    finally:
        if sweep is not None and sweep.poll() is None:
            _kill_tree(psutil.Process(sweep.pid))
            sweep.wait(10)
        cluster.shutdown()

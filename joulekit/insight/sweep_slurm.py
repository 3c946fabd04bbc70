"""``joulekit sweep --engine slurm[://CLUSTER]``: the points of a sweep as Slurm jobs.

One job per point, submitted through ``submitit`` from the sweep folder
(``OUT/slurm/`` keeps submitit's job files and logs). A meter is a Slurm node: the
point's job asks for that node (``nodelist``) and the whole of it (``exclusive``), and
the driver keeps at most one job in flight per meter. ``CLUSTER`` is submitit's:
``slurm`` (the default), ``local`` (each point a process on this machine: the way to
try a fleet sweep without a cluster) or ``debug`` (in this process). More Slurm
options: ``--slurm-param KEY=VALUE`` (``partition=gpu``, ``timeout_min=90``,
``gres=gpu:1``, ``account=…``), passed as submitit's ``slurm_KEY``.

A job that ends without a result (node failure, cancelled, preempted, out of time) is
a lost point: :class:`~joulekit.insight.fleet.FleetExecutor` keeps its folder aside and
submits it again to the same node.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from joulekit.errors import UserError
from joulekit.insight.fleet import FleetExecutor, LostPoint, PointTask, run_on_node
from joulekit.insight.sweep_executor import MeasureFn

CLUSTERS = ("slurm", "local", "debug")
#: submitit's own job files, inside the sweep folder
SLURM_DIR = "slurm"
#: minutes a point's job may run unless --slurm-param timeout_min=… says otherwise
DEFAULT_TIMEOUT_MIN = 120


def _submitit() -> Any:
    try:
        # optional dependency (extra ``fleet``), imported only for --engine slurm
        import submitit
    except ImportError:
        raise UserError("--engine slurm needs submitit; install the fleet extra: "
                        "pip install 'joulekit[fleet]'") from None
    return submitit


class SlurmExecutor(FleetExecutor):
    engine_name = "slurm"

    def __init__(self, cluster: str | None = None, *,
                 params: Mapping[str, str] | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.cluster = cluster or "slurm"
        if self.cluster not in CLUSTERS:
            raise UserError(f"--engine slurm://{self.cluster}: choose slurm, local or debug")
        self.params = dict(params or {})
        self._submitit: Any = None
        self._executors: dict[str, Any] = {}

    def _executor(self, task: PointTask) -> Any:
        found = self._executors.get(task.meter.name)
        if found is not None:
            return found
        assert task.config.output is not None
        folder = Path(task.config.output).parents[2] / SLURM_DIR / task.meter.name / "%j"
        executor = self._submitit.AutoExecutor(folder=folder, cluster=self.cluster)
        executor.update_parameters(timeout_min=int(self.params.get("timeout_min",
                                                                   DEFAULT_TIMEOUT_MIN)))
        if self.cluster == "slurm":
            slurm = {f"slurm_{k}": v for k, v in self.params.items() if k != "timeout_min"}
            executor.update_parameters(slurm_nodelist=task.meter.name, slurm_exclusive=True,
                                       name=f"joulekit-{task.meter.name}", **slurm)
        self._executors[task.meter.name] = executor
        return executor

    def open(self) -> None:
        self._submitit = _submitit()

    def submit(self, task: PointTask, measure: MeasureFn) -> Any:
        return self._executor(task).submit(run_on_node, task, measure)

    def wait(self, handles: list[Any], timeout: float) -> list[Any]:
        if self.cluster == "debug":  # runs at result(): each is "done" at once
            return handles[:1]
        done = [h for h in handles if h.done()]
        if not done:
            time.sleep(timeout)
        return done

    def result(self, handle: Any) -> dict[str, Any]:
        try:
            reply: dict[str, Any] = handle.result()
        except Exception as err:  # submitit's job errors: failed, uncompleted, cancelled
            text = str(err).strip().splitlines()
            raise LostPoint(f"job {handle.job_id}: {text[-1] if text else type(err).__name__}") \
                from None
        return reply

    def cancel(self, handle: Any) -> None:
        handle.cancel(check=False)

"""``joulekit sweep --engine ray[://ADDRESS]``: the points of a sweep on a Ray cluster.

Each metered node advertises one unit of a custom resource per meter
(``ray start --address HEAD --resources '{"meter:rack3-node07": 1}'``); a point asks for
one unit of its meter's resource, so Ray runs it on that node and never two points on
one meter at once. The worker process runs one point and exits (``max_calls=1``: a
measured run is started once per process). Ray's own retries are off: a worker or node
lost mid-point is a lost *measurement*, handled by
:class:`~joulekit.insight.fleet.FleetExecutor` (folder kept aside, retried on the same
meter). ``ADDRESS`` is what ``ray.init`` takes (``ray://HOST:10001`` for Ray Client is
passed whole); without it the cluster of ``RAY_ADDRESS`` or the one ``ray start``
made on this machine.
"""

from __future__ import annotations

from typing import Any

from joulekit.errors import UserError
from joulekit.insight.fleet import FleetExecutor, LostPoint, PointTask, run_on_node
from joulekit.insight.sweep_executor import MeasureFn


def _ray() -> Any:
    try:
        # optional dependency (extra ``fleet``), imported only for --engine ray
        import ray
    except ImportError:
        raise UserError("--engine ray needs Ray; install the fleet extra: "
                        "pip install 'joulekit[fleet]'") from None
    return ray


class RayExecutor(FleetExecutor):
    engine_name = "ray"

    def __init__(self, address: str | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.address = f"ray://{address}" if address else None
        self._ray: Any = None
        self._remote: Any = None
        self._started = False

    def open(self) -> None:
        ray = self._ray = _ray()
        try:
            if not ray.is_initialized():
                ray.init(address=self.address or "auto", log_to_driver=False,
                         logging_level="ERROR", configure_logging=False)
                self._started = True
        except (ConnectionError, RuntimeError, ValueError) as err:
            where = self.address or "RAY_ADDRESS or this machine"
            raise UserError(f"cannot reach the Ray cluster at {where}: {err}",
                            hint="start it with 'ray start --head' or give "
                                 "--engine ray://HOST:PORT") from None
        have = {key for node in ray.nodes() if node.get("Alive")
                for key in node.get("Resources", {})}
        missing = [m.resource for m in self.meters if m.resource not in have]
        if missing:
            self.say(f"    wait  no live Ray node has {', '.join(missing)} yet: those "
                     "points wait until one joins")
        self._remote = ray.remote(max_calls=1, max_retries=0, num_cpus=0)(run_on_node)

    def submit(self, task: PointTask, measure: MeasureFn) -> Any:
        return self._remote.options(
            resources={task.meter.resource: 1}, name=f"measure {task.point}",
        ).remote(task, measure)

    def wait(self, handles: list[Any], timeout: float) -> list[Any]:
        done, _ = self._ray.wait(handles, num_returns=1, timeout=timeout)
        return list(done)

    def result(self, handle: Any) -> dict[str, Any]:
        ray = self._ray
        try:
            reply: dict[str, Any] = ray.get(handle)
        except ray.exceptions.RayTaskError as err:
            # an exception inside run_on_node: a bug or a crash of the measured run
            raise LostPoint(f"the point raised {type(err.cause).__name__}: {err.cause}") \
                from None
        except ray.exceptions.RayError as err:
            raise LostPoint(type(err).__name__) from None
        return reply

    def cancel(self, handle: Any) -> None:
        self._ray.cancel(handle, force=True)

    def close(self) -> None:
        if self._started and self._ray is not None:
            self._ray.shutdown()
            self._started = False

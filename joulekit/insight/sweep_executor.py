"""Who runs the points of a sweep: one interface, engines registered by name.

:func:`joulekit.insight.sweep.run_sweep` owns what a sweep *means* (the grid, resuming,
``point.json`` as the proof a point is done, the table); an executor owns only *where and
when* each point's measured run happens. The driver hands the executor its points as a
lazy iterable of :class:`PointJob` (a point is set aside or skipped when it is drawn, so
drawing one at a time keeps today's order of events) and a ``finished`` callback that
records each outcome. ``finished`` may raise (``KeyboardInterrupt`` for an interrupted
run, :class:`~joulekit.errors.UserError` when the director cannot be reached): an engine
then starts no further point, stops or abandons what it started, and lets the exception
propagate, so a resumed sweep measures again every point without ``point.json``.

``local`` — the only engine today — runs the points one after another in this process,
each inside its GPU power-limit setting. A fleet engine (issue 15: Ray, Slurm) is one
module with a :class:`SweepExecutor` subclass and one :func:`register_executor` call: it
may draw every job at once, run them on other nodes (applying each job's
``power_limit_w`` there, with :func:`joulekit.insight.power_limit.power_limit`), and call
``finished`` here in the driver's process as results come back, in any order (the table
sorts its rows).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from joulekit.errors import UserError
from joulekit.insight.power_limit import power_limit
from joulekit.run.measure import RunConfig, RunOutcome

MeasureFn = Callable[[RunConfig], RunOutcome]


@dataclass(frozen=True)
class PointJob:
    """One grid point to measure: its id, its knob values and the run it needs."""

    point: str
    knobs: dict[str, float]
    config: RunConfig
    #: the GPU whose power limit the ``power_limit_w`` knob sets
    gpu: int
    #: the point's position in the grid (a fleet engine deals the meters by it)
    index: int = -1

    @property
    def power_limit_w(self) -> float | None:
        return self.knobs.get("power_limit_w")


class Finished(Protocol):
    """Records one point's outcome; ``placement`` (a fleet engine's: the meter, the node,
    its clock offset, the attempts) joins the point's row."""

    def __call__(
        self, job: PointJob, outcome: RunOutcome, placement: Mapping[str, Any] | None = None
    ) -> None: ...


class SweepExecutor(ABC):
    """Runs each job's measured run and reports it through ``finished``."""

    @abstractmethod
    def run(self, jobs: Iterable[PointJob], measure: MeasureFn, finished: Finished) -> None:
        """Measure every job with ``measure`` and call ``finished(job, outcome)`` once per
        job, in the calling process; stop at the first exception ``finished`` raises."""


class LocalExecutor(SweepExecutor):
    """One point after another, in this process (the sweep's behaviour since it exists)."""

    def run(self, jobs: Iterable[PointJob], measure: MeasureFn, finished: Finished) -> None:
        for job in jobs:
            with power_limit(job.gpu, job.power_limit_w):
                outcome = measure(job.config)
            finished(job, outcome)


#: name -> factory; ``--engine NAME://ADDRESS`` calls ``factory(ADDRESS)``, ``NAME`` alone
#: ``factory()``
EXECUTORS: dict[str, Callable[..., SweepExecutor]] = {}
DEFAULT_EXECUTOR = "local"


def register_executor(name: str, factory: Callable[..., SweepExecutor]) -> None:
    """Make an engine available by name (a second registration of a name is a bug)."""
    if name in EXECUTORS:
        raise ValueError(f"a sweep executor named {name!r} is already registered")
    EXECUTORS[name] = factory


def executor(name: str = DEFAULT_EXECUTOR, **options: Any) -> SweepExecutor:
    """A new executor of the engine ``name`` (``NAME`` or ``NAME://ADDRESS``); an unknown
    name is a UserError. ``options`` go to a fleet engine's factory (meters, retries)."""
    base, sep, address = name.partition("://")
    try:
        factory = EXECUTORS[base]
    except KeyError:
        raise UserError(f"no sweep engine {base!r}; choose one of "
                        + ", ".join(sorted(EXECUTORS))) from None
    if base == DEFAULT_EXECUTOR:
        if sep or options:
            raise UserError("the local engine takes no address, meters or retries; "
                            "use --engine ray or --engine slurm for a fleet")
        return factory()
    return factory(address or None, **options)


def _ray(address: str | None, **options: Any) -> SweepExecutor:
    # Ray is big and optional (extra ``fleet``): imported only when a sweep asks for it
    from joulekit.insight.sweep_ray import RayExecutor

    return RayExecutor(address, **options)


def _slurm(address: str | None, **options: Any) -> SweepExecutor:
    # submitit is optional (extra ``fleet``): imported only when a sweep asks for it
    from joulekit.insight.sweep_slurm import SlurmExecutor

    return SlurmExecutor(address, **options)


register_executor(DEFAULT_EXECUTOR, LocalExecutor)
register_executor("ray", _ray)
register_executor("slurm", _slurm)

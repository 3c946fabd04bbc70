"""What every fleet engine shares: meters, placement, retries, the sweep's clock.

A point of a fleet sweep is a measurement, not a compute task: it needs *its* meter
(a metered node, named by the user: ``--meter NAME[=DIRECTOR]``), the node to itself
while it measures, and a failure of the node is a lost measurement to be kept aside and
taken again on the same meter. :class:`FleetExecutor` holds those semantics once; an
engine (:mod:`.sweep_ray`, :mod:`.sweep_slurm`) only submits a point to the node of a
meter and says when it came back.

- **Placement**: the points are dealt to the meters round-robin in grid order (point
  ``i`` of the grid on meter ``i mod n``), so a resumed sweep puts every point on the
  meter it had. At most one point per meter is in flight: points run in parallel
  across meters, one after another on each.
- **Loss**: a point whose node or worker died (the engine's own failure, never a failed
  measurement: that is a row with status ``failed``) has its folder moved aside to
  ``points/<id>.lost-N`` and goes back to the front of its meter's queue, up to
  ``retries`` more times. Only :func:`finished` writes ``point.json``, so the table is
  consistent at every moment and a finished point is never measured again.
- **Clock**: the driver serves its clock on a TCP port (:class:`TimeReference`); each
  point measures its node's offset to it before measuring (the best of a few round
  trips) and the row records ``clock_offset_ms`` and ``clock_rtt_ms``.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import itertools
import os
import re
import socket
import socketserver
import sys
import threading
import time
from abc import abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joulekit.errors import UserError
from joulekit.insight.power_limit import power_limit
from joulekit.insight.sweep_executor import Finished, MeasureFn, PointJob, SweepExecutor
from joulekit.run.measure import RunConfig

_METER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
#: how often the scheduler looks at what came back, seconds
WAIT_S = 0.5
#: how long a point may take from submission (queued for its meter's node, then measured)
#: before it counts as lost: a node that died or never joins would otherwise hold the
#: sweep forever (Ray keeps such a task pending, a Slurm job may sit in the queue)
DEFAULT_POINT_TIMEOUT_S = 3600.0
#: round trips per clock-offset measurement (the one with the shortest is kept)
CLOCK_ROUNDS = 5


@dataclass(frozen=True)
class Meter:
    """A metered node: its resource name and the director its points use (None: a local
    director with the simulator, started on the node by the point)."""

    name: str
    director: str | None = None
    #: the meter's class (same analyzer model and setup): with ``--retry-on-class`` a lost
    #: point may be measured again on another meter of its class
    meter_class: str | None = None

    @property
    def resource(self) -> str:
        """The Ray custom resource a node advertises for this meter."""
        return f"meter:{self.name}"


def parse_meter(text: str) -> Meter:
    """``NAME[@CLASS]`` or ``NAME[@CLASS]=HOST:PORT`` (the director beside that meter, seen
    from its node; the class groups meters whose measurements are interchangeable)."""
    named, _, director = text.partition("=")
    name, at, meter_class = named.strip().partition("@")
    if not _METER_NAME.fullmatch(name) or (at and not _METER_NAME.fullmatch(meter_class)):
        raise UserError(f"--meter {text!r}: a meter name (and its @class) is letters, "
                        "digits, '.', '-', '_' (e.g. rack3-node07, rack3-node07@wt310 or "
                        "rack3-node07@wt310=127.0.0.1:4950)")
    return Meter(name, director.strip() or None, meter_class or None)


def check_meters(meters: Iterable[Meter]) -> tuple[Meter, ...]:
    found = tuple(meters)
    if not found:
        raise UserError("a fleet sweep needs its meters: --meter NAME[=HOST:PORT], once per "
                        "metered node")
    names = [m.name for m in found]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UserError(f"--meter {', '.join(twice)} given twice")
    return found


# ---------------------------------------------------------------------- the sweep clock


class _TimeHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        for _ in range(64):
            if not self.rfile.readline(16):
                return
            self.wfile.write(f"{time.time():.6f}\n".encode())
            self.wfile.flush()


class TimeReference:
    """The sweep's time reference: the driver's clock, one line per request, on TCP."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        try:
            self._server = socketserver.ThreadingTCPServer((host, port), _TimeHandler)
        except OSError as err:
            raise UserError(f"cannot serve the sweep's clock on {host}:{port}: "
                            f"{err.strerror or err}", hint="give --clock-host") from err
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def measure_offset(address: tuple[str, int], rounds: int = CLOCK_ROUNDS,
                   timeout: float = 5.0) -> tuple[float, float]:
    """(offset, round trip) in ms of the reference's clock minus this node's."""
    best: tuple[float, float] | None = None
    with socket.create_connection(address, timeout=timeout) as sock:
        reader = sock.makefile("rb")
        for _ in range(rounds):
            before = time.time()
            sock.sendall(b"t\n")
            server = float(reader.readline(64))
            after = time.time()
            rtt = (after - before) * 1000
            offset = (server - (before + after) / 2) * 1000
            if best is None or rtt < best[1]:
                best = (offset, rtt)
    assert best is not None
    return best


# ---------------------------------------------------------------------- the node's side


@dataclass(frozen=True)
class PointTask:
    """What a node needs to measure one point (sent to it whole: plain data)."""

    point: str
    config: RunConfig
    gpu: int
    power_limit_w: float | None
    meter: Meter
    clock: tuple[str, int] | None
    attempt: int


def run_on_node(task: PointTask, measure: MeasureFn) -> dict[str, Any]:
    """Measure one point on this node; runs in the engine's worker.

    Returns ``{"kind": "ok", "outcome": RunOutcome, "placement": {...}}``, or
    ``{"kind": "user-error", "message": ...}`` for a mistake the user must fix (the sweep
    stops). Anything raised is the engine's failure: the point is lost and retried.
    """
    placement: dict[str, Any] = {
        "meter": task.meter.name, "node": socket.gethostname(), "node_pid": os.getpid(),
        "attempts": task.attempt, "clock_offset_ms": float("nan"),
        "clock_rtt_ms": float("nan"),
    }
    if task.clock is not None:
        with contextlib.suppress(OSError, ValueError):
            placement["clock_offset_ms"], placement["clock_rtt_ms"] = measure_offset(task.clock)
    try:
        with power_limit(task.gpu, task.power_limit_w):
            outcome = measure(task.config)
    except UserError as err:
        return {"kind": "user-error", "message": f"{task.point} on meter {task.meter.name}: "
                f"{err}"}
    return {"kind": "ok", "outcome": outcome, "placement": placement}


# ---------------------------------------------------------------------- the driver's side


class LostPoint(Exception):
    """The engine lost the point (node or worker died, job cancelled or timed out)."""


def set_aside_lost(folder: Path) -> Path | None:
    """Move a lost point's partial folder to ``<id>.lost-N`` (never deleted)."""
    if not folder.exists():
        return None
    for n in itertools.count(1):
        target = folder.with_name(f"{folder.name}.lost-{n}")
        if not target.exists():
            folder.rename(target)
            return target
    raise AssertionError("unreachable")


class FleetExecutor(SweepExecutor):
    """Deals the points to their meters and keeps the measurement semantics of a loss."""

    engine_name = "fleet"

    def __init__(
        self,
        *,
        meters: Iterable[Meter] = (),
        retries: int = 2,
        clock_host: str = "127.0.0.1",
        say: Callable[[str], None] | None = None,
        point_timeout_s: float = DEFAULT_POINT_TIMEOUT_S,
        retry_on_class: bool = False,
    ) -> None:
        self.meters = check_meters(meters)
        if retries < 0:
            raise UserError("--point-retries must be 0 or more")
        if not point_timeout_s > 0:
            raise UserError("--point-timeout must be more than 0 seconds")
        self.retries = retries
        self.point_timeout_s = point_timeout_s
        if retry_on_class and not any(m.meter_class for m in self.meters):
            raise UserError("--retry-on-class needs meter classes: --meter NAME@CLASS")
        self.retry_on_class = retry_on_class
        self.clock_host = clock_host
        self.say = say or (lambda text: print(text, file=sys.stderr, flush=True))

    # what an engine provides
    @abstractmethod
    def submit(self, task: PointTask, measure: MeasureFn) -> Any:
        """Start ``task`` on the node of ``task.meter``; returns a handle."""

    @abstractmethod
    def wait(self, handles: list[Any], timeout: float) -> list[Any]:
        """The handles among ``handles`` that finished (waiting at most ``timeout``)."""

    @abstractmethod
    def result(self, handle: Any) -> dict[str, Any]:
        """What :func:`run_on_node` returned; :class:`LostPoint` when the engine lost it."""

    @abstractmethod
    def cancel(self, handle: Any) -> None: ...

    def open(self) -> None:
        """Connect to the engine (called once, before the first point)."""

    def close(self) -> None:
        """Release the engine."""

    def meter_of(self, job: PointJob, position: int) -> Meter:
        index = job.index if job.index >= 0 else position
        return self.meters[index % len(self.meters)]

    def run(self, jobs: Iterable[PointJob], measure: MeasureFn, finished: Finished) -> None:
        pending = list(jobs)
        if not pending:
            return
        queues: dict[str, collections.deque[tuple[PointJob, int]]] = {
            m.name: collections.deque() for m in self.meters}
        meters = {m.name: m for m in self.meters}
        for position, job in enumerate(pending):
            queues[self.meter_of(job, position).name].append((job, 1))
        clock = TimeReference(self.clock_host)
        in_flight: dict[Any, tuple[PointJob, Meter, int, float]] = {}
        gave_up: list[str] = []

        def lost(job: PointJob, meter: Meter, attempt: int, why: str) -> None:
            kept = set_aside_lost(_point_folder(job))
            where = f"; its partial data is kept in {kept}" if kept else ""
            if attempt <= self.retries:
                again = self._retry_meter(meter, queues, in_flight)
                there = "there" if again is meter else f"on meter {again.name} (same class)"
                self.say(f"    lost  {job.point} on meter {meter.name} ({why}){where}; "
                         f"measuring it again {there}")
                queues[again.name].appendleft((job, attempt + 1))
            else:
                self.say(f"    lost  {job.point} on meter {meter.name} ({why}){where}; "
                         f"{attempt} attempts, giving up")
                gave_up.append(job.point)

        try:
            self.open()
            while True:
                busy = {meter.name for _, meter, _, _ in in_flight.values()}
                for name, queue in queues.items():
                    if name in busy or not queue:
                        continue
                    job, attempt = queue.popleft()
                    task = self._task(job, meters[name], clock.address, attempt)
                    in_flight[self.submit(task, measure)] = (job, meters[name], attempt,
                                                             time.monotonic())
                if not in_flight:
                    break
                for handle in self.wait(list(in_flight), WAIT_S):
                    job, meter, attempt, _ = in_flight.pop(handle)
                    try:
                        reply = self.result(handle)
                    except LostPoint as why:
                        lost(job, meter, attempt, str(why))
                        continue
                    if reply["kind"] == "user-error":
                        raise UserError(str(reply["message"]))
                    placement = dict(reply["placement"], engine=self.engine_name)
                    finished(job, reply["outcome"], placement)
                now = time.monotonic()
                for handle, (job, meter, attempt, since) in list(in_flight.items()):
                    if now - since > self.point_timeout_s:
                        del in_flight[handle]
                        with contextlib.suppress(Exception):
                            self.cancel(handle)
                        lost(job, meter, attempt, f"no result after {self.point_timeout_s:g} s, "
                             "--point-timeout")
        finally:
            for handle in in_flight:
                with contextlib.suppress(Exception):
                    self.cancel(handle)
            clock.close()
            self.close()
        if gave_up:
            raise UserError(f"{len(gave_up)} point(s) lost their node {self.retries + 1} "
                            f"times ({', '.join(gave_up)}); rerun the same command to "
                            "measure them again")

    def _retry_meter(self, lost_on: Meter, queues: Mapping[str, Sized],
                     in_flight: Mapping[Any, tuple[PointJob, Meter, int, float]]) -> Meter:
        """Where a lost point is measured again: its own meter, or with
        ``--retry-on-class`` the least loaded other meter of its class (its own node may
        be the one that died)."""
        if not self.retry_on_class or lost_on.meter_class is None:
            return lost_on
        busy = {meter.name for _, meter, _, _ in in_flight.values()}
        others = [m for m in self.meters
                  if m.meter_class == lost_on.meter_class and m.name != lost_on.name]
        if not others:
            return lost_on
        return min(others, key=lambda m: (len(queues[m.name]) + (m.name in busy),
                                          self.meters.index(m)))

    def _task(self, job: PointJob, meter: Meter, clock: tuple[str, int],
              attempt: int) -> PointTask:
        config = job.config
        output = config.output.resolve() if config.output is not None else None
        config = dataclasses.replace(config, output=output,
                                     director=meter.director or config.director)
        return PointTask(job.point, config, job.gpu, job.power_limit_w, meter, clock, attempt)


def _point_folder(job: PointJob) -> Path:
    """``points/<id>`` of a job (its run folder's parent)."""
    assert job.config.output is not None
    return job.config.output.resolve().parent

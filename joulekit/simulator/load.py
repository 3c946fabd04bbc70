"""Load models: what the simulated meter sees on its input.

``constant:W`` for repeatable tests, ``cpu:idle=W,per=W`` for a demo that follows this
host's real CPU utilisation (idle watts + ``per`` watts at 100 % CPU, read with psutil),
and ``wave:FILE`` to replay a recorded power trace (one ``watts`` or ``seconds,watts``
per line, looped). Voltage and power factor are constants of the model.

``cpu:…,tree=PID`` counts only the CPU time of process PID and its descendants (as a
share of all cores), so a measured run's power follows its own workload and not
whatever else the host is doing: ``joulekit run`` uses it with its own PID.
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from joulekit.errors import UserError


class ProcessTreeCpu:
    """CPU utilisation of one process and its descendants, between two calls.

    Each call sums user + system time of the live tree plus the time of children it has
    already reaped (``children_user``/``children_system``), so a workload process that
    exits between two samples is still counted; the share is of all cores.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._cores = psutil.cpu_count() or 1
        self._last: tuple[float, float] | None = None

    def _cpu_seconds(self) -> float | None:
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return None
        total = 0.0
        for proc in procs:
            try:
                t = proc.cpu_times()
            except psutil.Error:  # exited or a zombie between listing and reading
                continue
            total += t.user + t.system + t.children_user + t.children_system
        return total

    def utilisation(self) -> float:
        now, seconds = time.monotonic(), self._cpu_seconds()
        if seconds is None:
            return 0.0
        last, self._last = self._last, (now, seconds)
        if last is None or now <= last[0]:
            return 0.0
        share = (seconds - last[1]) / ((now - last[0]) * self._cores)
        return min(1.0, max(0.0, share))


@dataclass
class LoadModel:
    """Power drawn at a given time (seconds since the simulator started)."""

    kind: str = "constant"
    watts: float = 120.0
    idle: float = 80.0
    per: float = 150.0
    times: tuple[float, ...] = ()
    values: tuple[float, ...] = ()
    volts: float = 230.0
    pf: float = 0.95
    #: with ``tree=PID``: only that process tree's CPU counts
    tree: ProcessTreeCpu | None = field(default=None, repr=False)

    def power(self, elapsed: float) -> float:
        if self.kind == "cpu":
            if self.tree is not None:
                utilisation = self.tree.utilisation()
            else:
                utilisation = psutil.cpu_percent(interval=None) / 100.0
            return self.idle + self.per * utilisation
        if self.kind == "wave" and self.values:
            period = self.times[-1] + (self.times[1] - self.times[0] if len(self.times) > 1 else 1)
            t = elapsed % period
            index = max(0, bisect.bisect_right(self.times, t) - 1)
            return self.values[index]
        return self.watts

    def describe(self) -> str:
        if self.kind == "cpu":
            what = f"of process tree {self.tree.pid}" if self.tree else "of this host"
            return f"{self.idle:g} W idle + {self.per:g} W x CPU utilisation {what} (psutil)"
        if self.kind == "wave":
            return f"waveform of {len(self.values)} points"
        return f"constant {self.watts:g} W"


def _options(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in filter(None, text.split(",")):
        key, sep, value = part.partition("=")
        if not sep:
            raise UserError(f"load option {part!r} is not key=value")
        out[key.strip()] = value.strip()
    return out


def parse_load(spec: str) -> LoadModel:
    """Parse ``constant:120``, ``cpu:idle=80,per=150[,tree=PID]``, ``wave:FILE``
    (each + ``volts=``, ``pf=``)."""
    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower()
    try:
        if kind == "constant":
            head, _, tail = rest.partition(",")
            opts = _options(tail)
            model = LoadModel("constant", watts=float(head or 120.0))
        elif kind == "cpu":
            opts = _options(rest)
            model = LoadModel(
                "cpu", idle=float(opts.pop("idle", 80.0)), per=float(opts.pop("per", 150.0))
            )
            if "tree" in opts:
                model.tree = ProcessTreeCpu(int(opts.pop("tree")))
                model.tree.utilisation()  # prime: the first call has no reference
            else:
                psutil.cpu_percent(interval=None)  # prime, likewise
        elif kind == "wave":
            path_text, _, tail = rest.partition(",")
            opts = _options(tail)
            model = _read_wave(Path(path_text))
        else:
            raise UserError(
                f"unknown load model {spec!r}; use constant:W, cpu:idle=W,per=W or wave:FILE"
            )
        if "volts" in opts:
            model.volts = float(opts.pop("volts"))
        if "pf" in opts:
            model.pf = float(opts.pop("pf"))
    except ValueError as err:
        raise UserError(f"bad load model {spec!r}: {err}") from None
    if opts:
        raise UserError(f"unknown load option(s) {', '.join(opts)} in {spec!r}")
    if not 0 < model.pf <= 1:
        raise UserError(f"load power factor must be in (0, 1], got {model.pf}")
    return model


def _read_wave(path: Path) -> LoadModel:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise UserError(f"cannot read waveform file {path}: {err.strerror}") from None
    times: list[float] = []
    values: list[float] = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.replace(";", ",").split(",")]
        try:
            if len(fields) == 1:
                times.append(float(len(times)))
                values.append(float(fields[0]))
            else:
                times.append(float(fields[0]))
                values.append(float(fields[1]))
        except ValueError:
            raise UserError(f"{path}:{number}: expected 'watts' or 'seconds,watts'") from None
    if not values:
        raise UserError(f"waveform file {path} has no values")
    return LoadModel("wave", times=tuple(times), values=tuple(values))

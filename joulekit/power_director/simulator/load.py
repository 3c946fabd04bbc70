"""Load models: what the simulated meter sees on its input.

``constant:W`` for repeatable tests, ``cpu:idle=W,per=W`` for a demo that follows this
host's real CPU utilisation (idle watts + ``per`` watts at 100 % CPU, read with psutil),
and ``wave:FILE`` to replay a recorded power trace (one ``watts`` or ``seconds,watts``
per line, looped). Voltage and power factor are constants of the model.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path

import psutil

from joulekit.errors import UserError


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

    def power(self, elapsed: float) -> float:
        if self.kind == "cpu":
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
            return f"{self.idle:g} W idle + {self.per:g} W x CPU utilisation (psutil)"
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
    """Parse ``constant:120``, ``cpu:idle=80,per=150``, ``wave:FILE`` (+ ``volts=``, ``pf=``)."""
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
            psutil.cpu_percent(interval=None)  # prime: the first call has no reference
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

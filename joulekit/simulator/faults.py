"""Scriptable faults: the failures a director must survive, on demand.

Syntax ``NAME[:key=value,...]``; several may be given. Sample indices (``at``) count
from 0 within each measurement (after ``Go``).

| fault | effect |
|---|---|
| ``refuse-start`` | the simulator exits with an error before it listens |
| ``slow-start:seconds=S`` | waits S seconds before it listens (a WT333E over USB: ~17 s) |
| ``drop-rl:times=N,after=K`` | the next N ``RL`` replies stop after K lines; link closed |
| ``nan:at=I,count=C`` | C readings from sample I are NaN (written -1, "Bad … reading nan") |
| ``overrange:at=I,count=C`` | the same with INF (over-range) |
| ``uncertainty-high:at=I,count=C`` | the load's power factor drops so the uncertainty exceeds 1 % |
| ``miss:at=I,count=C`` | C samples are not taken ("WARNING: Missed C samples") |
| ``duplicate:at=I,count=C`` | C samples are stored twice with the same timestamp |
| ``clock-offset:seconds=S`` | the simulator's clock runs S seconds ahead (negative: behind) |
| ``drift:ppm=P`` | the simulator's clock gains P parts per million |
| ``error:cmd=SR,times=N`` | the next N commands starting with ``cmd`` are answered ``Error`` |
| ``busy:cmd=Go,times=N`` | the same with ``Meter busy`` |
"""

from __future__ import annotations

from dataclasses import dataclass, field

from joulekit.errors import UserError

FAULTS: dict[str, frozenset[str]] = {
    "refuse-start": frozenset(),
    "slow-start": frozenset({"seconds"}),
    "drop-rl": frozenset({"times", "after"}),
    "nan": frozenset({"at", "count"}),
    "overrange": frozenset({"at", "count"}),
    "uncertainty-high": frozenset({"at", "count"}),
    "miss": frozenset({"at", "count"}),
    "duplicate": frozenset({"at", "count"}),
    "clock-offset": frozenset({"seconds"}),
    "drift": frozenset({"ppm"}),
    "error": frozenset({"cmd", "times"}),
    "busy": frozenset({"cmd", "times"}),
}


@dataclass
class Fault:
    """One scripted fault with its parameters; ``remaining`` counts down for ``times``."""

    name: str
    params: dict[str, str] = field(default_factory=dict)
    remaining: int = 0

    def number(self, key: str, default: float) -> float:
        return float(self.params.get(key, default))

    def covers(self, index: int) -> bool:
        """True when sample ``index`` falls in this fault's ``at``/``count`` window."""
        start = int(self.number("at", 0))
        count = int(self.number("count", 1 if self.name != "uncertainty-high" else 10**9))
        return start <= index < start + count


def parse_fault(spec: str) -> Fault:
    """Parse one ``NAME[:key=value,...]`` fault, with a clear error for a typo."""
    name, _, rest = spec.strip().partition(":")
    name = name.strip().lower()
    if name not in FAULTS:
        raise UserError(f"unknown simulator fault {name!r}; known: {', '.join(FAULTS)}")
    params: dict[str, str] = {}
    for part in filter(None, rest.split(",")):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in FAULTS[name]:
            allowed = ", ".join(sorted(FAULTS[name])) or "none"
            raise UserError(f"fault {name!r}: bad option {part!r} (options: {allowed})")
        params[key] = value.strip()
    fault = Fault(name, params)
    try:
        for key in ("at", "count", "times", "after", "seconds", "ppm"):
            if key in params:
                float(params[key])
    except ValueError:
        raise UserError(f"fault {spec!r}: {key} must be a number") from None
    fault.remaining = int(fault.number("times", 1))
    return fault


def parse_faults(specs: list[str] | tuple[str, ...]) -> list[Fault]:
    return [parse_fault(s) for s in specs]

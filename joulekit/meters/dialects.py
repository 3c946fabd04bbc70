"""SCPI dialects as data (analyzers.md §2.1, §2.2): the type and the value parsing.

A dialect is a table of command templates plus the order in which the meter returns
W/V/A/PF, so the analyzer code is the same for every family and a transcript test can
cover each command. Values are parsed with the meters' error sentinels: NAN, INF and
anything >= 9.9E37 are invalid readings, never numbers. Each family's dialects are data
in its own module (``yokogawa``); ``registry`` looks them up by name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    """Command templates of one meter family (``{value}`` is a range in V or A)."""

    name: str
    models: tuple[str, ...]
    init: tuple[str, ...]
    volts_range_set: str
    volts_auto_set: str  # {value} is 1 or 0
    amps_range_set: str
    amps_auto_set: str
    volts_range_query: str
    volts_auto_query: str
    amps_range_query: str
    amps_auto_query: str
    values_query: str
    #: index of W, V, A, PF in the values reply
    order: tuple[int, int, int, int]
    update_query: str = ":STAT:EESR?"
    error_query: str = ":STAT:ERR?"
    rate_set: str = ":RATE {rate}"


#: update rates the meters accept, in ms
RATES = {100: "100MS", 250: "250MS", 500: "500MS", 1000: "1S", 2000: "2S", 5000: "5S"}


def format_value(value: float) -> str:
    """A range as sent to the meter: ``300.0``, ``0.5``, ``0.005`` (plain decimal)."""
    return repr(float(value))


def parse_number(text: str) -> float:
    """One NR3 value; NAN, INF and >= 9.9E37 (no data / over-range) become NaN."""
    t = text.strip().upper()
    if t in ("NAN", "INF", "-INF", "+INF", ""):
        return math.nan
    try:
        value = float(t)
    except ValueError:
        return math.nan
    if math.isinf(value) or abs(value) >= 9.9e37:
        return math.nan
    return value


def parse_values(reply: str, d: Dialect) -> tuple[float, float, float, float]:
    """W, V, A, PF from a values reply in the dialect's order (NaN for invalid)."""
    parts = [parse_number(p) for p in reply.split(",")]
    if len(parts) < 4:
        raise ValueError(f"expected 4 values, got {reply!r}")
    w, v, a, pf = (parts[i] for i in d.order)
    return w, v, a, pf

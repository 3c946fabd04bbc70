"""Parsers for PTDaemon's replies: Identify, Ranges, RL sample lines, Watts, Uncertainty.

Pure functions (no I/O) so every reply shape is covered by tests. Invalid readings
(-1, NaN, INF, >= 9.9E37) never become numbers downstream: they are kept as -1 with a
``nan`` flag, as ``spl.txt`` expects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from joulekit.analyzers.base import (
    INVALID_READING,
    ChannelReading,
    Identity,
    Range,
    Ranges,
    Statistics,
)
from joulekit.formats.timefmt import parse_mlperf_time
from joulekit.rules.ptd_devices import ptd_device_table

#: the version PTDaemon reports between ``version=`` and the first ``-``
SIMULATOR_MARK = "joulekit"


#: PTDaemon's driver name (first Identify field) → its device number; attach mode fills
#: ``ptd_config`` from this
DRIVER_DEVICE_TYPES, DC_OFFSET = ptd_device_table()


def device_type_for_driver(driver: str) -> int | None:
    """The device number behind an Identify driver name (DC variants are 500 + AC).

    The simulator names its driver ``JoulekitSimulator-<PTDaemon driver>``; its number
    is that driver's.
    """
    name = driver.strip().split("-", 1)[-1] if driver.startswith("JoulekitSimulator-") else driver
    dc = name.startswith("DC") or name.endswith("_DC")  # the simulator appends "_DC"
    base = DRIVER_DEVICE_TYPES.get(name.removeprefix("DC").removesuffix("_DC").strip("_- "))
    if base is None:
        return None
    return base + DC_OFFSET if dc else base


def parse_identify(reply: str) -> Identity:
    """Split PTD's 15- or 19-field Identify reply (the IDN may hold commas: limit the split)."""
    fields = reply.split(",", 18)
    driver = fields[0].strip()
    version = None
    channels = 1
    idn = ""
    for f in fields:
        if f.startswith("version="):
            version = f[len("version=") :]
    if len(fields) >= 15:
        try:
            channels = max(1, int(fields[14]))
        except ValueError:
            channels = 1
    if len(fields) >= 19:
        idn = fields[18].replace(";", ",")
    simulator = SIMULATOR_MARK in reply.lower()
    ptd_version = None if simulator or version is None else version.split("-", 1)[0]
    idn_parts = [p.strip() for p in idn.split(",")] if idn else []
    return Identity(
        model=driver,
        device_type=device_type_for_driver(driver),
        serial=idn_parts[2] if len(idn_parts) > 2 else None,
        firmware=idn_parts[3] if len(idn_parts) > 3 else None,
        ptd_version=ptd_version,
        channels=channels,
        compliant=not simulator and ptd_version is not None,
        raw=reply,
    )


def parse_ranges(reply: str) -> list[Ranges]:
    """``Ranges,<Aauto>,<A>,<Vauto>,<V>[,...]`` -> one :class:`Ranges` per 4-field group."""
    if not reply.startswith("Ranges,"):
        raise ValueError(f"not a Ranges reply: {reply!r}")
    numbers = reply.split(",")[1:]
    if len(numbers) % 4 or not numbers:
        raise ValueError(f"Ranges reply needs groups of 4 values: {reply!r}")
    groups: list[Ranges] = []
    for i in range(0, len(numbers), 4):
        a_auto, a_range, v_auto, v_range = numbers[i : i + 4]
        groups.append(Ranges(volts=_range(v_auto, v_range), amps=_range(a_auto, a_range)))
    return groups


def _range(auto_text: str, value_text: str) -> Range:
    auto, value = float(auto_text), float(value_text)
    return Range(
        auto=None if auto < 0 else bool(auto),
        value=None if value <= 0 else value,
        text=value_text.strip() if value > 0 else None,
    )


def reading(text: str) -> float:
    """A numeric field, with every invalid spelling turned into ``INVALID_READING``."""
    try:
        value = float(text)
    except ValueError:
        return INVALID_READING
    if math.isnan(value) or math.isinf(value) or abs(value) >= 9.9e37:
        return INVALID_READING
    return value


@dataclass(frozen=True)
class RlLine:
    """One parsed RL/spl line: time, sum group, optional mark, channel groups."""

    utc: datetime
    watts: float
    volts: float
    amps: float
    pf: float
    mark: str
    channels: tuple[ChannelReading, ...]


def parse_rl_line(line: str) -> RlLine | None:
    """Parse ``Time,<ts>,Watts,w,Volts,v,Amps,a,PF,p[,Mark,m][,ChN,Watts,...]``; None if not one."""
    parts = line.strip().split(",")
    if len(parts) < 10 or parts[0] != "Time":
        return None
    try:
        utc = parse_mlperf_time(parts[1])
    except ValueError:
        return None
    groups: list[dict[str, float]] = [{}]
    mark = ""
    i = 2
    while i < len(parts) - 1:
        key, value = parts[i], parts[i + 1]
        if key.startswith("Ch") and key[2:].isdigit():
            groups.append({})
            i += 1
            continue
        if key == "Mark":
            mark = value
        elif key in ("Watts", "Volts", "Amps", "PF"):
            groups[-1][key] = reading(value)
        i += 2
    head = groups[0]
    if "Watts" not in head:
        return None
    channels = tuple(
        ChannelReading(
            g.get("Watts", INVALID_READING),
            g.get("Volts", INVALID_READING),
            g.get("Amps", INVALID_READING),
            g.get("PF", INVALID_READING),
        )
        for g in groups[1:]
    )
    return RlLine(
        utc,
        head["Watts"],
        head.get("Volts", INVALID_READING),
        head.get("Amps", INVALID_READING),
        head.get("PF", INVALID_READING),
        mark,
        channels,
    )


def parse_statistics(watts_reply: str | None, uncertainty_reply: str | None) -> Statistics | None:
    """``Watts,<avg>,<min>,<max>,<samples>,<errors>,<valid>`` + ``Uncertainty,...`` (7 fields)."""
    if not watts_reply or not watts_reply.startswith("Watts,"):
        return None
    w = watts_reply.split(",")
    try:
        stats = Statistics(
            watts_avg=float(w[1]),
            watts_min=float(w[2]),
            watts_max=float(w[3]),
            samples=int(float(w[4])),
            errors=int(float(w[5])),
        )
    except (IndexError, ValueError):
        return None
    if uncertainty_reply and uncertainty_reply.startswith(("Uncertainty,", "Accuracy,")):
        u = uncertainty_reply.split(",")
        try:
            avg, high = float(u[1]), float(u[3])
            invalid = int(float(u[5]))
        except (IndexError, ValueError):
            return stats
        return Statistics(
            stats.watts_avg,
            stats.watts_min,
            stats.watts_max,
            stats.samples,
            stats.errors,
            # avg -1: nothing was evaluable; max is then PTDaemon's start value, not data
            uncertainty_avg=avg if avg >= 0 else None,
            uncertainty_max=high if avg >= 0 and high >= 0 else None,
            uncertain_samples=max(0, invalid),
        )
    return stats

"""Named thresholds for the parts that apply a compliance limit outside the checker.

The doctor picks ranges with the current factor, the director sets the testing range
with it, the analyzers flag samples above the uncertainty limit, the client refuses a
clock offset, the audit runs compare performance within a band. None of them may keep
its own copy of the number (a copy drifts from the round's rule), so each asks
:func:`threshold` (``rules/catalog/thresholds.yaml``): a threshold either reads the
round's pack (the newest round when none is given) or is the same in every round.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from joulekit.rules.pack import available_rounds, dotted_get, load_section
from joulekit.rules.rule_catalog import load_yaml


@dataclass(frozen=True)
class Threshold:
    """One named limit: a fixed ``value``, a per-scenario ``table``, or a ``pack`` path
    (times ``scale``) read from the round's pack."""

    name: str
    description: str
    source: str
    unit: str = ""
    pack: str = ""
    scale: float = 1.0
    value: float | None = None
    table: Mapping[str, float] | None = None

    def for_round(self, round_name: str | None = None) -> float:
        """The value in force for ``round_name`` (None: the newest round)."""
        if self.value is not None:
            return self.value
        if not self.pack:
            raise KeyError(f"threshold {self.name} is a table; use table_of()")
        name = round_name or available_rounds()[-1]
        section, _, path = self.pack.partition(".")
        found: Any = dotted_get(load_section(name, section), path)
        if not isinstance(found, int | float):
            raise KeyError(f"round {name} has no {self.pack} for threshold {self.name}")
        return float(found) * self.scale


@functools.lru_cache(maxsize=1)
def thresholds() -> dict[str, Threshold]:
    """Every named threshold, validated by ``schema/thresholds.schema.json``."""
    data = load_yaml("catalog/thresholds.yaml", "thresholds")
    found: dict[str, Threshold] = {}
    for name, entry in data["thresholds"].items():
        table = entry.get("table")
        found[name] = Threshold(
            name=name, description=entry["description"], source=entry["source"],
            unit=entry.get("unit", ""), pack=entry.get("pack", ""),
            scale=float(entry.get("scale", 1.0)),
            value=None if "value" not in entry else float(entry["value"]),
            table=None if table is None else {k: float(v) for k, v in table.items()})
    return found


def threshold(name: str, round: str | None = None) -> float:
    """``threshold("current_factor")`` → 1.1; ``round`` picks a round's pack value."""
    return thresholds()[name].for_round(round)


def table_of(name: str) -> Mapping[str, float]:
    """A per-key threshold (``audit_relaxed_latency_ns`` → ``{"SingleStream": 200000.0}``)."""
    table = thresholds()[name].table
    if table is None:
        raise KeyError(f"threshold {name} is not a table; use threshold()")
    return table

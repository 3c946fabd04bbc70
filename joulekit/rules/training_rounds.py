"""MLPerf Training rounds and the summarizer's energy formulas, as data.

Training rounds are their own series (training v4.0 is not inference v4.0): each is one
file ``rules/training/<round>.yaml`` (schema ``schema/training.schema.json``) naming the
formula in force, the olympic drops per benchmark and the policy limits the checker
applies; the formulas themselves are ``rules/training/formulas.yaml`` (schema
``training_formulas.schema.json``), one set of behaviours per summarizer version with
the commit it came from. :func:`training_pack` gives a round as a :class:`RulePack` with
one ``training`` section, so the catalog's ``training.*`` thresholds, ``--explain`` and
``rules show`` read it as they read an inference pack.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

from joulekit.errors import UserError
from joulekit.rules.pack import RulePack, is_round_name, round_key
from joulekit.rules.rule_catalog import load_yaml

_FOLDER = "training"
_FORMULAS = "formulas"
#: the section name training thresholds are read under (``training.sampling.gap_s``)
SECTION = "training"


@dataclass(frozen=True)
class NodeBehaviour:
    """How one summarizer version turns a node log into energy (formulas.yaml ``node``)."""

    sort_by_time: bool
    readings_before_start: str  # count_from_zero | ignored
    window_stop: str  # stop_record | max_stop_last_reading
    eff: str  # last_before_stop | last_any
    no_start: str  # zero | error
    no_stop: str  # zero | last_reading


@dataclass(frozen=True)
class Formula:
    """One version of the energy formula, with where it came from."""

    id: str
    description: str
    commit: str
    produced: str
    in_force_from: str
    in_force_until: str | None
    node: NodeBehaviour
    #: a switch file's efficiency when no conversion_eff precedes the estimate; None:
    #: that version raised UnboundLocalError
    switch_eff_default: float | None


@dataclass(frozen=True)
class TrainingRound:
    """One training round's file, validated."""

    round: str
    ruleset: str
    formula: Formula
    data: dict[str, Any]

    def olympic_drop(self, benchmark: str) -> int:
        """Runs dropped at each end of the time-to-train order (1; 4 for unet3d)."""
        olympic = self.data["olympic"]
        return int(olympic.get("drop", {}).get(benchmark, olympic["default_drop"]))

    def value(self, dotted: str) -> Any:
        """A value of the round's file at ``a.b`` (no ``training.`` prefix)."""
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"training round {self.round} has no {dotted}")
            node = node[part]
        return node

    def number(self, dotted: str) -> float:
        found = self.value(dotted)
        if isinstance(found, bool) or not isinstance(found, int | float):
            raise KeyError(f"training round {self.round}: {dotted} is not a number")
        return float(found)


def training_rounds() -> list[str]:
    """Training rounds with a file, oldest first."""
    folder = resources.files("joulekit.rules") / _FOLDER
    names = [p.name.removesuffix(".yaml") for p in folder.iterdir()
             if p.name.endswith(".yaml") and is_round_name(p.name.removesuffix(".yaml"))]
    return sorted(names, key=round_key)


@functools.lru_cache(maxsize=1)
def formulas() -> dict[str, Formula]:
    """Every formula of ``formulas.yaml`` by id."""
    data = load_yaml(f"{_FOLDER}/{_FORMULAS}.yaml", "training_formulas")
    found: dict[str, Formula] = {}
    for fid, entry in data["formulas"].items():
        node = entry["node"]
        eff = entry["switch"]["eff_default"]
        found[fid] = Formula(
            id=fid, description=entry["description"], commit=entry["commit"],
            produced=entry["produced"], in_force_from=entry["in_force"]["from"],
            in_force_until=entry["in_force"].get("until"),
            node=NodeBehaviour(sort_by_time=node["sort_by_time"],
                               readings_before_start=node["readings_before_start"],
                               window_stop=node["window_stop"], eff=node["eff"],
                               no_start=node["no_start"], no_stop=node["no_stop"]),
            switch_eff_default=float(eff) if isinstance(eff, int | float) else None)
    return found


def normalize_round(name: str) -> str:
    """``4.1``, ``v4.1`` and ``4.1.0`` all name training round ``v4.1``."""
    text = name.strip().lower().removeprefix("v")
    parts = text.split(".")
    if len(parts) == 3 and parts[2] == "0":
        parts = parts[:2]
    return "v" + ".".join(parts)


@functools.lru_cache(maxsize=16)
def load_training_round(name: str) -> TrainingRound:
    """A training round by name (``v4.1``, ``4.1``, ``4.1.0``); a UserError lists the
    known ones."""
    round_name = normalize_round(name)
    known = training_rounds()
    if round_name not in known:
        raise UserError(f"no MLPerf Training round {name!r}; known training rounds: "
                        f"{', '.join(known)}")
    where = f"{_FOLDER}/{round_name}.yaml"
    data = load_yaml(where, "training")
    if data["round"] != round_name:
        raise UserError(f"joulekit/rules/{where} says round {data['round']!r}")
    formula = formulas().get(data["formula"])
    if formula is None:
        raise UserError(f"joulekit/rules/{where} names formula {data['formula']!r}, which "
                        f"{_FOLDER}/{_FORMULAS}.yaml does not define")
    return TrainingRound(round=round_name, ruleset=data["ruleset"], formula=formula,
                         data=data)


def newest_training_round() -> str:
    return training_rounds()[-1]


def training_pack(name: str | None = None) -> RulePack:
    """A training round as a pack with one ``training`` section (for the catalog's
    thresholds, ``--explain`` and ``rules show``)."""
    found = load_training_round(name or newest_training_round())
    source = {f"{SECTION}.{ref}": str(note) for ref, note in found.data["source"].items()}
    return RulePack(round=found.round, sections={SECTION: found.data}, source=source)

"""The round's latency bounds for a benchmark and scenario, read from the rule pack.

The submission section of a pack holds, per benchmark, ``latency_constraints_ns`` (the
99th-percentile query latency a Server run may not exceed) and, for LLMs,
``token_latency_limits_ms`` (p99 TTFT and TPOT, which must be *strictly* below the
limit). We read them there so a new round needs no change here.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from joulekit.errors import UserError
from joulekit.insight.recommend import Constraint
from joulekit.rules import load_pack


def _single(frame: pd.DataFrame, column: str) -> str:
    if column not in frame.columns:
        raise UserError(f"the sweep table has no {column} column, which --round needs")
    values = sorted({str(v) for v in frame[column].dropna()})
    if len(values) != 1:
        raise UserError(f"the sweep table mixes {column} values {values}; --round needs one")
    return values[0]


def _benchmark_rules(benchmarks: dict[str, Any], name: str, round_name: str) -> dict[str, Any]:
    for key, rules in benchmarks.items():
        if key == name or name in rules.get("aliases", []):
            return dict(rules)
    raise UserError(f"benchmark {name!r} is not in the {round_name} rule pack")


def _scenario_key(mapping: dict[str, Any], scenario: str) -> str | None:
    for key in mapping:
        if key.lower() == scenario.lower():
            return str(key)
    return None


def round_constraints(round_name: str, frame: pd.DataFrame) -> list[Constraint]:
    """The constraints the round imposes on the table's (single) benchmark and scenario."""
    benchmark = _single(frame, "benchmark")
    scenario = _single(frame, "scenario")
    pack = load_pack(round_name)
    rules = _benchmark_rules(pack.submission.get("benchmarks", {}), benchmark, round_name)
    where = f"round {round_name} rule pack, {benchmark} {scenario}"
    constraints: list[Constraint] = []
    latency = rules.get("latency_constraints_ns", {})
    key = _scenario_key(latency, scenario)
    if key is not None:
        constraints.append(Constraint("latency_p99_ms", float(latency[key]) / 1e6, where))
    tokens = rules.get("token_latency_limits_ms", {})
    key = _scenario_key(tokens, scenario)
    if key is not None:
        limits = tokens[key]
        if "ttft" in limits:
            constraints.append(Constraint("ttft_p99_ms", float(limits["ttft"]), where, strict=True))
        if "tpot" in limits:
            constraints.append(Constraint("tpot_p99_ms", float(limits["tpot"]), where, strict=True))
    if not constraints:
        raise UserError(
            f"the {round_name} rules set no latency bound for {benchmark} {scenario}; "
            "give one (e.g. --p99-ms 15)"
        )
    return constraints

"""``joulekit recommend``: the energy-optimal configuration of a sweep under a latency bound.

Thin: parse the constraints, call :func:`joulekit.insight.recommend.recommend`, print
the answer, and write the frontier plot and a JSON record beside the table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from joulekit.errors import EXIT_OK, UserError
from joulekit.formats.atomic import atomic_write_text
from joulekit.insight.bounds import round_constraints
from joulekit.insight.plots import frontier_figure, save
from joulekit.insight.recommend import (
    Constraint,
    Recommendation,
    knobs_of,
    recommend,
    usable_rows,
)
from joulekit.insight.table import ENERGY, KNOB_COLUMNS, read_table
from joulekit.validate import float_arg

#: option -> latency column it constrains
_LIMIT_OPTIONS = {
    "p50_ms": "latency_p50_ms",
    "p90_ms": "latency_p90_ms",
    "p99_ms": "latency_p99_ms",
    "ttft_p90_ms": "ttft_p90_ms",
    "ttft_p99_ms": "ttft_p99_ms",
    "tpot_p90_ms": "tpot_p90_ms",
    "tpot_p99_ms": "tpot_p99_ms",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "recommend",
        help="energy-optimal configuration of a sweep",
        description="From a sweep table, the time–energy Pareto frontier and the "
        "minimum-energy configuration meeting a latency constraint, with its saving "
        "against a baseline.",
    )
    parser.add_argument("table", type=Path, help="sweep folder, sweep.parquet or sweep.csv")
    for option, column in _LIMIT_OPTIONS.items():
        parser.add_argument(
            f"--{option.replace('_', '-')}",
            type=float_arg(positive=True),
            metavar="MS",
            dest=option,
            help=f"bound on {column} in milliseconds",
        )
    parser.add_argument(
        "--round",
        metavar="ROUND",
        help="use the round's latency bound for the table's benchmark and scenario",
    )
    parser.add_argument(
        "--baseline",
        action="append",
        default=[],
        metavar="KNOB=VALUE",
        help="baseline configuration (repeatable, e.g. --baseline batch_size=8); "
        "default: the fastest configuration meeting the constraints",
    )
    parser.add_argument(
        "-o",
        "--out",
        type=Path,
        help="folder for frontier.png/.svg and recommendation.json (default: beside the table)",
    )
    parser.add_argument("--json", action="store_true", help="print the record as JSON")
    parser.set_defaults(func=run)


def parse_baseline(items: list[str]) -> dict[str, float]:
    spec: dict[str, float] = {}
    for item in items:
        knob, sep, value = item.partition("=")
        if not sep or knob not in KNOB_COLUMNS:
            raise UserError(
                f"--baseline {item!r}: write KNOB=VALUE with KNOB one of {', '.join(KNOB_COLUMNS)}"
            )
        try:
            spec[knob] = float(value)
        except ValueError:
            raise UserError(f"--baseline {item!r}: {value!r} is not a number") from None
    return spec


def record(rec: Recommendation) -> dict[str, Any]:
    """The recommendation as plain JSON data."""

    def point(row: Any) -> dict[str, Any]:
        return {
            "knobs": knobs_of(row),
            "energy_per_sample_j": float(row[ENERGY]),
            rec.time_col: float(row[rec.time_col]),
        }

    return {
        "constraints": [
            {"metric": c.metric, "bound_ms": c.bound_ms, "strict": c.strict, "source": c.source}
            for c in rec.constraints
        ],
        "measured": rec.measured,
        "feasible": rec.feasible,
        "recommended": point(rec.chosen),
        "baseline": {**point(rec.baseline), "rule": rec.baseline_rule},
        "saving_fraction": rec.saving_fraction,
        "frontier": [point(row) for _, row in rec.frontier.iterrows()],
    }


def run(args: argparse.Namespace) -> int:
    frame = read_table(args.table)
    constraints = [
        Constraint(column, float(getattr(args, option)), "user")
        for option, column in _LIMIT_OPTIONS.items()
        if getattr(args, option) is not None
    ]
    if args.round:
        constraints += round_constraints(args.round, frame)
    rec = recommend(frame, constraints, parse_baseline(args.baseline) or None)
    out = args.out or (args.table if args.table.is_dir() else args.table.parent)
    figure = frontier_figure(
        usable_rows(frame),
        rec.frontier,
        rec.time_col,
        bounds_ms=[c.bound_ms for c in rec.constraints if c.metric == rec.time_col],
        chosen=rec.chosen,
        baseline=rec.baseline,
        title=f"time–energy tradeoff ({rec.feasible} of {rec.measured} meet the constraints)",
    )
    picture = save(figure, out, "frontier")
    data = record(rec)
    atomic_write_text(out / "recommendation.json", json.dumps(data, indent=2) + "\n")
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        for line in rec.summary_lines():
            print(line)
        print(f"frontier plot: {out / picture.png} (and .svg)")
    return EXIT_OK

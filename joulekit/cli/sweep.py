"""``joulekit sweep``: measure a grid of SUT configurations into one resumable table.

Run the same command again after an interruption and only the unfinished points are
measured. Thin: parse the grid, call :func:`joulekit.insight.sweep.run_sweep`, print.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from joulekit.errors import EXIT_ERRORS, EXIT_OK, UserError
from joulekit.formats.layout import OFFLINE
from joulekit.insight.recommend import knobs_of
from joulekit.insight.sweep import SweepProgress, SweepSpec, run_sweep
from joulekit.insight.sweep_executor import DEFAULT_EXECUTOR, executor
from joulekit.insight.table import ENERGY, STATUS, knob_label
from joulekit.validate import excerpt, float_arg, int_arg, parse_float


def _values(text: str) -> tuple[float, ...]:
    """Positive finite numbers (a NaN or a 0 point would fail only when its turn came)."""
    try:
        values = tuple(parse_float(part, "each value", positive=True, maximum=1e12)
                       for part in text.split(",") if part.strip())
    except UserError as err:
        raise argparse.ArgumentTypeError(
            f"{excerpt(text)!r} is not a comma-separated list of numbers ({err})"
        ) from None
    if not values:
        raise argparse.ArgumentTypeError("give at least one value")
    return values


def _whole(text: str) -> tuple[float, ...]:
    """Like :func:`_values`, for knobs that count things (batch size, concurrency)."""
    values = _values(text)
    if any(v != int(v) for v in values):
        raise argparse.ArgumentTypeError(f"{excerpt(text)!r}: each value must be a whole number")
    return values


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="measure a grid of SUT configurations",
        description="Measure every combination of the given knobs, each a full ranging + "
        "testing run checked by the round's rules, into OUT/sweep.csv and OUT/sweep.parquet. "
        "Rerun the same command to resume: finished points are not measured again.",
    )
    parser.add_argument("-o", "--out", type=Path, required=True, help="sweep folder")
    grid = parser.add_argument_group("grid (comma-separated values; at least one knob)")
    grid.add_argument("--batch-size", type=_whole, metavar="N,N,...")
    grid.add_argument(
        "--concurrency", type=_whole, metavar="N,N,...", help="requests in flight (HTTP SUT)"
    )
    grid.add_argument("--target-qps", type=_values, metavar="Q,Q,...")
    grid.add_argument(
        "--power-limit-w",
        type=_values,
        metavar="W,W,...",
        help="GPU power limits set through NVML (needs root)",
    )
    parser.add_argument("--gpu", type=int_arg(minimum=0, maximum=1023), default=0,
                        help="NVML index for --power-limit-w")
    parser.add_argument("--sut", default="demo", help="SUT as 'joulekit run --sut' takes it")
    parser.add_argument("--scenario", default=OFFLINE)
    parser.add_argument(
        "--duration-s",
        type=float_arg(positive=True, maximum=7 * 86400.0),
        default=12.0,
        help="LoadGen min duration of each phase (default %(default)g)",
    )
    parser.add_argument(
        "--settle",
        type=float_arg(minimum=0.0, maximum=3600.0),
        default=1.0,
        help="settle wait of the local director (default %(default)g s)",
    )
    parser.add_argument(
        "--director",
        metavar="HOST:PORT",
        help="a running director (default: a local one with the simulator)",
    )
    parser.add_argument("--round", help="rule pack each point is checked against")
    parser.add_argument(
        "--benchmark",
        default="",
        help="MLPerf benchmark name recorded in the table (for 'joulekit recommend --round')",
    )
    parser.add_argument(
        "--retry-failed", action="store_true", help="measure again the points whose run failed"
    )
    parser.add_argument(
        "--engine", default=DEFAULT_EXECUTOR, metavar="NAME",
        help="what runs the points (default %(default)s: one after another on this machine)",
    )
    parser.set_defaults(func=run)


def spec_from_args(args: argparse.Namespace) -> SweepSpec:
    if args.duration_s <= 0:
        raise UserError("--duration-s must be positive")
    grid = {
        knob: getattr(args, knob)
        for knob in ("batch_size", "concurrency", "target_qps", "power_limit_w")
        if getattr(args, knob)
    }
    if not grid:
        raise UserError("give at least one knob to sweep, e.g. --batch-size 1,2,4,8")
    return SweepSpec(
        grid=grid,
        sut=args.sut,
        scenario=args.scenario,
        duration_ms=round(args.duration_s * 1000),
        settle_s=args.settle,
        director=args.director,
        round=args.round,
        benchmark=args.benchmark,
        gpu=args.gpu,
    )


def _print(progress: SweepProgress) -> None:
    row = progress.row or {}
    energy = row.get(ENERGY)
    figure = (
        f"{float(energy) * 1000:.4g} mJ/sample"
        if row.get(STATUS) == "ok" and energy is not None
        else str(row.get("error") or "")
    )
    print(f"{progress.action:>8}  {progress.point}  {figure}", flush=True)


def run(args: argparse.Namespace) -> int:
    spec = spec_from_args(args)
    engine = executor(args.engine)  # an unknown engine is refused before anything starts
    total = len(spec.points())
    print(f"sweep of {total} points into {args.out}", flush=True)
    frame = run_sweep(args.out, spec, retry_failed=args.retry_failed, on_point=_print,
                      engine=engine)
    ok = frame[frame[STATUS] == "ok"] if not frame.empty else frame
    print(
        f"{len(ok)} of {total} points measured: {args.out / 'sweep.csv'}, "
        f"{args.out / 'sweep.parquet'}"
    )
    if not ok.empty:
        best = ok.sort_values(ENERGY).iloc[0]
        print(
            f"least energy per sample: {knob_label(best)} "
            f"({float(best[ENERGY]) * 1000:.4g} mJ); knobs {knobs_of(best)}"
        )
    return EXIT_OK if len(ok) == total else EXIT_ERRORS

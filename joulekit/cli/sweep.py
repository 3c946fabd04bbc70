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
from joulekit.insight.carbon import Carbon, CarbonSettings
from joulekit.insight.fleet import DEFAULT_POINT_TIMEOUT_S, parse_meter
from joulekit.insight.recommend import knobs_of
from joulekit.insight.sweep import SweepProgress, SweepSpec, run_sweep
from joulekit.insight.sweep_executor import DEFAULT_EXECUTOR, SweepExecutor, executor
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
        help="what runs the points (default %(default)s: one after another on this machine; "
        "ray or ray://ADDRESS: a Ray cluster; slurm, slurm://local, slurm://debug: Slurm "
        "jobs through submitit)",
    )
    fleet = parser.add_argument_group("fleet (--engine ray / slurm)")
    fleet.add_argument(
        "--meter", action="append", default=[], metavar="NAME[@CLASS][=HOST:PORT]",
        help="a metered node (Ray resource meter:NAME, Slurm node NAME), its meter class "
        "(meters of one class measure alike) and the director beside its meter as that "
        "node reaches it; repeat per node; points are dealt round-robin in grid order",
    )
    fleet.add_argument("--retry-on-class", action="store_true",
                       help="measure a lost point again on another meter of its class "
                       "(the least busy), not only on its own")
    fleet.add_argument("--point-retries", type=int_arg(minimum=0, maximum=100), default=2,
                       help="times a point lost with its node is measured again on its "
                       "meter (default %(default)s)")
    fleet.add_argument("--point-timeout", type=float_arg(positive=True), metavar="S",
                       help="seconds a point may take from submission (waiting for its "
                       "node, then measuring) before it counts as lost and is retried "
                       f"(default {DEFAULT_POINT_TIMEOUT_S:g})")
    fleet.add_argument("--clock-host", default="127.0.0.1", metavar="HOST",
                       help="address of this machine the nodes reach for the sweep's "
                       "clock (default %(default)s)")
    fleet.add_argument("--slurm-param", action="append", default=[], metavar="KEY=VALUE",
                       help="a Slurm option for each point's job (partition=gpu, "
                       "timeout_min=90, gres=gpu:1)")
    add_carbon_arguments(parser)
    parser.set_defaults(func=run)


def add_carbon_arguments(parser: argparse.ArgumentParser) -> None:
    """The carbon/cost columns (``joulekit.insight.carbon``), for sweep and run."""
    group = parser.add_argument_group("carbon and cost (optional columns)")
    group.add_argument("--grid-intensity", type=float_arg(minimum=0.0, maximum=1e5),
                       metavar="G_PER_KWH", help="grid carbon intensity, g CO2-eq per kWh")
    group.add_argument("--country", metavar="ISO3",
                       help="take the grid intensity of this country from CodeCarbon's "
                       "data (CodeCarbon must be installed), e.g. FRA")
    group.add_argument("--price", type=float_arg(minimum=0.0, maximum=1e6),
                       metavar="PER_KWH", help="price of one kWh")
    group.add_argument("--currency", default="", metavar="CODE",
                       help="currency of --price (EUR, USD)")


def carbon_from_args(args: argparse.Namespace) -> Carbon | None:
    settings = CarbonSettings(args.grid_intensity, args.country, args.price, args.currency)
    return settings.resolve() if settings.wanted else None


def engine_from_args(args: argparse.Namespace) -> SweepExecutor:
    """The engine; an unknown one (or fleet options without a fleet) refused up front."""
    name = args.engine
    if name.partition("://")[0] == DEFAULT_EXECUTOR:
        if args.meter or args.slurm_param or args.point_timeout is not None \
                or args.retry_on_class:
            raise UserError("--meter, --slurm-param, --point-timeout and --retry-on-class "
                            "need a fleet engine: "
                            "--engine ray or --engine slurm")
        return executor(name)
    options: dict[str, Any] = {
        "meters": [parse_meter(text) for text in args.meter],
        "retries": args.point_retries,
        "point_timeout_s": args.point_timeout or DEFAULT_POINT_TIMEOUT_S,
        "retry_on_class": args.retry_on_class,
        "clock_host": args.clock_host,
    }
    if name.partition("://")[0] == "slurm":
        params = {}
        for text in args.slurm_param:
            key, sep, value = text.partition("=")
            if not sep or not key.strip():
                raise UserError(f"--slurm-param {text!r}: give KEY=VALUE")
            params[key.strip()] = value.strip()
        options["params"] = params
    elif args.slurm_param:
        raise UserError("--slurm-param needs --engine slurm")
    return executor(name, **options)


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
    engine = engine_from_args(args)  # an unknown engine is refused before anything starts
    carbon = carbon_from_args(args)
    total = len(spec.points())
    print(f"sweep of {total} points into {args.out}", flush=True)
    frame = run_sweep(args.out, spec, retry_failed=args.retry_failed, on_point=_print,
                      engine=engine, carbon=carbon)
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

"""``joulekit run``: measure a workload (ranging + testing), check it, summarise.

With no arguments it needs no hardware: a director with the PTDaemon simulator on
loopback, the built-in demo model, short phases. ``--director`` measures against a
real director instead; ``--rehearse`` runs the user's real director config with the
simulator in place of each analyzer (:mod:`joulekit.run.rehearse`).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from joulekit import signals
from joulekit.cli.loadgen import (
    add_settings_arguments,
    add_sut_arguments,
    settings_from_args,
    sut_args_to_cli,
)
from joulekit.cli.sweep import add_carbon_arguments, carbon_from_args
from joulekit.errors import EXIT_ERRORS, EXIT_OK, UserError
from joulekit.formats.layout import OFFLINE
from joulekit.inputs import prepare_output_dir, read_ini
from joulekit.insight.carbon import (
    COST,
    CURRENCY,
    EMISSIONS,
    EMISSIONS_CSV,
    ENERGY_CONSUMED,
    GRID_INTENSITY,
    Carbon,
    write_run_emissions,
)
from joulekit.loadgen.sut.http import read_prompts
from joulekit.run.audit import parse_compliance
from joulekit.run.demo import DEMO_LOAD, DEMO_PHASE_MS, DEMO_SETTLE_S
from joulekit.run.measure import (
    RunConfig,
    RunOutcome,
    check_config,
    default_output,
    loadgen_command_args,
    measure,
    nothing_measured,
)
from joulekit.run.progress import PhaseProgress
from joulekit.run.rehearse import rehearse
from joulekit.run.summary import render, render_rehearsal
from joulekit.run.workload import LoadgenWorkload
from joulekit.validate import float_arg

#: a phase of a week is a typo, not a measurement (and keeps the milliseconds an int64)
MAX_PHASE_S = 7 * 86400.0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run", help="measure a workload: ranging + testing, then check",
        description="Measure a SUT through ranging and testing in lockstep with a power "
        "director, check the result and summarise it. With no options: the demo model, a "
        "local director and the PTDaemon simulator, no hardware needed.",
    )
    add_sut_arguments(parser, default="demo")
    parser.add_argument("--duration-s", type=float_arg(positive=True, maximum=MAX_PHASE_S),
                        default=DEMO_PHASE_MS / 1000,
                        help="LoadGen min duration of each phase (default %(default)g; a "
                             "submission needs 600)")
    parser.add_argument("--output", "-o", type=Path,
                        help="result folder (default ./joulekit-results/<timestamp>)")
    parser.add_argument("--director", metavar="HOST:PORT",
                        help="a running director (default: start one with the simulator)")
    parser.add_argument("--ntp-server", help="NTP server for the client's clock check")
    parser.add_argument("--round", help="rule pack to check against (default: the newest)")
    parser.add_argument("--label", default="joulekit", help="session label")
    parser.add_argument("--settle", type=float_arg(minimum=0.0, maximum=3600.0),
                        default=DEMO_SETTLE_S,
                        help="settle wait of the local director (default %(default)g s)")
    parser.add_argument(
        "--simulator-load", default=DEMO_LOAD, metavar="MODEL",
        help="what the local simulator measures: cpu:idle=W,per=W (default %(default)s, "
             "following this run's own processes), constant:W for repeatable figures, or "
             "wave:FILE",
    )
    parser.add_argument("--accuracy", action="store_true",
                        help="after testing, run LoadGen in accuracy mode into OUT/accuracy/")
    parser.add_argument("--compliance", metavar="TESTS", default="",
                        help="after testing, run these compliance tests (TEST01,TEST04) into "
                             "OUT/TEST0X/ with their verify files")
    parser.add_argument("--rehearse", action="store_true",
                        help="rehearse with your director config (-c) and the simulator")
    parser.add_argument("-c", "--director-config", type=Path,
                        help="the director's server.conf, for --rehearse")
    add_settings_arguments(parser, durations=False)
    add_carbon_arguments(parser)
    parser.set_defaults(func=main, scenario=RunConfig.scenario)


def build_config(args: argparse.Namespace, on_phase: Any = None) -> RunConfig:
    settings = settings_from_args(args)
    # the scenario is RunConfig's own; the remaining settings pass through to LoadGen
    passthrough = settings.to_cli_args()[2:]
    sut_extra = sut_args_to_cli(args)[2:]
    if args.duration_s <= 0:
        raise UserError("--duration-s must be positive")
    settings.build()  # LoadGen reads the conf files now: a bad one stops here, not in ranging
    if args.prompts is not None:

        read_prompts(args.prompts)
    return RunConfig(
        sut=args.sut, scenario=settings.scenario, duration_ms=int(args.duration_s * 1000),
        output=args.output, director=args.director, loadgen_args=(*passthrough, *sut_extra),
        label=args.label, ntp_server=args.ntp_server, round=args.round,
        settle_s=args.settle, simulator_load=args.simulator_load, on_phase=on_phase,
        accuracy=args.accuracy,
        compliance=_compliance(args.compliance),
    )


def _compliance(text: str) -> tuple[str, ...]:

    return parse_compliance(text) if text.strip() else ()


def main(args: argparse.Namespace) -> int:

    console = Console(stderr=False)
    if args.rehearse:
        return _rehearse(args, console)

    carbon = carbon_from_args(args)  # a country CodeCarbon lacks stops here, not after
    with PhaseProgress(console) as progress:
        config = build_config(args, progress.on_phase)
        where = f"director {config.director}" if config.director else \
            "a local director with the PTDaemon simulator"
        console.print(f"measuring {config.sut} ({config.scenario}) through {where}")
        outcome = measure(config)
    if nothing_measured(outcome):
        raise UserError(f"{outcome.error}; nothing was measured "
                        f"(what happened: {outcome.output / 'outcome.json'})")
    render(outcome, console)
    if carbon is not None and outcome.completed:
        _carbon_line(outcome, carbon, console)
    if outcome.interrupted:
        print(f"joulekit run: interrupted by {signals.describe()}; what was measured is kept "
              f"in {outcome.output}", file=sys.stderr, flush=True)
        return signals.exit_code()
    if not outcome.completed or outcome.other_failures:
        return EXIT_ERRORS
    return EXIT_OK


def _carbon_line(outcome: RunOutcome, carbon: Carbon, console: Any) -> None:
    """Write OUT/emissions.csv and say its figures in one line."""
    row = write_run_emissions(
        outcome.output, carbon, average_watts=outcome.average_watts,
        result_dir=outcome.result_dir, project=outcome.config.label,
        timestamp=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    parts = [f"{row[ENERGY_CONSUMED]:.6g} kWh in the testing window"]
    if EMISSIONS in row:
        parts.append(f"{row[EMISSIONS] * 1000:.4g} g CO2-eq at {row[GRID_INTENSITY]:g} g/kWh")
    if COST in row:
        parts.append(f"cost {row[COST]:.4g} {row[CURRENCY]}".rstrip())
    console.print(f"carbon: {', '.join(parts)} ({outcome.output / EMISSIONS_CSV})",
                  highlight=False)


def _rehearse(args: argparse.Namespace, console: Any) -> int:
    if args.director_config is None:
        raise UserError("--rehearse needs your director's config: -c server.conf")
    if args.director:
        raise UserError("--rehearse starts its own director from -c; drop --director")

    config = build_config(args)
    check_config(config)
    read_ini(args.director_config)  # before any folder is made for the rehearsal
    output = prepare_output_dir(config.output or default_output(), "--output",
                                must_be_empty=True)
    workload = LoadgenWorkload(
        loadgen_command_args(config),
        {"ranging": config.duration_ms, "testing": config.duration_ms},
        carry_offline_rate=config.scenario == OFFLINE
        and "--target-qps" not in config.loadgen_args,
        offline_retry=config.scenario == OFFLINE and "--target-qps" not in config.loadgen_args,
    )
    result = rehearse(
        args.director_config, workload, output=output / "result",
        loadgen_logs=output / "loadgen", round=config.round, ntp_server=config.ntp_server,
        label=config.label, work_dir=output / "rehearsal",
    )
    render_rehearsal(result, output, console)
    return EXIT_OK if result.ready else EXIT_ERRORS

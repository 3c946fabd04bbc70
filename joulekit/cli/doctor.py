"""``joulekit doctor``: preflight a host before a real run, from the run's own inputs.

On the director host give the ``server.conf`` the director will start from (``-c``); on
the SUT host give the options the client will get (``-a``, ``-p``, ``-n``, ``-o``,
``-L``). Both at once when one machine plays both parts. Exit codes follow
``joulekit check``: 0 clean, 1 errors, 2 warnings only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from joulekit.doctor.options import (
    DEFAULT_LINE_VOLTS,
    DEFAULT_PHASE_SECONDS,
    DEFAULT_POWER_FACTOR,
    DoctorOptions,
)
from joulekit.doctor.plan import run_doctor
from joulekit.doctor.report import render_table, to_json
from joulekit.doctor.result import exit_code
from joulekit.errors import UserError
from joulekit.inputs import port_arg
from joulekit.session.protocol import DEFAULT_PORT


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be above zero")
    return value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="preflight checks before a real run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    director = parser.add_argument_group("director host")
    director.add_argument(
        "-c", "--config", type=Path, help="the director's server.conf (reference INI layout)"
    )
    director.add_argument(
        "--probe",
        action="store_true",
        help="also take a short Go/Stop measurement on each analyzer",
    )
    director.add_argument(
        "--expected-watts",
        type=_positive,
        metavar="W",
        help="what the SUT will draw: checks the ranges and the uncertainty they imply",
    )
    director.add_argument(
        "--line-volts",
        type=_positive,
        default=DEFAULT_LINE_VOLTS,
        metavar="V",
        help=f"line voltage for that estimate (default {DEFAULT_LINE_VOLTS:g})",
    )
    director.add_argument(
        "--power-factor",
        type=_positive,
        default=DEFAULT_POWER_FACTOR,
        metavar="PF",
        help=f"power factor for that estimate (default {DEFAULT_POWER_FACTOR:g})",
    )
    sut = parser.add_argument_group("SUT host (the client's options)")
    sut.add_argument("-a", "--address", help="the director's address")
    sut.add_argument(
        "-p", "--port", type=port_arg, default=DEFAULT_PORT, help=f"director port ({DEFAULT_PORT})"
    )
    sut.add_argument("-n", "--ntp", help="the NTP server the client checks against")
    sut.add_argument("-o", "--output", type=Path, help="the client's output folder")
    sut.add_argument("-L", "--loadgen-logs", type=Path, help="where LoadGen writes its logs")
    parser.add_argument("--round", help="the round you submit to (default: the newest pack)")
    parser.add_argument(
        "--duration",
        type=_positive,
        default=DEFAULT_PHASE_SECONDS,
        metavar="S",
        help="expected seconds per phase, for the disk estimate "
        f"(default {DEFAULT_PHASE_SECONDS:g})",
    )
    parser.add_argument(
        "--timeout",
        type=_positive,
        default=3.0,
        metavar="S",
        help="seconds to wait for an NTP, director or analyzer answer (default 3)",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(func=run)


def options_from_args(args: argparse.Namespace) -> DoctorOptions:
    if args.power_factor > 1:
        raise UserError(f"--power-factor {args.power_factor:g} is above 1")
    return DoctorOptions(
        config=args.config,
        director_host=args.address,
        director_port=args.port,
        ntp_server=args.ntp,
        output_dir=args.output,
        loadgen_logs=args.loadgen_logs,
        round=args.round,
        expected_watts=args.expected_watts,
        line_volts=args.line_volts,
        power_factor=args.power_factor,
        probe=args.probe,
        phase_seconds=args.duration,
        timeout_s=args.timeout,
    )


def run(args: argparse.Namespace) -> int:
    results = run_doctor(options_from_args(args))
    if args.format == "json":
        sys.stdout.write(to_json(results) + "\n")
    else:
        render_table(results, Console())
    return exit_code(results)

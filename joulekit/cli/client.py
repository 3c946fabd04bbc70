"""``joulekit client``: the reference client's options over :func:`run_client`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from joulekit.run.client import ClientOptions, run_client
from joulekit.session.protocol import DEFAULT_PORT
from joulekit.validate import float_arg, int_arg


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "client",
        help="run a workload in lockstep with a director",
        description="Connect to a power director, check clocks, run the workload for "
        "ranging then testing, and collect power/ ranging/ run_1/.",
    )
    parser.add_argument("-a", "--addr", required=True, help="director address")
    parser.add_argument("-p", "--port", type=int_arg(minimum=1, maximum=65535),
                        default=DEFAULT_PORT, help="director port")
    parser.add_argument("-w", "--run-workload", required=True, help="workload shell command")
    parser.add_argument(
        "-L",
        "--loadgen-logs",
        required=True,
        type=Path,
        help="folder where the workload writes its LoadGen logs",
    )
    parser.add_argument("-o", "--output", required=True, type=Path, help="result folder")
    parser.add_argument("-n", "--ntp", help="NTP server (HOST or HOST:PORT)")
    parser.add_argument("-l", "--label", default="", help="session label ([-_A-Za-z0-9])")
    parser.add_argument(
        "-f", "--force", action="store_true", help="delete the LoadGen log folder before the run"
    )
    parser.add_argument(
        "-S",
        "--stop-server",
        action="store_true",
        help="ask the director to exit after this session",
    )
    parser.add_argument(
        "-T",
        "--no-timestamp-path",
        action="store_true",
        help="write into the output folder itself, not a session subfolder",
    )
    parser.add_argument(
        "-A",
        "--max-amps",
        type=float_arg(minimum=0.0, maximum=1e6),
        default=0.0,
        help="skip ranging: testing current range (not valid for submission)",
    )
    parser.add_argument(
        "-V",
        "--max-volts",
        type=float_arg(minimum=0.0, maximum=1e6),
        default=0.0,
        help="skip ranging: testing voltage range (with -A)",
    )
    parser.add_argument("--shared-key", help="the director's shared key, for set_ntp/stop")
    parser.add_argument(
        "--max-offset-ms",
        type=float_arg(positive=True, maximum=3.6e6),
        help="clock offset limit (default: from --round's rule pack, or 400)",
    )
    parser.add_argument("--round", help="rule pack round for the clock limit, e.g. v5.0")
    parser.add_argument(
        "--no-clock-step", action="store_true", help="never try to step this machine's clock"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:

    result = run_client(
        ClientOptions(
            address=args.addr,
            port=args.port,
            workload=args.run_workload,
            loadgen_logs=args.loadgen_logs,
            output=args.output,
            ntp_server=args.ntp,
            label=args.label,
            force=args.force,
            stop_server=args.stop_server,
            no_timestamp_dir=args.no_timestamp_path,
            max_amps=args.max_amps,
            max_volts=args.max_volts,
            shared_key=args.shared_key,
            max_offset_ms=args.max_offset_ms,
            round=args.round,
            allow_clock_step=not args.no_clock_step,
        )
    )
    print(f"joulekit client: result in {result.result_dir}")
    for reason in result.not_valid_for_submission:
        print(f"  not valid for submission: {reason}")
    return 0

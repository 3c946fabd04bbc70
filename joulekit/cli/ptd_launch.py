"""``joulekit ptd-launch``: start PTDaemon on its own host, keep its console, serve it.

The command line only; what it runs is
:func:`joulekit.power_director.ptd_launch.launch_and_serve` (see that module for why
the wrapper exists and how it ends).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from joulekit.errors import UserError
from joulekit.power_director.ptd_launch import default_console_path, launch_and_serve
from joulekit.validate import float_arg, parse_port


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "ptd-launch",
        help="start PTDaemon, keep its console and serve it to a director on another host",
        description=(
            "Start PTDaemon with the command line after '--', write its console to a new "
            "file as it arrives, and serve that file read-only so a director attached "
            "with ptd://HOST:PORT?console=HOST:FEEDPORT writes it into ptd_logs.txt."
        ),
    )
    parser.add_argument(
        "--listen", nargs=2, metavar=("HOST", "PORT"), default=["127.0.0.1", "4951"],
        help="address of the console feed (default 127.0.0.1 4951; use the address the "
        "director reaches this host on)",
    )  # fmt: skip
    parser.add_argument(
        "--console",
        type=Path,
        help="console file (default: a new ptd-console-<UTC time>.txt here; never overwritten)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not echo the console")
    parser.add_argument(
        "--kill-after",
        type=float_arg(positive=True),
        default=10.0,
        help="seconds PTDaemon gets to exit (default 10)",
    )
    parser.add_argument(
        "ptd",
        nargs=argparse.REMAINDER,
        help="-- then the PTDaemon command line (binary and arguments)",
    )
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    argv = list(args.ptd)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        raise UserError(
            "give the PTDaemon command line after '--', for example "
            "joulekit ptd-launch -- ./ptd -l log.txt -p 8888 49 /dev/ttyUSB0"
        )
    return launch_and_serve(
        argv,
        args.console or default_console_path(),
        args.listen[0],
        parse_port(args.listen[1], "--listen PORT", allow_zero=True),
        echo=None if args.quiet else sys.stdout.buffer,
        kill_after=args.kill_after,
    )

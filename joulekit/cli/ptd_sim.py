"""``joulekit-ptd`` (PTDaemon's own command line) and ``joulekit ptd-sim`` (the same, friendlier).

A director that starts PTDaemon by path (ours, or the reference one with its
``server.conf``) can point ``ptd`` at ``joulekit-ptd``: the argv it builds
(``-l FILE -p PORT [-b N] [-c CH] [-D] [-y|-n|-g|-U] TYPE PORT``) is accepted as is.
Faults and the load can also come from the environment (``JOULEKIT_PTD_FAULTS``,
separated by ``;``, ``JOULEKIT_PTD_LOAD``, ``JOULEKIT_PTD_PERIOD_MS``) because such a
director passes no extra flags.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from joulekit.cli import OneLineParser
from joulekit.errors import EXIT_USER_ERROR, UserError
from joulekit.inputs import port_arg
from joulekit.simulator.faults import parse_faults
from joulekit.simulator.load import parse_load
from joulekit.simulator.process import serve
from joulekit.simulator.server import SimulatorConfig

ENV_FAULTS = "JOULEKIT_PTD_FAULTS"
ENV_LOAD = "JOULEKIT_PTD_LOAD"
ENV_PERIOD = "JOULEKIT_PTD_PERIOD_MS"


def _add_ptd_arguments(p: argparse.ArgumentParser, *, positional_required: bool) -> None:
    """PTDaemon's flags (analyzers.md §1.1), spelled as PTD spells them."""
    p.add_argument("-l", dest="logfile", metavar="FILE", help="log samples to FILE (PTD -l)")
    p.add_argument("-p", dest="port", type=port_arg, metavar="PORT",
                   help="TCP port (default 8888)")
    p.add_argument(
        "-c", dest="channels", metavar="CH[,CH]", help="channels of a multichannel meter"
    )
    p.add_argument("-g", dest="gpib", action="store_true", help="GPIB interface (accepted)")
    p.add_argument("-b", dest="gpib_board", metavar="N", help="GPIB board (accepted)")
    p.add_argument("-y", dest="tmctl", action="store_true", help="Yokogawa TMCTL (accepted)")
    p.add_argument("-n", dest="network", action="store_true", help="meter over TCP (accepted)")
    p.add_argument("-U", dest="usbtmc", action="store_true", help="Keysight USBTMC (accepted)")
    p.add_argument("-D", dest="dc", action="store_true", help="DC measurement (type + 500)")
    p.add_argument("-e", dest="extended", action="store_true", help="events also into the -l file")
    p.add_argument("-d", dest="debug_file", metavar="FILE", help="debug output file (accepted)")
    p.add_argument("-B", dest="baud", type=int, metavar="BAUD", help="baud rate (accepted)")
    p.add_argument("-V", dest="volts", metavar="V|a", help="initial voltage range, 'a' = auto")
    p.add_argument("-A", dest="amps", metavar="A|a", help="initial current range, 'a' = auto")
    p.add_argument("-C", dest="cal_date", metavar="DATE", help="calibration date (MM-DD-YYYY)")
    p.add_argument("-t", dest="temperature", action="store_true", help="temperature mode")
    p.add_argument("-v", dest="verbose", action="count", default=0, help="more output (accepted)")
    p.add_argument("-m", dest="meter_debug", action="count", default=0, help="(accepted)")
    p.add_argument("-q", dest="quiet", action="store_true", help="(accepted)")
    p.add_argument("-s", dest="stats", action="store_true", help="(accepted)")
    nargs = None if positional_required else "?"
    p.add_argument("device_type", nargs=nargs, metavar="device-type", help="PTD device type")
    p.add_argument("device_port", nargs=nargs, metavar="device-port", help="meter port")
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="scripted fault, e.g. nan:at=3 or drop-rl (repeatable)",
    )
    p.add_argument(
        "--load",
        metavar="MODEL",
        help="constant:W | cpu:idle=W,per=W | wave:FILE (default constant:120)",
    )
    p.add_argument(
        "--period-ms",
        type=int,
        metavar="MS",
        help="sampling period actually used (tests); default: the Go interval",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")


def _cal_date(text: str | None) -> date | None:
    if not text:
        return None
    for fmt in ("%m-%d-%Y", "%Y-%m-%d", "%m/%d/%Y"):
        with contextlib.suppress(ValueError):
            return datetime.strptime(text, fmt).date()
    raise UserError(f"-C {text!r}: give the calibration date as MM-DD-YYYY")


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    """Turn PTD-style (and friendlier) arguments into a :class:`SimulatorConfig`."""
    if args.temperature:
        raise UserError("temperature mode (-t) is not simulated; drop -t")
    device = getattr(args, "device", None) or args.device_type
    if device is None:
        raise UserError("give the device type (PTD positional or --device), e.g. 49")
    if args.dc:
        try:
            number = int(device)
        except ValueError:
            raise UserError(f"-D needs a numeric device type, got {device!r}") from None
        device = str(number + 500) if number < 500 else str(number)
    try:
        channels = tuple(int(c) for c in args.channels.split(",")) if args.channels else ()
    except ValueError:
        raise UserError(f"-c {args.channels!r}: channels look like 1 or 1,2") from None
    faults = list(args.fault)
    faults += [f for f in os.environ.get(ENV_FAULTS, "").split(";") if f.strip()]
    load = args.load or os.environ.get(ENV_LOAD) or "constant:120"
    period = args.period_ms or (int(os.environ[ENV_PERIOD]) if os.environ.get(ENV_PERIOD) else None)
    interface = (
        "tmctl"
        if args.tmctl
        else "tcp"
        if args.network
        else "gpib"
        if args.gpib
        else ("usbtmc" if args.usbtmc else "serial")
    )
    return SimulatorConfig(
        device=device,
        host=args.host,
        port=8888 if args.port is None else args.port,
        device_port=args.device_port or "SIM",
        channels=channels,
        load=parse_load(load),
        faults=parse_faults(faults),
        logfile=Path(args.logfile) if args.logfile else None,
        extended_log=args.extended,
        period_ms=period,
        initial_volts=args.volts,
        initial_amps=args.amps,
        calibration_date=_cal_date(args.cal_date),
        interface=interface,
        console=sys.stdout,
    )


def run(args: argparse.Namespace) -> int:
    """Run the simulator in the foreground until SIGTERM/SIGINT."""
    return serve(config_from_args(args))


def register(subparsers: Any) -> None:
    """``joulekit ptd-sim``: PTD's flags plus ``--device``/``--port`` and fault options."""
    p = subparsers.add_parser(
        "ptd-sim",
        help="run the PTDaemon simulator",
        description="A PTDaemon simulator (TCP protocol, console and -l logs). Its identity "
        "says it is a simulator: nothing measured with it is valid for submission.",
        conflict_handler="resolve",
    )
    _add_ptd_arguments(p, positional_required=False)
    p.add_argument("--device", metavar="TYPE", help="device type or name (49, wt310, 77 ...)")
    p.add_argument("--port", dest="port", type=port_arg, metavar="PORT", help="TCP port (= -p)")
    p.set_defaults(func=run)


def ptd_main(argv: Sequence[str] | None = None) -> int:
    """Console script: ``joulekit-ptd [PTD options] <device-type> <device-port>``."""
    parser = OneLineParser(
        prog="joulekit-ptd",
        description="PTDaemon stand-in (joulekit simulator): accepts PTDaemon's command line.",
        add_help=False,
    )
    parser.add_argument("-h", "--help", action="help", help="show this help")
    _add_ptd_arguments(parser, positional_required=True)
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        return run(args)
    except UserError as err:
        print(f"joulekit-ptd: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(ptd_main())

"""``joulekit director``: the power director beside the analyzer.

Two ways to start it: the reference ``server.conf`` (``-c director.conf``), or the
command line alone (``--analyzer URL`` repeated, ``--listen HOST PORT``), so a test or
a lab needs no file. Console output goes to stderr in the reference log layout; the
line ``listening on HOST:PORT`` tells scripts and tests that the director is ready.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from pathlib import Path
from typing import Any

from joulekit.errors import UserError
from joulekit.inputs import port_arg
from joulekit.power_director.director.limits import ConnectionLimits
from joulekit.power_director.service import serve
from joulekit.session.config import (
    COMPLIANT_SETTLE_SECONDS,
    DirectorConfig,
    load_config,
    parse_listen,
)
from joulekit.validate import float_arg

#: the analyzer watch period when live metrics are on and --analyzer-watch is not given
METRICS_WATCH_S = 1.0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "director",
        help="run the power director beside the analyzer",
        description="Serve protocol v3 to a client and drive one or more analyzers "
        "(PTDaemon, direct SCPI meters, the simulator).",
    )
    parser.add_argument("-c", "--config", type=Path, help="reference server.conf INI file")
    parser.add_argument(
        "--analyzer", action="append", default=[], metavar="URL",
        help="analyzer URL (ptd://HOST:PORT, sim://49, visa://…); repeat for several",
    )  # fmt: skip
    parser.add_argument(
        "--listen", nargs=2, metavar=("HOST", "PORT"),
        help="address to listen on (default 127.0.0.1 4950; port 0 picks a free one)",
    )  # fmt: skip
    parser.add_argument("--ntp-server", help="NTP server used by set_ntp")
    parser.add_argument("--ranging-mode", choices=("AUTO", "MAX"), help="ranging range mode")
    parser.add_argument(
        "--settle", type=float_arg(minimum=0.0, maximum=3600.0), metavar="SECONDS",
        help=f"settle wait after range changes (default {COMPLIANT_SETTLE_SECONDS:g}; "
        "shorter marks the result not valid for submission)",
    )  # fmt: skip
    parser.add_argument("--output", type=Path, help="folder that keeps the session files")
    parser.add_argument(
        "--shared-key", help="require this key's proof for set_ntp and stop (off by default)"
    )
    parser.add_argument(
        "--keep-sessions", action="store_true", help="never delete a session on cleanup"
    )
    parser.add_argument(
        "--metrics-port", type=port_arg, metavar="PORT",
        help="serve live power metrics for Prometheus on http://LISTEN-HOST:PORT/metrics "
        "(0 picks a free port; needs the 'fleet' extra); the analyzer watch then defaults "
        f"to {METRICS_WATCH_S:g} s so the values move while a phase measures",
    )  # fmt: skip
    limits = parser.add_argument_group(
        "connection limits", "what one connection may take before it is closed"
    )
    limits.add_argument(
        "--handshake-timeout", type=float, metavar="SECONDS",
        help=f"time to send the handshake (default {ConnectionLimits.handshake_s:g})",
    )  # fmt: skip
    limits.add_argument(
        "--idle-timeout", type=float, metavar="SECONDS",
        help=f"silence allowed without a running session (default {ConnectionLimits.idle_s:g}); "
        "never applied while a phase measures",
    )  # fmt: skip
    limits.add_argument(
        "--line-timeout", type=float, metavar="SECONDS",
        help=f"time to finish a line once begun (default {ConnectionLimits.line_s:g})",
    )  # fmt: skip
    limits.add_argument(
        "--max-connections", type=int, metavar="N",
        help=f"connections served at once (default {ConnectionLimits.max_connections})",
    )  # fmt: skip
    limits.add_argument(
        "--analyzer-watch", type=float_arg(minimum=0.0, maximum=3600.0), metavar="SECONDS",
        help="poll the analyzers this often while a phase measures, so a lost one stops "
        f"the phase at once (default {ConnectionLimits.analyzer_watch_s:g}; 0: never)",
    )  # fmt: skip
    parser.set_defaults(func=run)


def build_limits(args: argparse.Namespace) -> ConnectionLimits:
    """The connection limits from the flags; a bad value is one clear error (exit 3)."""
    changes: dict[str, float | int] = {}
    for flag, field in (
        ("handshake_timeout", "handshake_s"),
        ("idle_timeout", "idle_s"),
        ("line_timeout", "line_s"),
    ):
        value = getattr(args, flag, None)
        if value is None:
            continue
        if not math.isfinite(value) or value <= 0:
            raise UserError(f"--{flag.replace('_', '-')} must be a positive number of seconds")
        changes[field] = value
    watch = getattr(args, "analyzer_watch", None)
    if watch is None and getattr(args, "metrics_port", None) is not None:
        watch = min(METRICS_WATCH_S, ConnectionLimits.analyzer_watch_s)
    if watch is not None:
        changes["analyzer_watch_s"] = watch
    count = getattr(args, "max_connections", None)
    if count is not None:
        if not 1 <= count <= 4096:
            raise UserError("--max-connections must be between 1 and 4096")
        changes["max_connections"] = count
    return dataclasses.replace(ConnectionLimits(), **changes)  # type: ignore[arg-type]


def build_config(args: argparse.Namespace) -> DirectorConfig:
    if args.config is not None:
        config = load_config(args.config)
        config.analyzer_urls.extend(args.analyzer)
    elif args.analyzer:
        config = DirectorConfig(analyzer_urls=list(args.analyzer))
    else:
        raise UserError(
            "no analyzer: pass -c director.conf or --analyzer URL (e.g. --analyzer sim://49)"
        )
    if args.listen is not None:
        config.listen_host, config.listen_port = parse_listen(" ".join(args.listen), "--listen")
    if args.ntp_server:
        config.ntp_server = args.ntp_server
    if args.ranging_mode:
        config.ranging_mode = args.ranging_mode
    if args.settle is not None:
        if args.settle < 0:
            raise UserError("--settle must be zero or more seconds")
        config.settle_seconds = args.settle
    if args.output is not None:
        config.output_dir = args.output
    if args.shared_key:
        config.shared_key = args.shared_key
    config.keep_sessions = config.keep_sessions or args.keep_sessions
    return config


def run(args: argparse.Namespace) -> int:
    def announce(host: str, port: int) -> None:
        print(f"joulekit director: listening on {host}:{port}", flush=True)

    def metrics_at(url: str) -> None:
        print(f"joulekit director: metrics on {url}", flush=True)

    return serve(build_config(args), build_limits(args), on_listen=announce,
                 metrics_port=args.metrics_port, on_metrics=metrics_at)

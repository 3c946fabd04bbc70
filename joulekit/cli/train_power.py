"""``joulekit train-power``: measure a training run node by node, in the official layout.

    joulekit train-power --node redfish://admin:pw@bmc1 --node ipmi://admin:pw@bmc2 \\
        --switch snmp://public@pdu1/apc/outlet/7 --output results/sys/bert \\
        --conversion-eff 0.96 --measurement-type AC -- ./run_and_time.sh

Exit 0 when the command succeeded (a source that dropped is reported and its gap
recorded, the run still counts), 1 when the command failed (the files are written all
the same), 3 for bad input found before anything started, 130/143/129 after Ctrl-C,
SIGTERM, SIGHUP (the command stopped, the files kept).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from joulekit.errors import EXIT_ERRORS, EXIT_OK
from joulekit.inputs import port_arg
from joulekit.training.collector import DEFAULT_DROP_AFTER
from joulekit.training.measure import (
    DEFAULT_INTERVAL_S,
    TrainPowerConfig,
    print_line,
    train_power,
)
from joulekit.validate import float_arg, int_arg


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train-power", help="measure a training run node by node (IPMI, Redfish, SNMP PDUs)",
        description="Sample every node and switch of a training job at >= 1 Hz while the "
        "command after -- runs, and write result_<i>.txt and power/result_<i>/node_<j>.txt, "
        "sw_<k>.txt in the official MLLOG layout.",
    )
    parser.add_argument("--node", action="append", default=[], metavar="URL",
                        help="a node's power source, once per node in node order: "
                             "ipmi://USER:PASS@HOST[:PORT], redfish[+https]://[USER:PASS@]"
                             "HOST[:PORT][/redfish/v1/Chassis/ID], snmp://COMMUNITY@HOST/"
                             "VENDOR/TARGET/INDEX, or a meter or counter as the director "
                             "takes it (ptd://, visa://, serial://, nvml://, rapl://, sim://)")
    parser.add_argument("--switch", action="append", default=[], metavar="URL",
                        help="an interconnect switch's power source (same forms), once per "
                             "switch")
    parser.add_argument("--output", required=True, type=Path, metavar="DIR",
                        help="the training benchmark folder the run is written to")
    parser.add_argument("--run", type=int_arg(minimum=0, maximum=10_000), default=None,
                        metavar="I", help="run index i (default: the next free one)")
    parser.add_argument("--interval", type=float_arg(positive=True, maximum=60.0),
                        default=DEFAULT_INTERVAL_S,
                        help="seconds between readings (default %(default)g: the rules ask "
                             "for at least one reading per second, and a reading stamped a "
                             "few ms late must not make an interval longer than 1 s)")
    parser.add_argument("--drop-after", type=int_arg(minimum=1, maximum=10_000),
                        default=DEFAULT_DROP_AFTER, metavar="N",
                        help="report a source dropped, while the run goes on, once it has "
                             "given no reading for more than N intervals (default "
                             "%(default)s); its gap is recorded from the first tick it missed")
    parser.add_argument("--metrics-port", type=port_arg, metavar="PORT",
                        help="serve each source's live watts, energy, samples and phase for "
                             "Prometheus on http://METRICS-HOST:PORT/metrics while the run "
                             "goes on (0 picks a free port; needs the 'fleet' extra)")
    parser.add_argument("--metrics-host", default="127.0.0.1", metavar="HOST",
                        help="address the metrics are served on (default %(default)s; "
                             "0.0.0.0 for a Prometheus on another machine)")
    parser.add_argument("--conversion-eff", type=float_arg(positive=True, maximum=1.0),
                        default=None, metavar="EFF",
                        help="AC->DC conversion efficiency written as conversion_eff "
                             "(e.g. 0.96 for an 80 PLUS Titanium supply); left out: none "
                             "written, the summarizer takes 1.0")
    parser.add_argument("--measurement-type", choices=("AC", "DC"), default="AC",
                        help="what the sources measure (default %(default)s)")
    parser.add_argument("command", nargs=argparse.REMAINDER,
                        help="-- then the training command and its arguments")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    config = TrainPowerConfig(
        nodes=tuple(args.node), switches=tuple(args.switch), command=tuple(command),
        output=args.output, interval=args.interval, conversion_eff=args.conversion_eff,
        measurement_type=args.measurement_type, run_index=args.run,
        drop_after=args.drop_after, metrics_port=args.metrics_port,
        metrics_host=args.metrics_host)
    outcome = train_power(config, say=_say, echo=print_line)
    ttt = outcome.time_to_train_s
    lost = [t for t in outcome.tracks if t["gaps"]]
    facts = [f"{len(outcome.tracks)} log(s)"]
    if ttt is not None:
        facts.append(f"time to train {ttt:.3f} s")
    if lost:
        facts.append(f"{len(lost)} with gaps")
    print(f"joulekit train-power: run {outcome.result_file.stem} written to "
          f"{outcome.result_file.parent} ({', '.join(facts)})")
    for track in outcome.tracks:
        energy = track["energy_j"]
        mean = track["mean_watts"]
        print(f"  {track['file']}: {track['readings']} readings, mean "
              f"{mean if mean is not None else '-'} W, energy "
              f"{energy if energy is not None else '-'} J  ({track['source']})")
    if outcome.exit_code != 0:
        print(f"joulekit train-power: the training command exited with code "
              f"{outcome.exit_code}; the run is written with run_stop status aborted",
              file=sys.stderr)
        return EXIT_ERRORS
    return EXIT_OK


def _say(line: str) -> None:
    print(f"joulekit train-power: {line}", file=sys.stderr, flush=True)

"""The one ``joulekit`` command: parse, call the package API, print.

Each subcommand lives beside the part that owns it, in a module exposing
``register(subparsers)``; the module is imported only when its command runs, so
``joulekit check`` never pays for matplotlib or LoadGen.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from joulekit import __version__, signals
from joulekit.errors import EXIT_USER_ERROR, UserError

#: command name -> (module that registers it, one-line summary)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("joulekit.cli.run", "measure a workload: ranging + testing, then check"),
    "check": ("joulekit.cli.check", "check a power result, a result folder or a tree"),
    "rules": ("joulekit.cli.rules", "show the rule pack of a round"),
    "director": ("joulekit.cli.director", "run the power director beside the analyzer"),
    "client": ("joulekit.cli.client", "run a workload in lockstep with a director"),
    "loadgen": ("joulekit.cli.loadgen", "run LoadGen against a SUT (the wrapped workload)"),
    "ptd-sim": ("joulekit.cli.ptd_sim", "run the PTDaemon simulator"),
    "ptd-launch": ("joulekit.cli.ptd_launch", "start PTDaemon and serve its console"),
    "init": ("joulekit.cli.init", "scaffold a submitter tree for a round"),
    "package": ("joulekit.cli.package", "assemble and pack a submission"),
    "report": ("joulekit.cli.report", "HTML report with plots of a result or tree"),
    "sweep": ("joulekit.cli.sweep", "measure a grid of SUT configurations"),
    "recommend": ("joulekit.cli.recommend", "energy-optimal configuration of a sweep"),
    "doctor": ("joulekit.cli.doctor", "preflight checks before a real run"),
    "train-power": ("joulekit.cli.train_power", "measure a training run node by node"),
}


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exit 3, like every UserError.

    Subcommand parsers are made with the class of their parent, so this covers them all.
    """

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER_ERROR,
                  f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _top_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="joulekit",
        description="Measure ML inference energy the MLPerf Power way, and check it.",
        epilog="Commands:\n"
        + "\n".join(f"  {name:<10} {summary}" for name, (_, summary) in COMMANDS.items())
        + "\n\nRun 'joulekit COMMAND --help' for the options of one command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"joulekit {__version__}")
    return parser


def build_parser(command: str) -> argparse.ArgumentParser:
    """The parser for one command (imports only that command's module)."""
    parser = _top_parser()
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    module = importlib.import_module(COMMANDS[command][0])
    module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in args_list if not a.startswith("-")), None)
    if command is None or command not in COMMANDS:
        parser = _top_parser()
        if command is not None:
            parser.error(f"unknown command {command!r}; choose one of {', '.join(COMMANDS)}")
        parser.parse_args(args_list)  # handles --help / --version
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        signals.install()  # SIGTERM and SIGHUP end the command as Ctrl-C does
        parser = build_parser(command)
        args = parser.parse_args(args_list)
        return int(args.func(args))
    except UserError as err:
        print(f"joulekit {command}: error: {one_line(str(err))}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt as stop:
        if isinstance(stop, signals.Interrupted):  # it says what was kept, and where
            said = one_line(str(stop))
        else:
            how = f" ({signals.describe()})" if signals.received() is not None else ""
            said = f"interrupted; what was measured is kept{how}"
        print(f"joulekit {command}: {said}.", file=sys.stderr)
        return signals.exit_code()
    except BrokenPipeError:
        return 0
    except OSError as err:
        if err.filename is None:
            return _internal_error(command)
        # a file system refusal that names its path: the user can act on it
        print(f"joulekit {command}: error: {err.filename}: {err.strerror or err}",
              file=sys.stderr)
        return EXIT_USER_ERROR
    except Exception:
        return _internal_error(command)


def one_line(message: str) -> str:
    """A message on one line: whatever a library put on several is joined by ' | '."""
    return " | ".join(part.strip() for part in message.splitlines() if part.strip())


def _internal_error(command: str) -> int:
    print(
        f"joulekit {command}: internal error (a bug in joulekit, please report it):",
        file=sys.stderr,
    )
    traceback.print_exc(limit=6)
    return EXIT_USER_ERROR + 1

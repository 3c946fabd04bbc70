"""``joulekit check PATH``: check a performance folder, a result folder or a whole tree.

Exit status: 0 clean, 1 errors, 2 warnings only (notices never count), 3 for a usage
error. ``--explain RULE`` prints one rule from the registry, with the threshold and its
source from the round's pack.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from joulekit.api import CheckResult, check
from joulekit.checker.dispatch import Scope, domain_for
from joulekit.checker.options import load_sources_checksums
from joulekit.checker.output import FORMATS, RenderOptions, render
from joulekit.checker.report import CheckReport, ResultReport
from joulekit.checker.submission.tree import is_submission_tree
from joulekit.errors import EXIT_OK, UserError
from joulekit.formats.safe_files import write_output
from joulekit.inputs import output_file
from joulekit.rules.explain import explain
from joulekit.validate import int_arg

#: show a progress bar from this many results on
_PROGRESS_FROM = 3


def _run(args: argparse.Namespace) -> int:
    if args.explain:
        sys.stdout.write(explain(args.explain, args.round))
        return EXIT_OK
    if args.path is None:
        raise UserError("give a PATH to check (or --explain RULE)")
    if args.sources_checksums:  # a bad sources file is refused first, as it always was
        load_sources_checksums(args.sources_checksums)
    if args.output:  # refused before hours of checking, not after
        output_file(args.output, "--output")
    if args.summary_csv:
        output_file(args.summary_csv, "--summary-csv")
    path = Path(args.path)
    if not path.exists():
        raise UserError(f"{path} does not exist; give a performance folder, a result "
                        "folder, a submission tree or any folder holding power results")
    scope = _scope(args)
    if domain_for(path, scope).name == "inference_power":
        result = _check_with_progress(path, args)
    else:
        result = _api_check(path, args, scope=scope)
    _emit(result.report, args)
    return result.exit_code


def _scope(args: argparse.Namespace) -> Scope:
    """``--benchmark-kind training`` forces the training domain; ``inference`` keeps
    training trees out of the automatic choice; ``auto`` lets the domains claim."""
    if args.benchmark_kind == "training":
        if args.scope != "auto":
            raise UserError(f"--benchmark-kind training checks a training tree; "
                            f"--scope {args.scope} is for inference results")
        return "training"
    if args.benchmark_kind == "inference" and args.scope == "auto":
        return "power" if not is_submission_tree(Path(args.path)) else "submission"
    scope: Scope = args.scope
    return scope


def _api_check(path: Path, args: argparse.Namespace, *, scope: Scope,
               on_result: Callable[[ResultReport], None] | None = None,
               on_total: Callable[[int], None] | None = None) -> CheckResult:
    return check(path, round=args.round, compat=args.compat,
                 sources_checksums=args.sources_checksums, scope=scope, jobs=args.jobs,
                 summary_csv=args.summary_csv, on_result=on_result, on_total=on_total)


def _check_with_progress(path: Path, args: argparse.Namespace) -> CheckResult:
    err = Console(stderr=True)
    progress = Progress(
        TextColumn("checking"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=args.no_progress or not err.is_terminal,
    )
    with progress:
        task = progress.add_task("check", total=None)

        def total(count: int) -> None:
            progress.update(task, total=count, visible=count >= _PROGRESS_FROM)

        def advance(_: ResultReport) -> None:
            progress.advance(task)

        return _api_check(path, args, scope="power", on_result=advance, on_total=total)


def _emit(report: CheckReport, args: argparse.Namespace) -> None:
    # the table goes straight to a terminal (its width, its colours); files get plain text
    console = Console() if args.format == "table" and not args.output else None
    text = render(report, args.format, RenderOptions(show_notices=args.notices,
                                                      console=console))
    if args.output:
        write_output(args.output, text, "--output")
    else:
        sys.stdout.write(text)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check a power result, a result folder or a tree",
        description="Check MLPerf power results against the rule pack of their round. "
        "Exit 0 clean, 1 errors, 2 warnings only.",
    )
    parser.add_argument("path", nargs="?", help="performance folder, result folder or tree")
    parser.add_argument("--round", help="round to check against (default: detect, and say why)")
    parser.add_argument(
        "--compat",
        choices=["correct", "reference"],
        default="correct",
        help="'reference' reproduces the reference power checker's verdicts, bugs included",
    )
    parser.add_argument(
        "--sources-checksums",
        metavar="FILE",
        help="allowed director source hashes (the round's sources_checksums.json); "
        "without it the sources check is reported as not checked",
    )
    parser.add_argument(
        "--format",
        choices=list(FORMATS),
        default="table",
        help="output format (default: a table for people)",
    )
    parser.add_argument("--output", "-o", help="write the report to this file")
    parser.add_argument(
        "--scope",
        choices=["auto", "power", "submission"],
        default="auto",
        help="'auto' checks a submission tree as a whole and anything else as power "
        "results; 'power' checks only the power results below PATH",
    )
    parser.add_argument(
        "--benchmark-kind",
        choices=["auto", "inference", "training"],
        default="auto",
        help="'auto' checks an MLPerf Training tree (results/<system>/<benchmark>/"
        "result_<i>.txt) as training and anything else as inference; 'training' forces "
        "the training checks (--round is then a training round)",
    )
    parser.add_argument(
        "--summary-csv",
        metavar="FILE",
        help="for a submission tree: also write the reference-style summary.csv",
    )
    parser.add_argument("--explain", metavar="RULE", help="explain one rule and exit")
    parser.add_argument("--jobs", "-j", type=int_arg(minimum=1, maximum=1024),
                        help="worker processes (default: all cores)")
    parser.add_argument("--notices", action="store_true", help="also list notices in the table")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=_run)

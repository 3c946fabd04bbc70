"""``joulekit report PATH``: an HTML page with plots for a power result or a whole tree.

Thin: find the results, collect each (checker + evidence + plots), render, write
``index.html`` atomically. A path holding MLPerf Training benchmarks (detected as
``joulekit check`` detects them, or ``--benchmark-kind training``) gets the training
page (:mod:`joulekit.insight.training_collect`, ``training_html``) instead. Pictures
are files beside the page, referenced relatively, so the folder can be zipped, mailed
and opened offline.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from joulekit.checker.dispatch import domain_for
from joulekit.checker.inference_power.runner import find_results
from joulekit.errors import EXIT_OK, UserError
from joulekit.formats.atomic import atomic_write_text
from joulekit.formats.layout import PERFORMANCE
from joulekit.inputs import prepare_output_dir
from joulekit.insight.collect import collect
from joulekit.insight.html import render
from joulekit.insight.requests_file import read_requests
from joulekit.insight.training_collect import collect_training
from joulekit.insight.training_html import joules, render_training
from joulekit.insight.training_view import BenchmarkView
from joulekit.insight.view import ResultView
from joulekit.rules import load_pack
from joulekit.rules.training_rounds import load_training_round
from joulekit.validate import int_arg

DEFAULT_OUT = Path("joulekit-report")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="HTML report with plots of a result or tree",
        description="Write OUTDIR/index.html with power traces, the published-style figure "
        "with its confidence interval, ranges, clocks and every checker finding, for one "
        "power result or every power result in a tree. On an MLPerf Training tree: the "
        "energy-to-train (official and policy figures), energy per run, node and switch, "
        "the olympic run selection, node power traces and every finding.",
    )
    parser.add_argument("path", type=Path, help="performance folder, result folder or tree")
    parser.add_argument(
        "-o",
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"output folder (default: ./{DEFAULT_OUT})",
    )
    parser.add_argument("--round", help="rule round to check under (default: detected; a "
                        "training round for a training tree)")
    parser.add_argument(
        "--benchmark-kind",
        choices=["auto", "inference", "training"],
        default="auto",
        help="'auto' reports an MLPerf Training tree as training and anything else as "
        "inference power results (as joulekit check decides)",
    )
    parser.add_argument(
        "--requests",
        type=Path,
        metavar="JSONL",
        help="per-request timeline of an LLM serving run (steady-state figure)",
    )
    parser.add_argument(
        "--batch-size",
        type=int_arg(minimum=1, maximum=1 << 20),
        metavar="B",
        help="the server's maximum batch (max_num_seqs), with --requests",
    )
    parser.set_defaults(func=run)


def label_for(root: Path, perf_dir: Path) -> str:
    """A short name of a result: its folder relative to the report's root."""
    result_dir = perf_dir.parent if perf_dir.name == PERFORMANCE else perf_dir
    try:
        rel = result_dir.resolve().relative_to(root.resolve())
    except ValueError:
        rel = Path()
    parts = rel.parts if rel.parts else result_dir.resolve().parts[1:][-4:]
    return "/".join(parts)


def build_report(
    path: Path,
    out: Path,
    *,
    round_name: str | None = None,
    requests_path: Path | None = None,
    batch_size: int | None = None,
) -> tuple[Path, list[ResultView]]:
    """Write the report of every power result at or below ``path``; return the page."""
    if (requests_path is None) != (batch_size is None):
        raise UserError("--requests and --batch-size go together")
    if batch_size is not None and batch_size < 1:
        raise UserError("--batch-size must be at least 1")
    perf_dirs = find_results(path)
    requests = read_requests(requests_path) if requests_path else None
    if requests is not None and len(perf_dirs) != 1:
        raise UserError("--requests describes one run; point PATH at a single result")
    if round_name is not None:
        load_pack(round_name)  # an unknown round stops here, before the folder is made
    out = prepare_output_dir(out, "-o", must_be_empty=False)
    views = [
        collect(
            perf_dir,
            label_for(path, perf_dir),
            out,
            f"r{index:03d}",
            round_name=round_name,
            requests=requests,
            batch_size=batch_size,
        )
        for index, perf_dir in enumerate(perf_dirs)
    ]
    page = out / "index.html"
    atomic_write_text(page, render("joulekit energy report", str(path), views))
    return page, views


def is_training(path: Path, kind: str = "auto") -> bool:
    """Whether ``path`` gets the training report: as ``joulekit check`` decides."""
    if kind == "inference":
        return False
    if kind == "training":
        domain_for(path, "training")  # a path with no training benchmark stops here
        return True
    return path.is_dir() and domain_for(path).name == "training_power"


def build_training_report(
    path: Path, out: Path, *, round_name: str | None = None
) -> tuple[Path, list[BenchmarkView]]:
    """Write the report of every MLPerf Training benchmark at or below ``path``."""
    if round_name is not None:
        load_training_round(round_name)  # an unknown round stops here, before the folder
    out = prepare_output_dir(out, "-o", must_be_empty=False)
    views = collect_training(path, out, round_name=round_name)
    if not views:
        raise UserError(f"{path} holds no MLPerf Training benchmark: expected "
                        "results/<system>/<benchmark>/result_<i>.txt below it")
    page = out / "index.html"
    atomic_write_text(page, render_training("joulekit training energy report", str(path),
                                            views))
    return page, views


def _run_training(args: argparse.Namespace) -> int:
    if args.requests is not None or args.batch_size is not None:
        raise UserError("--requests and --batch-size describe an inference serving run; "
                        f"{args.path} holds MLPerf Training results")
    page, views = build_training_report(args.path, args.out, round_name=args.round)
    for view in views:
        figure = (
            f"energy-to-train {joules(view.energy_j)} (formula {view.formula})"
            if view.energy_j is not None
            else f"no figure ({view.figure_problem})"
        )
        if view.policy_energy_j is not None:
            figure += f", policy {joules(view.policy_energy_j)}"
        verdict = {True: "valid", False: "INVALID", None: "?"}[view.valid]
        print(f"{view.label}: {figure}, {verdict}, {len(view.runs)} runs, "
              f"{len(view.all_findings)} findings")
    print(f"report: {page}")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    if not args.path.exists():
        raise UserError(f"{args.path} does not exist; give a performance folder, a result "
                        "folder or a tree")
    if is_training(args.path, args.benchmark_kind):
        return _run_training(args)
    page, views = build_report(
        args.path,
        args.out,
        round_name=args.round,
        requests_path=args.requests,
        batch_size=args.batch_size,
    )
    for view in views:
        figure = (
            f"{view.headline.value!r} {view.headline.unit}"
            if view.headline
            else f"no figure ({view.headline_problem})"
        )
        verdict = {True: "valid", False: "INVALID", None: "?"}[view.valid]
        print(f"{view.label}: {figure}, {verdict}, {len(view.findings)} findings")
    print(f"report: {page}")
    return EXIT_OK

"""``joulekit package``: collect measured results into the tree, truncate accuracy logs,
check, and write a deterministic tarball with a SHA-256 manifest."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from joulekit.errors import EXIT_ERRORS, EXIT_OK
from joulekit.submission_template.assemble import parse_result_arg
from joulekit.submission_template.package import package
from joulekit.submission_template.project import load_project
from joulekit.submission_template.rehearsal import STAMP, describe, tolerated
from joulekit.validate import int_arg


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "package", help="assemble and pack a submission",
        description="Copy measured results into the tree of a 'joulekit init' folder, "
        "truncate accuracy logs, check every result, and write <out>.tar.gz, "
        "<out>.manifest.sha256, <out>.tar.gz.sha256, <out>.summary.csv and <out>.check.json.")
    p.add_argument("folder", type=Path, help="the folder 'joulekit init' created")
    p.add_argument("--result", action="append", default=[], metavar="BENCHMARK=PATH",
                   help="a measured result folder ('joulekit run' or client output); repeat")
    p.add_argument("--out", type=Path, default=None,
                   help="tarball path (default: FOLDER/<submitter>-<round>.tar.gz)")
    p.add_argument("--only-valid", action="store_true",
                   help="pack only the results that pass; the others are listed and left out")
    p.add_argument("--rehearsal", action="store_true",
                   help="rehearse packaging with simulated, shortened runs: tolerate only the "
                        "rules such runs fail by design, stamp the manifest and report "
                        "'REHEARSAL — NOT VALID FOR SUBMISSION'; never for a real submission")
    p.add_argument("--workers", type=int_arg(minimum=1, maximum=1024), default=None,
                   help="check processes (default: CPUs)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    project = load_project(args.folder)
    measured = [parse_result_arg(r) for r in args.result]
    out = args.out or Path(args.folder) / f"{project.submitter}-{project.round}.tar.gz"
    result = package(project, measured, out, only_valid=args.only_valid, workers=args.workers,
                     rehearsal=args.rehearsal)
    report = result.report
    tolerated_count = 0
    for label, finding in report.all_findings():
        if finding.severity == "notice":
            continue
        if args.rehearsal and tolerated(finding):
            tolerated_count += 1
            continue
        where = finding.where()
        print(f"{finding.severity:7} {finding.rule:26} {label}: {finding.message}"
              + (f" [{where}]" if where else ""))
    for label in result.dropped:
        print(f"left out (fails its checks): {label}")
    if args.rehearsal:
        print(f"{STAMP}: {tolerated_count} findings of rules a simulated, shortened run fails "
              f"by design not shown ({describe()})")
    if result.tarball is None:
        print(f"not packed: {len(result.blocking())} errors (fix them, or pass --only-valid)")
        return EXIT_ERRORS
    print(f"packed {len(result.included)} results into {result.tarball}"
          + (f" ({STAMP})" if args.rehearsal else ""))
    print(f"sha256 {result.sha256}")
    return EXIT_OK

"""``joulekit init``: scaffold a submitter's working folder for a round."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from joulekit.submission_template.scaffold import scaffold, todo_fields


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "init", help="scaffold a submitter tree for a round",
        description="Create a submission working folder: a project file, per-result "
        "templates and the submitter tree with a system description filled from this host.")
    p.add_argument("folder", type=Path, help="folder to create")
    p.add_argument("--round", required=True, help="round, e.g. v6.1")
    p.add_argument("--submitter", required=True)
    p.add_argument("--system", required=True, help="system folder name (no spaces)")
    p.add_argument("--system-name", default="", help="the system's display name")
    p.add_argument("--division", default="closed", choices=["closed", "open", "network"])
    p.add_argument("--system-type", default="", help="datacenter, edge or datacenter,edge")
    p.add_argument("--implementation", default="default",
                   help="implementation name (code/<benchmark>/<implementation> up to v5.1)")
    p.add_argument("--no-power", action="store_true", help="leave out the power fields")
    p.add_argument("--force", action="store_true", help="rewrite an existing project")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    project = scaffold(args.folder, round_name=args.round, division=args.division,
                       submitter=args.submitter, system=args.system,
                       system_name=args.system_name, system_type=args.system_type,
                       implementation=args.implementation, power=not args.no_power,
                       force=args.force)
    todo = todo_fields(project)
    print(f"created {project.folder} for {project.round} ({project.division}/"
          f"{project.submitter}/{project.system})")
    print(f"fill in: systems/{project.system}.json ({len(todo)} fields marked TODO:), "
          f"templates/*, calibration.md")
    return 0

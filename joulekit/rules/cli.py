"""``joulekit rules``: list the rounds and print a round's pack with its sources.

Thresholds are only trustworthy when a reviewer can see them and where each comes from,
so ``show`` prints the validated pack (after schema checks), not the raw file.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import yaml

from joulekit.rules.pack import available_rounds, load_pack


def _show(args: argparse.Namespace) -> int:
    pack = load_pack(args.round)
    sections: dict[str, Any] = (
        {args.section: pack.sections.get(args.section, {})} if args.section else pack.sections
    )
    if args.section and args.section not in pack.sections:
        from joulekit.errors import UserError

        raise UserError(
            f"round {pack.round} has no section {args.section!r}; "
            f"it has {', '.join(sorted(pack.sections))}"
        )
    if args.format == "json":
        sys.stdout.write(json.dumps({"round": pack.round, **sections}, indent=2) + "\n")
        return 0
    for name, data in sections.items():
        sys.stdout.write(f"# {pack.round} / {name}\n")
        sys.stdout.write(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))
        sys.stdout.write("\n")
    return 0


def _list(args: argparse.Namespace) -> int:
    for name in available_rounds():
        pack = load_pack(name)
        sys.stdout.write(f"{name}  sections: {', '.join(sorted(pack.sections))}\n")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "rules", help="show the rule pack of a round", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    show = sub.add_parser("show", help="print a round's pack (thresholds and their sources)")
    show.add_argument("round", help="round name, for example v5.1")
    show.add_argument("--section", help="print only this section (power, submission, ...)")
    show.add_argument("--format", choices=["yaml", "json"], default="yaml")
    show.set_defaults(func=_show)
    listing = sub.add_parser("list", help="list the rounds that have a pack")
    listing.set_defaults(func=_list)

"""``joulekit rules``: the rounds, a round's pack, and the rule catalog.

Thresholds are only trustworthy when a reviewer can see them and where each comes from,
so ``show ROUND`` prints the validated pack (after schema checks), not the raw file, and
``show RULE --round R`` prints a rule of the catalog with the values it reads in that
round (``show`` alone: every rule).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import yaml

from joulekit.errors import UserError
from joulekit.rules.explain import explain, find_rule, pack_for
from joulekit.rules.pack import available_rounds, is_round_name, load_pack
from joulekit.rules.rule_catalog import Rule, load_catalog


def _show_pack(args: argparse.Namespace, round_name: str) -> int:
    pack = load_pack(round_name)
    sections: dict[str, Any] = (
        {args.section: pack.sections.get(args.section, {})} if args.section else pack.sections
    )
    if args.section and args.section not in pack.sections:
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


def rule_json(rule: Rule, round_name: str) -> dict[str, Any]:
    """One rule as ``rules show --format json`` prints it."""
    pack = pack_for(rule, round_name)
    first, last = rule.rounds
    return {
        "id": rule.id, "domain": rule.domain, "title": rule.title, "severity": rule.severity,
        "rationale": rule.rationale, "fix": rule.fix, "reference": rule.reference,
        "rounds": {"from": first, "until": last}, "round": pack.round,
        "applies": rule.applies_to(pack.round),
        "thresholds": {ref: {"value": value, "source": pack.cite(ref)}
                       for ref, value in rule.thresholds(pack).items()},
    }


def _show_rules(args: argparse.Namespace, rules: list[Rule]) -> int:
    round_name = args.round or available_rounds()[-1]
    if args.round:
        load_pack(args.round)  # an unknown round is one UserError before any output
    if args.format == "json":
        data = [rule_json(rule, round_name) for rule in rules]
        sys.stdout.write(json.dumps(data[0] if args.target else data, indent=2) + "\n")
        return 0
    sys.stdout.write("\n".join(explain(rule.id, round_name) for rule in rules))
    return 0


def _show(args: argparse.Namespace) -> int:
    target: str | None = args.target
    if target is not None and is_round_name(target):
        if args.round and args.round != target:
            raise UserError(f"rules show {target} --round {args.round}: give the round once")
        return _show_pack(args, target)
    if args.section:
        raise UserError("--section selects a section of a round's pack: "
                        "joulekit rules show ROUND --section NAME")
    rules = [find_rule(target)] if target else list(load_catalog())
    return _show_rules(args, rules)


def _list(args: argparse.Namespace) -> int:
    for name in available_rounds():
        pack = load_pack(name)
        sys.stdout.write(f"{name}  sections: {', '.join(sorted(pack.sections))}\n")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "rules", help="show the rule catalog and the rule pack of a round",
        description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    show = sub.add_parser(
        "show", help="print a round's pack (ROUND), one rule (RULE_ID) or every rule")
    show.add_argument("target", nargs="?", metavar="ROUND|RULE_ID",
                      help="a round (v5.1: its pack) or a rule id (PWR020, SUB-PERF-SEEDS); "
                      "none: every rule")
    show.add_argument("--round", help="the round whose thresholds a rule shows (default: newest)")
    show.add_argument("--section", help="print only this section of a pack (power, submission)")
    show.add_argument("--format", choices=["yaml", "json"], default="yaml")
    show.set_defaults(func=_show)
    listing = sub.add_parser("list", help="list the rounds that have a pack")
    listing.set_defaults(func=_list)

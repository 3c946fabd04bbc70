"""Each domain's checks are bound to catalog ids: every power and submission rule of the
catalog has a name in its domain's binding module, and some check reports it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from joulekit.checker import catalog
from joulekit.checker.registry import Rule
from joulekit.checker.submission import rules as submission_rules
from joulekit.rules import load_catalog

CHECKER = Path(__file__).resolve().parents[2] / "joulekit" / "checker"

DOMAINS = [
    ("power", catalog, [CHECKER / "inference_power", CHECKER]),
    ("submission", submission_rules, [CHECKER / "submission"]),
]


#: catalog rules no check reports, each with the reason it is kept
NEVER_REPORTED = {
    # defined with the submission checker's first commit and never raised: a power result
    # whose checks cannot run is reported by the power checks themselves (PWR900)
    "POWER_UNCHECKED",
}


def _bound(module: object) -> dict[str, str]:
    return {name: value.id for name, value in vars(module).items() if isinstance(value, Rule)}


@pytest.mark.parametrize(("domain", "module", "folders"), DOMAINS)
def test_every_catalog_rule_is_bound_and_reported(domain: str, module: object,
                                                   folders: list[Path]) -> None:
    bound = _bound(module)
    assert sorted(bound.values()) == sorted(r.id for r in load_catalog().domain(domain))
    code = "\n".join(p.read_text(encoding="utf-8") for folder in folders
                     for p in sorted(folder.glob("*.py"))
                     if p.name not in ("catalog.py", "rules.py"))
    unused = sorted(name for name in bound if not re.search(rf"\bR\.{name}\b", code)
                    and name not in NEVER_REPORTED)
    assert unused == [], f"{domain} rules no check reports: {unused}"

"""The one rule catalog: every rule's id, title, severity, rationale, fix, rounds and the
pack thresholds it reads, as data (``rules/catalog/<domain>.yaml``, validated by
``schema/catalog.schema.json``) loaded into one typed object.

The checker's registry, ``joulekit check --explain``, ``joulekit rules show`` and the
reports all read rules from here, as a linter reads its rule table, so a rule's text
cannot drift between the docs and the output. A rule's *thresholds* stay per round in the
packs (``packs/<round>/*.yaml``): the catalog names the pack keys a rule reads and
:meth:`Rule.thresholds` looks them up in a round's pack. A new rule family (the coming
training-power rules) is one new YAML file here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Generic, Literal, TypeVar

import yaml

from joulekit.errors import UserError
from joulekit.rules.pack import RulePack, check_schema, dotted_get, round_key
from joulekit.rules.yaml_data import parse_yaml

Severity = Literal["error", "warning", "notice"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "notice")
#: ``reference`` of a rule the reference checker does not have at all
ABSENT = "absent"
#: the catalog files, one per domain, in the order their rules are listed
DOMAINS = ("power", "submission", "doctor", "training")


@dataclass(frozen=True)
class Rule:
    """A named check.

    ``severity`` is the default severity of its findings; ``thresholds`` are the dotted
    pack paths it applies (``power.time_sync.max_skew_ms``); ``reference`` says how the
    reference checker behaves where it differs ("" the same; ``absent`` no such check);
    ``rounds`` is ``(first, last)`` of the rounds it applies to, None for open ends.
    """

    id: str
    title: str
    severity: Severity
    rationale: str
    fix: str
    thresholds_read: tuple[str, ...] = ()
    reference: str = ""
    domain: str = ""
    rounds: tuple[str | None, str | None] = field(default=(None, None))

    @property
    def pack_ref(self) -> str:
        """The first threshold the rule reads ("" when none), as ``--explain`` shows it."""
        return self.thresholds_read[0] if self.thresholds_read else ""

    def applies_to(self, round_name: str) -> bool:
        first, last = self.rounds
        key = round_key(round_name)
        return (first is None or round_key(first) <= key) and (last is None
                                                             or key <= round_key(last))

    def thresholds(self, pack: RulePack) -> dict[str, Any]:
        """``{dotted path: value}`` of every threshold the rule reads in ``pack`` (a path
        the round does not define maps to None)."""
        return {ref: pack_value(pack, ref) for ref in self.thresholds_read}


def pack_value(pack: RulePack, dotted: str) -> Any:
    """The value at ``<section>.<path>`` of a pack, or None."""
    section, _, path = dotted.partition(".")
    return dotted_get(pack.sections.get(section, {}), path)


RuleT = TypeVar("RuleT", bound=Rule)


class Catalog(Generic[RuleT]):
    """Rules by id (``get`` in any case), iterated in id order."""

    def __init__(self, rules: Mapping[str, RuleT]) -> None:
        self._rules = dict(rules)

    def get(self, rule_id: str) -> RuleT | None:
        return self._rules.get(rule_id.upper())

    def __getitem__(self, rule_id: str) -> RuleT:
        return self._rules[rule_id]

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __iter__(self) -> Iterator[RuleT]:
        return iter(sorted(self._rules.values(), key=lambda r: r.id))

    def __len__(self) -> int:
        return len(self._rules)

    def domain(self, name: str) -> list[RuleT]:
        return [rule for rule in self if rule.domain == name]


def load_yaml(relative: str, schema_name: str) -> dict[str, Any]:
    """A YAML file of the ``joulekit.rules`` package, validated by a schema; a broken file
    is a ``UserError`` naming the file and the first failing path."""
    where = f"joulekit/rules/{relative}"
    try:
        data = parse_yaml((resources.files("joulekit.rules") / relative).read_text(
            encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise UserError(f"{where} cannot be read: {err}") from None
    check_schema(data, schema_name, where)
    if not isinstance(data, dict):
        raise UserError(f"{where} must be a mapping at the top level")
    return data


def _rule(entry: dict[str, Any], domain: str) -> Rule:
    rounds = entry.get("rounds", {})
    return Rule(id=entry["id"], title=entry["title"], severity=entry["severity"],
                rationale=entry["rationale"], fix=entry["fix"],
                thresholds_read=tuple(entry.get("thresholds", ())),
                reference=entry.get("reference", ""), domain=domain,
                rounds=(rounds.get("from"), rounds.get("until")))


@functools.lru_cache(maxsize=1)
def load_catalog() -> Catalog[Rule]:
    """Every domain's rules; an id defined twice is a ``UserError`` naming both files."""
    rules: dict[str, Rule] = {}
    for domain in DOMAINS:
        data = load_yaml(f"catalog/{domain}.yaml", "catalog")
        if data["domain"] != domain:
            raise UserError(f"joulekit/rules/catalog/{domain}.yaml says domain "
                            f"{data['domain']!r}")
        for entry in data["rules"]:
            rule = _rule(entry, domain)
            if rule.id in rules:
                raise UserError(f"rule {rule.id} is defined in catalog/{rules[rule.id].domain}"
                                f".yaml and catalog/{domain}.yaml")
            rules[rule.id] = rule
    return Catalog(rules)

"""The checker's view of the rule catalog: every rule of ``joulekit.rules`` able to make
its findings.

The texts, severities and thresholds of a rule live in the catalog
(``joulekit/rules/catalog/<domain>.yaml``); this module only adds :meth:`Rule.finding`,
so a check names a catalog id (``rule("PWR020")``) and never writes a rule's text itself.
The CLI (``--explain``), the reports and the checks all read :data:`REGISTRY`.
"""

from __future__ import annotations

from dataclasses import dataclass

from joulekit.checker.findings import Finding, Severity
from joulekit.inputs import excerpt
from joulekit.rules import rule_catalog

#: longest message and expected/found value a finding keeps (the rest is elided)
MESSAGE_CHARS = 400
VALUE_CHARS = 240


@dataclass(frozen=True)
class Rule(rule_catalog.Rule):
    """A catalog rule that builds its own findings."""

    def finding(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        expected: object = None,
        found: object = None,
        severity: Severity | None = None,
    ) -> Finding:
        """A finding of this rule, with the rule's fix as its hint.

        Message and values are cut to a short excerpt: they may quote a hostile file's
        content, and a report must stay readable (and bounded) whatever a tree holds."""
        return Finding(
            rule=self.id,
            severity=severity or self.severity,
            message=excerpt(message, MESSAGE_CHARS),
            file=file,
            line=line,
            expected=None if expected is None else excerpt(str(expected), VALUE_CHARS),
            found=None if found is None else excerpt(str(found), VALUE_CHARS),
            hint=self.fix,
        )


class Registry(rule_catalog.Catalog[Rule]):
    """The catalog's rules by id, as :class:`Rule`; iterated in id order."""

    def __init__(self, catalog: rule_catalog.Catalog[rule_catalog.Rule]) -> None:
        super().__init__({r.id: _checker_rule(r) for r in catalog})


def _checker_rule(rule: rule_catalog.Rule) -> Rule:
    return Rule(id=rule.id, title=rule.title, severity=rule.severity, rationale=rule.rationale,
                fix=rule.fix, thresholds_read=rule.thresholds_read, reference=rule.reference,
                domain=rule.domain, rounds=rule.rounds)


REGISTRY = Registry(rule_catalog.load_catalog())


def rule(rule_id: str) -> Rule:
    """The rule a check is registered against; a KeyError at import time names an id the
    catalog does not define."""
    return REGISTRY[rule_id]

"""The rule registry: the one place a rule's id, title, severity and texts live.

The CLI (``--explain``), the reports and the checks all read rules from here, as a
linter does, so a rule's text cannot drift between the docs and the output. Other
subpackages add their own rules by calling :meth:`Registry.add` on :data:`REGISTRY` at
import time (see ``docs/internals.md``); :func:`load_extensions` imports the known
extension packages so their rules are visible to ``--explain`` and the reports.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass

from joulekit.checker.findings import Finding, Severity
from joulekit.inputs import excerpt

#: subpackages that register rules of their own when imported
EXTENSION_MODULES: tuple[str, ...] = ("joulekit.checker.submission",)


#: longest message and expected/found value a finding keeps (the rest is elided)
MESSAGE_CHARS = 400
VALUE_CHARS = 240


@dataclass(frozen=True)
class Rule:
    """A named check.

    ``severity`` is the default severity of its findings; ``pack_ref`` is the dotted path
    of the threshold it applies (``power.time_sync.max_skew_ms``), or "" when the rule has
    no threshold. ``reference`` says how the reference power checker behaves where it
    differs from this rule ("" when it behaves the same; "absent" when it lacks the check).
    """

    id: str
    title: str
    severity: Severity
    explanation: str
    fix: str
    pack_ref: str = ""
    reference: str = ""

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


class Registry:
    """Rules by id; adding an id twice with different content is a programming error."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def add(self, rule: Rule) -> Rule:
        existing = self._rules.get(rule.id)
        if existing is not None and existing != rule:
            raise ValueError(f"rule id {rule.id} is already registered with other content")
        self._rules[rule.id] = rule
        return rule

    def get(self, rule_id: str) -> Rule | None:
        return self._rules.get(rule_id.upper())

    def __getitem__(self, rule_id: str) -> Rule:
        return self._rules[rule_id]

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __iter__(self) -> Iterator[Rule]:
        return iter(sorted(self._rules.values(), key=lambda r: r.id))

    def __len__(self) -> int:
        return len(self._rules)


REGISTRY = Registry()


def load_extensions() -> None:
    """Import the extension subpackages that exist, so their rules are registered."""
    for name in EXTENSION_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)

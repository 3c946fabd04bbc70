"""One rule as text: what it checks, how to fix it, the thresholds it reads in a round
and where each comes from, and how the reference checker differs.

``joulekit check --explain RULE`` and ``joulekit rules show RULE`` print the same text,
so a reviewer sees one description whichever command they know.
"""

from __future__ import annotations

from joulekit.errors import UserError
from joulekit.rules.pack import available_rounds, load_pack
from joulekit.rules.rule_catalog import ABSENT, Rule, load_catalog, pack_value


def find_rule(rule_id: str) -> Rule:
    """A catalog rule by id (any case); a ``UserError`` listing the known ids otherwise."""
    catalog = load_catalog()
    rule = catalog.get(rule_id)
    if rule is None:
        known = ", ".join(r.id for r in catalog)
        raise UserError(f"no rule {rule_id!r}; known rules: {known}")
    return rule


def explain(rule_id: str, round_name: str | None) -> str:
    """The description of one rule, with its thresholds in ``round_name`` (None: the
    newest round)."""
    rule = find_rule(rule_id)
    lines = [
        f"{rule.id}: {rule.title} (default severity: {rule.severity})",
        "",
        rule.rationale,
        "",
        f"Fix: {rule.fix}",
    ]
    if rule.thresholds_read:
        pack = load_pack(round_name or available_rounds()[-1])
        lines.append("")
        for ref in rule.thresholds_read:
            lines.append(f"Rule pack {pack.round}: {ref} = {pack_value(pack, ref)!r}")
            note = pack.cite(ref)
            if note:
                lines.append(f"Source: {note}")
    if rule.reference:
        text = ("the reference power checker has no such check" if rule.reference == ABSENT
                else rule.reference)
        lines += ["", f"Reference checker (--compat reference): {text}"]
    return "\n".join(lines) + "\n"

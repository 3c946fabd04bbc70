"""One rule as text: what it checks, how to fix it, the thresholds it reads in a round
and where each comes from, and how the reference checker differs.

``joulekit check --explain RULE`` and ``joulekit rules show RULE`` print the same text,
so a reviewer sees one description whichever command they know.
"""

from __future__ import annotations

from joulekit.errors import UserError
from joulekit.rules.pack import RulePack, available_rounds, load_pack
from joulekit.rules.rule_catalog import ABSENT, Rule, load_catalog, pack_value
from joulekit.rules.training_rounds import training_pack, training_rounds


def find_rule(rule_id: str) -> Rule:
    """A catalog rule by id (any case); a ``UserError`` listing the known ids otherwise."""
    catalog = load_catalog()
    rule = catalog.get(rule_id)
    if rule is None:
        known = ", ".join(r.id for r in catalog)
        raise UserError(f"no rule {rule_id!r}; known rules: {known}")
    return rule


def pack_for(rule: Rule, round_name: str | None) -> RulePack:
    """The pack a rule's thresholds are read from: a training rule reads the training
    round (its own series; an inference-only round name falls back to the newest
    training round), every other rule the inference pack."""
    if rule.domain == "training":
        known = {r.lstrip("v") for r in training_rounds()}
        chosen = round_name if round_name and round_name.lstrip("v") in known else None
        return training_pack(chosen)
    return load_pack(round_name or available_rounds()[-1])


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
        pack = pack_for(rule, round_name)
        lines.append("")
        for ref in rule.thresholds_read:
            label = "Training round" if rule.domain == "training" else "Rule pack"
            lines.append(f"{label} {pack.round}: {ref} = {pack_value(pack, ref)!r}")
            note = pack.cite(ref)
            if note:
                lines.append(f"Source: {note}")
    if rule.reference:
        text = ("the reference power checker has no such check" if rule.reference == ABSENT
                else rule.reference)
        lines += ["", f"Reference checker (--compat reference): {text}"]
    return "\n".join(lines) + "\n"

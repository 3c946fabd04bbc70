"""Guard: no compliance threshold is a constant in code outside ``joulekit/rules/``.

The rule catalog and the round packs are the one home of every limit a verdict depends on
(issue 18, item 2): a ``CURRENT_FACTOR = 1.1`` in a module is a second copy that a new
round's pack cannot change. The guard reads module- and class-level assignments whose
name says limit (LIMIT, FACTOR, THRESHOLD, TOLERANCE, UNCERTAINTY, MARGIN, RATIO,
PERCENT, BOUND) and whose value is a number (or numbers). Operational constants that
share such a name (a buffer size, a timeout) are allowed only by an entry in ALLOWED
with its reason.
"""

from __future__ import annotations

import ast

from ._tree import Module, modules

WORDS = frozenset({
    "LIMIT", "LIMITS", "FACTOR", "FACTORS", "THRESHOLD", "THRESHOLDS", "TOLERANCE",
    "UNCERTAINTY", "MARGIN", "RATIO", "PERCENT", "BOUND", "BOUNDS",
})


def _limit_name(name: str) -> bool:
    """A name one of whose ``_``-separated words says limit (DURATION is no RATIO)."""
    return any(word in WORDS for word in name.upper().split("_"))

#: (module path, constant name) -> why it is not a compliance threshold
ALLOWED: dict[tuple[str, str], str] = {
    ("joulekit/checker/inference_power/runner.py", "_POOL_THRESHOLD"):
        "how many results make a worker pool worth starting: speed, no verdict",
    ("joulekit/inputs.py", "CONFIG_LIMIT"):
        "largest input file a command reads (a FIFO or a giant is a mistake): a guard",
    ("joulekit/insight/trace.py", "GAP_FACTOR"):
        "where a report's plot marks a gap in a trace; no verdict reads it",
    ("joulekit/doctor/options.py", "DEFAULT_POWER_FACTOR"):
        "the electrical power factor doctor assumes for a load when none is given: an "
        "estimate's input, no verdict",
    ("joulekit/doctor/storage.py", "LOG_MARGIN_BYTES"):
        "disk headroom doctor's space estimate keeps for logs: operational",
    ("joulekit/run/workload.py", "OFFLINE_RATE_MARGIN"):
        "how far above the ranging rate an Offline testing query is sized: planning, "
        "the checker judges the result",
    ("joulekit/run/workload.py", "OFFLINE_RETRY_FACTOR"):
        "how much an Offline phase that ended early is raised on its retry: planning",
    ("joulekit/meters/tables.py", "overrange_factor"):
        "a meter model's datasheet over-range (per model, meter data), not a rule",
}


def _numeric(node: ast.expr) -> bool:
    """A literal number, a signed/computed one, or a tuple/list/set of them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int | float) and not isinstance(node.value, bool)
    if isinstance(node, ast.UnaryOp):
        return _numeric(node.operand)
    if isinstance(node, ast.BinOp):
        return _numeric(node.left) and _numeric(node.right)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return bool(node.elts) and all(_numeric(e) for e in node.elts)
    return False


def _targets(stmt: ast.stmt) -> list[tuple[str, ast.expr]]:
    if isinstance(stmt, ast.Assign):
        return [(t.id, stmt.value) for t in stmt.targets if isinstance(t, ast.Name)]
    if (
        isinstance(stmt, ast.AnnAssign)
        and stmt.value is not None
        and isinstance(stmt.target, ast.Name)
    ):
        return [(stmt.target.id, stmt.value)]
    return []


def _hits(module: Module) -> list[tuple[int, str]]:
    bodies: list[list[ast.stmt]] = [module.tree.body]
    bodies += [n.body for n in ast.walk(module.tree) if isinstance(n, ast.ClassDef)]
    found = []
    for body in bodies:
        for stmt in body:
            for name, value in _targets(stmt):
                allowed = (module.rel, name) in ALLOWED
                if _limit_name(name) and _numeric(value) and not allowed:
                    found.append((stmt.lineno, name))
    return sorted(found)


def _outside_rules() -> list[Module]:
    return [m for m in modules() if m.part != "rules"]


def test_no_threshold_constant_outside_rules() -> None:
    findings = [f"{m.rel}:{line}: {name}" for m in _outside_rules() for line, name in _hits(m)]
    assert not findings, (
        f"{len(findings)} threshold constant(s) outside joulekit/rules/ (put the value in the "
        "round's pack and read it through joulekit.rules):\n" + "\n".join(findings)
    )


def test_allowed_entries_are_still_needed() -> None:
    present = {
        (m.rel, name)
        for m in _outside_rules()
        for stmt in ast.walk(m.tree)
        if isinstance(stmt, ast.stmt)
        for name, _ in _targets(stmt)
    }
    stale = sorted(set(ALLOWED) - present)
    assert not stale, f"ALLOWED entries no longer in the code: {stale}"


def test_the_guard_sees_a_threshold() -> None:
    src = (
        "CURRENT_FACTOR = 1.1\n"
        "UNCERTAINTY_LIMIT: float = 0.01\n"
        "BOUNDS = (-0.5, 2 * 0.25)\n"
        "class C:\n    RELAXED_THRESHOLD = 5\n"
        "LIMIT_NAME = 'text'\n"
        "def f():\n    TOLERANCE = 0.1\n    return TOLERANCE\n"
        "FLAG_RATIO = True\n"
        "CALIBRATION_SECONDS = 5\n"
    )
    module = Module("joulekit.example", "joulekit/example.py", ast.parse(src), ())
    assert [name for _, name in _hits(module)] == [
        "CURRENT_FACTOR", "UNCERTAINTY_LIMIT", "BOUNDS", "RELAXED_THRESHOLD",
    ]

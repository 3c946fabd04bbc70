"""Guard: no module outside ``joulekit/formats/`` spells a result-tree path or a scenario name.

``formats/layout.py`` is the one description of result trees (issue 18, item 1): a folder
or file name of a power session, result folder or submission tree written anywhere else
is a second home that drifts. The guard reads every string constant (docstrings are
prose and left out; f-string pieces are read) and splits it at ``/``: a piece that is one
of the tree's names is a finding. A string that merely coincides with a tree name (a
JSON key, a protocol word) is allowed only by an entry in ALLOWED with its reason.
"""

from __future__ import annotations

import ast

import pytest

from joulekit.formats import layout

from ._tree import Module, docstring_nodes, modules

#: folder and file names of power sessions, result folders and submission trees
TREE_NAMES = frozenset({
    layout.RUN_1, layout.RANGING, layout.POWER, layout.PERFORMANCE,
    layout.DETAIL_LOG, layout.SUMMARY_LOG, layout.ACCURACY_LOG, layout.TRACE_LOG,
    layout.ACCURACY_TXT, layout.SPL, layout.PTD_OUT, layout.SERVER_JSON, layout.CLIENT_JSON,
    layout.SERVER_LOG, layout.CLIENT_LOG, layout.PTD_LOGS, layout.MEASUREMENTS_JSON,
    layout.RESULTS, layout.MEASUREMENTS, layout.COMPLIANCE,
})
#: scenario names as LoadGen and the result trees spell them (and the v4.1+ folder forms)
SCENARIO_NAMES = frozenset(layout.SCENARIOS) | {"singlestream", "multistream", "offline"}
#: a glob over LoadGen's logs is a tree path too
LOG_PREFIX = "mlperf_log_"

#: (module path, string) -> why that string is not a tree path there
ALLOWED: dict[tuple[str, str], str] = {}


def _pieces(text: str) -> list[str]:
    return [p for p in text.replace("\\", "/").split("/") if p]


def _hits(module: Module) -> list[tuple[int, str]]:
    prose = docstring_nodes(module.tree)
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        if id(node) in prose:
            continue
        for piece in _pieces(node.value):
            if piece in TREE_NAMES or piece in SCENARIO_NAMES or piece.startswith(LOG_PREFIX):
                if (module.rel, node.value) not in ALLOWED:
                    found.append((node.lineno, node.col_offset, node.value))
                break
    return [(line, text) for line, _, text in sorted(found)]


def _outside_formats() -> list[Module]:
    return [m for m in modules() if m.part != "formats"]


@pytest.mark.xfail(strict=False, reason="issue 18 in progress; see GUARD STATUS in progress_18D.md")
def test_no_result_tree_path_outside_formats() -> None:
    findings = [
        f"{m.rel}:{line}: {text!r}" for m in _outside_formats() for line, text in _hits(m)
    ]
    assert not findings, (
        f"{len(findings)} result-tree path literal(s) outside joulekit/formats/ "
        "(ask formats/layout.py for the name instead):\n" + "\n".join(findings)
    )


def test_allowed_entries_are_still_needed() -> None:
    """A stale allowance would let the next literal at that place through unseen."""
    present = {
        (m.rel, node.value)
        for m in _outside_formats()
        for node in ast.walk(m.tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    stale = sorted(set(ALLOWED) - present)
    assert not stale, f"ALLOWED entries no longer in the code: {stale}"


def test_the_guard_sees_a_literal() -> None:
    """The guard itself: each way of spelling a tree path in code is caught."""
    src = (
        'A = "run_1/spl.txt"\n'
        'B = f"{x}/power/server.json"\n'
        'C = ("SingleStream", "Offline")\n'
        'D = "mlperf_log_*.txt"\n'
        'def f():\n    """run_1/spl.txt in prose is fine."""\n    return "ranging"\n'
        'E = "the Offline scenario"\n'
    )
    tree = ast.parse(src)
    module = Module("joulekit.example", "joulekit/example.py", tree, tuple(src.splitlines()))
    assert [text for _, text in _hits(module)] == [
        "run_1/spl.txt", "/power/server.json", "SingleStream", "Offline", "mlperf_log_*.txt",
        "ranging",
    ]

"""Guard: no module outside ``joulekit/formats/`` spells a result-tree path or a scenario name.

``formats/layout.py`` is the one description of result trees (issue 18, item 1): a folder
or file name of a power session, result folder or submission tree written anywhere else
is a second home that drifts. The guard reads every string constant (docstrings are
prose and left out; f-string pieces are read) and splits it at ``/``:

- a file name of the tree (``spl.txt``, ``server.json``, ``mlperf_log_*``), a scenario
  name, or a folder name inside a longer path (``run_1/...``) is a finding anywhere;
- a bare folder name (``"power"``, ``"results"``) is also a JSON key, a scope or a pack
  section, so it is a finding only where code builds or tests a path with it:
  ``x / "power"``, ``joinpath``/``glob``/``os.path.join``/``Path(...)`` arguments,
  a comparison with ``.name``/``.stem``/``.parts``, or a tuple of two or more folder
  names.

Anything else that coincides is allowed only by an entry in ALLOWED with its reason.
"""

from __future__ import annotations

import ast

from joulekit.formats import layout

from ._tree import Module, docstring_nodes, modules

#: folder names of power sessions, result folders and submission trees
FOLDER_NAMES = frozenset({
    layout.RUN_1, layout.RANGING, layout.POWER, layout.PERFORMANCE,
    layout.RESULTS, layout.MEASUREMENTS, layout.COMPLIANCE,
})
#: file names of power sessions and result folders
FILE_NAMES = frozenset({
    layout.DETAIL_LOG, layout.SUMMARY_LOG, layout.ACCURACY_LOG, layout.TRACE_LOG,
    layout.ACCURACY_TXT, layout.SPL, layout.PTD_OUT, layout.SERVER_JSON, layout.CLIENT_JSON,
    layout.SERVER_LOG, layout.CLIENT_LOG, layout.PTD_LOGS, layout.MEASUREMENTS_JSON,
})
#: scenario names as LoadGen and the result trees spell them (and the v4.1+ folder forms)
SCENARIO_NAMES = frozenset(layout.SCENARIOS) | {"singlestream", "multistream", "offline"}
#: a glob over LoadGen's logs is a tree path too
LOG_PREFIX = "mlperf_log_"
#: calls whose string arguments are path pieces
PATH_CALLS = frozenset({
    "joinpath", "glob", "rglob", "join", "with_name", "Path", "PurePath", "PurePosixPath",
})
#: attributes whose comparison with a string tests a path piece
PATH_ATTRS = frozenset({"name", "stem", "parts"})

#: (module path, string) -> why that string is not a tree path there
ALLOWED: dict[tuple[str, str], str] = {
    (
        "joulekit/submission_template/assemble.py",
        " must be BENCHMARK=PATH, e.g. resnet=runs/offline",
    ):
        "an example of the user's own run folder in a usage message, not the tree's name",
}


def _pieces(text: str) -> list[str]:
    return [p for p in text.replace("\\", "/").split("/") if p]


def _always(text: str) -> bool:
    """A string that names the tree wherever it stands."""
    pieces = _pieces(text)
    for piece in pieces:
        if piece in FILE_NAMES or piece in SCENARIO_NAMES or piece.startswith(LOG_PREFIX):
            return True
    return len(pieces) > 1 and any(p in FOLDER_NAMES for p in pieces)


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _path_context(node: ast.Constant, parents: dict[int, ast.AST]) -> bool:
    """Does code build or test a path with this bare folder name?"""
    parent = parents.get(id(node))
    if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Div):
        return True
    if isinstance(parent, ast.Call) and node in parent.args:
        return _call_name(parent.func) in PATH_CALLS
    if isinstance(parent, ast.Compare):
        sides = [parent.left, *parent.comparators]
        return any(isinstance(s, ast.Attribute) and s.attr in PATH_ATTRS for s in sides)
    if isinstance(parent, ast.Tuple | ast.List | ast.Set):
        names = [
            e for e in parent.elts
            if isinstance(e, ast.Constant) and isinstance(e.value, str)
            and e.value in FOLDER_NAMES
        ]
        return len(names) >= 2
    return False


def _hits(module: Module) -> list[tuple[int, str]]:
    prose = docstring_nodes(module.tree)
    parents = {
        id(child): node for node in ast.walk(module.tree) for child in ast.iter_child_nodes(node)
    }
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        if id(node) in prose or (module.rel, node.value) in ALLOWED:
            continue
        text = node.value
        bare = text in FOLDER_NAMES and _path_context(node, parents)
        if bare or _always(text):
            found.append((node.lineno, node.col_offset, text))
    return [(line, text) for line, _, text in sorted(found)]


def _outside_formats() -> list[Module]:
    return [m for m in modules() if m.part != "formats"]


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
        'def f():\n    """run_1/spl.txt in prose is fine."""\n    return root / "ranging"\n'
        'E = "the Offline scenario"\n'
        'F = {"power": 1, "results": []}\n'
        'G = path.name == "results" or os.path.join(a, "measurements")\n'
        'H = ("results", "compliance")\n'
        'I = pack["measurements"]\n'
        'J = "ranging"\n'
    )
    tree = ast.parse(src)
    module = Module("joulekit.example", "joulekit/example.py", tree, tuple(src.splitlines()))
    assert [text for _, text in _hits(module)] == [
        "run_1/spl.txt", "/power/server.json", "SingleStream", "Offline", "mlperf_log_*.txt",
        "ranging", "results", "measurements", "results", "compliance",
    ]

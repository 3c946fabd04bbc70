"""Guard: imports point down the house's layers, and a function-level import says why.

The layers are those of the redesign (issue 18, item 4; ``docs/internals.md``): a module
may import its own part and the parts below it, never a part above it or a peer at its
own level. The director is a process of its own: only the director and the CLI that
starts it import ``joulekit.power_director`` (the client, doctor and the LoadGen side
talk to it over protocol v3 through ``joulekit.session``). An import inside a function
hides a dependency from the reader, so it needs a one-line comment giving the reason
(a heavy or optional package, a cycle the layers cannot express).
"""

from __future__ import annotations

import ast
import re

from ._tree import PACKAGE, Module, modules

#: part -> level; a part imports only parts of a lower level (equal level: peers, no import)
LAYERS: dict[str, float] = {
    # 1 basics
    "errors": 1.0, "signals": 1.1, "validate": 1.1, "inputs": 1.2,
    # 2 file formats and the one description of result trees
    "formats": 2.0,
    # 3 the rule catalog as data
    "rules": 3.0,
    # 4 what director and client share: protocol v3, clocks, logs, provenance, config
    "session": 4.0,
    # 5 power sources: meter data < the simulator (a simulated meter) < analyzer backends
    "meters": 5.0, "simulator": 5.1, "analyzers": 5.2,
    # 6 the director process
    "power_director": 6.0,
    # 7 checker and the LoadGen side are peers; doctor may use both; run orchestrates all;
    # training (train-power's collector) is run's peer for a training job
    "checker": 7.0, "loadgen": 7.0, "doctor": 7.1, "run": 7.2, "training": 7.2,
    # 8 reports, sweeps, packaging
    "insight": 8.0, "submission_template": 8.0,
    # 9 the public API, the CLI on top of it, the package's re-exports, ``python -m``
    "api": 9.0, "cli": 9.1, "__init__": 9.2, "__main__": 9.3,
}
#: the director is started as a process; only these parts import it
DIRECTOR = "power_director"
DIRECTOR_IMPORTERS = frozenset({DIRECTOR, "cli"})
#: names of ``joulekit/__init__.py`` any module may read: package metadata, no dependency
PACKAGE_METADATA = frozenset({"__version__", "__file__", "__path__"})

_REASON = re.compile(r"#(?!\s*(noqa|type:\s*ignore)\b[^#]*$)\s*\S.*\w{3}")


def _part_of(dotted: str) -> str | None:
    pieces = dotted.split(".")
    if pieces[0] != "joulekit":
        return None
    return pieces[1] if len(pieces) > 1 else "__init__"


def _is_part(name: str) -> bool:
    return name in LAYERS or (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file()


def _reads_metadata_only(module: Module) -> bool:
    """``import joulekit`` used only for ``joulekit.__file__``/``__version__``."""
    used = {
        n.attr
        for n in ast.walk(module.tree)
        if isinstance(n, ast.Attribute)
        and isinstance(n.value, ast.Name)
        and n.value.id == "joulekit"
    }
    return used <= PACKAGE_METADATA


def _targets(module: Module, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The house parts an import statement reaches."""
    if isinstance(node, ast.Import):
        parts = [p for a in node.names if (p := _part_of(a.name)) is not None]
        if any(a.name == "joulekit" and a.asname is None for a in node.names) and (
            _reads_metadata_only(module)
        ):
            parts.remove("__init__")
        return parts
    base = node.module or ""
    if node.level:
        package = module.name.split(".")
        if not module.is_package:
            package = package[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join(package + ([base] if base else []))
    if base == "joulekit":  # from joulekit import x: a part when x is one, else the re-exports
        return [
            a.name if _is_part(a.name) else "__init__"
            for a in node.names
            if a.name not in PACKAGE_METADATA
        ]
    part = _part_of(base)
    return [part] if part is not None else []


def _imports(tree: ast.AST) -> list[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import with whether it sits inside a function."""
    found: list[tuple[ast.Import | ast.ImportFrom, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.append((child, in_function))
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            visit(child, inner)

    visit(tree, False)
    return found


def layer_findings(module: Module) -> list[str]:
    own = module.part
    if own not in LAYERS:
        return [f"{module.rel}: part {own!r} is not in the house's layers (tests/house LAYERS)"]
    found = []
    for node, _ in _imports(module.tree):
        for target in _targets(module, node):
            if target == own:
                continue
            where = f"{module.rel}:{node.lineno}: {own} imports {target}"
            if target not in LAYERS:
                found.append(f"{where} (not a part of the house)")
            elif target == DIRECTOR and own not in DIRECTOR_IMPORTERS:
                found.append(f"{where} (the director is a process: talk protocol v3 via session)")
            elif LAYERS[target] >= LAYERS[own]:
                found.append(f"{where} (an upward or sideways import)")
    return found


def reason_findings(module: Module) -> list[str]:
    found = []
    for node, in_function in _imports(module.tree):
        if not in_function:
            continue
        same = module.lines[node.lineno - 1]
        last = module.lines[(node.end_lineno or node.lineno) - 1]
        above = module.lines[node.lineno - 2].strip() if node.lineno > 1 else ""
        if _REASON.search(same) or _REASON.search(last) or (
            above.startswith("#") and _REASON.search(above)
        ):
            continue
        found.append(f"{module.rel}:{node.lineno}: {same.strip()}")
    return found


def test_imports_point_down_the_layers() -> None:
    findings = [f for m in modules() for f in layer_findings(m)]
    assert not findings, f"{len(findings)} import(s) against the house's layers:\n" + "\n".join(
        findings
    )


def test_function_level_imports_give_their_reason() -> None:
    findings = [f for m in modules() for f in reason_findings(m)]
    assert not findings, (
        f"{len(findings)} import(s) inside a function without a one-line reason "
        "(a comment on the line above or the same line), or move them to the top:\n"
        + "\n".join(findings)
    )


def _module(name: str, src: str) -> Module:
    rel = name.replace(".", "/") + ".py"
    return Module(name, rel, ast.parse(src), tuple(src.splitlines()))


def test_the_guard_sees_wrong_imports() -> None:
    m = _module("joulekit.run.client", (
        "from joulekit.power_director.director import clock\n"
        "import joulekit.cli\n"
        "from joulekit.checker import findings\n"
        "from joulekit.session import protocol\n"
        "from ..formats import layout\n"
        "from .. import api\n"
        "from . import progress\n"
        "from joulekit import __version__, signals\n"
        "import joulekit\n"
        "V = joulekit.__version__\n"
    ))
    assert [f.split(": ", 1)[1].split(" (")[0] for f in layer_findings(m)] == [
        "run imports power_director", "run imports cli", "run imports api",
    ]
    reexport = _module("joulekit.run.y", "import joulekit\nM = joulekit.measure\n")
    assert layer_findings(reexport) == [
        "joulekit/run/y.py:1: run imports __init__ (an upward or sideways import)"
    ]
    peer = _module("joulekit.checker.x", "from joulekit.loadgen import settings\n")
    assert layer_findings(peer) == [
        "joulekit/checker/x.py:1: checker imports loadgen (an upward or sideways import)"
    ]
    assert layer_findings(_module("joulekit.harness.y", "")) == [
        "joulekit/harness/y.py: part 'harness' is not in the house's layers (tests/house LAYERS)"
    ]


def test_the_guard_sees_unexplained_function_imports() -> None:
    m = _module("joulekit.run.x", (
        "def a():\n    import pyvisa\n"
        "def b():\n    import pyvisa  # optional: only the visa:// backend needs it\n"
        "def c():\n    # matplotlib costs 0.5 s at start-up\n    import matplotlib\n"
        "def d():\n    import numpy  # noqa: F401\n"
        "def e():\n    from joulekit.loadgen import (\n        settings,\n    )\n"
        "import json\n"
    ))
    assert [f.split(": ", 1)[1] for f in reason_findings(m)] == [
        "import pyvisa", "import numpy  # noqa: F401", "from joulekit.loadgen import (",
    ]

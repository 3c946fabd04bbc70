"""The product's source parsed once, for the guard tests of the house (layers, paths, thresholds).

The guards read ``joulekit/`` as text and syntax trees only: nothing is imported, so a
guard also holds for modules whose imports need optional packages (NVML, LoadGen).
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "joulekit"


@dataclass(frozen=True)
class Module:
    """One product module: its dotted name, its path relative to the repository, its tree."""

    name: str
    rel: str
    tree: ast.Module
    lines: tuple[str, ...]

    @property
    def part(self) -> str:
        """The house part a module belongs to: ``joulekit.<part>`` (a package or a file)."""
        pieces = self.name.split(".")
        return pieces[1] if len(pieces) > 1 else "__init__"

    @property
    def is_package(self) -> bool:
        return self.rel.endswith("__init__.py")


@functools.cache
def modules() -> tuple[Module, ...]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT)
        dotted = ".".join(rel.with_suffix("").parts)
        if dotted.endswith(".__init__"):
            dotted = dotted[: -len(".__init__")]
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, str(rel))
        found.append(Module(dotted, rel.as_posix(), tree, tuple(text.splitlines())))
    return tuple(found)


def docstring_nodes(tree: ast.AST) -> set[int]:
    """``id()`` of every docstring constant (module, class, function): prose, not code."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                ids.add(id(body[0].value))
    return ids

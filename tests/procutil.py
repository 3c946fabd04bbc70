"""Process helpers for tests that check what a run started and that nothing is left."""

from __future__ import annotations

import psutil


def child_commands(pid: int | None = None) -> list[str]:
    """The command lines of every live descendant of ``pid`` (default: this process).

    A child may exit, or be a zombie, between listing and reading: it is left out.
    """
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []
    lines = []
    for child in children:
        try:
            lines.append(" ".join(child.cmdline()))
        except psutil.Error:
            continue
    return lines

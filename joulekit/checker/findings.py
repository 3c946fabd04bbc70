"""A finding: one rule applied to one result, with where, what was expected and what was found.

Findings are plain frozen data so they cross process boundaries (the runner checks
results in a process pool) and serialise to every report format unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from joulekit.errors import EXIT_ERRORS, EXIT_OK, EXIT_WARNINGS
from joulekit.rules.rule_catalog import SEVERITIES, Severity

#: ``error`` invalidates a result; ``warning`` needs a look ("check for audit" in the
#: reference); ``notice`` records something that was not checked or is informative and
#: never changes the exit code.
__all__ = ["SEVERITIES", "Finding", "Severity", "exit_code"]


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    expected: str | None = None
    found: str | None = None
    hint: str | None = None

    def where(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def exit_code(severities: Iterable[str]) -> int:
    """The one exit-code rule of ``joulekit check``, the submission checker and
    ``joulekit doctor``: 1 when any finding is an error, 2 when there are warnings only,
    0 otherwise (notices never count)."""
    seen = set(severities)
    if "error" in seen:
        return EXIT_ERRORS
    return EXIT_WARNINGS if "warning" in seen else EXIT_OK

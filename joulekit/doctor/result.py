"""What one preflight check found, in a shape both a person and a tool can read.

Every check returns a :class:`CheckResult` instead of raising: a preflight that stops at
the first surprise (or prints a traceback) hides the other problems the submitter would
only meet later, in the middle of a 2 × 10-minute run. A failure always carries exactly
one line of advice, so the table and the JSON say what to do, not only what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from joulekit.errors import EXIT_ERRORS, EXIT_OK, EXIT_WARNINGS


class Status(StrEnum):
    """How a check ended. ``SKIPPED`` means a check could not run for a reason another
    check already reports (say, no analyzer to probe when the config did not parse)."""

    OK = "ok"
    WARNING = "warning"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class CheckResult:
    """One finding of ``joulekit doctor``.

    ``check`` is a stable dotted id (``ntp.offset``, ``analyzer1.reachable``) that tools
    can match on; ``advice`` is one line saying what to do and is never empty for a
    warning or an error.
    """

    check: str
    title: str
    status: Status
    message: str
    advice: str = ""
    details: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status in (Status.WARNING, Status.ERROR) and not self.advice.strip():
            raise ValueError(f"check {self.check}: a {self.status} needs one line of advice")
        if "\n" in self.advice:
            raise ValueError(f"check {self.check}: advice must be one line")

    def __str__(self) -> str:
        """One line for logs and plain output: title, what was found, what to do."""
        text = f"{self.title}: {self.message}"
        return f"{text} → {self.advice}" if self.advice else text

    def to_json(self) -> dict[str, object]:
        return {
            "check": self.check,
            "title": self.title,
            "status": str(self.status),
            "message": self.message,
            "advice": self.advice,
            "details": dict(self.details),
        }


def ok(check: str, title: str, message: str, **details: object) -> CheckResult:
    return CheckResult(check, title, Status.OK, message, "", details)


def warning(check: str, title: str, message: str, advice: str, **details: object) -> CheckResult:
    return CheckResult(check, title, Status.WARNING, message, advice, details)


def error(check: str, title: str, message: str, advice: str, **details: object) -> CheckResult:
    return CheckResult(check, title, Status.ERROR, message, advice, details)


def skipped(check: str, title: str, message: str, **details: object) -> CheckResult:
    return CheckResult(check, title, Status.SKIPPED, message, "", details)


def exit_code(results: Iterable[CheckResult]) -> int:
    """The same convention as ``joulekit check``: 0 clean, 1 errors, 2 warnings only."""
    statuses = {r.status for r in results}
    if Status.ERROR in statuses:
        return EXIT_ERRORS
    if Status.WARNING in statuses:
        return EXIT_WARNINGS
    return EXIT_OK

"""What one preflight check found, in a shape both a person and a tool can read.

Every check returns a :class:`CheckResult` instead of raising: a preflight that stops at
the first surprise (or prints a traceback) hides the other problems the submitter would
only meet later, in the middle of a 2 × 10-minute run. A failure always carries exactly
one line of advice, so the table and the JSON say what to do, not only what is wrong.

A result is the checker's :class:`~joulekit.checker.findings.Finding` of a ``DOC-*``
rule of the catalog (``joulekit/rules/catalog/doctor.yaml``), so ``joulekit doctor``,
``joulekit check`` and the submission checker share one finding model and one exit-code
rule. It keeps the doctor's own dotted check id, title, status and details on top.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from joulekit.checker.findings import Finding, Severity
from joulekit.checker.findings import exit_code as findings_exit_code
from joulekit.rules import load_catalog


class Status(StrEnum):
    """How a check ended. ``SKIPPED`` means a check could not run for a reason another
    check already reports (say, no analyzer to probe when the config did not parse)."""

    OK = "ok"
    WARNING = "warning"
    ERROR = "error"
    SKIPPED = "skipped"


#: a passed or skipped check is a notice: it never changes the exit code
SEVERITY: Mapping[Status, Severity] = {
    Status.OK: "notice",
    Status.SKIPPED: "notice",
    Status.WARNING: "warning",
    Status.ERROR: "error",
}
_NUMBERED = re.compile(r"^analyzer\d+(?=\.)")
#: check families whose second part is an instance (a port number, a folder's role)
_INSTANCES = ("port.", "folder.")


def rule_for(check: str) -> str:
    """The catalog id of a dotted check id: ``analyzer1.reachable`` →
    ``DOC-ANALYZER-REACHABLE``, ``port.4950`` → ``DOC-PORT`` (``folder.apart`` is a
    rule of its own); a ValueError for an id the catalog has no rule for."""
    family = _NUMBERED.sub("analyzer", check)
    if family.startswith(_INSTANCES) and f"DOC-{family.upper().replace('.', '-')}" \
            not in load_catalog():
        family = family.partition(".")[0]
    rule_id = "DOC-" + family.upper().replace(".", "-").replace("_", "-")
    if rule_id not in load_catalog():
        raise ValueError(f"doctor check {check!r} has no rule {rule_id} in the catalog")
    return rule_id


@dataclass(frozen=True)
class CheckResult(Finding):
    """One finding of ``joulekit doctor``.

    ``check`` is a stable dotted id (``ntp.offset``, ``analyzer1.reachable``) that tools
    can match on; ``rule`` its catalog rule; ``advice`` (the finding's hint) is one line
    saying what to do and is never empty for a warning or an error.
    """

    check: str = ""
    title: str = ""
    status: Status = Status.OK
    details: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status in (Status.WARNING, Status.ERROR) and not self.advice.strip():
            raise ValueError(f"check {self.check}: a {self.status} needs one line of advice")
        if "\n" in self.advice:
            raise ValueError(f"check {self.check}: advice must be one line")

    @property
    def advice(self) -> str:
        return self.hint or ""

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


def _result(check: str, title: str, status: Status, message: str, advice: str,
            details: Mapping[str, object]) -> CheckResult:
    return CheckResult(rule=rule_for(check), severity=SEVERITY[status], message=message,
                       hint=advice, check=check, title=title, status=status,
                       details=details)


def ok(check: str, title: str, message: str, **details: object) -> CheckResult:
    return _result(check, title, Status.OK, message, "", details)


def warning(check: str, title: str, message: str, advice: str, **details: object) -> CheckResult:
    return _result(check, title, Status.WARNING, message, advice, details)


def error(check: str, title: str, message: str, advice: str, **details: object) -> CheckResult:
    return _result(check, title, Status.ERROR, message, advice, details)


def skipped(check: str, title: str, message: str, **details: object) -> CheckResult:
    return _result(check, title, Status.SKIPPED, message, "", details)


def exit_code(results: Iterable[CheckResult]) -> int:
    """The checker's one rule: 0 clean, 1 errors, 2 warnings only (passed and skipped
    checks are notices)."""
    return findings_exit_code(r.severity for r in results)

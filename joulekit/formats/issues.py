"""A problem found while reading a file: where it is and what is wrong.

Readers never raise on malformed content; they return what they could read plus a list
of :class:`FormatIssue`. The checker turns each issue into a finding of a named rule.
A missing or unreadable file is also an issue (line None), never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: "notice": how the reference tools themselves leave a file (a cut-off last line), said
#: but never held against the result
Severity = Literal["error", "warning", "notice"]


@dataclass(frozen=True)
class FormatIssue:
    file: str
    line: int | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"

"""Errors that reach a user as one clear sentence instead of a traceback.

Anything the user can fix (a missing file, a bad option, an unreachable analyzer) is
raised as :class:`UserError`; the CLI prints its message and exits with
:data:`EXIT_USER_ERROR`. Everything else is a bug and is reported as such.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERRORS = 1
EXIT_WARNINGS = 2
EXIT_USER_ERROR = 3
EXIT_INTERRUPTED = 130


class UserError(Exception):
    """A problem the user can act on; ``str(err)`` says what happened and what to do."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} ({self.hint})" if self.hint else base

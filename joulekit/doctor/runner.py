"""Run a list of checks so that one broken check never hides the others.

A check is a zero-argument callable planned with its id and title. The runner calls
each in turn and turns anything it raises into an ``error`` result: a
:class:`~joulekit.errors.UserError` keeps its message (it is a problem the user can
fix), anything else is reported as a bug in the check, on one line, with no traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from joulekit.doctor.result import CheckResult, error
from joulekit.errors import UserError

CheckOutcome = CheckResult | Sequence[CheckResult]


@dataclass(frozen=True)
class PlannedCheck:
    """A check waiting to run; ``check``/``title`` label it if it fails unexpectedly."""

    check: str
    title: str
    run: Callable[[], CheckOutcome]


def run_one(planned: PlannedCheck) -> list[CheckResult]:
    try:
        outcome = planned.run()
    except UserError as err:
        return [
            error(
                planned.check,
                planned.title,
                str(err),
                err.hint or "fix what the message names and run joulekit doctor again",
            )
        ]
    except Exception as err:  # a bug in the check itself: report it, keep going
        return [
            error(
                planned.check,
                planned.title,
                f"the check itself failed: {type(err).__name__}: {err}",
                "this is a bug in joulekit doctor; please report it with the --format json output",
            )
        ]
    if isinstance(outcome, CheckResult):
        return [outcome]
    return list(outcome)


def run_all(plan: Iterable[PlannedCheck]) -> list[CheckResult]:
    results: list[CheckResult] = []
    for planned in plan:
        results.extend(run_one(planned))
    return results

"""The submission checker: a whole submission tree against the rule pack of its round.

Importing this package registers its rules (``SUB-*``) in the checker's registry.
``joulekit check`` hands a path to :func:`check_submission` when
:func:`is_submission_tree` says it is one (see ``docs/internals.md``).
"""

from joulekit.checker.submission import rules as rules
from joulekit.checker.submission.bridge import check_tree, to_check_report
from joulekit.checker.submission.result import ResultVerdict, check_result
from joulekit.checker.submission.runner import SubmissionReport, check_submission
from joulekit.checker.submission.summary import rows, to_csv, to_json, write_csv
from joulekit.checker.submission.tree import ResultUnit, discover, is_submission_tree

__all__ = [
    "ResultUnit",
    "ResultVerdict",
    "SubmissionReport",
    "check_result",
    "check_submission",
    "check_tree",
    "discover",
    "is_submission_tree",
    "rows",
    "to_check_report",
    "to_csv",
    "to_json",
    "write_csv",
]

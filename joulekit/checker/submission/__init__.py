"""The submission checker: a whole submission tree against the rule pack of its round.

Its rules (``SUB-*``) are in the catalog (``joulekit/rules/catalog/submission.yaml``);
the checker's runner (``joulekit.checker.dispatch``) hands a path to
:func:`check_submission` when :func:`is_submission_tree` says it is one, and
:meth:`SubmissionReport.to_check_report` gives the core report every output writes.
"""

from joulekit.checker.submission import rules as rules
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
    "discover",
    "is_submission_tree",
    "rows",
    "to_csv",
    "to_json",
    "write_csv",
]

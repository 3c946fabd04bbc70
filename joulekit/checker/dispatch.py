"""The one checker runner: say what a path holds, then hand it to the domain that checks
that kind of result.

Every domain reports through the same core (:class:`~joulekit.checker.findings.Finding`,
:class:`~joulekit.checker.report.CheckReport`, one exit-code rule), so ``joulekit check``
and :func:`joulekit.checker.check` print and exit the same way whatever they checked.

Domains are tried in :data:`DOMAINS` order; the first whose ``claims(path)`` is true
checks the path: ``training_power`` (MLPerf Training benchmarks at or below a path,
``results/<system>/<benchmark>/result_<i>.txt``: ``checker/training_power``; first,
because a training organisation folder also has ``results/`` and ``systems/``),
``submission`` (a whole inference submission tree: ``checker/submission``) and
``inference_power`` (power results at or below a path: ``checker/inference_power``, the
fallback).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from joulekit.checker.inference_power.runner import check_path
from joulekit.checker.options import CheckOptions
from joulekit.checker.report import CheckReport, ResultReport
from joulekit.checker.submission.runner import check_submission
from joulekit.checker.submission.summary import write_csv
from joulekit.checker.submission.tree import is_submission_tree
from joulekit.checker.training_power.runner import check_training
from joulekit.checker.training_power.runner import claims as training_claims
from joulekit.errors import UserError
from joulekit.formats.safe_files import input_root, refuse_unsafe_tree

#: ``auto`` lets the domains claim the path; a domain name forces that domain
Scope = Literal["auto", "power", "submission", "training"]


@dataclass(frozen=True)
class RunOptions:
    """How a check runs (as opposed to :class:`CheckOptions`, what it checks against)."""

    jobs: int | None = None
    #: a submission tree's reference-style summary.csv, written beside the report
    summary_csv: Path | None = None
    progress: Callable[[ResultReport], None] | None = None
    on_total: Callable[[int], None] | None = None


@dataclass(frozen=True)
class Domain:
    """One kind of result: whether a path holds it, and how to check it."""

    name: str
    claims: Callable[[Path], bool]
    check: Callable[[Path, CheckOptions, RunOptions], CheckReport]
    #: the ``--scope`` value that forces this domain
    scope: str


def _check_submission(path: Path, options: CheckOptions, run: RunOptions) -> CheckReport:
    # the tree's own readers open what they find: no FIFO, link out or giant first
    refuse_unsafe_tree(path, "the submission tree")
    with input_root(path):
        report = check_submission(path, options.round, power_options=options,
                                  workers=run.jobs)
        if run.summary_csv is not None:
            write_csv(report, run.summary_csv)
    return report.to_check_report()


def _check_training(path: Path, options: CheckOptions, run: RunOptions) -> CheckReport:
    if run.summary_csv is not None:
        raise UserError("--summary-csv needs an inference submission tree; a training "
                        "tree's figures are in the report (--format json or csv)")
    return check_training(path, options, on_result=run.progress, on_total=run.on_total)


def _check_power(path: Path, options: CheckOptions, run: RunOptions) -> CheckReport:
    if run.summary_csv is not None:
        raise UserError("--summary-csv needs a submission tree (division folders "
                        "closed/, open/ or network/ below PATH)")
    return check_path(path, options, jobs=run.jobs, progress=run.progress,
                      on_total=run.on_total)


DOMAINS: tuple[Domain, ...] = (
    Domain("training_power", training_claims, _check_training, "training"),
    Domain("submission", is_submission_tree, _check_submission, "submission"),
    # the fallback: any folder holding power results (it says so when there is none)
    Domain("inference_power", lambda _path: True, _check_power, "power"),
)


def domain_for(path: Path, scope: Scope = "auto") -> Domain:
    """The domain that checks ``path``: the first that claims it, or the one ``scope``
    names (a submission scope on a path that is no tree is a ``UserError``)."""
    if scope != "auto":
        domain = next(d for d in DOMAINS if d.scope == scope)
        if scope == "training" and not domain.claims(path):
            raise UserError(f"{path} holds no MLPerf Training benchmark: expected "
                            "results/<system>/<benchmark>/result_<i>.txt below it")
        if scope == "submission" and not domain.claims(path):
            raise UserError(f"{path} is not a submission tree: expected closed/, open/ or "
                            "network/ folders, or a submitter folder with results/ and "
                            "systems/")
        return domain
    return next(d for d in DOMAINS if d.claims(path))


def check(path: str | Path, options: CheckOptions | None = None, *, scope: Scope = "auto",
          run: RunOptions | None = None) -> CheckReport:
    """Check whatever ``path`` holds; never raises for bad data, only for bad input."""
    target = Path(path)
    if not target.exists():
        raise UserError(f"{target} does not exist; give a performance folder, a result "
                        "folder, a submission tree or any folder holding power results")
    return domain_for(target, scope).check(target, options or CheckOptions(),
                                           run or RunOptions())

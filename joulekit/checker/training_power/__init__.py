"""The MLPerf Training power domain: ``check_training(path, options)`` checks every
training benchmark (``formats.layout.find_training_results``) at or below a path and
returns the checker's usual :class:`~joulekit.checker.report.CheckReport`.

One report per benchmark (its energy-to-train as the round's summarizer computes it,
the official package checks, benchmark-level findings) followed by one per run (the
run's and each node's energy, coverage of run_start..run_stop, the per-file policy
findings). Modules: ``energy`` (the formulas), ``facts`` (one pass over a log),
``package`` (the official package checker's checks), ``policy`` (the rules nothing
official enforces), ``runner`` (the walk and the reports), ``report``.
"""

from joulekit.checker.training_power.runner import check_training, claims

__all__ = ["check_training", "claims"]

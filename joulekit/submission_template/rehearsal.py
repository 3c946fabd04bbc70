"""``joulekit package --rehearsal``: pack a tree whose results fail only by design.

A submitter can rehearse the whole packaging step (templates filled, results placed,
accuracy logs truncated, compliance folders laid out, tarball and manifest written)
with the demo or any run measured with the simulator and shortened phases. Such a
result fails a known set of rules, and only those: :data:`REHEARSAL_RULES`. Any other
failing rule still refuses the package, so a rehearsal finds every problem a real
package would, except the ones a demo cannot avoid.

The set:

- :data:`joulekit.checker.BY_DESIGN_FOR_SIMULATION`: the power rules a simulated run
  fails (not PTDaemon, not the reference director's sources, no PTDaemon version or
  allowed analyzer model, no uncertainty checking, testing window shorter than the
  round's minimum or much shorter than ranging);
- ``SUB-PERF-DURATION``: LoadGen's min duration below the round's 600 s;
- ``SUB-PERF-OFFLINE-SPQ``: a closed Offline query holds fewer samples than the
  benchmark's minimum (24 576 for resnet): a short run at a demo's rate cannot fill it;
- ``SUB-ACC-SAMPLE-COUNT``: the accuracy run covers the demo's data set, not the
  benchmark's (50 000 images for resnet);
- ``SUB-PERF-SAMPLE-COUNT``: the performance sample count of the demo's data set, not
  the benchmark's;
- ``SUB-COMP-FAILED`` about ``verify_performance.txt`` only: the audit rules compare
  10-minute runs within ±10 %; runs of seconds, the audit ones taken after the power
  session (without the director's load), vary more than that on a shared machine.
  The accuracy verdicts (``verify_accuracy.txt``) stay enforced.

Everything a rehearsal writes says so: the manifest's first line and the check report
carry :data:`STAMP`.
"""

from __future__ import annotations

from joulekit.checker import BY_DESIGN_FOR_SIMULATION
from joulekit.checker.findings import Finding

STAMP = "REHEARSAL — NOT VALID FOR SUBMISSION"

#: rules a simulated, shortened demo result fails by design, beyond the power ones
SHORTENED_DEMO_RULES: frozenset[str] = frozenset({
    "SUB-PERF-DURATION",
    "SUB-PERF-OFFLINE-SPQ",
    "SUB-PERF-SAMPLE-COUNT",
    "SUB-ACC-SAMPLE-COUNT",
})

#: every rule ``package --rehearsal`` tolerates
REHEARSAL_RULES: frozenset[str] = BY_DESIGN_FOR_SIMULATION | SHORTENED_DEMO_RULES


#: tolerated only when the finding is about this file
PARTIAL_RULES: dict[str, str] = {"SUB-COMP-FAILED": "verify_performance.txt"}


def tolerated(finding: Finding) -> bool:
    """Does ``package --rehearsal`` tolerate this finding?"""
    if finding.rule in REHEARSAL_RULES:
        return True
    about = PARTIAL_RULES.get(finding.rule)
    return about is not None and about in f"{finding.message} {finding.file or ''}"


def describe() -> str:
    """The tolerated set in one line."""
    partial = [f"{rule} ({about})" for rule, about in sorted(PARTIAL_RULES.items())]
    return ", ".join([*sorted(REHEARSAL_RULES), *partial])

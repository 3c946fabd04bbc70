"""PWR061-PWR063 over a console log's arrays (``PtdLog.columns``), for the default mode.

The same findings in the same order as the event loop of ``ptdlog.check_ptd_log``
(which ``--compat reference`` still runs: it stops at the first warning). A console log
is thousands of repetitions of a few texts, and every decision but two depends on the
text alone, so it is made once per distinct text; the two that do not (inside the
ranging span, by event index, and inside the testing window, by time) are array
comparisons. Then: each rule's first 20 single findings in event order, the "... and N
more" lines in the order the rules first fired, and the groups (rule, severity, text
shape) in order of their first event, as the loop yields them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from joulekit.checker import catalog as R
from joulekit.checker.findings import Finding, Severity
from joulekit.checker.inference_power.context import PowerContext
from joulekit.formats.layout import POWER_PTD_LOGS
from joulekit.formats.ptd_log import PtdEventColumns
from joulekit.formats.spl import to_us

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

_FILE = POWER_PTD_LOGS
_MAX_LISTED = 20
# what a non-info event becomes
_SKIP, _REPORT_ERROR, _REPORT_UNCERTAINTY, _GROUP = 0, 1, 2, 3


def check(ctx: PowerContext, columns: PtdEventColumns) -> Iterator[Finding]:
    import numpy as np  # numpy came with the arrays (joulekit.formats._scan)

    from joulekit.checker.inference_power.ptdlog import _facts  # one definition of them

    count = len(columns)
    if not count:
        return
    limit = ctx.rules.uncertainty_limit_percent
    severity_of_uncertainty: Severity = (
        "warning" if ctx.rules.uncertainty_testing_severity == "warning" else "error"
    )
    margin = timedelta(seconds=ctx.rules.uncertainty_margin_s)
    texts = columns.messages

    def per_text() -> tuple[Any, ...]:
        """What the rules read from each distinct text (the same for every copy)."""
        kind = np.array([{"info": 0, "error": 1, "warning": 2}[k] for k in columns.kinds])
        facts = [_facts(t) if k else None for t, k in zip(texts, kind.tolist(), strict=True)]
        usb = np.array([f is not None and f.usb for f in facts], dtype=bool)
        accepted = np.array([f is not None and f.accepted_in_ranging for f in facts], dtype=bool)
        above = [f.above if f is not None else None for f in facts]
        over = np.array([a is not None and float(a) > limit for a in above], dtype=bool)
        shapes: dict[str, int] = {}
        shape = np.array([shapes.setdefault(f.shape, len(shapes)) if f is not None else -1
                          for f in facts], dtype=np.int64)
        return kind, usb, accepted, above, over, shape

    kind, usb, accepted, above, over, shape = columns.derived(("PWR061-063", limit), per_text)

    mid = columns.message_id
    event_kind = kind[mid]
    index = np.arange(count)
    in_ranging = np.zeros(count, dtype=bool)
    for analyzer, (start, end) in ctx.ptd_ranging_spans.items():
        in_ranging |= (columns.analyzer == analyzer) & (index >= start) & (index <= end)
    inside = np.zeros(count, dtype=bool)
    if ctx.window is not None:
        low, high = to_us(ctx.window[0] + margin), to_us(ctx.window[1] - margin)
        inside = (columns.time_us > low) & (columns.time_us < high)

    error = event_kind == 1
    warning = event_kind == 2
    report_error = error & ~usb[mid] & ~in_ranging
    report_uncertainty = warning & over[mid] & inside
    grouped = (error & ~report_error) | (warning & ~report_uncertainty)
    # groups: PTD_ERRORS (rule 0) warning unless accepted in ranging (notice); PTD_WARNINGS
    # (rule 1) notice in ranging, else warning
    notice = np.where(error, ~usb[mid] & accepted[mid], in_ranging)
    rule = np.where(error, 0, 1)
    code = (shape[mid] * 2 + rule) * 2 + notice

    yield from _reports(ctx, columns, report_error, report_uncertainty, limit,
                        severity_of_uncertainty, above)
    rows = np.flatnonzero(grouped)
    if not len(rows):
        return
    _codes, first, counts = np.unique(code[rows], return_index=True, return_counts=True)
    for position in np.argsort(first, kind="stable").tolist():
        event = int(rows[first[position]])
        times = int(counts[position])
        is_notice = bool(notice[event])
        severity: Severity = "notice" if is_notice else "warning"
        group_rule = R.PTD_ERRORS if error[event] else R.PTD_WARNINGS
        message = texts[int(mid[event])]
        repeated = f" ({times} times, first here)" if times > 1 else ""
        yield group_rule.finding(
            f"{message}{repeated}" + (" during ranging" if is_notice else ""),
            file=_FILE,
            line=int(columns.line[event]),
            severity=severity,
        )


def _reports(
    ctx: PowerContext,
    columns: PtdEventColumns,
    report_error: npt.NDArray[np.bool_],
    report_uncertainty: npt.NDArray[np.bool_],
    limit: float,
    severity_of_uncertainty: Severity,
    above: list[str | None],
) -> Iterator[Finding]:
    """The single findings (each rule's first 20, in event order), then the counts."""
    import numpy as np  # see check

    errors = np.flatnonzero(report_error)
    uncertain = np.flatnonzero(report_uncertainty)
    listed = sorted([(int(i), _REPORT_ERROR) for i in errors[:_MAX_LISTED]]
                    + [(int(i), _REPORT_UNCERTAINTY) for i in uncertain[:_MAX_LISTED]])
    texts = columns.messages
    for event, what in listed:
        text = texts[int(columns.message_id[event])]
        line = int(columns.line[event])
        if what == _REPORT_ERROR:
            yield R.PTD_ERRORS.finding(f"PTDaemon error outside ranging: {text}",
                                       file=_FILE, line=line, found=text)
        else:
            value = above[int(columns.message_id[event])]
            yield R.UNCERTAINTY.finding(
                f"uncertainty {value} % above the {limit:g} % limit while testing",
                file=_FILE, line=line, found=text, severity=severity_of_uncertainty,
            )
    first_fired = sorted(
        (int(found[0]), kind, len(found))
        for found, kind in ((errors, _REPORT_ERROR), (uncertain, _REPORT_UNCERTAINTY))
        if len(found)
    )
    for _first, kind, total in first_fired:
        if total > _MAX_LISTED:
            uncertainty = kind == _REPORT_UNCERTAINTY
            yield (R.UNCERTAINTY if uncertainty else R.PTD_ERRORS).finding(
                f"... and {total - _MAX_LISTED} more like the above",
                file=_FILE,
                severity=severity_of_uncertainty if uncertainty else None,
            )

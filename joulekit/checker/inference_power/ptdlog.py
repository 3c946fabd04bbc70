"""PWR060-PWR063: what PTDaemon itself logged.

The console log is the only record of samples PTDaemon could not vouch for. Two
reference bugs are fixed here: its testing window adds the 0.8 s margin as 800 *seconds*
(so runs under about 27 minutes escape the 1 % uncertainty rule), and it stops reading
at the first warning (so an early benign warning hides a later error). Both are
reproduced only with ``--compat reference``. Repeated benign lines are reported once
with a count, so a thousand "uncertainty unknown" lines during ranging stay readable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from joulekit.checker import catalog as R
from joulekit.checker.findings import Finding, Severity
from joulekit.checker.inference_power import ptdlog_columns
from joulekit.checker.inference_power.console import missing_consoles
from joulekit.checker.inference_power.context import PowerContext
from joulekit.checker.registry import Rule
from joulekit.formats.layout import POWER_PTD_LOGS
from joulekit.formats.ptd_log import PtdEvent
from joulekit.rules.thresholds import threshold

_FILE = POWER_PTD_LOGS
_ACTIVATED = re.compile(r"Uncertainty checking for Yokogawa\S+ is activated")
_ABOVE_LIMIT = re.compile(r"Uncertainty (\d+(?:\.\d+)?)%, which is above (\d+(?:\.\d+)?)% limit")
_ACCEPTED_IN_RANGING = (
    "Can't evaluate uncertainty",
    "reading nan",
    "Current appears to be too high for set range",
)
_NUMBER = re.compile(r"\d+(\.\d+)?")
_MAX_LISTED = 20


@dataclass
class _Group:
    rule: Rule
    severity: Severity
    message: str
    first: PtdEvent
    count: int = 0
    lines: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Facts:
    """What the rules read from one distinct message text.

    PTDaemon repeats a few lines thousands of times, and everything here depends on the
    text alone (the time and the position in the log are looked at per event), so each
    distinct text is examined once per result.
    """

    usb: bool
    accepted_in_ranging: bool
    above: str | None  # the percentage of an "Uncertainty x%, which is above y% limit"
    shape: str  # the text with numbers masked, for grouping


def _facts(text: str) -> _Facts:
    above = _ABOVE_LIMIT.search(text)
    return _Facts(
        usb="USB." in text,
        accepted_in_ranging=any(known in text for known in _ACCEPTED_IN_RANGING),
        above=above.group(1) if above else None,
        shape=_NUMBER.sub("#", text),
    )


def check_uncertainty_activated(ctx: PowerContext) -> Iterator[Finding]:
    if not ctx.path(POWER_PTD_LOGS).is_file() or missing_consoles(ctx):
        return  # no console at all: PWR130 names that cause once
    log = ctx.ptd_log
    spans = ctx.ptd_ranging_spans
    first_ranging = min((start for start, _ in spans.values()), default=log.event_count)
    if log.columns is not None:
        matches = log.columns.ids_where(_ACTIVATED.search, "uncertainty activated")
        activated = bool(matches[:first_ranging].any())
    else:
        activated = any(_ACTIVATED.search(e.message) for e in log.events[:first_ranging])
    if not activated:
        yield R.UNCERTAINTY_ACTIVE.finding(
            "no 'Uncertainty checking for Yokogawa... is activated' before ranging",
            file=_FILE,
            expected="the activation line before ranging",
            found="absent",
        )


def check_ptd_log(ctx: PowerContext) -> Iterator[Finding]:
    """PWR061, PWR062 and PWR063 in one pass over the events."""
    if not ctx.path(POWER_PTD_LOGS).is_file():
        return
    columns = ctx.ptd_log.columns
    if columns is not None and not ctx.reference:
        yield from ptdlog_columns.check(ctx, columns)
        return
    events = ctx.ptd_log.events
    spans = ctx.ptd_ranging_spans
    margin = timedelta(
        seconds=(threshold("reference_testing_margin_s") if ctx.reference
                 else ctx.rules.uncertainty_margin_s)
    )
    testing = None
    if ctx.window is not None:
        testing = (ctx.window[0] + margin, ctx.window[1] - margin)
    limit = ctx.rules.uncertainty_limit_percent
    listed: dict[str, int] = {}
    groups: dict[tuple[str, str, str], _Group] = {}
    known: dict[str, _Facts] = {}

    # uncertainty above the limit while testing became an error in April 2023
    # (power-dev 0d72c26); earlier rounds' checkers passed it on as a warning
    uncertainty_severity: Severity = (
        "warning" if ctx.rules.uncertainty_testing_severity == "warning" else "error"
    )

    def report(rule: Rule, event: PtdEvent, message: str) -> Finding | None:
        listed[rule.id] = listed.get(rule.id, 0) + 1
        if listed[rule.id] > _MAX_LISTED:
            return None
        severity = uncertainty_severity if rule is R.UNCERTAINTY else None
        return rule.finding(
            message, file=_FILE, line=event.line, found=event.message, severity=severity
        )

    for index, event in enumerate(events):
        if event.kind == "info":
            continue
        span = spans.get(event.analyzer)
        in_ranging = span is not None and span[0] <= index <= span[1]
        text = event.message
        facts = known.get(text)
        if facts is None:
            facts = known[text] = _facts(text)
        severity: Severity | None = None
        rule: Rule = R.PTD_WARNINGS
        if event.kind == "error":
            rule = R.PTD_ERRORS
            if facts.usb:
                severity = "warning"
            elif not in_ranging:
                finding = report(rule, event, f"PTDaemon error outside ranging: {text}")
                if finding is not None:
                    yield finding
                continue
            elif facts.accepted_in_ranging:
                if ctx.reference:
                    continue
                severity = "notice"
            else:
                severity = "warning"
        else:
            above = facts.above
            inside = testing is not None and testing[0] < event.time < testing[1]
            if above is not None and inside and float(above) > limit:
                finding = report(
                    R.UNCERTAINTY,
                    event,
                    f"uncertainty {above} % above the {limit:g} % limit while testing",
                )
                if finding is not None:
                    yield finding
                continue
            severity = "notice" if in_ranging and not ctx.reference else "warning"
        if ctx.reference:
            # The reference raises its first warning and stops reading the log.
            yield rule.finding(text, file=_FILE, line=event.line, severity=severity)
            return
        key = (rule.id, severity, facts.shape)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(rule, severity, text, event)
        group.count += 1
    for rule_id, count in listed.items():
        if count > _MAX_LISTED:
            rule = R.UNCERTAINTY if rule_id == R.UNCERTAINTY.id else R.PTD_ERRORS
            yield rule.finding(
                f"... and {count - _MAX_LISTED} more like the above",
                file=_FILE,
                severity=uncertainty_severity if rule is R.UNCERTAINTY else None,
            )
    for group in groups.values():
        where = "during ranging" if group.severity == "notice" else ""
        times = f" ({group.count} times, first here)" if group.count > 1 else ""
        yield group.rule.finding(
            f"{group.message}{times}" + (f" {where}" if where else ""),
            file=_FILE,
            line=group.first.line,
            severity=group.severity,
        )

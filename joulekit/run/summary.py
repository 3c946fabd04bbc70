"""The summary ``joulekit run`` prints: the figures, then exactly why it can't be submitted.

The rules that a simulated, shortened run fails by design are grouped under the
reasons a person understands (a simulator measured it; the run was shortened), with
the rule ids beside them for ``joulekit check --explain``. Any other failure is shown
apart: that one is a real problem.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from joulekit.run.measure import RunOutcome
from joulekit.run.rehearse import RehearsalResult
from joulekit.run.verdict import RuleOutcome

#: by-design rule ids grouped under the reason a reader understands
_SHORTENED = {"PWR044", "PWR042"}


def _reason(rule: RuleOutcome) -> str:
    if rule.rule in _SHORTENED:
        return "the run was shortened (demo durations)"
    return "measured with the PTDaemon simulator, not PTDaemon and a real analyzer"


def render(outcome: RunOutcome, console: Console) -> None:
    cfg = outcome.config
    console.print()
    phase_s = cfg.duration_ms / 1000
    title = f"joulekit run: {cfg.sut} SUT, {outcome.scenario}, {phase_s:g} s per phase"
    console.print(title, style="bold", highlight=False)
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("result", str(outcome.result_dir or outcome.output))
    if outcome.average_watts is not None:
        source = "simulated meter" if cfg.director is None else "director"
        table.add_row("average power", f"{outcome.average_watts:.1f} W ({source})")
    if outcome.metric == "energy_per_query" and outcome.metric_value is not None:
        table.add_row("energy per query", f"{outcome.metric_value:.3f} {outcome.metric_unit}")
    if outcome.efficiency is not None:
        table.add_row("efficiency", f"{outcome.efficiency:,.3f} {outcome.efficiency_unit}")
    if outcome.loadgen_valid is not None:
        table.add_row("LoadGen result", "VALID" if outcome.loadgen_valid else "INVALID")
    if outcome.accuracy is not None:
        table.add_row("accuracy run", outcome.accuracy)
    for line in outcome.compliance:
        table.add_row("compliance", line)
    table.add_row("wall time", f"{outcome.wall_s:.1f} s")
    console.print(table)
    if outcome.error:
        label = "interrupted" if outcome.interrupted else "failed"
        console.print(f"[bold red]run {label}:[/] {outcome.error}")
        return
    verdict = ("passes every other rule" if not outcome.other_failures
               else f"[red]{len(outcome.other_failures)} other finding(s)[/]")
    console.print(f"[bold]checker ({outcome.checker_round}):[/] {verdict}")
    reasons: dict[str, list[RuleOutcome]] = {}
    for rule in outcome.by_design:
        reasons.setdefault(_reason(rule), []).append(rule)
    extra = list(outcome.not_valid_for_submission)
    if reasons or extra:
        console.print("[bold yellow]not valid for submission, by design:[/]")
        for reason, rules in reasons.items():
            ids = ", ".join(sorted({r.rule for r in rules}))
            console.print(f"  - {reason} [dim]({ids})[/]")
            for rule in _first_per_rule(rules):
                console.print(f"      {rule.rule} {rule.title}: {rule.message}", markup=False,
                              highlight=False)
        for note in extra:
            console.print(f"  - {note}", markup=False)
    for rule in outcome.other_failures:
        console.print(f"[red]  {rule.severity} {rule.rule}[/] {rule.title}: {rule.message}",
                      highlight=False)
    for rule in outcome.other_warnings:
        console.print(f"[yellow]  warning {rule.rule}[/] {rule.title}: {rule.message}",
                      highlight=False)
    if outcome.other_failures or outcome.other_warnings:
        console.print("  see: joulekit check --explain RULE")


def _first_per_rule(rules: list[RuleOutcome]) -> list[RuleOutcome]:
    seen: dict[str, RuleOutcome] = {}
    for rule in rules:
        seen.setdefault(rule.rule, rule)
    return list(seen.values())


def render_rehearsal(result: RehearsalResult, output: Path, console: Console) -> None:
    """What ``joulekit run --rehearse`` prints: preflight, the by-design split, the verdict."""
    console.print(f"rehearsal result: {result.result_dir or output}")
    for check in result.preflight_errors:
        console.print(f"[red]preflight:[/] {check}", highlight=False)
    if result.client_error:
        console.print(f"[red]run failed:[/] {result.client_error}", highlight=False)
    for rule, severity, message in result.by_design:
        console.print(f"  by design ({severity}) {rule}: {message}", highlight=False,
                      markup=False)
    for rule, severity, message in result.problems:
        console.print(f"[red]  {severity} {rule}:[/] {message}", highlight=False)
    for note in result.notes:
        console.print(f"  note: {note}", markup=False)
    verdict = "ready for the real run" if result.ready else "fix the problems above first"
    console.print(f"[bold]rehearsal: {verdict}[/]")


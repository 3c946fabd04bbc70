"""Report formats: a rich table for people; JSON, JUnit XML and CSV for tools.

Every format reads the same :class:`CheckReport` and the rule registry, so a rule's
title and severity read the same in every format. Formats are registered by name in
:data:`FORMATS` (what ``joulekit check --format`` offers); a new one is one function and
one :func:`register_format` call.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from rich.console import Console
from rich.table import Table
from rich.text import Text

from joulekit.checker.findings import Finding
from joulekit.checker.registry import REGISTRY
from joulekit.checker.report import CheckReport, ResultReport
from joulekit.formats.layout import PERFORMANCE
from joulekit.rules.thresholds import threshold

_STYLE = {"error": "bold red", "warning": "yellow", "notice": "dim"}


def to_json(report: CheckReport) -> str:
    return json.dumps(report.to_json(), indent=2) + "\n"


def _figure_text(result: ResultReport) -> str:
    fields = result.figure_fields()
    if fields is None:
        return "-"
    text = f"{fields[1]:.10g} {fields[2]}"
    figure = result.figure
    if figure is not None and figure.inferred_from:
        text += f" (x{threshold('inferred_multistream_factor'):g} from {figure.inferred_from})"
    return text


def _efficiency_text(result: ResultReport) -> str:
    fields = result.figure_fields()
    if fields is None or fields[3] is None:
        return "-"
    return f"{fields[3]:.4g} {fields[4]}"


def _headings(report: CheckReport) -> tuple[str, tuple[str, str]]:
    """The table's title and its scenario/figure column headings: a training report's
    rows are benchmarks and runs, their figure joules (and kWh)."""
    results = report.results
    if results and all(r.rule_domain == "training" for r in results):
        benches = sum(getattr(r, "kind", "") == "benchmark" for r in results)
        runs = len(results) - benches
        return (f"joulekit check ({benches} training benchmark(s), {runs} run(s))",
                ("benchmark", "energy (J / kWh)"))
    return f"joulekit check ({len(results)} power result(s))", ("scenario", "power / efficiency")


def render_table(report: CheckReport, console: Console, *, show_notices: bool = False) -> None:
    title, (scenario, figure) = _headings(report)
    table = Table(title=title, expand=False)
    table.add_column("result", overflow="fold", min_width=18)
    for column in ("round", scenario, figure):
        table.add_column(column, no_wrap=True)
    table.add_column("verdict", overflow="fold", min_width=7)
    for result in report.results:
        verdict = (
            Text("valid", style="green") if result.valid else Text("INVALID", style="bold red")
        )
        if result.valid and result.warnings:
            verdict = Text(f"valid, {result.warnings} warning(s)", style="yellow")
        elif not result.valid:
            verdict.append(f" ({result.errors} error(s))")
        table.add_row(
            _short(result.path),
            result.round,
            result.scenario or "?",
            f"{_figure_text(result)}\n{_efficiency_text(result)}",
            verdict,
        )
    console.print(table)
    for result in report.results:
        shown = [f for f in result.findings if show_notices or f.severity != "notice"]
        if not shown and not result.compat_differences:
            continue
        console.print(Text(_short(result.path), style="bold"))
        if result.round_reason:
            console.print(Text(f"  round {result.round}: {result.round_reason}", style="dim"))
        for finding in shown:
            line = Text("  ")
            line.append(f"{finding.severity:<7} ", style=_STYLE[finding.severity])
            line.append(f"{finding.rule} ", style="bold")
            where = finding.where()
            if where:
                line.append(f"{where}: ", style="cyan")
            line.append(finding.message)
            if finding.expected is not None or finding.found is not None:
                line.append(f"  [expected {finding.expected}, found {finding.found}]", style="dim")
            console.print(line)
        if result.compat_differences:
            console.print(
                Text(
                    "  rules whose verdict differs from the default mode: "
                    + ", ".join(result.compat_differences),
                    style="magenta",
                )
            )
            for rule in result.compat_differences:
                note = result.compat_notes.get(rule)
                if note:
                    console.print(Text(f"    {rule}: {note}", style="magenta"))
    console.print(
        f"{len(report.results)} result(s): {report.errors} error(s), {report.warnings} warning(s)"
    )


def _short(path: str) -> str:
    parts = path.replace("\\", "/").split("/")
    if parts and parts[-1] == PERFORMANCE:
        parts = parts[:-1]
    return "/".join(parts[-3:])


def to_junit(report: CheckReport) -> str:
    """One test suite per result, one test case per rule that ran or fired."""
    suites = ET.Element("testsuites", name="joulekit check")
    domain_rules: dict[str, list[str]] = {}
    for result in report.results:
        rule_ids = domain_rules.setdefault(
            result.rule_domain, [rule.id for rule in REGISTRY if rule.domain == result.rule_domain])
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=result.path,
            tests=str(len(rule_ids)),
            failures=str(result.errors),
            errors="0",
        )
        by_rule: dict[str, list[str]] = {}
        for finding in result.findings:
            by_rule.setdefault(finding.rule, [])
        for rule_id in sorted(set(rule_ids) | set(by_rule)):
            rule = REGISTRY.get(rule_id)
            case = ET.SubElement(
                suite,
                "testcase",
                classname=result.path,
                name=f"{rule_id} {rule.title if rule else ''}".strip(),
            )
            findings = [f for f in result.findings if f.rule == rule_id]
            errors = [f for f in findings if f.severity == "error"]
            if errors:
                failure = ET.SubElement(case, "failure", message=errors[0].message, type="error")
                failure.text = "\n".join(f"{f.where()}: {f.message}" for f in errors)
            others = [f for f in findings if f.severity != "error"]
            if others:
                out = ET.SubElement(case, "system-out")
                out.text = "\n".join(f"{f.severity}: {f.where()}: {f.message}" for f in others)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


CSV_COLUMNS = (
    "path",
    "round",
    "scenario",
    "valid",
    "metric",
    "value",
    "unit",
    "efficiency",
    "efficiency_unit",
    "rule",
    "severity",
    "message",
    "file",
    "line",
    "expected",
    "found",
)


def to_csv(report: CheckReport) -> str:
    """One row per finding; a result without findings gets one row with an empty rule."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for result in report.results:
        fields = result.figure_fields()
        head = [
            result.path,
            result.round,
            result.scenario or "",
            result.valid,
            fields[0] if fields else "",
            repr(fields[1]) if fields else "",
            fields[2] if fields else "",
            repr(fields[3]) if fields and fields[3] is not None else "",
            fields[4] if fields else "",
        ]
        rows: list[Finding | None] = list(result.findings) or [None]
        for finding in rows:
            if finding is None:
                writer.writerow([*head, "", "", "", "", "", "", ""])
            else:
                writer.writerow(
                    [
                        *head,
                        finding.rule,
                        finding.severity,
                        finding.message,
                        finding.file or "",
                        "" if finding.line is None else finding.line,
                        finding.expected or "",
                        finding.found or "",
                    ]
                )
    return buffer.getvalue()


@dataclass(frozen=True)
class RenderOptions:
    """``console``: draw the table there (a terminal's width and colours) instead of
    returning its text; ``show_notices``: list notices in the table too."""

    show_notices: bool = False
    console: Console | None = None


@dataclass(frozen=True)
class OutputFormat:
    name: str
    help: str
    render: Callable[[CheckReport, RenderOptions], str]


#: the report formats by name, in the order ``--format`` lists them
FORMATS: dict[str, OutputFormat] = {}


def register_format(fmt: OutputFormat) -> OutputFormat:
    if fmt.name in FORMATS:
        raise ValueError(f"report format {fmt.name!r} is registered twice")
    FORMATS[fmt.name] = fmt
    return fmt


def _table(report: CheckReport, options: RenderOptions) -> str:
    if options.console is not None:
        render_table(report, options.console, show_notices=options.show_notices)
        return ""
    buffer = io.StringIO()
    render_table(report, Console(file=buffer, width=140), show_notices=options.show_notices)
    return buffer.getvalue()


register_format(OutputFormat("table", "a table for people", _table))
register_format(OutputFormat("json", "the JSON report (docs/usage-checker.md)",
                             lambda report, _options: to_json(report)))
register_format(OutputFormat("junit", "JUnit XML, one test case per rule",
                             lambda report, _options: to_junit(report)))
register_format(OutputFormat("csv", "one row per finding",
                             lambda report, _options: to_csv(report)))


def render(report: CheckReport, name: str, options: RenderOptions | None = None) -> str:
    """The report in format ``name`` (KeyError for an unknown one)."""
    return FORMATS[name].render(report, options or RenderOptions())

"""The training report page: one HTML file per tree, pictures beside it, no network.

Same style, sorting script and findings table as the inference page
(:mod:`joulekit.insight.html`). Everything user-controlled goes through ``escape``;
numeric cells carry their value in ``data-v`` so sorting never parses formatted text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from joulekit import __version__
from joulekit.checker.findings import Finding
from joulekit.insight.html import SORT_SCRIPT, STYLE, findings_table, verdict_html
from joulekit.insight.plots import Picture
from joulekit.insight.training_view import (
    COUNTED,
    BenchmarkView,
    FileRow,
    RunView,
)

J_PER_KWH = 3.6e6


def joules(value: float | None) -> str:
    """Joules as the published tables print them: to the joule, with separators."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{round(value):,} J"


def _kwh(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value / J_PER_KWH:,.3f} kWh"


def _n(value: float | None, fmt: str = ",.3f", unit: str = "") -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:{fmt}}{unit}"


def _v(value: float | None) -> str:
    return "NaN" if value is None else repr(float(value))


def _counts(findings: Sequence[Finding]) -> tuple[int, int]:
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    return errors, warnings


def _summary_table(benches: Sequence[BenchmarkView]) -> str:
    rows = []
    for index, b in enumerate(benches):
        errors, warnings = _counts(b.all_findings)
        counted = sum(r.selection == COUNTED for r in b.runs)
        rows.append(
            "<tr>"
            f'<td><a href="#b{index}">{escape(b.label)}</a></td>'
            f"<td>{escape(b.round)}</td><td>{escape(b.formula)}</td>"
            f'<td data-v="{int(bool(b.valid))}">{verdict_html(b.valid)}</td>'
            f'<td class="n" data-v="{len(b.runs)}">{len(b.runs)}</td>'
            f'<td class="n" data-v="{counted}">{counted}</td>'
            f'<td class="n" data-v="{_v(b.energy_j)}">{joules(b.energy_j)}</td>'
            f'<td class="n" data-v="{_v(b.energy_j)}">{_kwh(b.energy_j)}</td>'
            f'<td class="n" data-v="{_v(b.policy_energy_j)}">{joules(b.policy_energy_j)}</td>'
            f'<td class="n" data-v="{errors}">{errors}</td>'
            f'<td class="n" data-v="{warnings}">{warnings}</td>'
            "</tr>"
        )
    return (
        '<table class="sortable" id="benchmarks"><thead><tr><th>benchmark</th><th>round</th>'
        "<th>formula</th><th>verdict</th><th>runs</th><th>counted</th>"
        "<th>energy-to-train (official)</th><th>kWh</th><th>policy figure</th>"
        "<th>errors</th><th>warnings</th></tr></thead><tbody>" + "".join(rows)
        + "</tbody></table>"
    )


def _figures(b: BenchmarkView) -> str:
    """The official figure and the policy figure side by side."""
    scaling = _n(b.scaling_factor, ".9g") if b.scaling_factor is not None else "1 (none)"
    official = (
        f"<b>{joules(b.energy_j)}</b><br>{_kwh(b.energy_j)}" if b.energy_j is not None
        else f"<span class='bad'>none: {escape(b.figure_problem or 'unknown')}</span>"
    )
    if b.policy_energy_j is not None and b.energy_j is not None:
        change = 100 * (b.policy_energy_j / b.energy_j - 1)
        policy = (f"<b>{joules(b.policy_energy_j)}</b><br>{_kwh(b.policy_energy_j)} "
                  f"({change:+.2f} %)")
    elif b.energy_j is not None:
        policy = "the same: no switch file with measured readings"
    else:
        policy = "—"
    return (
        "<table class='figures'><tr><th></th><th>official</th><th>policy</th></tr>"
        f"<tr><th>energy-to-train</th><td class='n'>{official}</td>"
        f"<td class='n'>{policy}</td></tr>"
        "<tr><th>how</th><td>formula "
        f"<code>{escape(b.formula)}</code> of training round {escape(b.round)}, as the "
        "round's result summarizer computes it: the olympic mean of the runs by "
        f"time-to-train order × scaling {escape(scaling)}; switches count only through "
        "<code>interconnect_power_est</code></td>"
        "<td>the same, with each switch file's measured <code>power_reading</code> values "
        "counted like a node's (what the rules ask for; the official formula counts them "
        "0 J)</td></tr></table>"
        f"<p class='note'>Formula {escape(b.formula)}: {escape(b.formula_commit)}.</p>"
    )


def _package(b: BenchmarkView) -> str:
    p = b.package
    if p.crash:
        return (f"<p>Official package check: <span class='bad'>crashes</span> "
                f"({escape(p.crash)})</p>")
    text = "<span class='ok'>passes</span>" if p.passes else "<span class='bad'>fails</span>"
    runs = ""
    if p.runs_not_complying:
        shown = ", ".join(escape(r) for r in p.runs_not_complying)
        runs = f"; runs it rejects: {shown}"
    return f"<p>Official package check: {text}{runs}.</p>"


def _selection_table(b: BenchmarkView, index: int) -> str:
    rows = []
    for r in sorted(b.runs, key=lambda r: (r.time_to_train_s is None,
                                           r.time_to_train_s or 0.0)):
        errors, warnings = _counts(r.findings)
        cls = "" if r.selection == COUNTED else " class='dropped'"
        rows.append(
            f"<tr{cls}><td><a href='#b{index}-{escape(r.name)}'>{escape(r.name)}</a></td>"
            f'<td class="n" data-v="{_v(r.time_to_train_s)}">{_n(r.time_to_train_s)} s</td>'
            f'<td class="n" data-v="{_v(r.energy_j)}">{joules(r.energy_j)}</td>'
            f'<td class="n" data-v="{_v(r.policy_energy_j)}">{joules(r.policy_energy_j)}</td>'
            f"<td>{escape(r.selection)}</td>"
            f'<td data-v="{int(bool(r.valid))}">{verdict_html(r.valid)}</td>'
            f'<td class="n" data-v="{errors}">{errors}</td>'
            f'<td class="n" data-v="{warnings}">{warnings}</td></tr>'
        )
    drop = (f"olympic scoring drops the {b.olympic_drop} fastest and the {b.olympic_drop} "
            "slowest run(s) by time to train")
    return (
        f"<p class='note'>Runs in time-to-train order; {drop}. Click a column to sort.</p>"
        f'<table class="sortable runs" id="runs-{index}"><thead><tr><th>run</th>'
        "<th>time to train</th><th>energy (official)</th><th>energy (policy)</th>"
        "<th>selection</th><th>verdict</th><th>errors</th><th>warnings</th></tr></thead>"
        "<tbody>" + "".join(rows) + "</tbody></table>"
    )


def _file_row(f: FileRow) -> str:
    energy = joules(f.energy_j) if f.crash is None else f"crash: {escape(f.crash)}"
    return (
        f"<tr><td>{escape(f.name)}</td><td>{escape(f.kind)}</td>"
        f'<td class="n" data-v="{_v(f.energy_j)}">{energy}</td>'
        f'<td class="n" data-v="{_v(f.measured_j)}">{joules(f.measured_j)}</td>'
        f'<td class="n" data-v="{f.readings}">{f.readings}</td>'
        f'<td class="n" data-v="{_v(f.conversion_eff)}">{_n(f.conversion_eff, "g")}</td>'
        f'<td class="n" data-v="{_v(f.start_vs_run_start_s)}">'
        f"{_n(f.start_vs_run_start_s, '+,.3f', ' s')}</td>"
        f'<td class="n" data-v="{_v(f.stop_vs_run_stop_s)}">'
        f"{_n(f.stop_vs_run_stop_s, '+,.3f', ' s')}</td>"
        f'<td class="n" data-v="{_v(f.coverage_percent)}">'
        f"{_n(f.coverage_percent, '.2f', ' %')}</td>"
        f'<td class="n" data-v="{f.longest_gap_s!r}">{f.longest_gap_s:.3f} s</td>'
        f'<td class="n" data-v="{f.intervals_over_limit}">{f.intervals_over_limit}</td>'
        f'<td class="n" data-v="{f.duplicates}">{f.duplicates}</td></tr>'
    )


def _picture(picture: Picture | None, alt: str) -> str:
    if picture is None:
        return ""
    return (
        f"<img src='{escape(picture.png.as_posix())}' alt='{escape(alt)}'>"
        f"<p class='note'><a href='{escape(picture.svg.as_posix())}'>SVG</a></p>"
    )


def _run_section(index: int, r: RunView) -> str:
    errors, warnings = _counts(r.findings)
    parts = [
        f"<section id='b{index}-{escape(r.name)}'><h3>{escape(r.name)} "
        f"{verdict_html(r.valid)}</h3>",
        f"<p class='note'><code>{escape(str(r.path))}</code> · {escape(r.selection)} · "
        f"time to train {_n(r.time_to_train_s)} s · energy {joules(r.energy_j)}"
        + (f" (policy {joules(r.policy_energy_j)})"
           if r.policy_energy_j is not None and r.policy_energy_j != r.energy_j else "")
        + "</p>",
    ]
    if r.crash:
        parts.append(f"<p class='bad'>No energy: {escape(r.crash)}</p>")
    if r.files:
        parts.append(
            f'<table class="sortable files" id="files-{index}-{escape(r.name)}"><thead><tr>'
            "<th>file</th><th>kind</th><th>energy (official)</th><th>measured (policy)</th>"
            "<th>readings</th><th>conversion_eff</th><th>start − run_start</th>"
            "<th>stop − run_stop</th><th>run coverage</th><th>longest gap</th>"
            "<th>intervals &gt; limit</th><th>duplicate times</th></tr></thead><tbody>"
            + "".join(_file_row(f) for f in r.files) + "</tbody></table>"
        )
    parts.append(_picture(r.trace, f"node power of {r.name}"))
    if r.trace_notes:
        parts.append("<ul class='note'>" + "".join(f"<li>{escape(n)}</li>"
                                                   for n in r.trace_notes) + "</ul>")
    parts.append(
        f"<details><summary>Checker findings of {escape(r.name)} ({len(r.findings)}: "
        f"{errors} error(s), {warnings} warning(s))</summary>"
        + findings_table(r.findings) + "</details></section>"
    )
    return "".join(parts)


def _benchmark_section(index: int, b: BenchmarkView) -> str:
    parts = [
        f"<section id='b{index}'><h2>{escape(b.label)} {verdict_html(b.valid)}</h2>",
        f"<p class='note'><code>{escape(str(b.path))}</code> · training round "
        f"{escape(b.round)} ({escape(b.round_why)}) · system {escape(b.system)} · "
        f"benchmark {escape(b.benchmark)}</p>",
        "<h3>Energy-to-train: official and policy figures</h3>",
        _figures(b),
        _package(b),
        "<h3>Runs and olympic selection</h3>",
        _selection_table(b, index),
        _picture(b.energy_picture, f"energy per run of {b.label}"),
        f"<h3>Benchmark findings ({len(b.findings)})</h3>",
        findings_table(b.findings),
        f"<h3>Runs ({len(b.runs)}): energy per node and per switch, power traces</h3>",
        *(_run_section(index, r) for r in b.runs),
        "</section>",
    ]
    return "".join(parts)


def render_training(title: str, source: str, benches: Sequence[BenchmarkView]) -> str:
    """The whole page: a table of benchmarks, then one section per benchmark."""
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{STYLE}"
        "tr.dropped td{color:#868e96}details{margin:.5em 0 1.5em}"
        "table.figures td{max-width:28em}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f"<p class='note'>Source <code>{escape(source)}</code> · joulekit {__version__}. "
        "Every energy is the training checker's (<code>joulekit check</code>): the official "
        "figure as the round's result summarizer computes it, and the policy figure with "
        "measured switch readings counted. Traces are the node logs' readings, for the "
        "eye.</p>"
        f"<h2>Benchmarks ({len(benches)})</h2><p class='note'>Click a column to sort.</p>"
        + _summary_table(benches)
        + "".join(_benchmark_section(i, b) for i, b in enumerate(benches))
        + f"<script>{SORT_SCRIPT}</script></body></html>\n"
    )

"""The report page: one self-contained HTML file, pictures beside it, no network.

Everything user-controlled (paths, messages from logs) goes through ``html.escape``.
The results table sorts by any column with a few lines of inline script; each cell
carries its numeric value in ``data-v`` so sorting never parses formatted text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape

from joulekit import __version__
from joulekit.checker.findings import Finding
from joulekit.insight.uncertainty import Interval
from joulekit.insight.view import Headline, ResultView

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1300px;
color:#212529;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:2px solid #dee2e6;padding-bottom:.2em;margin-top:2em}
h3{margin-bottom:.3em}
table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #dee2e6;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f1f3f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th:after{content:" \\2195";color:#adb5bd}
.ok{color:#2b8a3e;font-weight:600}.bad{color:#c92a2a;font-weight:600}.unk{color:#868e96}
.sev-error{color:#c92a2a;font-weight:600}.sev-warning{color:#e67700}.sev-notice{color:#495057}
.informative{border-left:4px solid #7048e8;padding:.2em 1em;background:#f8f7ff}
.note{color:#495057;font-size:.92em}img{max-width:100%;border:1px solid #dee2e6}
code{background:#f1f3f5;padding:0 .2em}
"""

_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function(t){
 t.querySelectorAll("th").forEach(function(th,i){
  th.addEventListener("click",function(){
   var body=t.tBodies[0],rows=Array.from(body.rows),up=th.dataset.dir!=="asc";
   rows.sort(function(a,b){
    var x=a.cells[i].dataset.v,y=b.cells[i].dataset.v;
    if(x!==undefined&&y!==undefined){x=parseFloat(x);y=parseFloat(y);
     if(isNaN(x))return 1;if(isNaN(y))return -1;return up?x-y:y-x;}
    x=a.cells[i].textContent;y=b.cells[i].textContent;
    return up?x.localeCompare(y):y.localeCompare(x);});
   th.dataset.dir=up?"asc":"desc";rows.forEach(function(r){body.appendChild(r);});});});});
"""


#: the page's style and table-sorting script, shared with the training report page
STYLE = _STYLE
SORT_SCRIPT = _SCRIPT


def _num(value: float | None, digits: int = 4) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:,.{digits}g}" if abs(value) < 1e4 else f"{value:,.1f}"


def verdict_html(valid: bool | None) -> str:
    """VALID / INVALID / unknown, coloured."""
    return _verdict(valid)


def _verdict(valid: bool | None) -> str:
    if valid is True:
        return '<span class="ok">VALID</span>'
    if valid is False:
        return '<span class="bad">INVALID</span>'
    return '<span class="unk">unknown</span>'


def _interval_text(interval: Interval | None, unit: str) -> str:
    if interval is None:
        return "—"
    return (
        f"{_num(interval.low, 6)} … {_num(interval.high, 6)} {escape(unit)} "
        f"(±{interval.relative:.2%}, {interval.level:.0%})"
    )


def _published(value: float) -> str:
    """The figure as the published tables print it: the full float, nothing rounded."""
    return repr(float(value))


def _summary_table(results: Sequence[ResultView]) -> str:
    rows = []
    for index, r in enumerate(results):
        h = r.headline
        errors = sum(f.severity == "error" for f in r.findings)
        warnings = sum(f.severity == "warning" for f in r.findings)
        eff = h.efficiency if h else None
        figure = f"{_num(h.value, 6)} {escape(h.unit)}" if h else escape(r.headline_problem or "—")
        rel = h.value_interval.relative * 100 if h and h.value_interval else float("nan")
        rel_text = f"±{rel:.2f} %" if math.isfinite(rel) else "—"
        mean_w = h.mean_w if h else None
        rows.append(
            "<tr>"
            f'<td><a href="#r{index}">{escape(r.label)}</a></td>'
            f"<td>{escape(r.scenario or '?')}</td><td>{escape(r.round)}</td>"
            f'<td data-v="{int(bool(r.valid))}">{_verdict(r.valid)}</td>'
            f'<td class="n" data-v="{h.value if h else "NaN"}">{figure}</td>'
            f'<td class="n" data-v="{rel}">{rel_text}</td>'
            f'<td class="n" data-v="{eff if eff is not None else "NaN"}">'
            f"{_num(eff, 5)} {escape(h.efficiency_unit) if h and eff is not None else ''}</td>"
            f'<td class="n" data-v="{mean_w or "NaN"}">{_num(mean_w, 6)}</td>'
            f'<td class="n" data-v="{errors}">{errors}</td>'
            f'<td class="n" data-v="{warnings}">{warnings}</td>'
            "</tr>"
        )
    return (
        '<table class="sortable" id="results"><thead><tr><th>result</th><th>scenario</th>'
        "<th>round</th><th>verdict</th><th>published figure</th><th>95 % CI</th>"
        "<th>efficiency</th><th>average W</th><th>errors</th><th>warnings</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _headline(h: Headline) -> str:
    name = "average power" if h.metric == "average_power" else "energy per query"
    pf = f"{h.pf[0]:.4f} / {h.pf[1]:.4f} / {h.pf[2]:.4f}" if h.pf is not None else "not recorded"
    rows = [
        (f"published figure ({name})", f"<b>{_published(h.value)} {escape(h.unit)}</b>"),
        ("confidence interval", _interval_text(h.value_interval, h.unit)),
        (
            "efficiency",
            f"{_num(h.efficiency, 6)} {escape(h.efficiency_unit)}" if h.efficiency else "—",
        ),
        ("efficiency interval", _interval_text(h.efficiency_interval, h.efficiency_unit)),
        ("average power", f"{_num(h.mean_w, 8)} W"),
        ("min / max power", f"{_num(h.min_w, 6)} / {_num(h.max_w, 6)} W"),
        ("power factor min / mean / max", pf),
        ("power window", f"{h.window_s:.3f} s"),
        ("samples counted / expected at 1 Hz", f"{h.samples} / {h.expected_samples:.0f}"),
        ("largest gap between samples", f"{h.largest_gap_s:.3f} s"),
    ]
    if h.metric == "energy_per_query":
        rows.insert(4, ("energy per query", f"{_num(h.value / 1000, 6)} J"))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    method = (
        f'<p class="note">Interval: {escape(h.uncertainty.describe())}. '
        "Method: sampling standard error with an AR(1) effective sample size, combined "
        "with the analyzer's accuracy as a fully correlated rectangular term "
        "(see <code>joulekit.insight.uncertainty</code>).</p>"
        if h.uncertainty
        else '<p class="note">No interval: fewer than two samples in the window.</p>'
    )
    return f"<table>{body}</table>{method}"


def _findings(r: ResultView) -> str:
    return findings_table(r.findings)


def findings_table(findings: Sequence[Finding]) -> str:
    """The checker's findings, errors first, each with its rule id, place and fix."""
    if not findings:
        return "<p>The checker reported nothing.</p>"
    order = {"error": 0, "warning": 1, "notice": 2}
    rows = []
    for f in sorted(findings, key=lambda f: (order.get(f.severity, 3), f.rule)):
        detail = []
        if f.expected is not None:
            detail.append(f"expected {escape(f.expected)}")
        if f.found is not None:
            detail.append(f"found {escape(f.found)}")
        if f.hint:
            detail.append(f"fix: {escape(f.hint)}")
        rows.append(
            f"<tr><td><code>{escape(f.rule)}</code></td>"
            f'<td class="sev-{escape(f.severity)}">{escape(f.severity)}</td>'
            f"<td>{escape(f.message)}</td><td>{escape(f.where())}</td>"
            f"<td>{'<br>'.join(detail)}</td></tr>"
        )
    return (
        "<table><tr><th>rule</th><th>severity</th><th>message</th><th>where</th>"
        "<th>detail</th></tr>" + "".join(rows) + "</table>"
    )


def _ranges(r: ResultView) -> str:
    if not r.ranges:
        return "<p>No range commands recorded.</p>"
    rows = "".join(
        f"<tr><td>{escape(s.phase)}</td><td>{escape(s.quantity)}</td>"
        f"<td><code>{escape(s.setting)}</code></td><td>{escape(s.reply)}</td></tr>"
        for s in r.ranges
    )
    return (
        f"<table><tr><th>before</th><th>range</th><th>set to</th><th>reply</th></tr>{rows}</table>"
    )


def _clock(r: ResultView) -> str:
    parts = []
    if r.clock:
        rows = "".join(
            f"<tr><td>{escape(c.phase)}</td><td>{escape(c.point)}</td>"
            f"<td>{datetime.fromtimestamp(c.client, UTC):%H:%M:%S.%f}</td>"
            f"<td>{datetime.fromtimestamp(c.server, UTC):%H:%M:%S.%f}</td>"
            f'<td class="n">{c.diff_ms:+.1f}</td></tr>'
            for c in r.clock
        )
        parts.append(
            "<table><tr><th>phase</th><th>checkpoint</th><th>client (UTC)</th>"
            f"<th>director (UTC)</th><th>director − client (ms)</th></tr>{rows}</table>"
        )
    if r.clock_offsets_ms:
        worst = max(r.clock_offsets_ms, key=abs)
        parts.append(
            f"<p>Offset of the director's clock estimated from {len(r.clock_offsets_ms)} "
            f"<code>time</code> exchanges (midpoint of the round trip): worst "
            f"{worst:+.1f} ms.</p>"
        )
    return "".join(parts) or "<p>No client/director clock record.</p>"


def _steady(r: ResultView) -> str:
    if r.steady is None:
        return ""
    s = r.steady
    warn = "".join(f"<li>{escape(w)}</li>" for w in s.warnings)
    return (
        '<div class="informative"><h3>Steady-state energy (informative, not the MLPerf '
        "figure)</h3><p>Over the full-batch window as ML.ENERGY defines it: from the "
        f"{s.batch_size}th first token to the drain. Window {s.duration_s:.1f} s, "
        f"{s.tokens:,.0f} tokens, average batch {s.average_batch:.1f} of {s.batch_size}.</p>"
        f"<table><tr><th>J per output token</th><td>{_num(s.j_per_token, 5)}</td></tr>"
        f"<tr><th>J per response</th><td>{_num(s.j_per_response, 5)} "
        f"(mean {s.mean_output_tokens:.1f} tokens)</td></tr></table>"
        + (f"<p>Unstable:</p><ul>{warn}</ul>" if warn else "")
        + "</div>"
    )


def _result_section(index: int, r: ResultView) -> str:
    parts = [
        f'<section id="r{index}"><h2>{escape(r.label)} {_verdict(r.valid)}</h2>',
        f'<p class="note"><code>{escape(str(r.perf_dir))}</code> · round {escape(r.round)} '
        f"({escape(r.round_why)}) · scenario {escape(r.scenario or '?')}</p>",
    ]
    if r.not_valid_for_submission:
        items = "".join(f"<li>{escape(x)}</li>" for x in r.not_valid_for_submission)
        parts.append(f"<p class='bad'>Not valid for submission:</p><ul>{items}</ul>")
    if r.performance:
        parts.append(f"<p>LoadGen: {escape(r.performance)}, result {_verdict(r.loadgen_valid)}</p>")
    if r.analyzers:
        items = "".join(f"<li><code>{escape(a)}</code></li>" for a in r.analyzers)
        parts.append(f"<p>Analyzers:</p><ul>{items}</ul>")
    parts.append("<h3>Published-style figure</h3>")
    if r.headline:
        parts.append(_headline(r.headline))
    else:
        parts.append(f"<p class='bad'>No figure: {escape(r.headline_problem or 'unknown')}</p>")
    for key, title in (("trace", "Power trace"), ("frontier", "Frontier")):
        picture = r.pictures.get(key)
        if picture is not None:
            parts.append(
                f"<h3>{title}</h3><img src='{escape(picture.png.as_posix())}' alt='{title}'>"
                f"<p class='note'><a href='{escape(picture.svg.as_posix())}'>SVG</a>"
                + (
                    " · " + ", ".join(f"{escape(k)}: {v}" for k, v in r.marks.items())
                    if r.marks and key == "trace"
                    else ""
                )
                + "</p>"
            )
    parts.append(_steady(r))
    if r.steady is None and r.steady_note:
        parts.append(f"<p class='note'>Steady state: {escape(r.steady_note)}</p>")
    parts += [
        "<h3>Analyzer ranges</h3>",
        _ranges(r),
        "<h3>Clocks</h3>",
        _clock(r),
        f"<h3>Checker findings ({len(r.findings)})</h3>",
        _findings(r),
        "</section>",
    ]
    return "".join(parts)


def render(title: str, source: str, results: Sequence[ResultView]) -> str:
    """The whole page; results are listed most efficient first."""
    ordered = sorted(
        results,
        key=lambda r: -(r.headline.efficiency or 0.0) if r.headline else math.inf,
    )
    sections = "".join(_result_section(i, r) for i, r in enumerate(ordered))
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f"<p class='note'>Source <code>{escape(source)}</code> · joulekit {__version__}. "
        "Figures are the checker's, computed as the round publishes them; intervals and "
        "the steady-state section are informative.</p>"
        f"<h2>Results ({len(ordered)})</h2><p class='note'>Click a column to sort; "
        "listed by efficiency, best first.</p>"
        + _summary_table(ordered)
        + sections
        + f"<script>{_SCRIPT}</script></body></html>\n"
    )

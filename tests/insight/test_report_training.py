"""joulekit report on the real MLPerf Training power results: the checker's figures to the
joule (OFFICIAL.md), energy per run, node and switch, the olympic selection, the node
traces with gaps and the switch clock offset marked, every finding with its rule id."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from realdata import REAL, SHARED

from joulekit.checker.training_power import check_training
from joulekit.cli.report import build_training_report
from joulekit.insight.plots import save
from joulekit.insight.trace import Series
from joulekit.insight.training_plots import PowerSeries, RunTrace, find_gaps, node_trace_figure
from joulekit.insight.training_view import (
    COUNTED,
    DROPPED_FASTEST,
    DROPPED_SLOWEST,
    NOT_SCORED,
    BenchmarkView,
)

REAL_TRAINING = SHARED / "fixtures" / "real-training"
DELL_ROOT = REAL_TRAINING / "training_results_v4.1"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, list[BenchmarkView]]:
    """Both real training fixtures in one page, built once for the tests here."""
    if not REAL_TRAINING.is_dir():
        pytest.fail(f"real training fixtures missing: {REAL_TRAINING}")
    out = tmp_path_factory.mktemp("training-report")
    page, views = build_training_report(REAL_TRAINING, out)
    return out, page.read_text(encoding="utf-8"), views


def _bench(views: list[BenchmarkView], org: str) -> BenchmarkView:
    (found,) = [v for v in views if v.label.startswith(org + "/")]
    return found


def _section(html: str, index: int) -> str:
    return html.split(f"<section id='b{index}'>")[1].split(f"<section id='b{index + 1}'>")[0]


def test_smc_published_figure_appears_exactly(
    report: tuple[Path, str, list[BenchmarkView]],
) -> None:
    _, html, views = report
    smc = _bench(views, "smc-dc-power")
    assert smc.energy_j is not None and round(smc.energy_j) == 20_381_549
    assert smc.formula == "v2" and smc.round == "v4.0"
    figures = _section(html, views.index(smc)).split("<table class='figures'>")[1]
    assert "<b>20,381,549 J</b>" in figures.split("</table>")[0]
    assert "5.662 kWh" in figures
    # no measured switch: the policy figure is the official one, and the page says so
    assert smc.policy_energy_j is None
    assert "the same: no switch file with measured readings" in figures


def test_dell_run0_energies_and_no_invented_benchmark_figure(
    report: tuple[Path, str, list[BenchmarkView]],
) -> None:
    _, html, views = report
    dell = _bench(views, "Dell")
    section = _section(html, views.index(dell))
    assert dell.energy_j is None
    assert "cannot be computed" in (dell.figure_problem or "")
    (run0,) = [r for r in dell.runs if r.name == "result_0"]
    assert run0.energy_j is not None and round(run0.energy_j) == 16_143_282
    assert run0.policy_energy_j is not None and round(run0.policy_energy_j) == 16_338_359
    assert "16,143,282 J" in section and "16,338,359 J" in section
    assert all(r.selection == NOT_SCORED for r in dell.runs)
    # the package check rejects the nine runs without a power folder
    assert not dell.package.passes and len(dell.package.runs_not_complying) == 9


def test_energy_per_node_and_switch_is_the_checkers(
    report: tuple[Path, str, list[BenchmarkView]],
) -> None:
    _, html, views = report
    dell = _bench(views, "Dell")
    (run0,) = [r for r in dell.runs if r.name == "result_0"]
    assert [f.name for f in run0.nodes] == [f"node_{j}.txt" for j in range(8)]
    (switch,) = run0.switches
    assert switch.energy_j == 0.0  # the official formula ignores measured switch readings
    assert switch.measured_j is not None and round(switch.measured_j) == 195_077
    checked = check_training(DELL_ROOT).results[1].to_json()["training"]
    assert [n["energy_j"] for n in checked["nodes"]] == [f.energy_j for f in run0.nodes]
    # the run is the sum of its files, as the checker has it
    assert run0.energy_j == pytest.approx(sum(f.energy_j or 0.0 for f in run0.files))
    assert "195,077 J" in html
    smc = _bench(views, "smc-dc-power")
    for run in smc.runs:
        assert len(run.nodes) == 8 and len(run.switches) == 1
        assert run.switches[0].energy_j is not None and run.switches[0].measured_j is None


def test_olympic_selection_says_which_runs_were_dropped(
    report: tuple[Path, str, list[BenchmarkView]],
) -> None:
    _, html, views = report
    smc = _bench(views, "smc-dc-power")
    selection = Counter(r.selection for r in smc.runs)
    assert selection == {COUNTED: 8, DROPPED_FASTEST: 1, DROPPED_SLOWEST: 1}
    fastest = min(smc.runs, key=lambda r: r.time_to_train_s or 0.0)
    slowest = max(smc.runs, key=lambda r: r.time_to_train_s or 0.0)
    assert fastest.selection == DROPPED_FASTEST and slowest.selection == DROPPED_SLOWEST
    table = _section(html, views.index(smc)).split('id="runs-')[1].split("</table>")[0]
    rows = re.findall(r"<tr( class='dropped')?><td><a href='#[^']+'>([^<]+)</a>", table)
    assert len(rows) == 10
    # time-to-train order: first and last rows are the dropped ones, greyed
    assert rows[0] == (" class='dropped'", fastest.name)
    assert rows[-1] == (" class='dropped'", slowest.name)
    assert all(cls == "" for cls, _ in rows[1:-1])


def test_traces_mark_gaps_and_the_switch_clock_offset(
    report: tuple[Path, str, list[BenchmarkView]],
) -> None:
    out, html, views = report
    smc = _bench(views, "smc-dc-power")
    # OFFICIAL.md: 54 intervals longer than 5 s over the 80 SMC node files
    gaps = [int(m) for r in smc.runs for n in r.trace_notes
            for m in re.findall(r"^(\d+) gap\(s\) longer than 5 s", n)]
    assert sum(gaps) == 54
    assert all(r.trace is not None for r in smc.runs)
    dell = _bench(views, "Dell")
    (run0,) = [r for r in dell.runs if r.name == "result_0"]
    assert run0.trace is not None
    notes = " ".join(run0.trace_notes)
    assert "sw_0.txt: its readings sit -18,0" in notes and "clock offset" in notes
    svg = (out / run0.trace.svg).read_text(encoding="utf-8")
    assert "node_7" in svg and "run_start" in svg and "run_stop" in svg
    assert "off the run" in svg  # the switch legend says it is shifted
    assert [r.trace for r in dell.runs if r.name != "result_0"] == [None] * 9
    assert "no trace: no power folder" in html


def test_every_finding_is_listed_with_its_rule_id(
    report: tuple[Path, str, list[BenchmarkView]],
) -> None:
    _, html, _ = report
    listed = Counter(re.findall(r"<td><code>(TRN\d+)</code></td>", html))
    checked = Counter(f.rule for r in check_training(REAL_TRAINING).results
                      for f in r.findings)
    assert listed == checked
    assert listed["TRN028"] == 80  # identical node logs, one per SMC node file


def test_pictures_are_local_files_and_nothing_is_fetched(
    report: tuple[Path, str, list[BenchmarkView]],
) -> None:
    out, html, _ = report
    sources = re.findall(r"src='([^']+)'", html)
    assert len(sources) == 2 + 10 + 1  # two energy charts, 10 SMC runs, Dell run 0
    for src in sources:
        assert not src.startswith(("http:", "https:", "//")) and "/" not in src
        assert (out / src).read_bytes()[:8] == PNG
        assert (out / src).with_suffix(".svg").read_text().lstrip().startswith("<?xml")
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html


def test_names_from_the_tree_are_escaped(tmp_path: Path) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    tree = tmp_path / "training_results_v4.1"
    shutil.copytree(DELL_ROOT / "Dell", tree / hostile)
    page, (view,) = build_training_report(tmp_path, tmp_path / "out")
    html = page.read_text(encoding="utf-8")
    assert view.label.startswith(hostile)
    assert hostile not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def _jk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "joulekit", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_cli_reports_a_training_tree_and_refuses_what_does_not_fit(tmp_path: Path) -> None:
    done = _jk("report", str(DELL_ROOT), "-o", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "Dell/8xXE9680x8H100-SXM-80GB-POWER/llama2_70b_lora: no figure" in done.stdout
    assert (tmp_path / "out" / "index.html").is_file()
    assert "Traceback" not in done.stderr

    forced = _jk("report", str(REAL / "inference_results_v1.1"), "--benchmark-kind",
                 "training", "-o", str(tmp_path / "no"))
    assert forced.returncode != 0 and "Traceback" not in forced.stderr
    assert "holds no MLPerf Training benchmark" in forced.stderr
    assert len(forced.stderr.strip().splitlines()) == 1

    serving = _jk("report", str(DELL_ROOT), "--requests", str(tmp_path / "r.jsonl"),
                  "--batch-size", "8", "-o", str(tmp_path / "no2"))
    assert serving.returncode != 0 and "MLPerf Training results" in serving.stderr
    assert len(serving.stderr.strip().splitlines()) == 1

    bad_round = _jk("report", str(DELL_ROOT), "--round", "v9.9", "-o", str(tmp_path / "no3"))
    assert bad_round.returncode != 0 and "v9.9" in bad_round.stderr
    assert not (tmp_path / "no3").exists()


def test_a_64_node_run_draws_on_one_timeline_with_gaps_and_bad_readings(
    tmp_path: Path,
) -> None:
    """The 64-node case: no legend entry per node, a colour ramp, gaps hatched and a
    reading <= 0 marked (synthetic series, drawn without any file)."""
    t = np.arange(0.0, 120.0, 1.0)
    nodes = []
    for j in range(64):
        watts = 6000.0 + 10 * j + np.sin(t)
        times = t.copy()
        if j == 5:
            times = np.concatenate([t[:50], t[50:] + 12.0])  # a 13 s gap after 49 s
        if j == 9:
            watts = watts.copy()
            watts[30] = -1.0
        nodes.append(PowerSeries(Series(f"node_{j}", times, watts),
                                 find_gaps(times, 5.0)))
    assert nodes[5].gaps == [(49.0, 62.0)] and all(not n.gaps for n in nodes[6:])
    switch = PowerSeries(Series("sw_0", np.array([]), np.array([])), [], 16_100.0, None)
    trace = RunTrace("result_0", datetime(2024, 5, 16, tzinfo=UTC), 118.0, 5.0, nodes,
                     [switch])
    picture = save(node_trace_figure(trace, "64 nodes"), tmp_path, "t")
    svg = (tmp_path / picture.svg).read_text(encoding="utf-8")
    assert "64 nodes" in svg and "gap &gt; 5 s (1)" in svg
    assert "node_63" not in svg  # no per-node legend above LEGEND_NODES
    assert "interconnect_power_est 16,100 W" in svg
    assert (tmp_path / picture.png).read_bytes()[:8] == PNG

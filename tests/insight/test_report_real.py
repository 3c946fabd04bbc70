"""The report on the published results shows exactly the published figures (OFFICIAL.md)."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from realdata import (
    DELL_V21_OFFLINE,
    QUALCOMM_V11_SERVER,
    REAL,
    UNTETHER_V41_OFFLINE,
    UNTETHER_V41_SS,
)

from joulekit.checker import check_path
from joulekit.cli.report import build_report

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="session")
def tree_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The report of every real result, built once (~12 s) for every test here."""
    if not REAL.is_dir():
        pytest.fail(f"real fixtures missing: {REAL}")
    out = tmp_path_factory.mktemp("report")
    page, views = build_report(REAL, out)
    assert len(views) == 5
    return out, page.read_text(encoding="utf-8")


def test_published_figures_appear_exactly(tree_report: tuple[Path, str]) -> None:
    _, html = tree_report
    assert "<b>1790.9826666666677 W</b>" in html  # v1.1 Qualcomm Server
    assert "<b>398.32998477930016 W</b>" in html  # v4.1 UntetherAI Offline (398.3299847793)
    assert "<b>29.238986918361313 mJ</b>" in html  # v4.1 UntetherAI SingleStream (29.2389869184)


def test_dell_offline_efficiency_is_the_white_paper_figure(tmp_path: Path) -> None:
    _, views = build_report(DELL_V21_OFFLINE, tmp_path)
    (view,) = views
    assert view.headline is not None and view.headline.efficiency is not None
    assert round(view.headline.efficiency, 2) == 11.58
    assert view.headline.value_interval is not None
    interval = view.headline.value_interval
    assert interval.low < view.headline.value < interval.high
    eff = view.headline.efficiency_interval
    assert eff is not None and eff.low < 11.58 < eff.high


def test_interval_sits_beside_the_figure_and_names_its_method(
    tree_report: tuple[Path, str],
) -> None:
    _, html = tree_report
    assert html.count("confidence interval</th>") == 5
    assert "bounded by the 1 % limit" in html
    assert "lag-1 autocorrelation" in html


def test_every_finding_is_listed_with_its_rule_id(tree_report: tuple[Path, str]) -> None:
    _, html = tree_report
    listed = Counter(re.findall(r"<td><code>(PWR\d+)</code></td>", html))
    # exactly the checker's findings on the same tree, one row each
    checked = Counter(f.rule for r in check_path(REAL).results for f in r.findings)
    assert listed == checked
    assert listed["PWR010"] == 5  # sources not checked without a checksum list: one per result


def test_tree_table_is_sorted_by_efficiency_and_sortable(tree_report: tuple[Path, str]) -> None:
    _, html = tree_report
    table = html.split('<table class="sortable" id="results">')[1].split("</table>")[0]
    order = re.findall(r'<a href="#r\d+">([^<]+)</a>', table)
    assert len(order) == 5
    assert order[0].endswith("UntetherAI/results/h13_u3_slim/resnet50/offline")  # 423.6/J
    assert order[-1].endswith("Dell/results/XR12_A2x1_TRT_MaxQ/resnet50/Server")  # 10.4/J
    assert "addEventListener" in html  # the sort script is inline


def test_pictures_are_local_files_and_nothing_is_fetched(tree_report: tuple[Path, str]) -> None:
    out, html = tree_report
    sources = re.findall(r"src='([^']+)'", html)
    assert len(sources) == 5
    for src in sources:
        assert not src.startswith(("http:", "https:", "//"))
        assert (out / src).read_bytes()[:8] == PNG
        assert (out / src).with_suffix(".svg").read_text().lstrip().startswith("<?xml")
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html


def test_multichannel_meter_gets_channel_traces(tmp_path: Path) -> None:
    _, views = build_report(QUALCOMM_V11_SERVER, tmp_path)
    (view,) = views
    assert view.marks["testing samples counted"] == 600
    assert view.headline is not None and view.headline.samples == 600
    svg = (tmp_path / view.pictures["trace"].svg).read_text()
    assert "Ch1" in svg and "Ch2" in svg and "Ch3" not in svg  # Ch3 reads 0 W throughout


def test_ranges_and_clocks_are_reported(tmp_path: Path) -> None:
    _, views = build_report(UNTETHER_V41_OFFLINE, tmp_path)
    (view,) = views
    testing = [r for r in view.ranges if r.phase == "testing"]
    assert [(r.quantity, r.setting) for r in testing] == [
        ("V", "119.200000"),
        ("A", "3.9490000000000003"),
    ]
    assert len(view.clock) == 8
    assert all(abs(row.diff_ms) < 10 for row in view.clock)
    assert view.clock_offsets_ms and all(abs(x) < 10 for x in view.clock_offsets_ms)


def test_over_limit_warning_is_marked_and_drops_the_limit_basis(tmp_path: Path) -> None:
    copy = tmp_path / "ss"
    shutil.copytree(UNTETHER_V41_SS, copy)
    log = copy / "performance" / "power" / "ptd_logs.txt"
    text = log.read_text(encoding="utf-8", errors="replace")
    # a warning inside the testing window, as PTDaemon prints it
    stamp = "07-23-2024 15:50:00.866"
    text += (
        f"\n{stamp}: WARNING: Uncertainty 1.52%, which is above 1.00% limit "
        "for the last measurement sample!\n"
    )
    log.write_text(text, encoding="utf-8")
    _, views = build_report(copy, tmp_path / "out")
    (view,) = views
    assert view.marks["over uncertainty limit"] == 1
    assert view.headline is not None and view.headline.uncertainty is not None
    assert view.headline.uncertainty.instrument_basis == "none"

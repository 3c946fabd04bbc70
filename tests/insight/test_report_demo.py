"""`joulekit run` then `joulekit report`: the demo run gets a page and its plots."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

PNG = b"\x89PNG\r\n\x1a\n"


def _joulekit(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "joulekit", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_run_then_report_gives_html_and_plots(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run = _joulekit("run", "--duration-s", "3", "--settle", "0.5", "-o", str(run_dir))
    assert run.returncode in (0, 1), run.stdout + run.stderr  # 1: by-design findings only
    assert "Traceback" not in run.stderr, run.stderr
    assert (run_dir / "performance" / "power").is_dir(), run.stdout + run.stderr
    out = tmp_path / "report"
    report = _joulekit("report", str(run_dir), "-o", str(out))
    assert report.returncode == 0, report.stderr
    assert f"report: {out / 'index.html'}" in report.stdout
    html = (out / "index.html").read_text(encoding="utf-8")
    # the simulator run is labelled as such, and its findings carry rule ids
    assert "Not valid for submission" in html
    assert "simulator" in html
    assert re.search(r"<td><code>PWR\d+</code></td>", html)
    # the figure is the checker's: the same value run's check.json recorded
    power = json.loads((run_dir / "check.json").read_text(encoding="utf-8"))["power"]
    assert f"<b>{float(power['value'])!r} {power['unit']}</b>" in html
    assert (out / "r000-trace.png").read_bytes()[:8] == PNG
    assert "<svg" in (out / "r000-trace.svg").read_text(encoding="utf-8")
    assert "power_begin" in (out / "r000-trace.svg").read_text(encoding="utf-8")


def test_report_of_a_folder_without_results_is_one_line(tmp_path: Path) -> None:
    proc = _joulekit("report", str(tmp_path), "-o", str(tmp_path / "out"))
    assert proc.returncode == 3
    assert proc.stderr.count("\n") == 1 and "no power result" in proc.stderr

"""``-o FILE`` and ``joulekit package`` on hostile paths (issue 12, items 4 and 5).

An output file is written only to a new or regular file, atomically; a symbolic link,
FIFO or device is refused with exit 3 and left as it was. ``package`` refuses links and
special files instead of copying what they point to into a public tarball.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from submission.helpers import make_project, measured_result

from joulekit.errors import UserError
from joulekit.formats.atomic import UnsafeOutputError, atomic_write_text
from joulekit.submission_template.assemble import Measured
from joulekit.submission_template.package import package

from ._fixtures import DELL_V21_OFFLINE

PERF = str(DELL_V21_OFFLINE / "performance")


def _check(*extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "joulekit", "check", PERF, "--no-progress", *extra],
        capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_output_through_a_symlink_is_refused(tmp_path: Path, fmt: str) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    link = tmp_path / "report.out"
    link.symlink_to(victim)
    proc = _check("--format", fmt, "-o", str(link))
    assert proc.returncode == 3, proc.stderr
    assert "is a symbolic link" in proc.stderr and "Traceback" not in proc.stderr
    assert victim.read_text() == "keep me\n"  # before the fix: the report replaced it
    assert link.is_symlink()


def test_output_to_a_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    proc = _check("--format", "table", "-o", str(fifo))  # table output used a plain open()
    assert proc.returncode == 3
    assert "is a FIFO" in proc.stderr


def test_output_to_a_device_is_refused() -> None:
    proc = _check("--format", "json", "-o", "/dev/full")
    assert proc.returncode == 3
    assert "character device" in proc.stderr
    assert os.path.exists("/dev/full") and not os.path.isfile("/dev/full")


def test_summary_csv_through_a_symlink_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "summary.csv"
    link.symlink_to(tmp_path / "elsewhere.csv")
    proc = _check("--summary-csv", str(link))
    assert proc.returncode == 3 and "--summary-csv" in proc.stderr


def test_output_replaces_a_regular_file_atomically(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    out.write_text("old\n")
    proc = _check("--format", "table", "-o", str(out))
    assert proc.returncode in (0, 1, 2), proc.stderr
    assert "PWR" in out.read_text() or "power" in out.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]  # no temporary left


def test_atomic_write_never_replaces_a_special_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(UnsafeOutputError):
        atomic_write_text(fifo, "x")
    assert fifo.exists() and not fifo.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_package_refuses_a_symlink_in_a_measured_result(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    run = measured_result(tmp_path / "run", "offline")
    secret = tmp_path / "secret.txt"
    secret.write_text("private\n")
    (run / "performance" / "run_1" / "notes.txt").symlink_to(secret)
    with pytest.raises(UserError, match=r"symbolic link.*run_1/notes\.txt"):
        package(project, [Measured("resnet50", run)], tmp_path / "sub.tar.gz", workers=1)
    assert not (tmp_path / "sub.tar.gz").exists()


def test_package_refuses_a_fifo_in_the_tree(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    os.mkfifo(project.tree / "stray.fifo")
    with pytest.raises(UserError, match=r"stray\.fifo \(not a regular file\)"):
        package(project, [], tmp_path / "sub.tar.gz", workers=1)


def test_package_out_through_a_symlink_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    victim = tmp_path / "victim"
    victim.write_text("keep\n")
    out = tmp_path / "sub.tar.gz"
    out.symlink_to(victim)
    with pytest.raises(UserError, match=r"--out .* is a symbolic link"):
        package(project, [], out, workers=1)
    assert victim.read_text() == "keep\n"


def test_a_fifo_as_a_config_file_is_refused_not_waited_on(tmp_path: Path) -> None:
    from joulekit.inputs import read_ini

    fifo = tmp_path / "director.ini"
    os.mkfifo(fifo)
    with pytest.raises(UserError, match="is a FIFO, not a regular file"):
        read_ini(fifo)  # before the fix: blocked in open() until a writer came

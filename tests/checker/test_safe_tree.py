"""The checker on hostile trees (issue 12, items 4, 6, 12b): links out of the tree, FIFOs,
devices, huge files and deeply nested JSON are findings that name the file, never a
hang, a traceback, or a quote of a file outside the tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from joulekit.checker import check_path
from joulekit.formats.safe_files import input_root, read_input_bytes
from joulekit.inputs import UnsafeInputError, excerpt

from ._fixtures import DELL_V21_OFFLINE

SECRET = "TOP-SECRET-LINE-OUTSIDE-THE-TREE"


def _rules(perf: Path) -> dict[str, list[str]]:
    report = check_path(perf, jobs=1)
    found: dict[str, list[str]] = {}
    for result in report.results:
        for finding in result.findings:
            found.setdefault(finding.rule, []).append(finding.message)
    return found


def _json(perf: Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "joulekit", "check", str(perf), "--format", "json",
         "--no-progress"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode in (0, 1, 2), proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stdout


def test_link_out_of_the_tree_is_named_and_never_quoted(
    copy_result: Callable[[Path], Path], tmp_path: Path
) -> None:
    perf = copy_result(DELL_V21_OFFLINE)
    outside = tmp_path / "elsewhere.txt"
    outside.write_text(f"{SECRET}\n" * 3)
    spl = perf / "run_1" / "spl.txt"
    spl.unlink()
    spl.symlink_to(outside)
    found = _rules(perf)
    assert any("run_1/spl.txt" in m and "outside the checked tree" in m
               for m in found["PWR120"])
    assert SECRET not in _json(perf)


def test_linked_folder_out_of_the_tree(
    copy_result: Callable[[Path], Path], tmp_path: Path
) -> None:
    perf = copy_result(DELL_V21_OFFLINE)
    moved = tmp_path / "moved_power"
    (perf / "power").rename(moved)
    (perf / "power").symlink_to(moved, target_is_directory=True)
    found = _rules(perf)
    assert any(m.startswith("power ") for m in found["PWR120"])
    assert "PWR900" not in found


def test_link_inside_the_tree_is_read(copy_result: Callable[[Path], Path]) -> None:
    perf = copy_result(DELL_V21_OFFLINE)
    spl = perf / "run_1" / "spl.txt"
    kept = perf / "run_1" / "spl.copy"
    spl.rename(kept)
    spl.symlink_to(kept.name)
    found = _rules(perf)
    assert "PWR120" not in found
    assert "PWR100" not in found


def test_fifo_as_a_log_does_not_hang(copy_result: Callable[[Path], Path]) -> None:
    perf = copy_result(DELL_V21_OFFLINE)
    log = perf / "power" / "ptd_logs.txt"
    log.unlink()
    os.mkfifo(log)
    spl = perf / "run_1" / "spl.txt"
    spl.unlink()
    os.mkfifo(spl)
    found = _rules(perf)  # before the fix: blocked forever in open()
    messages = " ".join(found["PWR121"])
    assert "power/ptd_logs.txt is a FIFO" in messages
    assert "run_1/spl.txt is a FIFO" in messages
    assert "PWR900" not in found
    assert not any("spl.txt is missing" in m for m in found.get("PWR001", []))


def test_huge_sparse_spl_is_refused_by_size(copy_result: Callable[[Path], Path]) -> None:
    perf = copy_result(DELL_V21_OFFLINE)
    spl = perf / "run_1" / "spl.txt"
    with open(spl, "r+b") as handle:
        handle.truncate(1 << 30)  # 1 GiB, sparse: costs no disk
    found = _rules(perf)
    assert any("run_1/spl.txt is 1.0 GiB, over the 256.0 MiB limit" in m
               for m in found["PWR122"])


def test_deeply_nested_server_json_is_a_finding(copy_result: Callable[[Path], Path]) -> None:
    perf = copy_result(DELL_V21_OFFLINE)
    (perf / "power" / "server.json").write_text("[" * 200_000 + "]" * 200_000)
    found = _rules(perf)  # before the fix: RecursionError in every check
    assert any("nested too deeply" in m for m in found["PWR002"])
    assert "PWR900" not in found


def test_recorded_result_path_cannot_hash_outside(
    copy_result: Callable[[Path], Path], tmp_path: Path
) -> None:
    perf = copy_result(DELL_V21_OFFLINE)
    outside = tmp_path / "outside.bin"
    outside.write_text("x")
    for name in ("client.json", "server.json"):
        path = perf / "power" / name
        doc = json.loads(path.read_text())
        doc["results"]["../../../outside.bin"] = "0" * 40
        path.write_text(json.dumps(doc, indent=4))
    found = _rules(perf)
    # before the fix the file two levels above the result was opened and hashed
    assert not any("outside.bin changed" in m for ms in found.values() for m in ms)


def test_recorded_names_that_name_no_file_are_no_crash(
    copy_result: Callable[[Path], Path]
) -> None:
    perf = copy_result(DELL_V21_OFFLINE)
    for name in ("client.json", "server.json"):
        path = perf / "power" / name
        doc = json.loads(path.read_text())
        doc["results"]["run_1/a\u0000b.txt"] = "0" * 40  # a NUL: no path at all
        doc["results"]["run_1"] = "0" * 40  # a folder
        path.write_text(json.dumps(doc, indent=4))
    found = _rules(perf)
    assert "PWR900" not in found
    assert not any("a\x00b.txt" in m or "run_1 changed" in m
                   for ms in found.values() for m in ms)


def test_read_input_bytes_refuses_devices_and_growth(tmp_path: Path) -> None:
    with pytest.raises(UnsafeInputError, match="character device"):
        read_input_bytes("/dev/zero")
    small = tmp_path / "a.txt"
    small.write_bytes(b"x" * 100)
    with pytest.raises(UnsafeInputError, match="over the 10 bytes limit"):
        read_input_bytes(small, limit=10)
    assert read_input_bytes(small, limit=100) == b"x" * 100
    (tmp_path / "sub").mkdir()
    with input_root(tmp_path / "sub"), pytest.raises(UnsafeInputError, match="outside the"):
        read_input_bytes(small)


def test_excerpt_cuts_long_quotes() -> None:
    assert excerpt("short") == "short"
    cut = excerpt("y" * 10_000)
    assert len(cut) < 200 and "9880 more characters" in cut


def test_a_huge_hostile_value_is_quoted_as_a_short_excerpt(
    copy_result: Callable[[Path], Path],
) -> None:
    perf = copy_result(DELL_V21_OFFLINE)
    path = perf / "power" / "client.json"
    doc = json.loads(path.read_text())
    doc["session_name"] = "S" * 500_000
    path.write_text(json.dumps(doc, indent=4))
    report = check_path(perf, jobs=1)
    findings = [f for r in report.results for f in r.findings]
    assert any(f.rule == "PWR041" or "session" in f.message for f in findings)
    for finding in findings:  # before the fix PWR041 carried the whole name as "found"
        assert len(finding.message) <= 500
        assert len(finding.found or "") <= 300
        assert len(finding.expected or "") <= 300


def test_a_submission_tree_with_a_fifo_or_outside_link_is_refused(tmp_path: Path) -> None:
    from submission.helpers import packaged

    project, _ = packaged(tmp_path)
    system = next(project.tree.rglob("systems/*.json"))
    system.unlink()
    os.mkfifo(system)  # before the fix: `check` hung reading it
    cmd = [sys.executable, "-m", "joulekit", "check", str(project.tree), "--no-progress"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3
    assert f"{system.name} is a FIFO" in proc.stderr
    system.unlink()
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps({"secret": SECRET}))
    system.symlink_to(outside)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3 and "outside the checked tree" in proc.stderr
    assert SECRET not in proc.stdout + proc.stderr

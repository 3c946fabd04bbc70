"""Byte-identical result folders under different scenario names: logs parsed once, each
folder still gets exactly the report a check of its own gives."""

from __future__ import annotations

import shutil
from pathlib import Path

from joulekit.checker import CheckOptions, check_path
from joulekit.checker.inference_power.context import ResultFiles

from ._fixtures import UNTETHER_V41_SS, edit_lines

_SCENARIOS = ("singlestream", "offline", "multistream", "server")


def _copies(tmp_path: Path) -> list[Path]:
    """One real v4.1 SingleStream run copied into four scenario folders, with one spl
    line broken so that every copy carries a format issue naming its own file."""
    base = tmp_path / "inference_results_v4.1/closed/Untether/results/h13/resnet50"
    source = tmp_path / "source"
    shutil.copytree(UNTETHER_V41_SS / "performance", source)
    edit_lines(source / "run_1/spl.txt", lambda lines: [*lines[:5], "Time,garbage", *lines[5:]])
    folders = []
    for name in _SCENARIOS:
        shutil.copytree(source, base / name / "performance")
        folders.append(base / name / "performance")
    shutil.rmtree(source)
    return folders


def _view(report: object) -> tuple[object, ...]:
    return (
        report.path,  # type: ignore[attr-defined]
        report.scenario,  # type: ignore[attr-defined]
        report.figure,  # type: ignore[attr-defined]
        [(f.rule, f.severity, f.file, f.line, f.message) for f in report.findings],  # type: ignore[attr-defined]
    )


def test_copies_under_other_scenarios_get_their_own_reports(tmp_path: Path) -> None:
    folders = _copies(tmp_path)
    pooled = check_path(tmp_path, CheckOptions(), jobs=2)
    alone = [check_path(folder, CheckOptions(), jobs=1).results[0] for folder in folders]
    assert sorted(map(_view, pooled.results)) == sorted(map(_view, alone))
    scenarios = {r.scenario for r in pooled.results}
    assert len(scenarios) > 1, "the copies must differ by their folder's scenario"
    assert all(any(f.line == 6 and f.file == "run_1/spl.txt" for f in r.findings)
               for r in pooled.results)


def test_rebased_files_name_the_new_folder(tmp_path: Path) -> None:
    first, second = _copies(tmp_path)[:2]
    files = ResultFiles(first)
    assert files.spl.issues and files.ptd_log.events
    moved = files.rebased(second)
    assert moved is not None
    fresh = ResultFiles(second)
    for name in ("spl", "ptd_log"):
        assert getattr(moved, name) == getattr(fresh, name)
    assert moved.spl.issues[0].file == str(second / "run_1/spl.txt")
    assert "detail" not in moved.__dict__  # only what was read is handed on


def test_a_folder_outside_the_tree_is_never_shared(tmp_path: Path) -> None:
    from joulekit.checker.inference_power.runner import _fingerprint

    folders = _copies(tmp_path / "tree")
    outside = tmp_path / "elsewhere"
    shutil.move(str(folders[1].parent), outside)
    folders[1].parent.symlink_to(outside, target_is_directory=True)
    root = str((tmp_path / "tree").resolve())
    assert _fingerprint((str(folders[0]), CheckOptions(), root)) is not None
    assert _fingerprint((str(folders[1]), CheckOptions(), root)) is None

"""Atomic writes: all or nothing, and files as readable as an ordinary open() makes them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from joulekit.formats.atomic import atomic_write_bytes, atomic_write_text


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_gets_the_umask_mode_not_a_private_one(tmp_path: Path) -> None:
    old = os.umask(0o022)
    os.umask(old)
    target = tmp_path / "report" / "index.html"
    atomic_write_text(target, "<html></html>\n")
    assert target.read_text() == "<html></html>\n"
    assert _mode(target) == 0o666 & ~old


def test_replacing_a_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "spl.txt"
    target.write_text("old\n")
    target.chmod(0o640)
    atomic_write_text(target, "new\n", newline="\r\n")
    assert target.read_bytes() == b"new\r\n"
    assert _mode(target) == 0o640


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "server.json"
    target.write_text("kept\n")

    with pytest.raises(TypeError):  # fails inside the write, after the temporary exists
        atomic_write_bytes(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_text() == "kept\n"
    assert [p.name for p in tmp_path.iterdir()] == ["server.json"]

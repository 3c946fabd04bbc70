"""Misuse as a user commits it: every case runs ``python -m joulekit`` as a process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TIMEOUT_S = 120


def joulekit(*args: str, cwd: Path | None = None,
             timeout: float = TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "joulekit", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd)


def assert_one_line_error(done: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit 3, one stderr line, no traceback; every needle in that line."""
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert done.returncode == 3, done.stdout + done.stderr
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def director_processes(marker: str) -> list[int]:
    """Pids of ``joulekit director`` processes whose command line names ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        text = b" ".join(argv).decode("utf-8", "replace")
        if "director" in text and marker in text:
            found.append(int(entry.name))
    return found

"""Process helpers for tests that check what a run started and that nothing is left."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from pathlib import Path

import psutil


def child_commands(pid: int | None = None) -> list[str]:
    """The command lines of every live descendant of ``pid`` (default: this process).

    A child may exit, or be a zombie, between listing and reading: it is left out.
    """
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []
    lines = []
    for child in children:
        try:
            lines.append(" ".join(child.cmdline()))
        except psutil.Error:
            continue
    return lines


def wait_listening(
    proc: subprocess.Popen[bytes], port: int, log: Path, timeout: float = 60
) -> None:
    """Wait until ``proc`` accepts on 127.0.0.1:``port``; fail with its log if it dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listened on port {port}: {log.read_text()}")


def stop_tree(proc: subprocess.Popen[bytes], grace: float = 20) -> None:
    """Terminate ``proc`` (kill after ``grace``) and every descendant it left behind."""
    try:
        children = psutil.Process(proc.pid).children(recursive=True) if proc.poll() is None else []
    except psutil.Error:
        children = []
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    for child in children:
        with contextlib.suppress(psutil.Error):
            if child.is_running():
                child.kill()

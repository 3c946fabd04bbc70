"""A rogue director against the real ``joulekit client``: names and streams it must refuse.

The director is a real TCP server on a free loopback port, scripted here line by line;
the client is the real ``joulekit client`` subprocess. Each case asserts the exit code
3, one line naming the peer, no traceback, and that nothing was written outside the
output folder.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from joulekit.session import protocol as p

from .procs import workload_command

#: what the rogue director sends after a ``download`` command, as raw bytes
Download = Callable[[str], bytes]


class RogueDirector:
    """One connection, answered by prefix; ``session_name`` and ``download`` are the lies."""

    def __init__(self, session_name: str, download: Download | None = None) -> None:
        self.session_name = session_name
        self.download = download or (lambda _rel: b"0\r\n")
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(30)
        self.port = int(self.server.getsockname()[1])
        self.commands: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _answer(self, line: str) -> bytes:
        word = line.split(",")[0]
        if line == p.CLIENT_MAGIC:
            return p.SERVER_MAGIC.encode() + b"\r\n"
        if word == "time":
            return f"{time.time():.6f}\r\n".encode()
        if word == "new":
            return f"OK {self.session_name},3f0d1e2a-rogue".encode() + b"\r\n"
        if word == "download":
            return self.download(line.split(",", 2)[2])
        if word in ("session", "cleanup"):
            return b"OK\r\n"
        return b"Error\r\n"

    def _serve(self) -> None:
        try:
            conn, _ = self.server.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(60)
            buffer = b""
            try:
                while True:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                    while b"\n" in buffer:
                        raw, _, buffer = buffer.partition(b"\n")
                        line = raw.rstrip(b"\r").decode("utf-8", "replace")
                        self.commands.append(line)
                        conn.sendall(self._answer(line))
            except OSError:
                return

    def close(self) -> None:
        self.server.close()
        self.thread.join(timeout=5)


def run_client(tmp: Path, rogue: RogueDirector, *extra: str, seconds: float = 0.3
               ) -> subprocess.CompletedProcess[str]:
    logs = tmp / "logs"
    return subprocess.run(
        [sys.executable, "-m", "joulekit", "client", "-a", "127.0.0.1", "-p", str(rogue.port),
         "-w", workload_command(logs, seconds), "-L", str(logs), "-o", str(tmp / "out"),
         "--no-clock-step", *extra],
        capture_output=True, text=True, timeout=90, cwd=tmp,
    )  # fmt: skip


def files_under(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if not path.is_dir()}


def outside_output(tmp: Path) -> set[Path]:
    """Every file under ``tmp`` the client may not have written (its own logs excluded)."""
    allowed = (tmp / "out", tmp / "logs")
    return {f for f in files_under(tmp) if not any(a in f.parents for a in allowed)}


def assert_one_clear_line(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert done.returncode == 3, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("joulekit client: error")]
    assert len(errors) == 1, done.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]


@pytest.mark.parametrize(
    "name",
    ["../../escaped", "..", ".hidden", "a/b", "a\\b", "a\x00b", "x" * 200, "séance",
     "a b", "ABSOLUTE"],
    ids=["dotdot", "only-dots", "dot-first", "slash", "backslash", "nul", "long", "non-ascii",
         "space", "absolute"],
)
def test_unsafe_session_name_is_refused_and_nothing_is_written(tmp_path: Path, name: str) -> None:
    if name == "ABSOLUTE":
        name = str(tmp_path / "absolute-target")
    rogue = RogueDirector(name)
    try:
        done = run_client(tmp_path, rogue)
    finally:
        rogue.close()
    assert_one_clear_line(done, f"the director at 127.0.0.1:{rogue.port}", "session name",
                          "not a safe folder name")
    assert outside_output(tmp_path) == set()
    assert not (tmp_path / "out").exists() or files_under(tmp_path / "out") == set()
    # refused at once: no phase was started for that name
    assert not any(c.startswith("session,") for c in rogue.commands), rogue.commands


def test_a_safe_session_name_runs_the_session(tmp_path: Path) -> None:
    """The check does not refuse what real directors send (time stamp + label)."""
    rogue = RogueDirector("2026-12-03_12-00-00_lab-A.1")
    try:
        done = run_client(tmp_path, rogue)
    finally:
        rogue.close()
    assert done.returncode == 0, done.stdout + done.stderr
    session = tmp_path / "out" / "2026-12-03_12-00-00_lab-A.1"
    assert (session / "power" / "client.json").is_file()
    assert (session / "run_1" / "mlperf_log_detail.txt").is_file()
    assert outside_output(tmp_path) == set()


@pytest.mark.parametrize(
    ("first", "needle"),
    [(b"\xc2\xb2\r\n", "is not a byte count"),  # '²': str.isdigit() says yes, int() no
     (b"1048577\r\n", "exceeds 1 MiB"),
     (b"12abc\r\n", "is not a byte count")],
    ids=["superscript-two", "oversized-chunk", "not-a-number"],
)
def test_malformed_download_length_is_one_clear_error(
    tmp_path: Path, first: bytes, needle: str
) -> None:
    rogue = RogueDirector("2026-12-03_12-00-00", download=lambda _rel: first)
    try:
        done = run_client(tmp_path, rogue, "-T")
    finally:
        rogue.close()
    assert_one_clear_line(done, f"the director at 127.0.0.1:{rogue.port}", needle,
                          "power/ptd_logs.txt")
    out = tmp_path / "out"
    # what was measured is kept; no half-received file is left
    assert (out / "power" / "client.json").is_file()
    assert (out / "run_1" / "mlperf_log_detail.txt").is_file()
    assert not [f for f in files_under(out) if f.name.endswith(".tmp")]
    assert outside_output(tmp_path) == set()


def test_a_download_that_never_ends_is_cut_at_the_size_limit(tmp_path: Path) -> None:
    """A director streaming 1 MiB chunks past the limit of server.json (64 MiB, the
    checker's) does not fill the disk: the run stops naming it, the partial file gone."""
    chunk = b"1048576\r\n" + b"x" * (1 << 20)

    def endless(rel: str) -> bytes:
        return chunk * 65 + b"0\r\n" if rel == "power/server.json" else b"0\r\n"

    rogue = RogueDirector("2026-12-03_12-00-00", download=endless)
    try:
        done = run_client(tmp_path, rogue, "-T")
    finally:
        rogue.close()
    assert_one_clear_line(done, f"the director at 127.0.0.1:{rogue.port}",
                          "server.json grew past 67108864 bytes")
    out = tmp_path / "out"
    assert not (out / "power" / "server.json").exists()
    assert not [f for f in files_under(out) if f.name.endswith(".tmp")]
    assert (out / "power" / "client.json").is_file()


def test_downloads_never_follow_a_link_out_of_the_output_folder(tmp_path: Path) -> None:
    """An output folder reused with a link in it: nothing lands where the link points."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "ranging").symlink_to(elsewhere, target_is_directory=True)
    rogue = RogueDirector("2026-12-03_12-00-00",
                          download=lambda rel: b"5\r\nhello0\r\n" if rel else b"0\r\n")
    try:
        done = run_client(tmp_path, rogue, "-T")
    finally:
        rogue.close()
    assert_one_clear_line(done, "outside the output folder", str(elsewhere))
    assert list(elsewhere.iterdir()) == []


def test_an_error_reply_to_download_is_a_refusal_not_a_failure(tmp_path: Path) -> None:
    """The reference director answers ``Error`` for a file it does not serve."""
    rogue = RogueDirector("2026-12-03_12-00-00", download=lambda _rel: b"Error\r\n")
    try:
        done = run_client(tmp_path, rogue, "-T")
    finally:
        rogue.close()
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "out" / "power" / "client.json").is_file()
    assert sum(c.startswith("download,") for c in rogue.commands) == len(p.DOWNLOAD_WHITELIST)

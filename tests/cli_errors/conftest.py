"""Bad inputs and ports shared by the misuse tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def junk(tmp_path: Path) -> Path:
    """A folder of bad inputs: a regular file, a folder, binary junk, broken INI/JSON."""
    (tmp_path / "afile").write_text("x\n")
    (tmp_path / "adir").mkdir()
    (tmp_path / "binary.bin").write_bytes(bytes(range(128, 256)) * 3)
    (tmp_path / "bad.conf").write_text("[server\nntpServer = x\n")
    (tmp_path / "bad.json").write_text('{"a": 1,,}\n')
    return tmp_path


@pytest.fixture
def refused_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port someone listens on for the test's length."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])

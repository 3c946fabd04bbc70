"""Reference ``server.conf`` files for tests, and the PTDaemon stand-ins they point at."""

from __future__ import annotations

import socket
import sys
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def joulekit_ptd(tmp_path: Path) -> Path:
    """The ``joulekit-ptd`` console script of this environment, or a wrapper running
    ``python -m joulekit ptd-sim`` with the same arguments when it is not installed."""
    script = Path(sys.executable).parent / "joulekit-ptd"
    if script.is_file():
        return script
    wrapper = tmp_path / "joulekit-ptd"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m joulekit ptd-sim "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


def silent_ptd(tmp_path: Path) -> Path:
    """A 'PTDaemon' that opens its ``-p`` port and never says a word."""
    script = tmp_path / "silent-ptd"
    script.write_text(
        f"#!{sys.executable}\n"
        "import socket, sys, time\n"
        "port = int(sys.argv[sys.argv.index('-p') + 1])\n"
        "server = socket.socket()\n"
        "server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "server.bind(('127.0.0.1', port))\n"
        "server.listen(4)\n"
        "held = []\n"
        "while True:\n"
        "    held.append(server.accept()[0])\n"
    )
    script.chmod(0o755)
    return script


def write_server_conf(
    path: Path,
    ptd: Path,
    *,
    ntp: str,
    listen_port: int,
    ptd_ports: tuple[int, int],
    out_dir: Path | None = None,
    settle: float | None = None,
) -> Path:
    """Two analyzers in the reference layout: a WT310E (49) and a two-channel WT330 (77)."""
    extra = ""
    if out_dir is not None:
        extra += f"outDir: {out_dir}\n"
    if settle is not None:
        extra += f"settleSeconds: {settle:g}\n"
    path.write_text(
        "[server]\n"
        f"ntpServer: {ntp}\n"
        f"listen: 127.0.0.1 {listen_port}\n"
        f"{extra}"
        "\n[ptd]\n"
        f"ptd: {ptd}\n"
        "analyzerCount: 2\n"
        "\n[analyzer1]\n"
        "deviceType: 49\n"
        "interfaceFlag:\n"
        "devicePort: /dev/ttyUSB0\n"
        f"networkPort: {ptd_ports[0]}\n"
        "\n[analyzer2]\n"
        "deviceType: 77\n"
        "interfaceFlag: -y\n"
        "devicePort: C2PH13047V\n"
        f"networkPort: {ptd_ports[1]}\n"
        "channel: 1,2\n",
        encoding="utf-8",
    )
    return path

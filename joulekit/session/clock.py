"""Stepping the system clock from an NTP server (``set_ntp`` and the client's correction).

Stepping a clock needs privileges. We try ``ntpdate -b`` (through ``sudo -n`` when not
root, so we never hang on a password prompt) and report a clear reason when that is not
possible; the caller decides whether that is fatal.
"""

from __future__ import annotations

import os
import shutil
import subprocess


def step_clock(ntp_server: str, timeout: float = 30.0) -> str | None:
    """Step the clock once; returns None on success or the reason it failed."""
    host = ntp_server.rsplit(":", 1)[0] if ntp_server.count(":") == 1 else ntp_server
    tool = shutil.which("ntpdate")
    if tool is None:
        return "ntpdate is not installed, so the clock cannot be stepped (install ntpdate)"
    argv = [tool, "-b", host]
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        sudo = shutil.which("sudo")
        if sudo is None:
            return "stepping the clock needs root and sudo is not installed"
        argv = [sudo, "-n", *argv]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"{' '.join(argv)} failed: {err}"
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return f"{' '.join(argv)} exited with {done.returncode}: {tail[0]}"
    return None

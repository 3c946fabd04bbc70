"""Checks of the host itself: may it step its clock, and can it import LoadGen.

Both failures are cheap to fix before a run and expensive during one: the reference
client steps the SUT clock with ``ntpdate -b`` (through ``sudo -n`` when not root) and
the director steps its own on ``set_ntp``; without the permission or the tool, a skew
found before a phase ends the run instead of being corrected.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import shutil
import subprocess
from collections.abc import Callable

from joulekit.doctor.result import CheckResult, error, ok, warning

#: the tools the director (``set_ntp``) and the client step the clock with: both run
#: ``ntpdate -b`` (see ``joulekit.session.clock.step_clock``)
CLOCK_TOOLS = ("ntpdate",)

CLOCK_TITLE = "clock may be stepped"
LOADGEN_TITLE = "LoadGen importable"


def passwordless_sudo(timeout_s: float = 5.0) -> bool:
    """True when ``sudo -n true`` succeeds, i.e. sudo will not stop to ask a password."""
    sudo = shutil.which("sudo")
    if sudo is None:
        return False
    try:
        done = subprocess.run(
            [sudo, "-n", "true"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout_s,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def check_clock_step(
    *,
    euid: int | None = None,
    which: Callable[[str], str | None] = shutil.which,
    sudo_ok: Callable[[], bool] = passwordless_sudo,
) -> CheckResult:
    """Whether this host could correct its clock before a phase if the sync check fails."""
    check = "clock.step"
    uid = os.geteuid() if euid is None else euid
    tools = {name: path for name in CLOCK_TOOLS if (path := which(name)) is not None}
    wanted = " or ".join(CLOCK_TOOLS)
    if uid == 0:
        how = "running as root"
    elif sudo_ok():
        how = "passwordless sudo"
    else:
        return warning(
            check,
            CLOCK_TITLE,
            "not root, and sudo asks for a password: a clock skew found before a phase "
            "cannot be corrected, so the run would stop",
            f"run as root, or allow passwordless sudo for {wanted} for this user",
            tools=sorted(tools),
        )
    if not tools:
        return warning(
            check,
            CLOCK_TITLE,
            f"{how}, but {wanted} is not on PATH to step the clock with",
            "install ntpdate (Debian/Ubuntu: apt install ntpsec-ntpdate)",
            how=how,
        )
    listed = ", ".join(f"{name} ({path})" for name, path in tools.items())
    return ok(check, CLOCK_TITLE, f"{how}; {listed}", how=how, tools=sorted(tools))


def check_loadgen(
    module: str = "mlperf_loadgen", distribution: str = "mlcommons-loadgen"
) -> CheckResult:
    """LoadGen must import in the environment that runs the workload, and we say which."""
    check = "loadgen.import"
    try:
        importlib.import_module(module)
    except ImportError as err:
        return error(
            check,
            LOADGEN_TITLE,
            f"cannot import {module}: {err}",
            f"install LoadGen where the workload runs: pip install {distribution}",
        )
    try:
        version = importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return warning(
            check,
            LOADGEN_TITLE,
            f"{module} imports, but no {distribution} distribution says its version",
            f"install LoadGen from the package index (pip install {distribution}) "
            "so the version the run used is known",
        )
    return ok(check, LOADGEN_TITLE, f"{module} {version}", version=version)

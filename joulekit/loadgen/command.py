"""A vendor's own LoadGen harness as the workload: ``--sut cmd:COMMAND``.

Submitters already have a harness that runs LoadGen; what they lack is the lockstep
with the director. The command is run through the shell, told where LoadGen's logs
must go (``{log_dir}`` in the command, or ``$JOULEKIT_LOG_DIR``) and what was asked
(``{scenario}``/``{mode}``, ``$JOULEKIT_SCENARIO``/``$JOULEKIT_MODE``), and afterwards
we check that it really wrote a detail log: a harness that silently logs elsewhere is
the most common way a power run is lost, and it is cheaper to say so at once.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from joulekit.errors import UserError
from joulekit.loadgen.outcome import DETAIL, LoadgenOutcome
from joulekit.loadgen.runner import LoadgenInterrupted
from joulekit.loadgen.settings import LoadgenSettings

#: how long a command may take to finish after Ctrl-C before it is terminated
INTERRUPT_GRACE_S = 10.0


def expand(command: str, settings: LoadgenSettings, log_dir: Path) -> str:
    """Fill the ``{log_dir}``, ``{scenario}`` and ``{mode}`` placeholders."""
    return (command.replace("{log_dir}", str(log_dir))
            .replace("{scenario}", settings.scenario).replace("{mode}", settings.mode))


def newest_detail_log(log_dir: Path, since: float) -> Path | None:
    """The detail log under ``log_dir`` written last, if written after ``since``."""
    found = [p for p in log_dir.rglob(DETAIL) if p.stat().st_mtime >= since - 1.0]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def run_command(command: str, settings: LoadgenSettings, log_dir: Path) -> LoadgenOutcome:
    """Run the wrapped harness and read back the LoadGen logs it wrote."""
    if not command.strip():
        raise UserError("cmd: needs a command, e.g. --sut 'cmd:./run_harness.sh {log_dir}'")
    log_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update({
        "JOULEKIT_LOG_DIR": str(log_dir), "JOULEKIT_SCENARIO": settings.scenario,
        "JOULEKIT_MODE": settings.mode, "JOULEKIT_LOADGEN_ARGS": " ".join(settings.to_cli_args()),
    })
    started = time.time()
    proc = subprocess.Popen(expand(command, settings, log_dir), shell=True, env=env)
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        try:
            proc.wait(INTERRUPT_GRACE_S)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(INTERRUPT_GRACE_S)
        raise LoadgenInterrupted(log_dir) from None
    detail = newest_detail_log(log_dir, started)
    if code != 0:
        kept = f"; its logs are kept in {detail.parent}" if detail else ""
        raise UserError(f"the wrapped command exited with status {code}{kept}")
    if detail is None:
        raise UserError(
            f"the wrapped command finished but wrote no {DETAIL} under {log_dir}; "
            "make it write LoadGen's logs to {log_dir} or $JOULEKIT_LOG_DIR"
        )
    return LoadgenOutcome.from_logs(detail.parent)

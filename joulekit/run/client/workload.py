"""Running the workload of one phase: a shell command or a Python callable.

A shell workload runs like the reference's (``shell=True``) with
``JOULEKIT_POWER_MODE`` and ``JOULEKIT_LOADGEN_LOGS`` in its environment; a callable gets
the same facts as a :class:`WorkloadContext`. A failure of either is returned as a
sentence, never raised, so the client can still end the session cleanly.

The one exception is an interrupt (Ctrl-C, SIGTERM, SIGHUP): a shell workload runs in
a process group of its own, so the interrupt reaches it, and all it started, from us
(:func:`joulekit.signals.stop_child`); once it is stopped and reaped the interrupt is
raised on, and the client ends the phase and the session.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable

from joulekit import signals
from joulekit.run.client.options import Workload, WorkloadContext

#: how long a stopped workload may take to write its logs before it is terminated
GRACE_S = 10.0
#: how often a running workload is checked for a cancel (the director gone)
POLL_S = 0.5


def describe(workload: Workload) -> str:
    if isinstance(workload, str):
        return workload
    return getattr(workload, "__qualname__", repr(workload))


def run_workload(workload: Workload, context: WorkloadContext) -> str | None:
    """Run it to the end; None when it succeeded, else what went wrong."""
    if isinstance(workload, str):
        env = dict(os.environ)
        env["JOULEKIT_POWER_MODE"] = context.mode
        env["JOULEKIT_LOADGEN_LOGS"] = str(context.loadgen_logs)
        env["JOULEKIT_SESSION_ID"] = context.session_id
        try:
            proc = subprocess.Popen(workload, shell=True, env=env, stdin=subprocess.DEVNULL,
                                    process_group=0)
        except OSError as err:
            return f"the workload command could not start: {err}"
        try:
            code = wait_unless(proc, context.cancelled)
        except KeyboardInterrupt:
            signals.ignore_ctrl_c()  # a second press would leave the workload running
            signals.stop_child(proc, GRACE_S)
            raise
        if code is None:
            signals.stop_child(proc, GRACE_S)
            return "the workload was stopped: the director is gone"
        if code != 0:
            return f"the workload command exited with code {code}"
        return None
    try:
        workload(context)
    except KeyboardInterrupt:
        raise
    except Exception as err:
        return f"the workload raised {type(err).__name__}: {err}"
    return None


def wait_unless(proc: subprocess.Popen[bytes], cancelled: Callable[[], bool]) -> int | None:
    """The child's exit code, or None as soon as ``cancelled()`` (the child still runs)."""
    while True:
        try:
            return proc.wait(POLL_S)
        except subprocess.TimeoutExpired:
            if cancelled():
                return None

"""Running the workload of one phase: a shell command or a Python callable.

A shell workload runs like the reference's (``shell=True``) with
``JOULEKIT_POWER_MODE`` and ``JOULEKIT_LOADGEN_LOGS`` in its environment; a callable gets
the same facts as a :class:`WorkloadContext`. A failure of either is returned as a
sentence, never raised, so the client can still end the session cleanly.
"""

from __future__ import annotations

import os
import subprocess

from joulekit.harness.client.options import Workload, WorkloadContext


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
            done = subprocess.run(workload, shell=True, env=env, check=False)
        except OSError as err:
            return f"the workload command could not start: {err}"
        if done.returncode != 0:
            return f"the workload command exited with code {done.returncode}"
        return None
    try:
        workload(context)
    except KeyboardInterrupt:
        raise
    except Exception as err:
        return f"the workload raised {type(err).__name__}: {err}"
    return None

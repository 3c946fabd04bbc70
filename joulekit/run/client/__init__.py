"""The client of protocol v3: wraps a workload in ranging and testing phases.

Compatible with the reference director and with ours. ``run_client(ClientOptions(...))``
is what ``joulekit client`` and ``joulekit run`` call.
"""

from joulekit.run.client.options import (
    ClientOptions,
    ClientResult,
    Workload,
    WorkloadContext,
)
from joulekit.run.client.runner import run_client

__all__ = ["ClientOptions", "ClientResult", "Workload", "WorkloadContext", "run_client"]

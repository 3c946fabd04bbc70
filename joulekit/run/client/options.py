"""What a client run needs (:class:`ClientOptions`) and what it returns (:class:`ClientResult`).

The workload is either a shell command (what the reference client's ``-w`` runs, e.g. a
vendor's own LoadGen harness) or a Python callable that receives a
:class:`WorkloadContext`. Either way it must leave LoadGen logs
(``mlperf_log_detail.txt`` and ``mlperf_log_summary.txt``) somewhere under
``loadgen_logs`` during each phase.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joulekit.session.protocol import DEFAULT_PORT


@dataclass(frozen=True)
class WorkloadContext:
    """Handed to a callable workload; the same facts reach a shell one as environment."""

    mode: str  # "ranging" or "testing"
    loadgen_logs: Path  # where LoadGen must write its logs
    session_id: str
    #: True once the director is gone: a long-running workload should stop then
    cancelled: Callable[[], bool] = field(default=lambda: False, compare=False)


Workload = str | Callable[[WorkloadContext], object]


@dataclass
class ClientOptions:
    """The reference client's options, plus the hooks ``joulekit run`` uses.

    ``ntp_server`` is ``HOST`` or ``HOST:PORT``; None skips the NTP check (the director
    offset is still checked) and says so in ``client.log``. ``max_offset_ms`` None takes
    the limit from the rule pack of ``round`` (400 ms when no pack says otherwise).
    ``clock`` is the wall clock used for every client timestamp; tests inject an offset.
    """

    address: str
    workload: Workload
    loadgen_logs: Path
    output: Path
    port: int = DEFAULT_PORT
    ntp_server: str | None = None
    label: str = ""
    force: bool = False
    stop_server: bool = False
    no_timestamp_dir: bool = False
    max_amps: float = 0.0
    max_volts: float = 0.0
    shared_key: str | None = None
    max_offset_ms: float | None = None
    round: str | None = None
    allow_clock_step: bool = True
    clock: Callable[[], float] = time.time
    #: called as ``on_phase(mode, step)`` with step in start|workload|stop|done
    on_phase: Callable[[str, str], None] | None = None
    echo: bool = True  # also print client.log lines to stderr


@dataclass
class ClientResult:
    """Where the result tree is and what happened."""

    result_dir: Path  # holds power/ ranging/ run_1/
    session_id: str
    phases: dict[str, list[list[float]]]
    detail_logs: dict[str, Path]  # mode -> the LoadGen detail log that was copied
    downloaded: list[str]
    not_valid_for_submission: list[str] = field(default_factory=list)
    time_checks: list[dict[str, Any]] = field(default_factory=list)

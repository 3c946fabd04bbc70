"""What a doctor run is asked to look at: the same inputs the real run will use.

On the director host that is the ``server.conf`` the director starts from; on the SUT
host it is the client's own options (director address, NTP server, output and LoadGen
folders). One run may do both when director and SUT share a host.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from joulekit.session.protocol import DEFAULT_PORT

#: a compliant testing run lasts at least 600 s; ranging as long again
DEFAULT_PHASE_SECONDS = 600.0
#: assumed line voltage and power factor when only the expected watts are known
DEFAULT_LINE_VOLTS = 230.0
DEFAULT_POWER_FACTOR = 0.95


@dataclass(frozen=True)
class DoctorOptions:
    """Inputs of one doctor run; ``None`` leaves the corresponding checks out."""

    #: director host: the reference ``server.conf`` the director will read
    config: Path | None = None
    #: SUT host: where the director listens (the client's ``-a``/``-p``)
    director_host: str | None = None
    director_port: int = DEFAULT_PORT
    #: SUT host: the client's NTP server (``-n``); the director's comes from the config
    ntp_server: str | None = None
    #: SUT host: the client's output folder (``-o``) and LoadGen log folder (``-L``)
    output_dir: Path | None = None
    loadgen_logs: Path | None = None
    #: the round whose rule pack applies (None: the newest pack)
    round: str | None = None
    #: what the SUT is expected to draw, for the range/uncertainty check
    expected_watts: float | None = None
    line_volts: float = DEFAULT_LINE_VOLTS
    power_factor: float = DEFAULT_POWER_FACTOR
    #: take a short Go/Stop measurement on each analyzer
    probe: bool = False
    #: start and query each configured analyzer (a rehearsal turns this off: it
    #: replaces every analyzer with the simulator and leaves the meter alone)
    analyzers: bool = True
    #: expected length of one phase, for the disk-space estimate
    phase_seconds: float = DEFAULT_PHASE_SECONDS
    #: NTP and client/director time limit (ms); None uses the harness client's limit
    time_limit_ms: float | None = None
    #: how long to wait for an NTP answer or an analyzer/director reply
    timeout_s: float = 3.0

    @property
    def checks_director_host(self) -> bool:
        return self.config is not None

    @property
    def checks_sut_host(self) -> bool:
        return (
            self.config is None
            or self.director_host is not None
            or (self.output_dir is not None or self.loadgen_logs is not None)
        )

"""Live power metrics of every source, for Prometheus to scrape while a fleet measures.

A director (or the training collector) measures for hours and writes its files only at
the end of a phase; a lab watching a rack wants the watts *now*. This module keeps, per
source (an analyzer of a director, a node of a training run), the last reading, the
energy and the number of samples since the session began, the last relative
uncertainty and the phase, and serves them in the Prometheus text format. It knows
nothing about who feeds it: a feeder calls :meth:`SourceMetrics.observe` with each
sample as it arrives and :meth:`SourceMetrics.set_phase` when the phase changes.

``prometheus-client`` is an optional dependency (extra ``fleet``): it is imported only
when a :class:`PowerMetrics` is built, so nothing else pays for it.

Metric names and labels (``docs/usage-director.md``, "Live metrics"):

``joulekit_power_watts{source}``
    the last valid reading, W
``joulekit_energy_joules{source}``
    energy since the session began (reset by :meth:`SourceMetrics.reset`), J
``joulekit_samples{source}`` / ``joulekit_invalid_samples{source}``
    samples received since the session began / of them invalid (NaN, over-range)
``joulekit_uncertainty_ratio{source}``
    relative uncertainty of the last sample's watts (0.0063 = 0.63 %); NaN when unknown
``joulekit_last_sample_timestamp_seconds{source}``
    the source's own clock of the last sample, Unix seconds (staleness)
``joulekit_phase{source, phase}``
    1 for the phase in force, 0 for the others (one series per phase name)
``joulekit_source_info{source, url, kind}``
    always 1: what the source is
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from joulekit.analyzers.base import Sample
from joulekit.errors import UserError

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

#: the phases of a director session
DIRECTOR_PHASES = ("idle", "ranging", "testing")
#: the metric name prefix
PREFIX = "joulekit"
#: a gap between two samples longer than this many nominal intervals counts as this
#: many (a meter that stalled for a minute is not assumed to have drawn its last watts
#: all along; the energy is then a lower bound)
MAX_GAP_INTERVALS = 10.0

_INSTALL_HINT = "install the fleet extra: pip install 'joulekit[fleet]'"


def _prometheus() -> Any:
    try:
        # optional dependency (extra ``fleet``), imported only when metrics are asked for
        import prometheus_client
    except ImportError:
        raise UserError(
            f"live metrics need the prometheus-client package; {_INSTALL_HINT}"
        ) from None
    return prometheus_client


@dataclass(frozen=True)
class SourceSnapshot:
    """What one source's metrics hold now (for tests, logs and the training summary)."""

    watts: float
    energy_j: float
    samples: int
    invalid: int
    uncertainty: float | None
    phase: str
    last_time_s: float | None


class SourceMetrics:
    """The series of one source; every method is safe from any thread."""

    def __init__(self, owner: PowerMetrics, name: str, interval_s: float) -> None:
        self._owner = owner
        self.name = name
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._energy = 0.0
        self._samples = 0
        self._invalid = 0
        self._watts = math.nan
        self._uncertainty: float | None = None
        self._phase = owner.phases[0]
        self._last_time: float | None = None
        #: the time of the previous sample of the current phase (None: a phase began)
        self._previous: float | None = None
        # every series exists from the start (a dashboard sees 0 samples, not no data)
        for series, value in ((owner.watts, math.nan), (owner.energy, 0.0),
                              (owner.samples, 0.0), (owner.invalid, 0.0),
                              (owner.uncertainty, math.nan), (owner.last_time, math.nan)):
            series.labels(name).set(value)
        self._publish_phase()

    def reset(self) -> None:
        """A new session: energy and counts from zero, phase back to the first one."""
        with self._lock:
            self._energy = 0.0
            self._samples = self._invalid = 0
            self._previous = None
            self._owner.energy.labels(self.name).set(0.0)
            self._owner.samples.labels(self.name).set(0)
            self._owner.invalid.labels(self.name).set(0)
        self.set_phase(self._owner.phases[0])

    def set_phase(self, phase: str) -> None:
        """Enter ``phase`` (one of the owner's phases); the next sample starts a new chain."""
        if phase not in self._owner.phases:
            raise ValueError(f"unknown phase {phase!r}; one of {self._owner.phases}")
        with self._lock:
            if phase == self._phase:
                return
            self._phase = phase
            self._previous = None
            self._publish_phase()

    def _publish_phase(self) -> None:
        for name in self._owner.phases:
            self._owner.phase.labels(self.name, name).set(1.0 if name == self._phase else 0.0)

    def observe(
        self, watts: float, time_s: float, uncertainty: float | None = None
    ) -> None:
        """One sample: ``watts`` (negative or NaN: invalid), taken at ``time_s`` on the
        source's own clock (Unix seconds).

        The energy adds ``watts`` times the time since the previous sample of the phase
        (the reading is the average over the meter's interval that ends at ``time_s``);
        the first sample of a phase counts one nominal interval.
        """
        valid = math.isfinite(watts) and watts >= 0
        with self._lock:
            self._samples += 1
            if self._previous is None:
                dt = self.interval_s
            else:
                dt = min(max(time_s - self._previous, 0.0), MAX_GAP_INTERVALS * self.interval_s)
            self._previous = time_s
            self._last_time = time_s
            o = self._owner
            o.samples.labels(self.name).set(self._samples)
            o.last_time.labels(self.name).set(time_s)
            if not valid:
                self._invalid += 1
                o.invalid.labels(self.name).set(self._invalid)
                return
            self._energy += watts * dt
            self._watts = watts
            self._uncertainty = uncertainty
            o.watts.labels(self.name).set(watts)
            o.energy.labels(self.name).set(self._energy)
            o.uncertainty.labels(self.name).set(math.nan if uncertainty is None else uncertainty)

    def observe_samples(self, samples: Sequence[Sample]) -> None:
        """Every analyzer :class:`~joulekit.analyzers.base.Sample` of ``samples``, in order."""
        for sample in samples:
            watts = sample.watts if sample.valid else math.nan
            self.observe(watts, sample.utc.timestamp(), sample.uncertainty)

    def snapshot(self) -> SourceSnapshot:
        with self._lock:
            return SourceSnapshot(self._watts, self._energy, self._samples, self._invalid,
                                  self._uncertainty, self._phase, self._last_time)


class MetricsServer:
    """The HTTP endpoint (``/metrics``) of a :class:`PowerMetrics`, in a daemon thread."""

    def __init__(self, httpd: WSGIServer, thread: threading.Thread) -> None:
        self._httpd = httpd
        self._thread = thread

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class PowerMetrics:
    """One registry of power series; :meth:`source` names a source, :meth:`serve` serves.

    Each instance has its own Prometheus registry (never the process-global one), so a
    test, a director and a collector in one process do not mix their series.
    """

    def __init__(self, phases: Sequence[str] = DIRECTOR_PHASES) -> None:
        if not phases:
            raise ValueError("give at least one phase")
        prom = _prometheus()
        self.phases = tuple(phases)
        self.registry = prom.CollectorRegistry(auto_describe=True)
        self._sources: dict[str, SourceMetrics] = {}
        self._lock = threading.Lock()

        def gauge(name: str, doc: str, *labels: str) -> Any:
            return prom.Gauge(f"{PREFIX}_{name}", doc, ("source", *labels),
                              registry=self.registry)

        self.watts = gauge("power_watts", "Last valid power reading of the source (W)")
        self.energy = gauge("energy_joules", "Energy measured since the session began (J)")
        self.samples = gauge("samples", "Samples received since the session began")
        self.invalid = gauge("invalid_samples",
                             "Invalid samples (NaN, over-range) since the session began")
        self.uncertainty = gauge("uncertainty_ratio",
                                 "Relative uncertainty of the last sample's watts (NaN: unknown)")
        self.last_time = gauge("last_sample_timestamp_seconds",
                               "Source clock of the last sample (Unix seconds)")
        self.phase = gauge("phase", "1 for the phase in force, 0 for the others", "phase")
        self.info = gauge("source_info", "What the source is (always 1)", "url", "kind")

    def source(
        self, name: str, *, url: str = "", kind: str = "", interval_s: float = 1.0
    ) -> SourceMetrics:
        """The metrics of source ``name`` (created on first use; later calls return it)."""
        with self._lock:
            found = self._sources.get(name)
            if found is None:
                found = self._sources[name] = SourceMetrics(self, name, interval_s)
                self.info.labels(name, url, kind).set(1)
            return found

    def sources(self) -> dict[str, SourceMetrics]:
        with self._lock:
            return dict(self._sources)

    def render(self) -> str:
        """The Prometheus text exposition of every series (what ``/metrics`` answers)."""
        text: bytes = _prometheus().generate_latest(self.registry)
        return text.decode("utf-8")

    def serve(self, host: str, port: int) -> MetricsServer:
        """Serve ``/metrics`` on ``host:port`` (port 0 picks a free one) until closed."""
        try:
            httpd, thread = _prometheus().start_http_server(port, addr=host,
                                                            registry=self.registry)
        except OSError as err:
            raise UserError(
                f"cannot serve metrics on {host}:{port}: {err.strerror or err}",
                hint="pick another port with --metrics-port or stop what uses it",
            ) from err
        return MetricsServer(httpd, thread)

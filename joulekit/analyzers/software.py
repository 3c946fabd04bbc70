"""Software power sources: NVIDIA NVML and Linux powercap RAPL, as secondary channels.

Both are energy counters, so power is the counter's difference over *our* interval
(NVML's instantaneous power is a ~1 s average of unknown phase: used only where the
GPU has no energy counter). They never count as the compliant measurement: ``kind``
is ``software``, ``compliant`` is False and no uncertainty is claimed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from joulekit.analyzers.base import (
    INVALID_READING,
    Analyzer,
    AnalyzerError,
    Identity,
    Range,
    Ranges,
    Sample,
    Statistics,
)
from joulekit.analyzers.sampling import SamplingThread
from joulekit.analyzers.url import AnalyzerUrl
from joulekit.errors import UserError

_NO_RANGES = Ranges(Range(None, None), Range(None, None))


def _software_identity(model: str, raw: str) -> Identity:
    """What a software source says it is: one channel, no meter, never compliant."""
    return Identity(model=model, device_type=None, serial=None, firmware=None,
                    ptd_version=None, channels=1, compliant=False, raw=raw)


class _CounterSource(Analyzer):
    """Shared sampling loop: read a cumulative energy (J) every interval, differentiate."""

    kind = "software"
    compliant = False

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._sampler = SamplingThread("energy-counter")
        self._interval = 1.0
        self._mark = ""
        self._open_warnings: list[str] = []  # facts found at open() that stay true
        self._identity: Identity | None = None  # set by open()

    def identify(self) -> Identity:
        if self._identity is None:
            raise AnalyzerError(f"{self.url}: identify() before open()")
        return self._identity

    # subclasses: energy in joules (cumulative) or None; power in W as fallback
    def _energy(self) -> float | None:
        raise NotImplementedError

    def _power(self) -> float:
        raise NotImplementedError

    def get_ranges(self) -> Ranges:
        return _NO_RANGES

    def set_ranges(self, volts: float | str, amps: float | str) -> Ranges:
        return _NO_RANGES  # a counter has no ranges; accepted so the director needs no branch

    def start(self, interval_ms: int, mark: str) -> None:
        self.samples = []
        self.warnings = list(self._open_warnings)
        self._mark = mark
        self._interval = interval_ms / 1000.0
        self._sampler.start(self._loop)

    def _loop(self) -> None:
        interval = self._interval
        try:
            last_e = self._energy()
            last_t = time.monotonic()
            next_at = last_t + interval
            while self._sampler.running.is_set():
                time.sleep(max(0.0, next_at - time.monotonic()))
                next_at += interval
                now = time.monotonic()
                energy = self._energy()
                if energy is not None and last_e is not None:
                    watts = self._delta(last_e, energy) / (now - last_t)
                else:
                    watts = self._power()
                last_e, last_t = energy, now
                self.samples.append(self._sample(watts, now))
        except AnalyzerError as err:
            self._sampler.error = str(err)

    def _delta(self, before: float, after: float) -> float:
        return after - before

    def _sample(self, watts: float, mono: float) -> Sample:
        return Sample(
            utc=datetime.now(UTC),
            monotonic=mono,
            watts=watts,
            volts=INVALID_READING,
            amps=INVALID_READING,
            pf=INVALID_READING,
            mark=self._mark,
            ranges=None,
            flags=frozenset({"uncertainty_unknown"}),
            uncertainty=None,
            source=self.url,
        )

    def stop(self) -> Sequence[Sample]:
        return self._sampler.stop(self.samples)

    def statistics(self) -> Statistics | None:
        if not self.samples:
            return None
        w = [s.watts for s in self.samples]
        return Statistics(sum(w) / len(w), min(w), max(w), len(w), 0)


class NvmlSource(_CounterSource):
    """``nvml://INDEX``: total energy (mJ, Volta+) differentiated; power (mW) as fallback."""

    def __init__(self, url: str, index: int | str, nvml: Any = None) -> None:
        super().__init__(url)
        self.index = index
        self._nvml = nvml
        self._handle: Any = None
        self._has_energy = True

    def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except self._nvml.NVMLError as err:
            raise AnalyzerError(f"NVML on GPU {self.index}: {err}") from None

    def open(self) -> None:
        if self._nvml is None:
            try:
                import pynvml  # here, not at the top: rapl:// shares this module, needs no NVML
            except ImportError:
                raise UserError("nvml:// needs nvidia-ml-py: pip install nvidia-ml-py") from None
            self._nvml = pynvml
        nv = self._nvml
        try:
            nv.nvmlInit()
        except nv.NVMLError as err:
            raise UserError(
                f"cannot use nvml://{self.index}: NVML did not start ({err}); this host needs "
                "an NVIDIA GPU and driver"
            ) from None
        try:
            count = int(nv.nvmlDeviceGetCount())
            if not isinstance(self.index, int) or not 0 <= self.index < count:
                raise UserError(
                    f"nvml://{self.index}: this host has {count} GPU(s) (0..{count - 1})"
                )
            self._handle = nv.nvmlDeviceGetHandleByIndex(self.index)
            name = nv.nvmlDeviceGetName(self._handle)
            name = name.decode() if isinstance(name, bytes) else str(name)
            try:
                nv.nvmlDeviceGetTotalEnergyConsumption(self._handle)
            except nv.NVMLError:
                self._has_energy = False
                self._open_warnings.append(
                    f"GPU {self.index} has no energy counter; using power readings"
                )
        except BaseException:
            nv.nvmlShutdown()
            raise
        self._identity = _software_identity(f"{name} (NVML software source)", name)


    def _energy(self) -> float | None:
        if not self._has_energy:
            return None
        return (
            float(self._call(self._nvml.nvmlDeviceGetTotalEnergyConsumption, self._handle)) / 1000.0
        )

    def _power(self) -> float:
        return float(self._call(self._nvml.nvmlDeviceGetPowerUsage, self._handle)) / 1000.0

    def close(self) -> None:
        self._sampler.join()
        if self._handle is not None:
            self._handle = None
            with contextlib.suppress(self._nvml.NVMLError):
                self._nvml.nvmlShutdown()


class RaplSource(_CounterSource):
    """``rapl://intel-rapl:0``: ``energy_uj`` differentiated; wraps at ``max_energy_range_uj``."""

    def __init__(self, url: str, zone: str, root: Path | None = None) -> None:
        super().__init__(url)
        self.zone_dir = (root or Path("/sys/class/powercap")) / zone
        self._max_uj = 0

    def _read(self, name: str) -> str:
        path = self.zone_dir / name
        try:
            return path.read_text().strip()
        except PermissionError:
            raise AnalyzerError(
                f"cannot read {path}: permission denied (RAPL is root-only since 2020); run as "
                "root or grant read access to energy_uj"
            ) from None
        except OSError as err:
            raise AnalyzerError(f"cannot read {path}: {err.strerror}") from None

    def open(self) -> None:
        if not self.zone_dir.is_dir():
            raise UserError(
                f"{self.url}: no powercap zone at {self.zone_dir}; list /sys/class/powercap"
            )
        name = self._read("name") if (self.zone_dir / "name").exists() else self.zone_dir.name
        self._max_uj = int(self._read("max_energy_range_uj"))
        self._read("energy_uj")
        self._identity = _software_identity(f"RAPL {name} (software source)", name)


    def _energy(self) -> float | None:
        return int(self._read("energy_uj")) / 1e6

    def _power(self) -> float:
        return INVALID_READING

    def _delta(self, before: float, after: float) -> float:
        if after < before:  # the counter wrapped
            return after + self._max_uj / 1e6 - before
        return after - before

    def close(self) -> None:
        self._sampler.join()


def from_url(url: AnalyzerUrl, *, start: bool) -> Analyzer:
    """``nvml://INDEX`` (default 0) or ``rapl://ZONE[?root=/sys/class/powercap]``.

    Nothing is read before ``open()``, so ``start`` is moot.
    """
    if url.scheme == "nvml":
        index = url.netloc or "0"
        url.finish()
        return NvmlSource(url.text, int(index) if index.isdigit() else index)
    zone = url.netloc or "intel-rapl:0"
    root = url.option("root")
    url.finish()
    return RaplSource(url.text, zone, Path(root) if root else None)

"""NVML with a faked pynvml module object, RAPL with a fake powercap tree."""

from __future__ import annotations

import itertools
import time
import types
from pathlib import Path

import pytest

from joulekit.analyzers import open_analyzer, software
from joulekit.analyzers.software import NvmlSource, RaplSource
from joulekit.errors import UserError


class _NVMLError(Exception):
    pass


class _SharedClock:
    """One clock for the GPU's energy counter and the sampler (the GPU's counter is the
    part that cannot exist here). Each sleep really sleeps, then advances the clock by
    that long plus a scripted lateness (a busy scheduler), so the counter read right
    after a time stamp agrees with it whatever the real scheduler does: the power is
    exact only if it is divided by the time that really passed, not by the interval."""

    LATENESS = (0.0, 0.013, 0.031, 0.004)

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps = 0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
        self.now += seconds + self.LATENESS[self.sleeps % len(self.LATENESS)]
        self.sleeps += 1


def _fake_nvml(
    energy: bool = True, init_fails: bool = False, clock: _SharedClock | None = None
) -> types.SimpleNamespace:
    start = clock.now if clock is not None else 0.0

    def energy_mj(handle: object) -> float:
        if not energy:
            raise _NVMLError("Not Supported")
        assert clock is not None
        return (clock.now - start) * 250.0 * 1000  # 250 W

    def init() -> None:
        if init_fails:
            raise _NVMLError("Driver Not Loaded")

    return types.SimpleNamespace(
        NVMLError=_NVMLError,
        nvmlInit=init,
        nvmlShutdown=lambda: None,
        nvmlDeviceGetCount=lambda: 1,
        nvmlDeviceGetHandleByIndex=lambda i: ("gpu", i),
        nvmlDeviceGetName=lambda h: b"NVIDIA H100",
        nvmlDeviceGetTotalEnergyConsumption=energy_mj,
        nvmlDeviceGetPowerUsage=lambda h: 180500,
    )


def test_nvml_energy_counter_is_differentiated(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _SharedClock()
    monkeypatch.setattr(software, "time", clock)
    src = NvmlSource("nvml://0", 0, _fake_nvml(clock=clock))
    src.open()
    assert src.identify().model == "NVIDIA H100 (NVML software source)" and not src.compliant
    src.start(100, "m")
    time.sleep(0.45)
    samples = src.stop()
    src.close()
    assert len(samples) >= 3 and all(s.watts == pytest.approx(250.0, rel=1e-9) for s in samples)
    gaps = [b.monotonic - a.monotonic for a, b in itertools.pairwise(samples)]
    assert max(gaps) > 0.11  # the scripted lateness reached the samples being checked
    assert src.kind == "software" and samples[0].uncertainty is None


def test_nvml_power_fallback_without_energy_counter() -> None:
    src = NvmlSource("nvml://0", 0, _fake_nvml(energy=False))
    src.open()
    src.start(100, "m")
    time.sleep(0.25)
    samples = src.stop()
    src.close()
    assert samples and all(s.watts == 180.5 for s in samples)
    assert any("no energy counter" in w for w in src.warnings)


def test_nvml_without_driver_is_a_user_error() -> None:
    src = NvmlSource("nvml://0", 0, _fake_nvml(init_fails=True))
    with pytest.raises(UserError, match=r"NVML did not start .*Driver Not Loaded.*NVIDIA GPU"):
        src.open()
    with pytest.raises(UserError, match="this host has 1 GPU"):
        NvmlSource("nvml://3", 3, _fake_nvml()).open()


def _zone(root: Path, energy_uj: int, max_uj: int = 1_000_000) -> Path:
    zone = root / "intel-rapl:0"
    zone.mkdir(parents=True, exist_ok=True)
    (zone / "name").write_text("package-0\n")
    (zone / "max_energy_range_uj").write_text(f"{max_uj}\n")
    (zone / "energy_uj").write_text(f"{energy_uj}\n")
    return zone


def test_rapl_differentiates_and_handles_wraparound(tmp_path: Path) -> None:
    zone = _zone(tmp_path, 900_000)
    src = open_analyzer(f"rapl://intel-rapl:0?root={tmp_path}")
    assert isinstance(src, RaplSource)
    src.open()
    assert src.identify().model == "RAPL package-0 (software source)"
    src.start(200, "m")
    time.sleep(0.1)
    (zone / "energy_uj").write_text("100000\n")  # wrapped: +200 000 uJ in ~0.2 s = ~1 W
    time.sleep(0.25)
    samples = src.stop()
    src.close()
    assert samples and 0.5 < samples[0].watts < 2.0


def test_rapl_missing_zone_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no powercap zone"):
        RaplSource("rapl://intel-rapl:9", "intel-rapl:9", tmp_path).open()

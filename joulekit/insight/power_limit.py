"""Set a GPU's power limit through NVML for one sweep point, and always put it back.

Changing the limit needs root (or ``CAP_SYS_ADMIN``); a refused or unavailable NVML is
a :class:`UserError` naming the cause, raised before anything is measured. The limit in
force before the point is restored in a ``finally``, so an interrupted sweep never
leaves a GPU throttled.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from joulekit.errors import UserError


def _nvml() -> Any:
    try:
        import pynvml  # optional dependency (nvidia-ml-py): only a power-limit sweep needs it
    except ImportError:
        raise UserError(
            "a power-limit sweep needs nvidia-ml-py (pip install nvidia-ml-py)"
        ) from None
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as err:
        raise UserError(f"a power-limit sweep needs an NVIDIA GPU with NVML ({err})") from None
    return pynvml


def limits_w(gpu: int) -> tuple[float, float, float]:
    """``(min, max, current)`` power limit of GPU ``gpu`` in watts."""
    nvml = _nvml()
    try:
        handle = nvml.nvmlDeviceGetHandleByIndex(gpu)
        low, high = nvml.nvmlDeviceGetPowerManagementLimitConstraints(handle)
        current = nvml.nvmlDeviceGetPowerManagementLimit(handle)
    except nvml.NVMLError as err:
        raise UserError(f"GPU {gpu}: cannot read its power limits through NVML ({err})") from None
    finally:
        nvml.nvmlShutdown()
    return low / 1000.0, high / 1000.0, current / 1000.0


@contextmanager
def power_limit(gpu: int, watts: float | None) -> Iterator[None]:
    """Hold GPU ``gpu`` at ``watts`` inside the block (no-op for None)."""
    if watts is None:
        yield
        return
    nvml = _nvml()
    try:
        handle = nvml.nvmlDeviceGetHandleByIndex(gpu)
        low, high = nvml.nvmlDeviceGetPowerManagementLimitConstraints(handle)
        if not low <= watts * 1000 <= high:
            raise UserError(
                f"GPU {gpu} accepts power limits from {low / 1000:g} to {high / 1000:g} W, "
                f"not {watts:g} W"
            )
        before = nvml.nvmlDeviceGetPowerManagementLimit(handle)
        try:
            nvml.nvmlDeviceSetPowerManagementLimit(handle, round(watts * 1000))
        except nvml.NVMLError as err:
            raise UserError(
                f"GPU {gpu}: NVML refused the power limit {watts:g} W ({err}); setting it "
                "needs root"
            ) from None
        try:
            yield
        finally:
            nvml.nvmlDeviceSetPowerManagementLimit(handle, before)
    except nvml.NVMLError as err:
        raise UserError(f"GPU {gpu}: NVML failed ({err})") from None
    finally:
        nvml.nvmlShutdown()

"""What ``joulekit init`` can learn about the host it runs on.

Only facts the machine reports are filled in; anything it cannot know (cooling, the
networking topology, the power supplies) stays a ``TODO:`` placeholder the checker
refuses until a person replaces it.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
from pathlib import Path

import psutil


def _gib(n: float) -> str:
    return f"{n / 2**30:.0f} GB"


def _cpuinfo() -> tuple[str, int]:
    """CPU model name and socket count from /proc/cpuinfo (Linux), else platform."""
    model, sockets = "", set()
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key == "model name" and not model:
                model = value.strip()
            elif key == "physical id":
                sockets.add(value.strip())
    except OSError:
        pass
    return model or platform.processor() or platform.machine(), max(len(sockets), 1)


def _os_name() -> str:
    try:
        pretty = platform.freedesktop_os_release().get("PRETTY_NAME", "")
    except OSError:
        pretty = ""
    return f"{pretty or platform.system()} (kernel {platform.release()})"


def _accelerators() -> tuple[str, int, str]:
    """Name, count and memory of NVIDIA GPUs as nvidia-smi reports them, if any."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return "", 0, ""
    try:
        out = subprocess.run([smi, "--query-gpu=name,memory.total", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return "", 0, ""
    rows = [r.split(",") for r in out.strip().splitlines() if "," in r]
    if not rows:
        return "", 0, ""
    return rows[0][0].strip(), len(rows), rows[0][1].strip()


def detect_host() -> dict[str, str]:
    """System-description fields this host can fill itself."""
    model, sockets = _cpuinfo()
    cores = psutil.cpu_count(logical=False) or psutil.cpu_count() or 0
    fields = {
        "host_processor_model_name": model,
        "host_processors_per_node": str(sockets),
        "host_processor_core_count": str(max(cores // sockets, 1)),
        "host_memory_capacity": _gib(psutil.virtual_memory().total),
        "host_storage_capacity": _gib(psutil.disk_usage("/").total),
        "operating_system": _os_name(),
        "number_of_nodes": "1",
    }
    freq = psutil.cpu_freq()
    if freq is not None and freq.max:
        fields["host_processor_frequency"] = f"{freq.max:.0f} MHz"
    name, count, memory = _accelerators()
    if count:
        fields.update(accelerator_model_name=name, accelerators_per_node=str(count),
                      accelerator_memory_capacity=memory)
    else:
        fields.update(accelerators_per_node="0", accelerator_model_name="N/A",
                      accelerator_memory_capacity="N/A")
    return {k: v for k, v in fields.items() if v}

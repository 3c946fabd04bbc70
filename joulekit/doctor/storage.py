"""Can the run write where it will write, and is there room for what it will write?

The probe really creates a file (and removes it) instead of asking ``os.access``:
``os.access`` answers "yes" to root for a folder on a read-only file system or under a
path that runs through a regular file, and the run would then fail at its first write,
after ranging. A folder that does not exist yet is fine when its nearest existing parent
is writable — the run creates it — so that parent is probed instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from joulekit.doctor.result import CheckResult, error, ok

TITLE = "writable"

#: generous bytes one analyzer produces per second of a phase, over every copy the
#: director and client keep (spl lines, PTDaemon's -l and console logs, merged files)
BYTES_PER_ANALYZER_SECOND = 1024
#: room kept for LoadGen's summary/detail logs and the JSON/log files of both sides
LOG_MARGIN_BYTES = 64 * 1024 * 1024
MIB = 1024 * 1024


@dataclass(frozen=True)
class LogEstimate:
    """How much a run is expected to write, and why (shown in the JSON details)."""

    phase_seconds: float
    analyzers: int
    phases: int = 2

    @property
    def bytes(self) -> int:
        samples = self.phases * self.phase_seconds * max(1, self.analyzers)
        return int(samples * BYTES_PER_ANALYZER_SECOND) + LOG_MARGIN_BYTES


def _nearest_existing(path: Path) -> Path:
    current = path
    while not current.exists() and current != current.parent:
        current = current.parent
    return current


def _probe_write(folder: Path) -> OSError | None:
    """Create and remove one file in ``folder``; the error if that is impossible."""
    try:
        fd, name = tempfile.mkstemp(prefix=".joulekit-doctor-", dir=folder)
    except OSError as err:
        return err
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(name)
    return None


def check_output_folder(path: Path, role: str, estimate: LogEstimate) -> CheckResult:
    """``role`` names the folder for the user (``client output (-o)``, ``LoadGen logs``)."""
    check = f"folder.{role.split()[0].lower()}"
    title = f"{TITLE}: {role}"
    target = path.expanduser().absolute()
    existing = _nearest_existing(target)
    if existing.exists() and not existing.is_dir():
        return error(
            check,
            title,
            f"cannot create {target}: {existing} is a file, not a folder",
            f"choose an output folder that is not below the file {existing}",
            path=str(target),
        )
    probe = _probe_write(existing)
    if probe is not None:
        reason = probe.strerror or str(probe)
        return error(
            check,
            title,
            f"cannot write in {existing}: {reason}",
            f"choose a writable {role} folder, or fix the permissions/mount of {existing}",
            path=str(target),
        )
    usage = shutil.disk_usage(existing)
    need = estimate.bytes
    details = {
        "path": str(target),
        "free_bytes": usage.free,
        "needed_bytes": need,
        "phase_seconds": estimate.phase_seconds,
        "analyzers": estimate.analyzers,
    }
    if usage.free < need:
        return error(
            check,
            title,
            f"only {usage.free / MIB:.0f} MiB free below {existing}; a run of "
            f"2 × {estimate.phase_seconds:.0f} s needs about {need / MIB:.0f} MiB",
            f"free space on that file system or point the {role} folder at a larger one",
            **details,
        )
    where = "exists" if existing == target else f"will be created in {existing}"
    return ok(
        check,
        title,
        f"{target} {where}; {usage.free / MIB:.0f} MiB free, about {need / MIB:.0f} MiB needed",
        **details,
    )


def check_folders_apart(loadgen_logs: Path, output: Path) -> CheckResult:
    """The client refuses a LoadGen folder that equals or contains its output folder: it
    searches the LoadGen folder for logs and would find its own copies. Same rule as the
    client's ``check_dirs``, which we cannot call here because it creates the folder."""
    check = "folder.apart"
    title = "LoadGen and output folders apart"
    logs = loadgen_logs.expanduser().absolute()
    out = output.expanduser().absolute()
    if logs == out or logs in out.parents:
        return error(
            check,
            title,
            f"the LoadGen log folder {logs} contains the output folder {out}",
            "give -L and -o two separate folders, neither inside the other",
        )
    return ok(check, title, f"{logs} and {out} are separate")

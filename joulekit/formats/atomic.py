"""Write-flush-rename, so a measurement on disk is never half written.

A crash, Ctrl-C or full disk in the middle of a write leaves either the old file or the
new one, never a truncated mix: we write to a temporary file in the same folder, flush
and fsync it, then rename it over the target (atomic on POSIX and Windows).

The temporary file is created private (mode 0600); before the rename it gets the mode
an ordinary ``open()`` would have given it (0666 less the umask), or the mode of the file
it replaces, so reports and result trees stay readable by whoever should read them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from pathlib import Path


def _read_umask() -> int:
    """The process umask (read once: setting it back at once is the only portable way)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _final_mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_UMASK


class UnsafeOutputError(OSError):
    """The target exists and is not a regular file (a FIFO, device, socket or folder).

    Renaming over ``/dev/full`` or a FIFO someone else reads would destroy or feed what
    is not ours; a regular file (or a new name) is the only thing we replace.
    """


def _refuse_special(target: Path) -> None:
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        raise UnsafeOutputError(0, "exists and is not a regular file; not replaced", str(target))


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; an existing ``path`` that is not a regular
    file (or a link, which is replaced, never followed) raises :class:`UnsafeOutputError`."""
    target = Path(path)
    _refuse_special(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):  # a file system without modes keeps its own
            os.chmod(tmp, _final_mode(target))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str, newline: str = "\n") -> None:
    """Write ``text`` (with ``\\n`` line ends translated to ``newline``) atomically."""
    if newline != "\n":
        text = text.replace("\n", newline)
    atomic_write_bytes(path, text.encode("utf-8"))


def sha1_file(path: str | os.PathLike[str]) -> str:
    """SHA-1 hex digest of a file, as the reference tools record in client/server.json."""
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()

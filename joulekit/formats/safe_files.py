"""Files of a tree someone else made, read safely; command output files, written safely.

The checker and the packager open files of result and submission trees they did not
write. Each kind of result file has a size past which it is no measurement but a mistake
or an attack, and while a tree is checked no read may follow a link out of it. Both are
knowledge of the result tree, so they live here beside :mod:`joulekit.formats.layout`;
the primitive that reads one regular file within a byte limit (never opening a FIFO or
device) is :func:`joulekit.inputs.read_regular_file`, below formats.

:func:`write_output` is the other direction: the ``-o FILE`` of a command, checked by
:func:`joulekit.inputs.output_file` and written through :mod:`joulekit.formats.atomic`.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from joulekit.errors import UserError
from joulekit.formats import layout
from joulekit.formats.atomic import atomic_write_text
from joulekit.inputs import (
    MiB,
    UnsafeInputError,
    check_regular_file,
    output_file,
    read_regular_file,
)

#: the largest file of each kind a reader opens. Generous: a 13-hour run at 1 Hz writes
#: a spl.txt of about 10 MiB, and the published detail logs we hold are under 1 MiB; any
#: file far larger is not a measurement but a mistake or an attack (a 1 GiB sparse spl.txt cost
#: 83 s and 14.7 GB of memory before this limit).
SIZE_LIMITS = {
    layout.SPL: 256 * MiB,
    layout.PTD_LOGS: 256 * MiB,
    layout.DETAIL_LOG: 256 * MiB,
    layout.SUMMARY_LOG: 16 * MiB,
    layout.ACCURACY_LOG: 4096 * MiB,
    ".json": 64 * MiB,
    ".log": 256 * MiB,
}
DEFAULT_SIZE_LIMIT = 512 * MiB
#: a result or submission tree holds thousands of files; a walk stops after this many
MAX_SCANNED = 200_000


class _Confinement:
    """The tree reads are confined to, and the real path of each folder met so far.

    A regular file's real path is its folder's real path and its name, so a folder is
    resolved once per check, not once for each of the two dozen files a result reads
    (``os.path.realpath`` costs one ``lstat`` per path component: about 2.5 ms of the
    15 ms a published result took to check).
    """

    __slots__ = ("folders", "prefix", "root")

    def __init__(self, root: Path) -> None:
        self.root = root
        text = str(root)
        self.prefix = text if text.endswith(os.sep) else text + os.sep
        self.folders: dict[str, str] = {}

    def holds(self, real: str) -> bool:
        """Whether the resolved path ``real`` lies inside the root (or is it)."""
        return real.startswith(self.prefix) or real == str(self.root)

    def real_path(self, path: str) -> str:
        """``os.path.realpath(path)`` of a path whose last component is no link."""
        folder, name = os.path.split(path)
        if not os.path.isabs(folder) or name in ("", ".", ".."):
            return os.path.realpath(path)
        real_folder = self.folders.get(folder)
        if real_folder is None:
            real_folder = self.folders[folder] = os.path.realpath(folder)
        return os.path.join(real_folder, name)


_ROOT: contextvars.ContextVar[_Confinement | None] = contextvars.ContextVar(
    "input_root", default=None
)


def size_limit(path: str | os.PathLike[str]) -> int:
    """The largest size a reader opens for a file of this name."""
    name = os.path.basename(os.fspath(path))
    if name in SIZE_LIMITS:
        return SIZE_LIMITS[name]
    return SIZE_LIMITS.get(os.path.splitext(name)[1], DEFAULT_SIZE_LIMIT)


@contextlib.contextmanager
def input_root(root: str | os.PathLike[str]) -> Iterator[None]:
    """While active, :func:`read_input_bytes` refuses links that resolve outside ``root``
    (the tree the user asked to check): a line of ``/etc/shadow`` must never appear in
    a report because a stranger's tree linked ``spl.txt`` to it."""
    token = _ROOT.set(_Confinement(Path(os.path.realpath(root))))
    try:
        yield
    finally:
        _ROOT.reset(token)


def current_input_root() -> Path | None:
    """The tree :func:`input_root` confines reads to now, or None."""
    confinement = _ROOT.get()
    return None if confinement is None else confinement.root


def _confine(path: str | os.PathLike[str]) -> None:
    """Raise :class:`UnsafeInputError` when ``path`` (or a linked folder above it)
    resolves outside the current :func:`input_root`; ``FileNotFoundError`` when missing."""
    confinement = _ROOT.get()
    text = os.fspath(path)
    link = os.lstat(text)
    if stat.S_ISLNK(link.st_mode):
        target = os.path.realpath(text)
        if confinement is not None and not confinement.holds(target):
            raise UnsafeInputError(
                path, "symlink", f"is a symbolic link to {target}, outside the checked tree"
            )
    elif confinement is not None:
        real = confinement.real_path(text)
        if not confinement.holds(real):  # a linked folder above the file
            raise UnsafeInputError(
                path, "symlink", f"resolves to {real}, outside the checked tree (a linked folder)"
            )


def inspect_input(path: str | os.PathLike[str], limit: int | None = None) -> None:
    """Raise :class:`UnsafeInputError` unless ``path`` is a regular file inside the
    current :func:`input_root` (if any) and within ``limit`` bytes (the size limit of its
    kind when None). A missing file raises ``FileNotFoundError`` as ``open`` would."""
    _confine(path)
    check_regular_file(path, size_limit(path) if limit is None else limit)


def read_input_bytes(path: str | os.PathLike[str], limit: int | None = None) -> bytes:
    """The bytes of an untrusted file, read only if :func:`inspect_input` allows it
    (read by :func:`joulekit.inputs.read_regular_file`, never past the limit)."""
    _confine(path)
    return read_regular_file(path, size_limit(path) if limit is None else limit)


def scan_tree(folder: str | os.PathLike[str]) -> dict[str, UnsafeInputError]:
    """Each entry below ``folder`` that may not be read, by relative POSIX path.

    Links (to files or folders) are judged by where they point against the current
    :func:`input_root` (``folder`` itself when none is active); the walk follows none.
    """
    base = Path(folder)
    token = None
    if _ROOT.get() is None:
        token = _ROOT.set(_Confinement(Path(os.path.realpath(base))))
    try:
        return _scan(base)
    finally:
        if token is not None:
            _ROOT.reset(token)


def _scan(base: Path) -> dict[str, UnsafeInputError]:
    found: dict[str, UnsafeInputError] = {}
    seen = 0
    for current, dirs, names in os.walk(base, followlinks=False):
        dirs.sort()
        linked = [d for d in dirs if os.path.islink(os.path.join(current, d))]
        for name in sorted(names) + linked:
            seen += 1
            if seen > MAX_SCANNED:
                return found
            path = os.path.join(current, name)
            try:
                if name in linked:
                    _check_link_target(Path(path))
                else:
                    inspect_input(path)
            except UnsafeInputError as err:
                found[Path(path).relative_to(base).as_posix()] = err
            except OSError:
                continue  # a broken link or a file gone meanwhile: the readers say so
    return found


def _check_link_target(path: Path) -> None:
    confinement = _ROOT.get()
    target = os.path.realpath(path)
    if confinement is not None and not confinement.holds(target):
        raise UnsafeInputError(
            path, "symlink", f"is a symbolic link to {target}, outside the checked tree"
        )


def refuse_unsafe_tree(folder: str | os.PathLike[str], what: str) -> None:
    """A UserError naming every entry of :func:`scan_tree` (the first few), if any: for
    readers that would otherwise open a FIFO (and hang) or follow a link out."""
    bad = scan_tree(folder)
    if not bad:
        return
    shown = [f"{rel} {err.reason}" for rel, err in list(bad.items())[:5]]
    more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
    raise UserError(
        f"{what} {folder} holds files that are never read: {'; '.join(shown)}{more}",
        hint="replace each link by a copy of its file, remove FIFOs and devices, and "
        "restore oversized files from the original run",
    )


def write_output(path: str | os.PathLike[str], text: str, option: str) -> None:
    """Write a command's output file (``-o FILE``): checked by
    :func:`joulekit.inputs.output_file`, then written atomically; any failure is one
    UserError naming the option and the file."""
    target = output_file(path, option)
    try:
        atomic_write_text(target, text)
    except OSError as err:
        raise UserError(f"cannot write {option} {target}: {err.strerror or err}") from None

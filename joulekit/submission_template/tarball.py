"""A deterministic tarball and its SHA-256 manifest.

Entries are sorted, owners, modes and times are fixed and the gzip header carries no
time or name, so packing the same tree twice gives the same bytes, and a reviewer can
compare hashes instead of trees.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import tarfile
from collections.abc import Iterable
from pathlib import Path

from joulekit.errors import UserError
from joulekit.formats.atomic import atomic_write_bytes, atomic_write_text

FIXED_MTIME = 0
#: how many offending paths a refusal lists before it counts the rest
_SHOWN = 5


def unsafe_entries(root: Path) -> list[str]:
    """Every symbolic link and special file (FIFO, device, socket) below ``root``, each
    as ``relative path (what it is)``; the walk follows no link."""
    found: list[str] = []
    for current, dirs, names in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(dirs + names):
            path = Path(current, name)
            try:
                mode = os.lstat(path).st_mode
            except FileNotFoundError:
                continue
            if stat.S_ISLNK(mode):
                found.append(f"{path.relative_to(root).as_posix()} (a symbolic link to "
                             f"{os.readlink(path)})")
            elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                found.append(f"{path.relative_to(root).as_posix()} (not a regular file)")
    return found


def refuse_unsafe_tree(root: Path, what: str) -> None:
    """A UserError naming the links and special files below ``root``, if any.

    A submission is a self-contained tree of regular files: packing a link would copy
    whatever it points to (a file of the packer's machine) into a public tarball, and
    copying a FIFO or device hangs or never ends.
    """
    bad = unsafe_entries(root)
    if not bad:
        return
    more = f" and {len(bad) - _SHOWN} more" if len(bad) > _SHOWN else ""
    raise UserError(
        f"{what} {root} holds symbolic links or special files, which are never packed: "
        f"{', '.join(bad[:_SHOWN])}{more}",
        hint="replace each link by a copy of its file and remove FIFOs and devices",
    )


def _members(root: Path, include: Iterable[Path] | None) -> list[Path]:
    refuse_unsafe_tree(root, "the submission tree")
    paths = sorted(include) if include is not None else sorted(root.rglob("*"))
    return [p for p in paths if p.is_file() or p.is_dir()]


def build_tarball(root: Path, out: Path, *, include: Iterable[Path] | None = None,
                  stamp: str | None = None) -> str:
    """Pack ``root``'s contents (or only ``include``) into ``out``; returns its SHA-256.

    Also writes ``<out stem>.manifest.sha256`` (``sha256sum -c`` format, paths relative to
    the extraction folder) and ``<out>.sha256`` with the tarball's own hash. A ``stamp``
    becomes the manifest's first line, as a ``#`` comment.
    """
    members = _members(root, include)
    raw = io.BytesIO()
    manifest: list[str] = []
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(members, key=lambda p: p.relative_to(root).as_posix()):
            rel = path.relative_to(root).as_posix()
            info = tarfile.TarInfo(rel)
            info.mtime = FIXED_MTIME
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if path.is_dir():
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
                continue
            data = path.read_bytes()
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
            manifest.append(f"{hashlib.sha256(data).hexdigest()}  {rel}")
    packed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=packed, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    blob = packed.getvalue()
    digest = hashlib.sha256(blob).hexdigest()
    atomic_write_bytes(out, blob)
    name = out.name.removesuffix(".gz").removesuffix(".tar")
    head = [f"# {stamp}"] if stamp else []
    atomic_write_text(out.with_name(f"{name}.manifest.sha256"),
                      "\n".join(head + manifest) + "\n")
    atomic_write_text(out.with_name(out.name + ".sha256"), f"{digest}  {out.name}\n")
    return digest

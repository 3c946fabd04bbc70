"""What the user hands a command, read once and checked before anything starts.

Most commands take addresses, ports, config files and output folders. Each is checked
here, in one place, so a typo costs one clear line (:class:`~joulekit.errors.UserError`,
exit 3) before a director starts or a folder is created, never a traceback halfway
through a run.
"""

from __future__ import annotations

import argparse
import configparser
import contextlib
import contextvars
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from joulekit.errors import UserError

MAX_PORT = 65535


def split_host_port(text: str, default_port: int) -> tuple[str, int]:
    """``host``, ``host:port``, ``[v6]:port`` or a bare IPv6 address -> (host, port).

    Raises ``ValueError`` for a port that is not a number in 0-65535 or an empty host.
    """
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else None
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host, port_text = text, None
    if not host or any(c.isspace() for c in host):
        raise ValueError(f"no host in {text!r}")
    if port_text is None:
        return host, default_port
    return host, _port(port_text)


def _port(text: str) -> int:
    text = text.strip()
    # isdigit() alone accepts '²' and other digits int() refuses: ASCII digits only
    if not text.isascii() or not text.isdigit() or not 0 <= int(text) <= MAX_PORT:
        raise ValueError(f"port {text!r} is not a number from 0 to {MAX_PORT}")
    return int(text)


def parse_address(text: str, default_port: int, option: str) -> tuple[str, int]:
    """:func:`split_host_port` for a command-line option; a bad value is a UserError."""
    try:
        host, port = split_host_port(text, default_port)
    except ValueError as err:
        raise UserError(f"{option} {text!r}: {err}; give HOST or HOST:PORT") from None
    if port == 0:
        raise UserError(f"{option} {text!r}: port 0 cannot be connected to; give HOST:PORT")
    return host, port


def port_arg(text: str) -> int:
    """argparse ``type=`` for a TCP port (0 lets the system pick one)."""
    try:
        return _port(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


#: an input file the user names (config, prompts, per-request timeline) is at most this
#: large; a FIFO, device or giant there is a mistake that must not hang the command
CONFIG_LIMIT = 1 << 30


def read_text_input(path: Path, what: str) -> str:
    """The text of an input file, or one UserError that names it and says why not
    (a FIFO or device is never opened, so a wrong path cannot hang the command)."""
    if Path(path).is_dir():
        raise UserError(f"{what} {path} is a folder; give the file")
    try:
        return read_input_bytes(path, limit=CONFIG_LIMIT).decode("utf-8")
    except UnsafeInputError as err:
        raise UserError(f"{what} {path} {err.reason}; give a regular file") from None
    except FileNotFoundError:
        raise UserError(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise UserError(f"{what} {path} is a folder; give the file") from None
    except PermissionError:
        raise UserError(f"{what} {path} cannot be read (permission denied)") from None
    except UnicodeDecodeError as err:
        raise UserError(
            f"{what} {path} is not a text file (byte {err.start} is not UTF-8)"
        ) from None
    except OSError as err:
        raise UserError(f"cannot read {what} {path}: {err.strerror or err}") from None


def read_ini(path: Path, what: str = "director config") -> configparser.ConfigParser:
    """An INI file parsed with its keys' case kept; a broken one names file and line."""
    text = read_text_input(path, what)
    parser = configparser.ConfigParser()
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as err:
        line = getattr(err, "lineno", None)
        if line is None and isinstance(err, configparser.ParsingError) and err.errors:
            line = err.errors[0][0]
        where = f"{path}:{line}" if line else str(path)
        first = str(err.message if hasattr(err, "message") else err).splitlines()[0]
        raise UserError(
            f"{where}: not a valid INI file: {first}",
            hint="sections look like [server], keys like 'ntpServer = HOST'",
        ) from None
    return parser


def prepare_output_dir(path: Path, option: str, *, must_be_empty: bool) -> Path:
    """Create the output folder ``path`` (and its parents) or say why it cannot be.

    A regular file in the way, a folder that cannot be written, or (with
    ``must_be_empty``) a folder that already holds files is a UserError, raised before
    anything is measured or written.
    """
    path = Path(path).resolve()
    for parent in (path, *path.parents):
        if parent.exists() and not parent.is_dir():
            where = "is a file" if parent == path else f"is under the file {parent}"
            raise UserError(f"{option} {path} {where}; give a folder")
        if parent.exists():
            break
    if path.is_dir() and must_be_empty and any(path.iterdir()):
        raise UserError(f"the output folder {path} is not empty; choose another {option}")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create {option} {path}: {err.strerror or err}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UserError(f"{option} {path} is not writable")
    return path


# -- untrusted files: what the checker and the packager may open ------------------------

MiB = 1 << 20
#: the largest file of each kind a reader opens. Generous: a 13-hour run at 1 Hz writes
#: a spl.txt of about 10 MiB, and the published detail logs we hold are under 1 MiB; any
#: file far larger is not a measurement but a mistake or an attack (a 1 GiB sparse spl.txt cost
#: 83 s and 14.7 GB of memory before this limit).
SIZE_LIMITS = {
    "spl.txt": 256 * MiB,
    "ptd_logs.txt": 256 * MiB,
    "mlperf_log_detail.txt": 256 * MiB,
    "mlperf_log_summary.txt": 16 * MiB,
    "mlperf_log_accuracy.json": 4096 * MiB,
    ".json": 64 * MiB,
    ".log": 256 * MiB,
}
DEFAULT_SIZE_LIMIT = 512 * MiB
#: findings quote at most this many characters of a file's content
EXCERPT_CHARS = 120

_ROOT: contextvars.ContextVar[Path | None] = contextvars.ContextVar("input_root", default=None)


class UnsafeInputError(OSError):
    """A file that is not read: a link out of the tree, a FIFO or device, or too large.

    An ``OSError`` so every reader's existing "cannot read" path reports it as one
    issue; ``kind`` ("symlink", "special", "size") picks the rule that reports it.
    """

    def __init__(self, path: str | os.PathLike[str], kind: str, reason: str) -> None:
        super().__init__(0, reason, str(path))
        self.kind = kind
        self.reason = reason


def size_limit(path: str | os.PathLike[str]) -> int:
    """The largest size a reader opens for a file of this name."""
    name = Path(path).name
    if name in SIZE_LIMITS:
        return SIZE_LIMITS[name]
    return SIZE_LIMITS.get(Path(name).suffix, DEFAULT_SIZE_LIMIT)


def human_size(size: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", MiB), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``text`` cut to ``limit`` characters with a note of what was left out, so a
    finding never quotes a whole (possibly hostile or enormous) line."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


@contextlib.contextmanager
def input_root(root: str | os.PathLike[str]) -> Iterator[None]:
    """While active, :func:`read_input_bytes` refuses links that resolve outside ``root``
    (the tree the user asked to check): a line of ``/etc/shadow`` must never appear in
    a report because a stranger's tree linked ``spl.txt`` to it."""
    token = _ROOT.set(Path(os.path.realpath(root)))
    try:
        yield
    finally:
        _ROOT.reset(token)


def current_input_root() -> Path | None:
    """The tree :func:`input_root` confines reads to now, or None."""
    return _ROOT.get()


def _kind_of(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def inspect_input(path: str | os.PathLike[str], limit: int | None = None) -> None:
    """Raise :class:`UnsafeInputError` unless ``path`` is a regular file inside the
    current :func:`input_root` (if any) and within ``limit`` bytes. A missing file
    raises ``FileNotFoundError`` as ``open`` would."""
    root = _ROOT.get()
    link = os.lstat(path)
    if stat.S_ISLNK(link.st_mode):
        target = Path(os.path.realpath(path))
        if root is not None and not target.is_relative_to(root):
            raise UnsafeInputError(
                path, "symlink", f"is a symbolic link to {target}, outside the checked tree"
            )
    elif root is not None:
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(root):  # a linked folder above the file
            raise UnsafeInputError(
                path, "symlink", f"resolves to {real}, outside the checked tree (a linked folder)"
            )
    info = os.stat(path)
    _check_stat(path, info, limit)


def _check_stat(path: str | os.PathLike[str], info: os.stat_result, limit: int | None) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeInputError(path, "special", f"is {_kind_of(info.st_mode)}, not a regular file")
    limit = size_limit(path) if limit is None else limit
    if info.st_size > limit:
        raise UnsafeInputError(
            path,
            "size",
            f"is {human_size(info.st_size)}, over the {human_size(limit)} limit for this "
            "kind of file",
        )


def read_input_bytes(path: str | os.PathLike[str], limit: int | None = None) -> bytes:
    """The bytes of an untrusted file, read only if :func:`inspect_input` allows it.

    Opened non-blocking (a FIFO swapped in after the check cannot hang us) and checked
    again on the open descriptor; never reads more than the limit, even from a file that
    grows while it is read.
    """
    inspect_input(path, limit)
    limit = size_limit(path) if limit is None else limit
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        _check_stat(path, os.fstat(fd), limit)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(8 * MiB, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise UnsafeInputError(
                    path, "size", f"grew past the {human_size(limit)} limit while being read"
                )
        return b"".join(chunks)
    finally:
        os.close(fd)


def output_file(path: str | os.PathLike[str], option: str) -> Path:
    """Check an output file option (``-o FILE``): a new file or an existing regular one.

    A symbolic link, FIFO, device or folder is refused with a UserError: writing "the
    report" through a link or into ``/dev/full`` is never what was meant. The write
    itself goes through :mod:`joulekit.formats.atomic`, which repeats the check.
    """
    target = Path(path)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return target  # a new file (its folder is created when it is written)
    except OSError as err:
        raise UserError(f"{option} {target}: {err.strerror or err}") from None
    if stat.S_ISLNK(info.st_mode):
        raise UserError(
            f"{option} {target} is a symbolic link; give a new or regular file",
            hint="remove the link or choose another name",
        )
    if not stat.S_ISREG(info.st_mode):
        raise UserError(f"{option} {target} is {_kind_of(info.st_mode)}; give a new or "
                        "regular file")
    return target


def write_output(path: str | os.PathLike[str], text: str, option: str) -> None:
    """Write a command's output file (``-o FILE``): checked by :func:`output_file`, then
    written atomically; any failure is one UserError naming the option and the file."""
    from joulekit.formats.atomic import atomic_write_text

    target = output_file(path, option)
    try:
        atomic_write_text(target, text)
    except OSError as err:
        raise UserError(f"cannot write {option} {target}: {err.strerror or err}") from None


#: a result or submission tree holds thousands of files; a walk stops after this many
MAX_SCANNED = 200_000


def scan_tree(folder: str | os.PathLike[str]) -> dict[str, UnsafeInputError]:
    """Each entry below ``folder`` that may not be read, by relative POSIX path.

    Links (to files or folders) are judged by where they point against the current
    :func:`input_root` (``folder`` itself when none is active); the walk follows none.
    """
    base = Path(folder)
    token = None if _ROOT.get() is not None else _ROOT.set(Path(os.path.realpath(base)))
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
            path = Path(current, name)
            try:
                if name in linked:
                    _check_link_target(path)
                else:
                    inspect_input(path)
            except UnsafeInputError as err:
                found[path.relative_to(base).as_posix()] = err
            except OSError:
                continue  # a broken link or a file gone meanwhile: the readers say so
    return found


def _check_link_target(path: Path) -> None:
    root = _ROOT.get()
    target = Path(os.path.realpath(path))
    if root is not None and not target.is_relative_to(root):
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

"""What the user hands a command, read once and checked before anything starts.

Most commands take addresses, ports, config files and output folders. Each is checked
here, in one place, so a typo costs one clear line (:class:`~joulekit.errors.UserError`,
exit 3) before a director starts or a folder is created, never a traceback halfway
through a run.
"""

from __future__ import annotations

import argparse
import configparser
import os
import stat
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
        return read_regular_file(path, CONFIG_LIMIT).decode("utf-8")
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


# -- reading a file that may not be what its name says ---------------------------------

MiB = 1 << 20
#: findings quote at most this many characters of a file's content
EXCERPT_CHARS = 120


class UnsafeInputError(OSError):
    """A file that is not read: a link out of the tree, a FIFO or device, or too large.

    An ``OSError`` so every reader's existing "cannot read" path reports it as one
    issue; ``kind`` ("symlink", "special", "size") picks the rule that reports it.
    """

    def __init__(self, path: str | os.PathLike[str], kind: str, reason: str) -> None:
        super().__init__(0, reason, str(path))
        self.kind = kind
        self.reason = reason


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


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in words (``a FIFO``)."""
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


def _check_stat(path: str | os.PathLike[str], info: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeInputError(path, "special", f"is {kind_of(info.st_mode)}, not a regular file")
    if info.st_size > limit:
        raise UnsafeInputError(
            path,
            "size",
            f"is {human_size(info.st_size)}, over the {human_size(limit)} limit for this "
            "kind of file",
        )


def check_regular_file(path: str | os.PathLike[str], limit: int) -> None:
    """Raise :class:`UnsafeInputError` unless ``path`` (links followed) is a regular
    file of at most ``limit`` bytes; a missing file raises ``FileNotFoundError``."""
    _check_stat(path, os.stat(path), limit)


def read_regular_file(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or :class:`UnsafeInputError`.

    A FIFO or device is never opened (checked first); the open is non-blocking (a FIFO
    swapped in after the check cannot hang us) and checked again on the descriptor; never
    reads more than the limit, even from a file that grows while it is read. This is the
    primitive: which size each kind of result file may have and which tree links may not
    leave are :mod:`joulekit.formats.safe_files`' concern (it names the tree's files).
    """
    check_regular_file(path, limit)
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
    itself is :func:`joulekit.formats.safe_files.write_output` (atomic, checked again).
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
        raise UserError(f"{option} {target} is {kind_of(info.st_mode)}; give a new or "
                        "regular file")
    return target

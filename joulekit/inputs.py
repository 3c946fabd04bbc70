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
    if not text.strip().isdigit() or not 0 <= int(text) <= MAX_PORT:
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


def read_text_input(path: Path, what: str) -> str:
    """The text of an input file, or one UserError that names it and says why not."""
    try:
        return Path(path).read_text(encoding="utf-8")
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

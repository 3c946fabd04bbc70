"""Checks for numbers and ports that come from a command line, a config file or a URL.

Python's ``float()`` accepts ``nan``, ``inf`` and ``1e999``; ``int()`` accepts ``٣`` and
``+3``; argparse's ``type=float`` therefore lets ``--settle nan`` through, and a NaN
compares false with every bound, so ``if value < 0`` never fires. Every value a user
gives passes through one of these, which say what was wrong in one line: as a
``UserError`` (config files, URLs) or, for argparse ``type=``, as an
``ArgumentTypeError`` (argparse turns it into one usage line and exit 3).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from joulekit.errors import UserError

MAX_PORT = 65535


def parse_float(text: str, what: str, *, minimum: float | None = None,
                positive: bool = False, maximum: float | None = None) -> float:
    """A finite decimal number within bounds, or a ``UserError`` naming ``what``."""
    value = _float(str(text).strip())
    if value is None:
        raise UserError(f"{what} must be a finite number, got {excerpt(text)!r}")
    _bounds(value, what, minimum=minimum, positive=positive, maximum=maximum)
    return value


def parse_int(text: str, what: str, *, minimum: int | None = None,
              maximum: int | None = None) -> int:
    """A whole number in ASCII digits within bounds, or a ``UserError`` naming ``what``."""
    stripped = str(text).strip()
    digits = stripped[1:] if stripped[:1] in "+-" else stripped
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 30:
        raise UserError(f"{what} must be a whole number, got {excerpt(text)!r}")
    value = int(stripped)
    if minimum is not None and value < minimum:
        raise UserError(f"{what} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise UserError(f"{what} must be at most {maximum}, got {value}")
    return value


def parse_port(text: str, what: str, *, allow_zero: bool = False) -> int:
    """A TCP port, 1-65535 (0 too where it means "pick a free one")."""
    return parse_int(text, what, minimum=0 if allow_zero else 1, maximum=MAX_PORT)


def check_float(value: float, what: str, *, minimum: float | None = None,
                positive: bool = False, maximum: float | None = None) -> float:
    """The same bounds for a value that is already a float (an API caller's)."""
    if not math.isfinite(value):
        raise UserError(f"{what} must be a finite number, got {value}")
    _bounds(value, what, minimum=minimum, positive=positive, maximum=maximum)
    return value


def float_arg(*, minimum: float | None = None, positive: bool = False,
              maximum: float | None = None) -> Callable[[str], float]:
    """argparse ``type=`` for a finite float within bounds."""

    def convert(text: str) -> float:
        try:
            return parse_float(text, "the value", minimum=minimum, positive=positive,
                               maximum=maximum)
        except UserError as err:
            raise argparse.ArgumentTypeError(str(err).removeprefix("the value ")) from None

    convert.__name__ = "number"  # argparse names the type in "invalid number value"
    return convert


def int_arg(*, minimum: int | None = None, maximum: int | None = None
            ) -> Callable[[str], int]:
    """argparse ``type=`` for a whole number within bounds."""

    def convert(text: str) -> int:
        try:
            return parse_int(text, "the value", minimum=minimum, maximum=maximum)
        except UserError as err:
            raise argparse.ArgumentTypeError(str(err).removeprefix("the value ")) from None

    convert.__name__ = "integer"
    return convert


def excerpt(text: object, limit: int = 60) -> str:
    """A bad value quoted short: a pasted megabyte must not become the message."""
    shown = str(text)
    return shown if len(shown) <= limit else shown[:limit] + "…"


def _float(text: str) -> float | None:
    if not text or len(text) > 100 or not text.isascii() or "_" in text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _bounds(value: float, what: str, *, minimum: float | None, positive: bool,
            maximum: float | None) -> None:
    if positive and value <= 0:
        raise UserError(f"{what} must be more than 0, got {value:g}")
    if minimum is not None and value < minimum:
        raise UserError(f"{what} must be at least {minimum:g}, got {value:g}")
    if maximum is not None and value > maximum:
        raise UserError(f"{what} must be at most {maximum:g}, got {value:g}")

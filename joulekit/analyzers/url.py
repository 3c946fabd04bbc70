"""An analyzer URL taken apart once, with the option readers every backend shares.

Each backend reads its options from one :class:`AnalyzerUrl` (``option``, ``number``,
``channels`` …, each removing what it read) and calls :meth:`AnalyzerUrl.finish`, so an
option no backend knows is refused with the same one-line message everywhere.
"""

from __future__ import annotations

from typing import overload
from urllib.parse import parse_qs, unquote, urlsplit

from joulekit.errors import UserError
from joulekit.validate import parse_float, parse_int, parse_port


class AnalyzerUrl:
    """``scheme://netloc/path?query`` of one analyzer; ``text`` is the URL as given."""

    def __init__(self, text: str) -> None:
        try:
            parts = urlsplit(text)
        except ValueError as err:
            raise UserError(f"analyzer URL {text!r} is malformed ({err}); for example "
                            "ptd://127.0.0.1:8888 or ptd://[::1]:8888") from None
        self.text = text
        self.scheme = parts.scheme.lower()
        self.netloc = parts.netloc
        self.path = parts.path
        self._query = dict(parse_qs(parts.query, keep_blank_values=True).items())

    @property
    def target(self) -> str:
        """What follows ``scheme://`` up to the query, unquoted (a VISA resource, a tty)."""
        return unquote(self.netloc + self.path)

    @overload
    def option(self, key: str) -> str | None: ...

    @overload
    def option(self, key: str, default: str) -> str: ...

    def option(self, key: str, default: str | None = None) -> str | None:
        """The last value of ``key`` (removed from the URL), or ``default``."""
        values = self._query.pop(key, None)
        return values[-1] if values else default

    def options(self, key: str) -> list[str]:
        """Every value of a repeatable option (``fault=…&fault=…``), removed."""
        return self._query.pop(key, [])

    def number(self, key: str, default: float) -> float:
        """A positive finite option (a timeout, a period)."""
        text = self.option(key)
        if text is None or text == "":
            return default
        return parse_float(text, f"analyzer URL {self.text!r}: {key}", positive=True,
                           maximum=86400.0)

    def channels(self) -> tuple[int, ...]:
        """``channels=1,2``: the meter channels to read (empty: all)."""
        text = self.option("channels")
        if not text:
            return ()
        try:
            return tuple(parse_int(c, "channel", minimum=1, maximum=64) for c in text.split(","))
        except UserError:
            raise UserError(f"channels must look like 1 or 1,2, got {text!r}") from None

    def host_port(self) -> tuple[str, int]:
        """``HOST:PORT`` of the netloc (IPv6 in brackets)."""
        host, sep, port = self.netloc.rpartition(":")
        if not sep or not port.isdigit() or not host:
            raise UserError(f"analyzer URL {self.text!r} needs HOST:PORT, for example "
                            "ptd://127.0.0.1:8888")
        return host.strip("[]"), parse_port(port, f"analyzer URL {self.text!r}: port")

    def finish(self) -> None:
        """Refuse any option no reader took."""
        if self._query:
            raise UserError(f"unknown option(s) {', '.join(sorted(self._query))} in "
                            f"analyzer URL {self.text!r}")

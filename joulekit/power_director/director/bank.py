"""Several analyzers driven together, with their initial ranges restored on every exit.

The bank opens its analyzers at ranging start (the reference starts PTDaemon there and
reuses it for testing) and closes them when the session ends, whatever the reason:
``done``, a client that drops, an analyzer error, Ctrl-C or a bug. ``close()`` of every
backend restores the ranges read at ``open()``; the bank makes sure it is called once
per analyzer even when another analyzer's close fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from joulekit.analyzers.base import (
    Analyzer,
    AnalyzerError,
    Identity,
    Ranges,
    Sample,
    Statistics,
)

T = TypeVar("T")

#: Builds a fresh, unopened analyzer (``open_analyzer(url)`` or the PTD supervisor).
AnalyzerFactory = Callable[[], Analyzer]


@dataclass
class BankMember:
    """One analyzer of the bank and what we learned about it."""

    index: int  # 1-based, as in ``Analyzer i`` and ``[analyzerN]``
    analyzer: Analyzer
    factory: AnalyzerFactory | None = None
    identity: Identity | None = None
    initial: Ranges | None = None
    closed: bool = False


class BankError(Exception):
    """An analyzer failed; the message names which one and why."""


class AnalyzerBank:
    """Drive N analyzers in parallel (one thread each, like the reference's Go)."""

    def __init__(self, factories: Sequence[AnalyzerFactory], log: logging.Logger) -> None:
        self.factories = list(factories)
        self.log = log
        self.members: list[BankMember] = []

    def _each(self, action: Callable[[BankMember], T], what: str) -> list[T]:
        """Run ``action`` on every member in parallel; first failure becomes BankError."""
        if len(self.members) == 1:
            return [self._guard(self.members[0], action, what)]
        with ThreadPoolExecutor(max_workers=len(self.members)) as pool:
            futures = [pool.submit(self._guard, m, action, what) for m in self.members]
            return [f.result() for f in futures]

    def _guard(self, member: BankMember, action: Callable[[BankMember], T], what: str) -> T:
        try:
            return action(member)
        except AnalyzerError as err:
            raise BankError(
                f"analyzer {member.index} ({member.analyzer.url}) failed to {what}: {err}"
            ) from err

    def open(self) -> None:
        """Create, open and identify every analyzer and read its initial ranges."""
        for index, factory in enumerate(self.factories, start=1):
            try:
                analyzer = factory()
            except Exception as err:
                # A backend that starts its analyzer at once (the in-process simulator)
                # fails here, with its own exception type: one clear sentence, never
                # the bare "Error: exception" of an unexpected bug.
                url = getattr(factory, "url", None)
                named = f"analyzer {index}" + (f" ({url})" if url else "")
                raise BankError(f"{named} failed to start: {err}") from err
            self.members.append(BankMember(index, analyzer, factory))

        def opening(member: BankMember) -> None:
            member.analyzer.open()
            member.identity = member.analyzer.identify()
            member.initial = member.analyzer.get_ranges()
            self.log.info(
                "Analyzer %d: %s; initial range for Amps is %s for Volts is %s",
                member.index,
                member.identity.model,
                member.initial.amps.setting(),
                member.initial.volts.setting(),
            )

        self._each(opening, "open")

    def set_ranges(self, settings: Sequence[tuple[float | str, float | str]]) -> None:
        def setting(member: BankMember) -> None:
            volts, amps = settings[member.index - 1]
            self.log.info("Analyzer %d: setting ranges V=%s A=%s", member.index, volts, amps)
            member.analyzer.set_ranges(volts, amps)

        self._each(setting, "set ranges")

    def start(self, mark: str) -> None:
        self._each(lambda m: m.analyzer.start(1000, mark), "start measuring")

    def stop(self) -> list[list[Sample]]:
        return self._each(lambda m: list(m.analyzer.stop()), "stop measuring")

    def statistics(self) -> list[Statistics | None]:
        return [m.analyzer.statistics() for m in self.members]

    def close(self) -> list[str]:
        """Restore ranges and release every analyzer; returns the failures as text."""
        problems: list[str] = []
        for member in self.members:
            if member.closed:
                continue
            member.closed = True
            try:
                member.analyzer.close()
                initial = member.initial
                if initial is not None:
                    self.log.info(
                        "Analyzer %d: set initial values for Amps %s and Volts %s",
                        member.index,
                        initial.amps.setting(),
                        initial.volts.setting(),
                    )
            except Exception as err:  # every analyzer must get its close() call
                problems.append(f"analyzer {member.index} ({member.analyzer.url}): {err}")
                self.log.error("Analyzer %d: could not restore ranges: %s", member.index, err)
        return problems

"""One measurement session as an explicit state machine.

    INITIAL → RANGING → RANGING_DONE → TESTING → TESTING_DONE → DONE

Starting or stopping a phase that is already in that state answers ``OK`` again (a
client may retry after a lost reply); anything out of order is refused with a reason.
Unlike the reference, testing cannot start from INITIAL without explicit ranges (the
reference would set ``SR,V,0``). Whatever ends the session — ``done``, a client that
drops, an analyzer error, Ctrl-C or a bug — goes through :meth:`Session.end`, which
stops a running measurement, writes every sample taken, restores the analyzers' initial
ranges and writes ``server.json``/``server.log``.
"""

from __future__ import annotations

import enum
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joulekit.analyzers.base import INVALID_READING, Sample
from joulekit.formats.layout import RANGING_PHASE, TESTING_PHASE
from joulekit.power_director.director import outputs
from joulekit.power_director.director.bank import AnalyzerBank, AnalyzerFactory, BankError
from joulekit.power_director.director.watch import WATCH_PERIOD_S, PhaseWatch
from joulekit.rules import threshold
from joulekit.session.config import MAX_RANGING_AMPS, DirectorConfig
from joulekit.session.lost import lost_entry

#: Testing current range = this × the largest current seen while ranging (the rule
#: catalog's ``current_factor`` of the newest round: the director does not know the round).
CURRENT_FACTOR = threshold("current_factor")


class State(enum.Enum):
    INITIAL = "INITIAL"
    RANGING = "RANGING"
    RANGING_DONE = "RANGING_DONE"
    TESTING = "TESTING"
    TESTING_DONE = "TESTING_DONE"
    DONE = "DONE"


class SessionError(Exception):
    """A command the session refuses; ``str()`` is the reply text after ``Error: ``."""


class SessionRefused(SessionError):
    """A start/stop out of order: the reply is a bare ``Error``, as the reference sends.

    The reason (``str()``) goes to ``server.log`` only, so the reply bytes are the
    reference director's whatever the state.
    """


@dataclass
class SessionInfo:
    session_id: str
    label: str
    client_uuid: str
    server_uuid: str
    workdir: Path


@dataclass
class SessionRecord:
    """What the session writes into ``server.json`` beside the protocol messages."""

    phases: dict[str, list[list[float]]] = field(
        default_factory=lambda: {RANGING_PHASE: [], TESTING_PHASE: []}
    )
    testing_ranges: list[tuple[float, float]] = field(default_factory=list)
    manual_ranges: bool = False
    merge_gaps: list[str] = field(default_factory=list)
    #: what the analyzers reported about their samples (missed, duplicated, invalid,
    #: above the uncertainty limit, clock offset/drift, reconnects), per phase
    analyzer_warnings: list[str] = field(default_factory=list)
    end_reason: str | None = None
    #: peers lost mid-session (``joulekit.lost``, :func:`joulekit.session.lost.lost_entry`)
    lost: list[dict[str, Any]] = field(default_factory=list)



#: the phase name of a state, as ``joulekit.lost`` entries give it
PHASE_OF_STATE = {
    State.INITIAL: "before ranging", State.RANGING: RANGING_PHASE,
    State.RANGING_DONE: "between phases", State.TESTING: TESTING_PHASE,
    State.TESTING_DONE: "after testing", State.DONE: "after the session",
}


def _stamp() -> list[float]:
    return [time.time(), time.monotonic()]


def _finite(values: list[float]) -> list[float]:
    return [v for v in values if v != INVALID_READING and not math.isnan(v) and v >= 0]


def max_volts_amps(samples: list[Sample]) -> tuple[float, float]:
    """Largest V and A seen; per channel where the meter reports channels."""
    volts: list[float] = []
    amps: list[float] = []
    for sample in samples:
        if sample.channels:
            volts.extend(c.volts for c in sample.channels)
            amps.extend(c.amps for c in sample.channels)
        else:
            volts.append(sample.volts)
            amps.append(sample.amps)
    good_v, good_a = _finite(volts), _finite(amps)
    return (max(good_v) if good_v else 0.0, max(good_a) if good_a else 0.0)


class Session:
    """A session of one client connection; every method returns the reply or raises."""

    def __init__(
        self,
        info: SessionInfo,
        config: DirectorConfig,
        factories: list[AnalyzerFactory],
        log: logging.Logger,
        messages: list[dict[str, Any]],
        log_text: Callable[[], str],
        shutdown: threading.Event,
    ) -> None:
        self.info = info
        self.config = config
        self.log = log
        self.bank = AnalyzerBank(factories, log)
        self.messages = messages
        self.log_text = log_text
        self.shutdown = shutdown
        self.state = State.INITIAL
        self.record = SessionRecord()
        self.samples: dict[str, list[list[Sample]]] = {}
        self._opened = False
        #: seconds between analyzer polls while a phase measures (0: no watch)
        self.watch_period_s = WATCH_PERIOD_S
        #: set when the watch lost an analyzer: the connection ends the session
        self.lost_event = threading.Event()
        self._watch: PhaseWatch | None = None

    # ------------------------------------------------------------------ helpers

    def _settle(self) -> None:
        """The analyzer settle wait; Ctrl-C/shutdown cuts it short (the run ends anyway)."""
        if self.shutdown.wait(self.config.settle_seconds):
            raise SessionError("the director is shutting down")

    def _open(self) -> None:
        if not self._opened:
            self._opened = True
            self.bank.open()

    def _start_watch(self, mode: str) -> None:
        if self.watch_period_s <= 0:
            return

        def lost(peer: str, message: str) -> None:
            self.record.lost.append(lost_entry("analyzer", peer, mode, message))
            self.log.error("Lost %s during %s: %s", peer, mode, message)
            self.lost_event.set()

        self._watch = PhaseWatch(self.bank, self.watch_period_s, lost, self.log).start()

    def _stop_watch(self) -> None:
        if self._watch is not None:
            self._watch.stop()
            self._watch = None

    def lost_message(self) -> str | None:
        """Why the watch ended the session (its last loss), or None."""
        return self.record.lost[-1]["message"] if self.lost_event.is_set() else None

    def _mark(self, mode: str) -> str:
        return f"{self.info.session_id}_{mode}"

    def _refuse(self, action: str) -> SessionRefused:
        return SessionRefused(f"cannot {action} in state {self.state.value}")

    # ------------------------------------------------------------------ commands

    def start_ranging(self) -> str:
        if self.state is State.RANGING:
            return "OK"
        if self.state is not State.INITIAL:
            raise self._refuse("start ranging")
        self.record.phases[RANGING_PHASE] = [_stamp()]
        self._open()
        settings: list[tuple[float | str, float | str]] = []
        for member in self.bank.members:
            amps: float | str = "Auto"
            if self.config.ranging_mode == "MAX":
                device_type = outputs.device_type_of(member)
                if device_type not in MAX_RANGING_AMPS:
                    raise SessionError(
                        f"rangingMode MAX has no current range for analyzer {member.index} "
                        f"(device type {device_type}); use rangingMode: AUTO"
                    )
                assert device_type is not None
                amps = MAX_RANGING_AMPS[device_type]
            settings.append(("Auto", amps))
        self.bank.set_ranges(settings)
        self._settle()
        self.log.info("Starting ranging mode")
        self.bank.start(self._mark(RANGING_PHASE))
        self.record.phases[RANGING_PHASE].append(_stamp())
        self.state = State.RANGING
        self._start_watch(RANGING_PHASE)
        return "OK"

    def stop_ranging(self) -> str:
        if self.state is State.RANGING_DONE:
            return "OK"
        if self.state is not State.RANGING:
            raise self._refuse("stop ranging")
        self._stop_watch()
        self.record.phases[RANGING_PHASE].append(_stamp())
        started = self.record.phases[RANGING_PHASE][1][1]
        self._settle()
        samples = self._collect(RANGING_PHASE)
        self.record.phases[RANGING_PHASE].append(_stamp())
        self.state = State.RANGING_DONE
        if not any(samples) and time.monotonic() - started < 1.0:
            raise SessionError(
                "the ranging measurement ended too fast (less than 1 second), "
                f"no PTDaemon logs generated for {self.info.session_id!r}"
            )
        if not any(samples):
            raise SessionError("the analyzer returned no ranging samples")
        return "OK"

    def start_testing(self, manual: tuple[float, float] | None = None) -> str:
        if self.state is State.TESTING:
            return "OK"
        if self.state is State.INITIAL and manual is None:
            raise SessionError(
                "testing needs a finished ranging phase (or explicit ranges: start,testing,V,A)"
            )
        if self.state not in (State.INITIAL, State.RANGING_DONE):
            raise self._refuse("start testing")
        self.record.phases[TESTING_PHASE] = [_stamp()]
        self._open()
        if manual is not None:
            if not (manual[0] > 0 and manual[1] > 0):
                raise SessionError("manual testing ranges must be positive volts and amps")
            ranges = [manual for _ in self.bank.members]
            self.record.manual_ranges = True
        else:
            ranges = []
            for per_analyzer in self.samples.get(RANGING_PHASE, []):
                volts, amps = max_volts_amps(per_analyzer)
                if volts <= 0 or amps <= 0:
                    raise SessionError("ranging saw no valid volts/amps to derive testing ranges")
                ranges.append((volts, amps * CURRENT_FACTOR))
        self.record.testing_ranges = ranges
        self.bank.set_ranges(ranges)
        self._settle()
        self.log.info("Starting testing mode")
        for index, (volts, amps) in enumerate(ranges, start=1):
            self.log.info("Analyzer %d: maxAmps: %s, maxVolts: %s", index, amps, volts)
        self.bank.start(self._mark(TESTING_PHASE))
        self.record.phases[TESTING_PHASE].append(_stamp())
        self.state = State.TESTING
        self._start_watch(TESTING_PHASE)
        return "OK"

    def stop_testing(self) -> str:
        if self.state is State.TESTING_DONE:
            return "OK"
        if self.state is not State.TESTING:
            raise self._refuse("stop testing")
        self._stop_watch()
        self.record.phases[TESTING_PHASE].append(_stamp())
        self._settle()
        samples = self._collect(TESTING_PHASE)
        self.record.phases[TESTING_PHASE].append(_stamp())
        self.state = State.TESTING_DONE
        if not any(samples):
            raise SessionError("the analyzer returned no testing samples")
        return "OK"

    def _collect(self, mode: str) -> list[list[Sample]]:
        """Stop the analyzers and write the phase's samples at once (never kept in RAM only)."""
        samples = self.bank.stop()
        self.samples[mode] = samples
        gaps = outputs.write_phase(
            self.info.workdir, mode, self._mark(mode), samples, self.bank, self.log
        )
        self.record.merge_gaps.extend(gaps)
        for gap in gaps:
            self.log.warning("Merge gap (%s): %s", mode, gap)
        self._report_samples(mode, samples)
        return samples

    def _report_samples(self, mode: str, samples: list[list[Sample]]) -> None:
        """Say in server.log and server.json what is wrong with the samples kept.

        The samples themselves are written as the analyzer gave them (an invalid reading
        stays -1 in spl.txt); these lines tell the operator why a result is suspect.
        """
        for member, taken in zip(self.bank.members, samples, strict=False):
            notes = list(member.analyzer.warnings)
            invalid = sum(1 for s in taken if not s.valid)
            if invalid:
                notes.append(f"{invalid} invalid reading(s) (NaN or over-range) kept as -1")
            high = sum(1 for s in taken if "uncertainty_high" in s.flags)
            if high:
                notes.append(f"{high} sample(s) above the 1 % uncertainty limit")
            for note in notes:
                text = f"analyzer {member.index}, {mode}: {note}"
                if text not in self.record.analyzer_warnings:
                    self.record.analyzer_warnings.append(text)
                    self.log.warning("%s", text)

    # ------------------------------------------------------------------ ending

    def _write_what_was_taken(self, mode: str) -> list[str]:
        """After a failed stop, write every sample the analyzers already returned.

        A measurement already taken is never lost: the phase files then hold what the
        analyzers delivered before the failure.
        """
        kept = [list(member.analyzer.samples) for member in self.bank.members]
        if not any(kept):
            return []
        try:
            self.samples[mode] = kept
            workdir, mark = self.info.workdir, self._mark(mode)
            outputs.write_phase(workdir, mode, mark, kept, self.bank, self.log)
        except OSError as err:
            return [f"could not write the {mode} samples kept: {err}"]
        self.log.warning(
            "Kept %d %s sample(s) taken before the failure", sum(map(len, kept)), mode
        )
        return []

    def end(
        self, reason: str | None, *, failed: bool = False, lost_client: str | None = None
    ) -> list[str]:
        """End the session on any path; returns problems met while ending (as text).

        ``reason`` is None for a normal ``done``; otherwise it says why the session was
        dropped and is recorded in ``server.json``. ``failed`` (an analyzer failure)
        makes that the session's one ``[ERROR]`` line in ``server.log``; a client that
        leaves or a director that is stopped is a warning. ``lost_client`` (its
        address) records a client that vanished mid-session in ``joulekit.lost``.
        """
        if self.state is State.DONE:
            return []
        self._stop_watch()
        if lost_client is not None and reason is not None:
            phase = PHASE_OF_STATE[self.state]
            self.record.lost.append(lost_entry("client", lost_client, phase, reason))
        problems: list[str] = []
        self.record.end_reason = reason
        if reason is not None:
            level = logging.ERROR if failed else logging.WARNING
            self.log.log(level, "Session %s dropped: %s", self.info.session_id, reason)
        running = {State.RANGING: RANGING_PHASE, State.TESTING: TESTING_PHASE}.get(self.state)
        if running is not None:
            try:
                self.record.phases[running].append(_stamp())
                self._collect(running)
                self.record.phases[running].append(_stamp())
            except (BankError, OSError) as err:
                problems.append(f"could not collect the {running} samples: {err}")
                problems.extend(self._write_what_was_taken(running))
        problems.extend(self.bank.close())
        self.state = State.DONE
        try:
            outputs.write_session_end(self)
        except OSError as err:
            problems.append(f"could not write the session files: {err}")
        for problem in problems:
            self.log.error("%s", problem)
        return problems

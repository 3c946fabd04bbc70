"""The PTDaemon backend: drive PTD (or the simulator) over its TCP line protocol.

Commands are sent exactly as the reference director sends them (Hello, Identify, RR,
SR, Go, Stop, RL with the ``RL,*,*`` -> ``RL`` -> ``DC-RL`` fallback, Uncertainty,
Watts) and every exchange lands in :attr:`transcript`. Unlike the reference it has a
deadline on every reply, reconnects and sends ``Stop`` when the link drops during a
measurement (PTD keeps sampling after a client disconnect), keeps every RL line that
arrived before a drop, and restores the initial ranges in ``close()`` on every path.
"""

from __future__ import annotations

import contextlib
import itertools
import statistics as stats_mod
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from joulekit.analyzers.base import (
    INVALID_READING,
    Analyzer,
    AnalyzerError,
    ChannelReading,
    Identity,
    Ranges,
    Sample,
    Statistics,
)
from joulekit.analyzers.console_feed import ConsoleFeed, ConsoleFeedError
from joulekit.analyzers.link import LineLink, LinkLost, LinkTimeout
from joulekit.analyzers.ptd_parse import (
    SIMULATOR_MARK,
    RlLine,
    parse_identify,
    parse_ranges,
    parse_rl_line,
    parse_statistics,
)
from joulekit.analyzers.ptd_process import PtdProcess
from joulekit.formats.timefmt import from_epoch
from joulekit.meters.registry import model_for_device_type, model_for_name
from joulekit.meters.tables import MeterModel
from joulekit.meters.uncertainty import (
    UNCERTAINTY_LIMIT,
    channel_uncertainty,
    combined_uncertainty,
)

HELLO_REPLY = "Hello, PTDaemon here!"
GO_REPLY_PREFIX = "Starting "
STOP_REPLY = "Stopping untimed measurement"
NO_MEASUREMENT = "Error: no measurement to stop"
METER_BUSY = "Meter busy"
#: a busy meter is asked to Stop this many more times, this far apart
STOP_RETRIES = 3
STOP_RETRY_WAIT_S = 0.5
ERROR_PREFIXES = (
    "Error",
    "Meter busy",
    "Null channel",
    "Invalid",
    "Channel number out",
    "Unknown command",
)


class _Closeable(Protocol):
    """Anything the analyzer owns and must stop on close (the in-process simulator)."""

    def close(self) -> None: ...

    def console_text(self) -> str: ...


class PtdAnalyzer(Analyzer):
    """A PTDaemon reached over TCP; optionally owning the PTD process or a simulator."""

    def __init__(
        self,
        url: str,
        host: str,
        port: int,
        *,
        process: PtdProcess | None = None,
        simulator: _Closeable | None = None,
        channels: Sequence[int] = (),
        device_type: int | None = None,
        connect_timeout: float = 30.0,
        reply_timeout: float = 15.0,
        reconnect_attempts: int = 3,
        reconnect_timeout: float = 10.0,
        console_feed: ConsoleFeed | None = None,
    ) -> None:
        super().__init__(url)
        self.host = host
        self.port = port
        self.process = process
        self.simulator = simulator
        self.channels = tuple(channels)
        self.device_type = device_type
        self.connect_timeout = connect_timeout
        self.reply_timeout = reply_timeout
        self.reconnect_attempts = reconnect_attempts
        self.reconnect_timeout = reconnect_timeout
        #: why the link is gone for good: set when every reconnect attempt failed, so later
        #: calls (stop, range restore) fail at once instead of waiting through them again
        self._lost: str | None = None
        self.kind = "simulator" if simulator is not None else "ptdaemon"
        self.initial_ranges: Ranges | None = None
        self.ranges_in_force: Ranges | None = None
        self.restored = False
        self._identity: Identity | None = None
        self._model: MeterModel | None = None
        self._link: LineLink | None = None
        self._rl_command: str | None = None
        self._measuring = False
        self._interval_ms = 1000
        self._mark = ""
        self._go_wall = 0.0
        self._stats: Statistics | None = None
        self._closed = False
        self.console_feed = console_feed
        self._console_head = b""
        self._console_start: int | None = None
        self._console_text: str | None = None
        self.console_problem: str | None = None
        #: the command line ``joulekit ptd-launch`` started PTDaemon with (attach mode)
        self.ptd_argv: list[str] = []

    # ----- naming -------------------------------------------------------------------
    @property
    def peer(self) -> str:
        what = "the joulekit simulator" if self.kind == "simulator" else "PTDaemon"
        return f"{what} at {self.host}:{self.port}"

    def _error(self, message: str) -> AnalyzerError:
        return AnalyzerError(message, samples=self.samples)

    # ----- connection ---------------------------------------------------------------
    def _connect(self, timeout: float) -> LineLink:
        """Connect, retrying every 0.1 s (PTD over USB takes ~17 s to listen)."""
        deadline = time.monotonic() + timeout
        last = "no attempt"
        while True:
            if self.process is not None and (code := self.process.poll()) is not None:
                line = self.process.last_line.strip()
                raise self._error(
                    f"PTDaemon {self.process.name} exited with code {code} before it opened "
                    f"port {self.port}"
                    + (f"; its last line: {line!r}" if line else "")
                    + "; check deviceType, devicePort and interfaceFlag"
                )
            try:
                return LineLink(self.host, self.port, connect_timeout=min(2.0, timeout))
            except OSError as err:
                last = err.strerror or str(err)
            if time.monotonic() >= deadline:
                raise self._error(
                    f"{self.peer} did not accept a connection within {timeout:g} s ({last}); "
                    "start PTDaemon or check the host/port"
                )
            time.sleep(0.1)

    def _hello(self, link: LineLink) -> None:
        try:
            link.send_line("Hello")
            reply = link.read_line(self.reply_timeout)
        except LinkTimeout:
            link.close()
            raise self._error(
                f"{self.peer} accepted the connection but did not answer Hello within "
                f"{self.reply_timeout:g} s: is another program listening on port {self.port}?"
            ) from None
        except LinkLost as err:
            link.close()
            raise self._error(f"{self.peer} closed the connection during Hello ({err})") from None
        self.transcript.append(("Hello", reply))
        if reply != HELLO_REPLY:
            raise self._error(
                f"{self.peer} answered Hello with {reply!r}, not {HELLO_REPLY!r}: "
                "this port is not a PTDaemon"
            )

    def _reconnect(self, why: str) -> LineLink:
        if self._link is not None:
            self._link.close()
            self._link = None
        if self._lost is not None:
            raise self._error(
                f"lost the link to {self.peer} ({why}); not reconnecting: {self._lost}; "
                f"{len(self.samples)} sample(s) kept"
            )
        for attempt in range(1, self.reconnect_attempts + 1):
            try:
                link = self._connect(self.reconnect_timeout / self.reconnect_attempts)
                self._hello(link)
            except (AnalyzerError, LinkLost, LinkTimeout):
                time.sleep(0.2 * attempt)
                continue
            self._link = link
            self.warnings.append(f"lost the link to {self.peer} ({why}); reconnected")
            return link
        self._lost = f"{self.reconnect_attempts} attempts failed after {why}"
        raise self._error(
            f"lost the link to {self.peer} ({why}) and could not reconnect after "
            f"{self.reconnect_attempts} attempts; {len(self.samples)} sample(s) kept"
        )

    def _call(self, command: str, *, retry: bool = True) -> str:
        """Send one command and return its one-line reply (reconnecting once if allowed)."""
        for attempt in (0, 1):
            if self._link is None:
                if attempt == 0 and not retry:
                    raise self._error(f"{self.peer} is not connected; call open() first")
                self._link = self._reconnect("not connected")
            try:
                self._link.send_line(command)
                reply = self._link.read_line(self.reply_timeout)
            except LinkTimeout:
                raise self._error(
                    f"{self.peer} did not answer {command!r} within {self.reply_timeout:g} s"
                ) from None
            except LinkLost as err:
                if not retry or attempt == 1:
                    raise self._error(
                        f"lost the link to {self.peer} during {command!r} ({err})"
                    ) from None
                self._link = self._reconnect(f"during {command!r}: {err}")
                continue
            self.transcript.append((command, reply))
            return reply
        raise AssertionError("unreachable")

    def _expect(self, command: str, reply: str, *wanted: str) -> None:
        if not any(reply == w or (w.endswith(" ") and reply.startswith(w)) for w in wanted):
            raise self._error(
                f"{self.peer} answered {command!r} with {reply!r}"
                + ("; the meter is busy, retry later" if reply == "Meter busy" else "")
            )

    # ----- Analyzer -----------------------------------------------------------------
    def open(self) -> None:
        """Start the owned PTD (if any), connect, ``Hello``, ``Identify``, ``RR``."""
        self._closed = False
        self._lost = None
        try:
            if self.process is not None:
                self.process.start()
            self._mark_console()
            self._link = self._connect(self.connect_timeout)
            self._hello(self._link)
            identify = self._call("Identify", retry=False)
            if "," not in identify or identify.startswith(ERROR_PREFIXES):
                raise self._error(f"{self.peer} answered Identify with {identify!r}")
            self._identity = parse_identify(identify)
            if SIMULATOR_MARK in identify.lower():
                self.kind = "simulator"
            self._require_device_type(self._identity)
            self.compliant = self._identity.compliant and self.kind == "ptdaemon"
            self._model = (
                model_for_name(identify.split(",", 18)[-1])
                or model_for_name(self._identity.model)
                or (model_for_device_type(self.device_type) if self.device_type else None)
            )
            self.initial_ranges = self._read_ranges()
            self.ranges_in_force = self.initial_ranges
        except BaseException:
            self._shutdown()
            raise

    def probe(self) -> Identity:
        """Hello and Identify on a short connection, nothing else (no range is touched).

        The director calls it at start-up so that an unreachable PTDaemon, an unknown
        meter model or a dead console feed is reported before any client connects.
        """
        link = self._connect(self.connect_timeout)
        try:
            self._hello(link)
            try:
                link.send_line("Identify")
                reply = link.read_line(self.reply_timeout)
            except (LinkTimeout, LinkLost) as err:
                raise self._error(f"{self.peer} did not answer Identify ({err})") from None
        finally:
            link.close()
        if "," not in reply or reply.startswith(ERROR_PREFIXES):
            raise self._error(f"{self.peer} answered Identify with {reply!r}")
        identity = parse_identify(reply)
        self._require_device_type(identity)
        if self.console_feed is not None:
            try:
                self.console_feed.size()
            except ConsoleFeedError as err:
                raise self._error(str(err)) from None
        return identity

    def _require_device_type(self, identity: Identity) -> None:
        """A PTDaemon meter whose device number is unknown cannot be recorded in
        ``ptd_config`` (the checkers reject ``device_type: null``): refuse it now."""
        if identity.device_type is None and self.device_type is None:
            raise self._error(
                f"{self.peer} identifies its meter as {identity.model!r}, which has no "
                "known PTDaemon device number; give it in the URL, for example "
                f"ptd://{self.host}:{self.port}?device_type=49"
            )

    def identify(self) -> Identity:
        if self._identity is None:
            raise self._error(f"{self.peer}: identify() before open()")
        return self._identity

    def _read_ranges(self) -> Ranges:
        reply = self._call("RR")
        try:
            return parse_ranges(reply)[0]
        except ValueError:
            raise self._error(f"{self.peer} answered RR with {reply!r}") from None

    def get_ranges(self) -> Ranges:
        self.ranges_in_force = self._read_ranges()
        return self.ranges_in_force

    @staticmethod
    def _setting(value: float | str) -> str:
        if isinstance(value, str):
            return "Auto" if value.lower() == "auto" else value
        if isinstance(value, int):
            return str(value)
        return f"{value:f}"

    def set_ranges(self, volts: float | str, amps: float | str) -> Ranges:
        """``SR,V,…`` then ``SR,A,…``, each checked, then ``RR`` read back and verified."""
        for which, value in (("V", volts), ("A", amps)):
            command = f"SR,{which},{self._setting(value)}"
            self._expect(command, self._call(command), f"Range {which} changed")
        ranges = self.get_ranges()
        for which, value, got in (("V", volts, ranges.volts), ("A", amps, ranges.amps)):
            if isinstance(value, str) and value.lower() == "auto":
                ok = got.auto is not False
            else:
                wanted = float(value)
                ok = got.auto is not True and (got.value is None or got.value >= wanted * 0.999)
            if not ok:
                raise self._error(
                    f"{self.peer} reads back {which} range {got} after SR,{which},"
                    f"{self._setting(value)}; the meter did not take the range"
                )
        return ranges

    def start(self, interval_ms: int, mark: str) -> None:
        if self._measuring:
            raise self._error(f"{self.peer}: start() while a measurement is running")
        self.samples = []
        self.warnings = []
        self._stats = None
        self._interval_ms = interval_ms
        self._mark = mark
        command = f"Go,{interval_ms},0" + (f",{mark}" if mark else "")
        reply = self._call(command, retry=False)
        self._expect(command, reply, GO_REPLY_PREFIX)
        self._go_wall = time.time()
        self._measuring = True

    def poll(self) -> Sequence[Sample]:
        if not self._measuring:
            return ()
        before = len(self.samples)
        self._drain()
        return tuple(self.samples[before:])

    def stop(self) -> Sequence[Sample]:
        """``Stop`` (reconnecting if the link dropped), drain ``RL``, then statistics."""
        if not self._measuring:
            return list(self.samples)
        reply = self._call("Stop")
        for _ in range(STOP_RETRIES):
            if reply != METER_BUSY:
                break
            time.sleep(STOP_RETRY_WAIT_S)
            reply = self._call("Stop")
        if reply not in (STOP_REPLY, NO_MEASUREMENT):
            # The meter refused to stop: it may still be measuring (close() tries again),
            # but every sample it has taken is fetched before the error is reported.
            with contextlib.suppress(AnalyzerError):
                self._drain()
            raise self._error(
                f"{self.peer} answered 'Stop' with {reply!r}"
                + ("; the meter is busy, retry later" if reply == METER_BUSY else "")
                + f"; {len(self.samples)} sample(s) kept"
            )
        self._measuring = False
        if reply == NO_MEASUREMENT and not self.samples:
            self.warnings.append(f"{self.peer} had no running measurement at Stop")
        self._drain()
        uncertainty = self._call("Uncertainty")
        watts = self._call("Watts")
        self._stats = parse_statistics(watts, uncertainty)
        self._check_timing()
        return list(self.samples)

    def statistics(self) -> Statistics | None:
        return self._stats

    def console_log(self) -> str | None:
        if self.process is not None:
            return self.process.console_text()
        if self.simulator is not None:
            return self.simulator.console_text()
        if self.console_feed is not None and self._console_start is not None:
            if self._console_text is None:
                self._console_text = self._fetch_console(self.console_feed, self._console_start)
            return self._console_text
        return None

    @property
    def console_source(self) -> str | None:
        """Who captured the console (None: nobody did; see :attr:`console_problem`)."""
        if self.process is not None:
            return f"teed by the director from {self.process.name}"
        if self.simulator is not None:
            return "the in-process simulator"
        if self.console_feed is not None and self.console_problem is None:
            return self.console_feed.peer
        return None

    def _mark_console(self) -> None:
        """Before connecting: the start-up lines and where this session's console begins.

        An attached PTDaemon without a feed has no console here; that is recorded, not
        an error: the session still measures, and ``server.json`` says what is missing.
        """
        feed = self.console_feed
        if feed is None:
            if self.process is None and self.simulator is None:
                self.console_problem = (
                    "the director attached to a PTDaemon it did not start "
                    f"({self.host}:{self.port}) and has no console feed for it"
                )
            return
        try:
            self.ptd_argv = feed.argv()
            self._console_head = feed.head()
            self._console_start = feed.size()
        except ConsoleFeedError as err:
            raise self._error(f"cannot read PTDaemon's console: {err}") from None

    def _fetch_console(self, feed: ConsoleFeed, start: int) -> str | None:
        try:
            body = feed.read(start, feed.size())
        except ConsoleFeedError as err:
            self.console_problem = f"the console could not be fetched: {err}"
            self.warnings.append(self.console_problem)
            return None
        head = self._console_head
        if start < len(head):  # the session began before PTDaemon finished starting
            head = head[:start]
        return (head + body).decode("utf-8", "replace")

    def close(self) -> None:
        """Stop a running measurement, restore the initial ranges, release everything."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._measuring:
                with contextlib.suppress(AnalyzerError):
                    self.stop()
            if self.initial_ranges is not None:
                try:
                    for which, r in (
                        ("V", self.initial_ranges.volts),
                        ("A", self.initial_ranges.amps),
                    ):
                        command = f"SR,{which},{r.setting()}"
                        self._expect(command, self._call(command), f"Range {which} changed")
                    self.restored = True
                except AnalyzerError as err:
                    self.warnings.append(f"could not restore the initial ranges: {err}")
        finally:
            self._shutdown()

    def _shutdown(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None
        if self.process is not None:
            self.process.stop()
        if self.simulator is not None:
            self.simulator.close()

    # ----- RL -----------------------------------------------------------------------
    def _drain(self) -> None:
        """Fetch all unread samples; on a drop, keep what arrived, reconnect and ask again."""
        drops = 0
        while True:
            command = self._rl_command or "RL,*,*"
            header = self._call(command)
            if self._rl_command is None:
                if "Invalid number of parameters" in header:
                    self._rl_command = "RL"
                    continue
                if "Unknown command" in header:
                    # a DC meter; one that refuses DC-RL too is answered below (the
                    # fallback is chosen once, never retried)
                    self._rl_command = "DC-RL"
                    continue
                self._rl_command = command
            if header.startswith("No unread") or header.startswith("No data"):
                return
            parts = header.split()
            if len(parts) < 2 or parts[0] != "Last" or not parts[1].isdigit():
                raise self._error(f"{self.peer} answered {command!r} with {header!r}")
            count = int(parts[1])
            try:
                for _ in range(count):
                    assert self._link is not None
                    self._add_line(self._link.read_line(self.reply_timeout))
            except LinkLost as err:
                drops += 1
                if drops > self.reconnect_attempts:
                    raise self._error(
                        f"lost the link to {self.peer} during {command!r} {drops} times; "
                        f"{len(self.samples)} sample(s) kept"
                    ) from None
                self._link = self._reconnect(f"during {command!r}: {err}")
                continue
            except LinkTimeout:
                raise self._error(
                    f"{self.peer} sent fewer lines than its {header!r} header; "
                    f"{len(self.samples)} sample(s) kept"
                ) from None
            return

    def _add_line(self, text: str) -> None:
        line = parse_rl_line(text)
        if line is None:
            self.warnings.append(f"skipped a line {self.peer} sent that is not a sample: {text!r}")
            return
        self.samples.append(self._sample(line))

    def _sample(self, line: RlLine) -> Sample:
        flags: set[str] = set()
        selected = line.channels
        if line.channels and self.channels:
            selected = tuple(line.channels[i - 1] for i in self.channels if i <= len(line.channels))
        if selected:
            bad = any(c.watts < 0 for c in selected)
            watts = INVALID_READING if bad else sum(c.watts for c in selected)
            volts = amps = pf = INVALID_READING
        else:
            watts, volts, amps, pf = line.watts, line.volts, line.amps, line.pf
            bad = watts < 0 or volts < 0 or amps < 0
        if bad:
            flags.add("nan")
        uncertainty = self._uncertainty(line, selected, flags)
        return Sample(
            utc=line.utc,
            monotonic=time.monotonic(),
            watts=watts,
            volts=volts,
            amps=amps,
            pf=pf,
            mark=line.mark or self._mark,
            channels=line.channels,
            ranges=self.ranges_in_force,
            flags=frozenset(flags),
            uncertainty=uncertainty,
            source=self.url,
        )

    def _uncertainty(
        self, line: RlLine, selected: tuple[ChannelReading, ...], flags: set[str]
    ) -> float | None:
        """Our own per-sample uncertainty from the ranges in force (PTD's stays authoritative)."""
        ranges = self.ranges_in_force
        if ranges is not None and (ranges.volts.auto or ranges.amps.auto):
            flags.add("autorange")
        if "nan" in flags or self._model is None or ranges is None:
            flags.add("uncertainty_unknown")
            return None
        if not (ranges.volts.fixed_and_known and ranges.amps.fixed_and_known):
            flags.add("uncertainty_unknown")
            return None
        readings = selected or line.channels
        groups = (
            [(c.watts, c.volts, c.amps, c.pf) for c in readings]
            if readings
            else [(line.watts, line.volts, line.amps, line.pf)]
        )
        parts: list[tuple[float, float | None]] = []
        for w, v, a, pf in groups:
            if w == 0 and a == 0:
                continue  # an unused input (Ch3 of a two-channel setup)
            rel = channel_uncertainty(
                w,
                v,
                a,
                pf,
                ranges.volts.value,
                ranges.amps.value,
                self._model.accuracy,
                overrange_factor=self._model.overrange_factor,
            )
            parts.append((w, rel))
        result = combined_uncertainty(parts)
        if result is None:
            flags.add("uncertainty_unknown")
        elif result > UNCERTAINTY_LIMIT:
            flags.add("uncertainty_high")
        return result

    def _check_timing(self) -> None:
        """Drop exact duplicates, and report gaps, drift and clock offset as warnings."""
        kept: list[Sample] = []
        duplicates = 0
        for s in self.samples:
            if kept and s.utc == kept[-1].utc:
                duplicates += 1
                continue
            kept.append(s)
        if duplicates:
            self.warnings.append(
                f"{self.peer} sent {duplicates} duplicated sample(s) (same timestamp); "
                "kept one of each"
            )
        self.samples = kept
        if len(kept) < 2:
            return
        deltas = [(b.utc - a.utc).total_seconds() for a, b in itertools.pairwise(kept)]
        nominal = self._interval_ms / 1000.0
        median = stats_mod.median(deltas)
        missing = sum(round(d / nominal) - 1 for d in deltas if d > 1.5 * nominal)
        if missing:
            self.warnings.append(f"{self.peer} missed {missing} sample(s) (gaps in the timestamps)")
        if abs(median / nominal - 1) > 0.01:
            self.warnings.append(
                f"{self.peer} samples every {median * 1000:.0f} ms instead of "
                f"{self._interval_ms} ms: its clock drifts or the meter is slow"
            )
        offset = (kept[0].utc - _wall(self._go_wall)).total_seconds()
        if offset < -0.5 * nominal or offset > 1.5 * nominal + 0.5:
            self.warnings.append(
                f"{self.peer} clock is about {offset:+.1f} s off this host's clock "
                "(first sample vs Go); synchronise both with NTP"
            )


def _wall(epoch: float) -> datetime:
    return from_epoch(epoch)

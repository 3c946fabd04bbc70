"""The simulator's TCP server: PTDaemon's line protocol (analyzers.md §1.2) over asyncio.

One CRLF line per command and per reply (``RL``: a header, then N lines). Command
spellings, reply strings and console wording follow PTDaemon so that any PTD client
runs unchanged; the identity (``Identify``, banner) always says "joulekit simulator".
A client that disconnects does not stop a running measurement: the next client can
``Stop`` and ``RL`` the samples, as with PTDaemon.
"""

from __future__ import annotations

import asyncio
import contextlib
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TextIO

from joulekit import __version__
from joulekit.errors import UserError
from joulekit.simulator.devices import SIMULATOR_NAME, Personality, personality
from joulekit.simulator.faults import Fault
from joulekit.simulator.load import LoadModel
from joulekit.simulator.meter import Measurement, SimClock, SimMeter

HELLO_REPLY = "Hello, PTDaemon here!"
MAX_SAMPLES = 500000
#: PTDaemon sends an ``RL`` dump in sends of whole lines up to 1 KiB (a v4.1 console
#: shows 11 WT210 lines of 91 bytes per send, the first also carrying the header).
SEND_CHUNK = 1024


class SimulatorStartError(Exception):
    """The simulator was scripted to fail at start-up (``refuse-start``)."""


@dataclass
class SimulatorConfig:
    """Everything the simulator needs; the CLI builds one from PTDaemon's flags."""

    device: int | str = 49
    host: str = "127.0.0.1"
    port: int = 8888  # 0: pick a free port (tests)
    device_port: str = "SIM"
    channels: tuple[int, ...] = ()
    load: LoadModel = field(default_factory=LoadModel)
    faults: list[Fault] = field(default_factory=list)
    logfile: Path | None = None  # PTD -l
    extended_log: bool = False  # PTD -e
    #: sampling period actually used; None: the interval asked by ``Go`` (1000 ms)
    period_ms: int | None = None
    initial_volts: str | None = None  # PTD -V
    initial_amps: str | None = None  # PTD -A
    calibration_date: date | None = None  # PTD -C
    interface: str = "serial"
    console: TextIO | None = None  # where console lines go besides the in-memory copy

    def fault(self, name: str) -> Fault | None:
        return next((f for f in self.faults if f.name == name), None)


class PtdSimulator:
    """The server; run it with :meth:`serve_forever` or in a thread (``simulator.start``)."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.device: Personality = personality(config.device)
        self._check_channels()
        offset = config.fault("clock-offset")
        drift = config.fault("drift")
        self.clock = SimClock(
            offset.number("seconds", 0.0) if offset else 0.0,
            drift.number("ppm", 0.0) if drift else 0.0,
        )
        self.console_lines: list[str] = []
        self._logfile: TextIO | None = None
        expired = bool(
            config.calibration_date and (date.today() - config.calibration_date).days > 365
        )
        self.meter = SimMeter(
            self.device,
            config.load,
            config.faults,
            self.clock,
            self.log,
            self._data_line,
            config.channels,
            expired,
        )
        self._server: asyncio.Server | None = None
        self._sampler: asyncio.Task[None] | None = None
        self._new_sample = asyncio.Event()
        self._clients: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = config.port

    def _check_channels(self) -> None:
        for ch in self.config.channels:
            if not 1 <= ch <= self.device.channels:
                raise UserError(
                    f"channel {ch} does not exist on simulated device type "
                    f"{self.device.device_type} ({self.device.channels} channel(s))"
                )

    # ----- console and -l file ------------------------------------------------------
    def _emit(self, line: str, end: str = "\n") -> None:
        """Print one console entry; ``line`` may hold CRLF-separated lines (an echo).

        ``console_lines`` keeps the logical lines; the console stream gets the bytes a
        PTDaemon console carries: what came from the wire keeps its CRLF.
        """
        self.console_lines.extend(line.split("\r\n"))
        if self.config.console is not None:
            self.config.console.write(line + end)
            self.config.console.flush()

    def log(self, message: str, end: str = "\n") -> None:
        """A timestamped console line, as PTDaemon prints it (and to ``-l`` with ``-e``)."""
        stamp = self.clock.stamp()
        self._emit(f"{stamp}: {message}", end)
        if self._logfile is not None and self.config.extended_log:
            kind = "ERROR" if message.startswith("ERROR") else "NOTICE"
            first = message.split("\r\n", 1)[0]
            self._logfile.write(f"Time,{stamp},{kind},{first}\n")
            self._logfile.flush()

    def _data_line(self, line: str) -> None:
        if self._logfile is not None:
            self._logfile.write(line + "\n")
            self._logfile.flush()
        else:
            self._emit(line.removeprefix("Time,"))

    def _banner(self) -> None:
        d = self.device
        self._emit(
            f"Simulated power meter '{d.title}' (device type {d.device_type}) "
            f"from the {SIMULATOR_NAME}"
        )
        self._emit("  " + "*" * 76)
        self._emit(f"{'joulekit PTDaemon simulator ' + __version__:^80}")
        self._emit(f"{'This is NOT SPEC PTDaemon. Nothing it measures is valid':^80}")
        self._emit(f"{'for an MLPerf Power submission.':^80}")
        self._emit("  " + "*" * 76)
        self._emit("")
        if self.config.logfile is not None:
            self._emit(f"Redirecting data output to file {self.config.logfile}")

    # ----- lifecycle ----------------------------------------------------------------
    async def start(self) -> None:
        """Print the start-up log, honour start faults, apply -V/-A and listen."""
        self._banner()
        if self.config.logfile is not None:
            self._logfile = self.config.logfile.open("a", encoding="utf-8", newline="\n")
        self.log(f"Attempting to connect to measurement device type {self.device.device_type}...")
        slow = self.config.fault("slow-start")
        if slow is not None:
            await asyncio.sleep(slow.number("seconds", 17.0))
        if self.config.fault("refuse-start") is not None:
            self.log(
                f"ERROR: simulated fault: the meter on {self.config.device_port} did not answer"
            )
            raise SimulatorStartError(
                f"simulated start-up failure (refuse-start) for device type "
                f"{self.device.device_type}"
            )
        # The meter's answer is echoed with its own CRLF terminator, then a newline.
        idn = self.device.idn
        self.log(f"Analyzer identity response of {len(idn) + 2} bytes: {idn}", "\r\n\n")
        self.console_lines.append("")
        for which, value in (("V", self.config.initial_volts), ("A", self.config.initial_amps)):
            if value is not None:
                error = self.meter.set_range(which, "Auto" if value.lower() == "a" else value, None)
                if error:
                    raise UserError(f"-{which} {value}: {error}")
        self.log(f"Uncertainty checking for {self.device.driver_name} is activated")
        self.log(f"Connected to {self.device.driver_name} successfully")
        self._server = await asyncio.start_server(self._serve, self.config.host, self.config.port)
        self.port = self._server.sockets[0].getsockname()[1]
        self.log(f"Establishing the listener on port {self.port}...")
        self.log("Waiting for a connection...")

    async def close(self) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sampler
        for writer in list(self._writers):
            writer.transport.abort()  # the handler sees EOF and ends on its own
        for task in list(self._clients):
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(task, 2.0)
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
        if self._logfile is not None:
            self._logfile.close()
            self._logfile = None

    async def serve_forever(self) -> None:
        await self.start()
        assert self._server is not None
        try:
            await self._server.serve_forever()
        finally:
            await self.close()

    # ----- sampling -----------------------------------------------------------------
    async def _sample_loop(self, m: Measurement) -> None:
        loop = asyncio.get_running_loop()
        period = (self.config.period_ms or m.interval_ms) / 1000.0
        next_at = loop.time() + min(0.2 * period, 0.2)
        while m.running and len(m.samples) < MAX_SAMPLES:
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            self.meter.take_sample(m)
            self._new_sample.set()
            next_at += period

    # ----- protocol -----------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._clients.add(task)
            task.add_done_callback(self._clients.discard)
        self._writers.add(writer)
        peer = writer.get_extra_info("peername")
        self.log(f"Accepted connection from {peer[0]}:{peer[1]}")
        try:
            while True:
                raw = await reader.readline()
                if not raw:
                    self.log("No data returned by socket read.")
                    break
                command = raw.decode("utf-8", "replace").strip("\r\n")
                if not await self._dispatch(command, writer):
                    return  # link dropped on purpose (fault)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            self.log("ERROR: connection lost")
        finally:
            self.log("Shutting connection down...")
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self._writers.discard(writer)
            self.log("Connection is down.")
            self.log("Waiting for a connection...")

    def _reply(self, writer: asyncio.StreamWriter, text: str) -> None:
        writer.write(text.encode() + b"\r\n")
        self._echo_sent([text])

    def _echo_sent(self, lines: list[str]) -> None:
        """Echo one send on the console as PTDaemon does: every byte sent, CRLF included.

        A long ``RL`` dump therefore fills the console with its samples; the reference
        director's buffered tee of that console loses its last few KiB, and only this
        volume keeps the ``Completed test`` lines out of the lost tail.
        """
        self.log("Response to client sent: " + "\r\n".join(lines), "\r\n")

    def _scripted_reply(self, command: str) -> str | None:
        for fault in self.config.faults:
            if (
                fault.name in ("error", "busy")
                and fault.remaining > 0
                and command.startswith(fault.params.get("cmd", ""))
            ):
                fault.remaining -= 1
                return "Error" if fault.name == "error" else "Meter busy"
        return None

    async def _dispatch(self, command: str, writer: asyncio.StreamWriter) -> bool:
        scripted = self._scripted_reply(command)
        if scripted is not None:
            self._reply(writer, scripted)
            return True
        name, *args = command.split(",")
        handler: Callable[[list[str]], str] | None = {
            "Hello": lambda a: HELLO_REPLY,
            "Identify": lambda a: self._identify(),
            "RR": self._rr,
            "SR": self._sr,
            "Go": self._go,
            "Stop": lambda a: self._stop(),
            "Watts": lambda a: self.meter.watts_reply(),
            "Uncertainty": lambda a: self.meter.uncertainty_reply(),
            "Mark": self._mark,
            "Reset": lambda a: "Error counts reset",
            "R*": lambda a: self._last(),
        }.get(name)
        if handler is not None:
            self._reply(writer, handler(args))
            return True
        if name in ("RL", "DC-RL"):
            return await self._rl(name, args, writer)
        self._reply(writer, "Unknown command")
        return True

    def _identify(self) -> str:
        d = self.device
        channels = len(self.config.channels) or d.channels
        cal = self.config.calibration_date
        cal_text = cal.strftime("%m-%d-%Y") if cal else "no_cal_date"
        interval = self.meter.measurement.interval_ms if self.meter.measurement else 1000
        os_name = f"{platform.system()} {platform.release()}".replace(",", " ")
        return (
            f"{d.driver_name},{interval},1,1,1,1,0,0,0,"
            f"version=joulekit-simulator-{__version__},OS={os_name},mode=power,1,1,"
            f"{channels},0,0,{cal_text},{d.idn}"
        )

    def _channel_arg(self, text: str) -> int | str:
        """A channel number, or an error reply."""
        try:
            number = int(text)
        except ValueError:
            return "Invalid channel"
        if not 1 <= number <= self.device.channels:
            return "Channel number out of range"
        return number

    def _rr(self, args: list[str]) -> str:
        if not args:
            return self.meter.ranges_reply(None)
        if len(args) > 1:
            return "Invalid number of parameters"
        if args[0] == "*":
            return self.meter.ranges_reply("*")
        checked = self._channel_arg(args[0])
        return checked if isinstance(checked, str) else self.meter.ranges_reply(str(checked))

    def _sr(self, args: list[str]) -> str:
        if len(args) not in (2, 3) or args[0] not in ("V", "A"):
            return (
                "Invalid number of parameters" if len(args) not in (2, 3) else "Error in parameter"
            )
        channel: int | None = None
        if len(args) == 3:
            checked = self._channel_arg(args[2])
            if isinstance(checked, str):
                return checked
            channel = checked
        error = self.meter.set_range(args[0], args[1], channel)
        return error or f"Range {args[0]} changed"

    def _go(self, args: list[str]) -> str:
        if len(args) < 2:
            return "Invalid number of parameters"
        current = self.meter.measurement
        if current is not None and current.running:
            return "Error: measurement already running"
        try:
            interval = int(args[0]) or 1000
            count = int(args[1])
        except ValueError:
            return "Error in parameter"
        mark = ",".join(args[2:])
        if mark:
            self.log(f"Go with mark '{mark}'")
        m = Measurement(interval, mark)
        self.meter.measurement = m
        self._sampler = asyncio.get_running_loop().create_task(self._sample_loop(m))
        kind = "untimed" if count == 0 else "timed"
        return (
            f"Starting {kind} measurement, maximum {MAX_SAMPLES} samples at {interval}ms "
            f"with 0 rampup samples"
        )

    def _stop(self) -> str:
        m = self.meter.measurement
        if m is None or not m.running:
            return "Error: no measurement to stop"
        m.running = False
        if self._sampler is not None:
            self._sampler.cancel()
        asyncio.get_running_loop().call_soon(self._completed)
        return "Stopping untimed measurement"

    def _completed(self) -> None:
        self.log("Completed test")
        self.log(self.meter.watts_summary(), "\r\n")

    def _mark(self, args: list[str]) -> str:
        m = self.meter.measurement
        if m is None:
            return "Error: no measurement running"
        m.mark = ",".join(args)
        return f"Mark set to '{m.mark}'"

    def _last(self) -> str:
        m = self.meter.measurement
        if m is None or not m.samples:
            return "No data"
        s = m.samples[-1]
        return self.meter.format_line(s, with_mark=False, channels=False).split(",", 2)[2]

    async def _rl(self, name: str, args: list[str], writer: asyncio.StreamWriter) -> bool:
        d = self.device
        if (name == "DC-RL") != d.dc:
            self._reply(writer, "Unknown command")
            return True
        if len(args) > 2 or (len(args) == 2 and not d.multichannel):
            self._reply(writer, "Invalid number of parameters")
            return True
        with_channels = len(args) == 2 and args[1] == "*"
        m = self.meter.measurement
        if m is None:
            self._reply(writer, "No unread samples")
            return True
        if m.running and m.read_upto >= len(m.samples):
            self._new_sample.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_sample.wait(), m.interval_ms / 1000.0)
        start, end = m.read_upto, len(m.samples)
        if args and args[0] not in ("", "*"):
            try:
                wanted = int(args[0])
            except ValueError:
                self._reply(writer, "Invalid number of samples")
                return True
            if wanted > end - start or wanted < 1:
                self._reply(writer, "Insufficient unread samples")
                return True
            start = end - wanted
        lines = [
            self.meter.format_line(s, with_mark=False, channels=with_channels)
            for s in m.samples[start:end]
        ]
        return self._send_samples(writer, m, start, end, lines)

    def _send_samples(
        self,
        writer: asyncio.StreamWriter,
        m: Measurement,
        start: int,
        end: int,
        lines: list[str],
    ) -> bool:
        """Write the RL reply; the ``drop-rl`` fault cuts it and marks only what was sent."""
        drop = next(
            (f for f in self.config.faults if f.name == "drop-rl" and f.remaining > 0), None
        )
        reply = [f"Last {len(lines)} samples", *lines]
        if drop is not None and lines:
            drop.remaining -= 1
            keep = min(len(lines), int(drop.number("after", 1)))
            self._send_chunked(writer, reply[: keep + 1])
            m.read_upto = start + keep
            self.log("ERROR: simulated fault: connection dropped in the middle of RL")
            writer.transport.abort()
            return False
        self._send_chunked(writer, reply)
        m.read_upto = end
        return True

    def _send_chunked(self, writer: asyncio.StreamWriter, lines: list[str]) -> None:
        """Send whole lines in sends of at most ``SEND_CHUNK`` bytes, each one echoed."""
        chunk: list[str] = []
        size = 0
        for line in lines:
            length = len(line) + 2
            if chunk and size + length > SEND_CHUNK:
                self._write_lines(writer, chunk)
                chunk, size = [], 0
            chunk.append(line)
            size += length
        if chunk:
            self._write_lines(writer, chunk)

    def _write_lines(self, writer: asyncio.StreamWriter, lines: list[str]) -> None:
        writer.write("".join(line + "\r\n" for line in lines).encode())
        self._echo_sent(lines)

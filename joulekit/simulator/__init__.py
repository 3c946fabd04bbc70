"""The PTDaemon simulator: PTD's TCP protocol and logs, with an identity that says so.

Three ways to run it:

* in-process, on its own event-loop thread (tests, ``joulekit run``, ``sim://`` URLs)::

      with start_simulator(device=49, port=0, load="constant:120") as sim:
          analyzer = open_analyzer(sim.url)        # "ptd://127.0.0.1:<port>"

* ``joulekit-ptd [PTD flags] <device-type> <device-port>`` (a PTDaemon stand-in a director
  starts by path), and ``joulekit ptd-sim`` with friendlier options.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TextIO

from joulekit.errors import UserError
from joulekit.simulator.devices import SIMULATOR_NAME, Personality, personality
from joulekit.simulator.faults import Fault, parse_fault, parse_faults
from joulekit.simulator.load import LoadModel, parse_load
from joulekit.simulator.server import (
    PtdSimulator,
    SimulatorConfig,
    SimulatorStartError,
)

__all__ = [
    "SIMULATOR_NAME",
    "Fault",
    "LoadModel",
    "Personality",
    "PtdSimulator",
    "RunningSimulator",
    "SimulatorConfig",
    "SimulatorStartError",
    "parse_fault",
    "parse_faults",
    "parse_load",
    "personality",
    "start_simulator",
]


class RunningSimulator:
    """A simulator serving on a background thread; ``close()`` stops it (idempotent)."""

    def __init__(self, config: SimulatorConfig, start_timeout: float = 10.0) -> None:
        self.config = config
        self.simulator = PtdSimulator(config)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stopped: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="ptd-simulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(start_timeout):
            self.close()
            raise UserError(f"the PTDaemon simulator did not start within {start_timeout:g} s")
        if self._error is not None:
            self._thread.join(5.0)
            error = self._error
            if isinstance(error, SimulatorStartError | UserError):
                raise error
            raise UserError(f"the PTDaemon simulator could not start: {error}") from error

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
        finally:
            self._loop.close()

    async def _main(self) -> None:
        self._stopped = asyncio.Event()
        try:
            await self.simulator.start()
        except BaseException as err:  # reported to the starting thread
            self._error = err
            await self.simulator.close()
            self._ready.set()
            return
        self._ready.set()
        try:
            await self._stopped.wait()
        finally:
            await self.simulator.close()

    @property
    def host(self) -> str:
        return self.config.host

    @property
    def port(self) -> int:
        return self.simulator.port

    @property
    def url(self) -> str:
        """The ``ptd://`` URL that reaches this simulator over real TCP."""
        return f"ptd://{self.host}:{self.port}"

    def console_text(self) -> str:
        """The console log so far (PTD's stdout), one line per entry."""
        return "".join(line + "\n" for line in list(self.simulator.console_lines))

    def close(self) -> None:
        if self._thread.is_alive() and self._stopped is not None:
            with contextlib.suppress(RuntimeError):  # loop already closed
                self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(10.0)

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def start_simulator(
    device: int | str = 49,
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    channels: Sequence[int] = (),
    load: str | LoadModel = "constant:120",
    faults: Sequence[str | Fault] = (),
    period_ms: int | None = None,
    logfile: str | Path | None = None,
    extended_log: bool = False,
    console: TextIO | None = None,
    start_timeout: float = 10.0,
) -> RunningSimulator:
    """Start a simulator on a background thread and return once it listens.

    ``port=0`` picks a free port (read it back from ``.port``). ``period_ms`` shortens the
    sampling period for tests while replies still say what ``Go`` asked. Raises
    :class:`SimulatorStartError` for a scripted ``refuse-start``.
    """
    config = SimulatorConfig(
        device=device,
        host=host,
        port=port,
        channels=tuple(channels),
        load=parse_load(load) if isinstance(load, str) else load,
        faults=[parse_fault(f) if isinstance(f, str) else f for f in faults],
        period_ms=period_ms,
        logfile=Path(logfile) if logfile is not None else None,
        extended_log=extended_log,
        console=console,
    )
    return RunningSimulator(config, start_timeout)

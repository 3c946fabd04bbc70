"""The simulator as a foreground process: serve until SIGTERM/SIGINT, start errors in words.

What ``joulekit-ptd`` and ``joulekit ptd-sim`` run once their command line has become a
:class:`~joulekit.simulator.server.SimulatorConfig`. A start failure PTDaemon itself
would report (a bad device, a meter that does not answer) exits 1 with its line; a port
or ``-l`` file we cannot use is a :class:`UserError` naming what to change.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import signal
import socket
import sys

from joulekit.errors import UserError
from joulekit.simulator.server import PtdSimulator, SimulatorConfig, SimulatorStartError


def serve(config: SimulatorConfig) -> int:
    """Run the simulator in the foreground until SIGTERM/SIGINT; the exit status."""
    return asyncio.run(_serve(config))


async def _serve(config: SimulatorConfig) -> int:
    sim = PtdSimulator(config)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await sim.start()
    except SimulatorStartError as err:
        await sim.close()
        print(f"joulekit-ptd: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        await sim.close()
        raise _start_error(config, err) from None
    try:
        await stop.wait()
    finally:
        sim.log("Shutting down (signal)")
        await sim.close()
    return 0


def _start_error(config: SimulatorConfig, err: OSError) -> UserError:
    """What stopped the simulator from starting, in words the user can act on."""
    if err.filename is not None:
        return UserError(f"cannot write the -l file {err.filename}: {err.strerror}")
    if isinstance(err, socket.gaierror):
        return UserError(f"cannot listen on {config.host}: {err.strerror}; give an address "
                         "of this host with --host")
    if err.errno == errno.EADDRINUSE or "address already in use" in str(err):
        return UserError(f"cannot listen on {config.host}:{config.port}: the port is taken; "
                         "another PTDaemon or simulator probably holds it: pick another with -p")
    return UserError(f"cannot listen on {config.host}:{config.port}: {err.strerror or err}")

"""The simulator speaks PTDaemon's dialect per device: its exact replies over real TCP.

The other half of the PTD transcripts: there, our backend against a scripted PTDaemon;
here, the simulator (a product part of its own: ``sim://``, ``joulekit-ptd``) against a
raw socket, so each device personality's replies (the RL forms an AC, DC or
multichannel PTDaemon accepts, the range and statistics replies) are pinned without a
sleep: an RL during a measurement waits for the next sample by itself.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from joulekit.simulator import start_simulator

GO = "Starting untimed measurement, maximum 500000 samples at 100ms with 0 rampup samples"
TIME = r"Time,\d\d-\d\d-\d{4} \d\d:\d\d:\d\d\.\d{3}"
SINGLE = re.compile(TIME + r",Watts,120\.000000,Volts,\d+\.\d{6},Amps,\d+\.\d{6},PF,0\.950000")
SUM = TIME + r",Watts,120\.000000,Volts,-1\.000000,Amps,-1\.000000,PF,-1\.000000"


class Wire:
    """Exact CRLF lines to and from one PTD connection."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buffer = b""

    def line(self) -> str:
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            assert chunk, "the simulator closed the connection"
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\r\n", 1)
        return raw.decode()

    def ask(self, command: str) -> str:
        self.sock.sendall(command.encode() + b"\r\n")
        return self.line()

    def samples(self, command: str) -> list[str]:
        header = self.ask(command)
        match = re.fullmatch(r"Last (\d+) samples", header)
        assert match, header
        return [self.line() for _ in range(int(match.group(1)))]

    def first_samples(self, command: str) -> list[str]:
        """RL until a sample came (each RL waits up to one interval by itself)."""
        for _ in range(100):
            lines = self.samples(command)
            if lines:
                return lines
        raise AssertionError(f"no sample after 100 x {command!r}")


@contextmanager
def _simulator(device: int | str, **options: object) -> Iterator[Wire]:
    with start_simulator(device, port=0, **options) as sim:  # type: ignore[arg-type]
        wire = Wire(sim.port)
        try:
            assert wire.ask("Hello") == "Hello, PTDaemon here!"
            yield wire
        finally:
            wire.sock.close()


def test_ac_single_channel_device_49() -> None:
    with _simulator(49) as wire:
        identify = wire.ask("Identify")
        assert identify.startswith("JoulekitSimulator-YokogawaWT310E,")
        assert ",version=joulekit-simulator-" in identify  # never a PTDaemon version
        assert wire.ask("RR") == "Ranges,0,20.000000,0,300.000000"
        assert wire.ask("SR,V,Auto") == "Range V changed"
        assert wire.ask("SR,A,20") == "Range A changed"
        assert wire.ask("RR") == "Ranges,0,20.000000,1,300.000000"
        assert wire.ask("SR,V,230") == "Range V changed"
        assert wire.ask("SR,A,1.1") == "Range A changed"
        assert wire.ask("RR") == "Ranges,0,2.000000,0,300.000000"
        assert wire.ask("RL") == "No unread samples"
        assert wire.ask("Go,100,0,s_testing") == GO
        assert wire.ask("RL,*,*") == "Invalid number of parameters"
        assert wire.ask("DC-RL") == "Unknown command"
        lines = wire.first_samples("RL")
        assert lines and all(SINGLE.fullmatch(line) for line in lines), lines
        assert wire.ask("Stop") == "Stopping untimed measurement"
        rest = wire.samples("RL")
        n = len(lines) + len(rest)
        assert wire.ask("Watts") == f"Watts,120.000000,120.000000,120.000000,{n},0,{n}"
        assert wire.ask("Uncertainty").startswith("Uncertainty,")
        assert wire.ask("Stop") == "Error: no measurement to stop"
        assert wire.ask("Bogus") == "Unknown command"


def test_dc_device_549_answers_dc_rl_only() -> None:
    with _simulator(549) as wire:
        assert wire.ask("Go,100,0,dc") == GO
        assert wire.ask("RL,*,*") == "Unknown command"
        assert wire.ask("RL") == "Unknown command"
        assert wire.first_samples("DC-RL")
        assert wire.ask("Stop") == "Stopping untimed measurement"


def test_multichannel_device_77_sends_channel_groups_with_rl_star() -> None:
    with _simulator(77, channels=(1, 2)) as wire:
        assert wire.ask("Identify").split(",")[14] == "2"  # the configured channel count
        assert wire.ask("Go,100,0,mc") == GO
        lines = wire.first_samples("RL,*,*")
        channel = r",Ch\d,Watts,\d+\.\d{6},Volts,\d+\.\d{6},Amps,\d+\.\d{6},PF,\d\.\d{6}"
        assert lines and all(re.fullmatch(SUM + channel * 3, line) for line in lines), lines
        plain = wire.samples("RL")
        assert all(re.fullmatch(SUM, line) for line in plain), plain
        assert wire.ask("Stop") == "Stopping untimed measurement"

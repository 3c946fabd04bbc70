"""An in-test Analyzer for pure state-machine and protocol tests (no timing, no TCP).

End-to-end tests use the real simulator over TCP; this fake only makes the director's
own logic observable: which ranges were set, in what order, and whether close() (the
range restore) ran.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from joulekit.analyzers.base import (
    Analyzer,
    AnalyzerError,
    Identity,
    Range,
    Ranges,
    Sample,
)
from joulekit.power_director.director.server import Director
from joulekit.session.config import DirectorConfig


class FakeAnalyzer(Analyzer):
    def __init__(
        self,
        url: str = "fake://1",
        *,
        samples: int = 3,
        offset_s: float = 0.0,
        skip: Sequence[int] = (),
        amps: float = 2.0,
        fail_on: str | None = None,
        device_type: int = 49,
    ) -> None:
        super().__init__(url)
        self.count = samples
        self.offset_s = offset_s
        self.skip = set(skip)
        self.amps = amps
        self.fail_on = fail_on
        self.device_type = device_type
        self.calls: list[str] = []
        self.closed = 0
        self.mark = ""

    def _call(self, name: str, reply: str) -> None:
        self.calls.append(name)
        self.transcript.append((name, reply))
        if self.fail_on is not None and name.startswith(self.fail_on):
            raise AnalyzerError(f"scripted failure on {name}")

    def open(self) -> None:
        self.calls.append("open")

    def identify(self) -> Identity:
        self._call("Identify", "FakeMeter")
        return Identity("FakeMeter", self.device_type, None, None, None, 1, False)

    def get_ranges(self) -> Ranges:
        self._call("RR", "Ranges,0,5,0,150")
        return Ranges(Range(False, 150.0), Range(False, 5.0))

    def set_ranges(self, volts: float | str, amps: float | str) -> Ranges:
        self._call(f"SR,V,{volts}", "Range V changed")
        self._call(f"SR,A,{amps}", "Range A changed")
        return Ranges(Range(False, 150.0), Range(False, 5.0))

    def start(self, interval_ms: int, mark: str) -> None:
        self.mark = mark
        self._call(f"Go,{interval_ms},0,{mark}", "Starting untimed measurement")

    def stop(self) -> Sequence[Sample]:
        self._call("Stop", "Stopping untimed measurement")
        base = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC) + timedelta(seconds=self.offset_s)
        return [
            Sample(
                base + timedelta(seconds=i),
                time.monotonic(),
                100.0 + i,
                230.0 + i,
                self.amps + i / 10,
                0.9,
                self.mark,
            )
            for i in range(self.count)
            if i not in self.skip
        ]

    def close(self) -> None:
        self.closed += 1
        self.calls.append("close")


@contextmanager
def running_director(
    tmp_path: Path, analyzers: list[FakeAnalyzer], **config_kw: object
) -> Iterator[Director]:
    config = DirectorConfig(
        listen_port=0,
        settle_seconds=0.0,
        output_dir=tmp_path / "director",
        **config_kw,  # type: ignore[arg-type]
    )
    queue = list(analyzers)
    factories = [lambda a=a: a for a in queue]
    log = logging.getLogger(f"test.director.{id(tmp_path)}")
    log.setLevel(logging.INFO)
    director = Director(config, factories, log)  # type: ignore[arg-type]
    thread = threading.Thread(target=director.serve_forever, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while director.address is None:
        assert time.monotonic() < deadline, "director did not start listening"
        time.sleep(0.01)
    try:
        yield director
    finally:
        director.stop()
        thread.join(timeout=5)
        assert not thread.is_alive()

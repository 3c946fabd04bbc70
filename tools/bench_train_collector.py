"""Collector load: N simulated sources sampled at 1 Hz from one process; CPU % and jitter.

    python tools/bench_train_collector.py [--sources 256] [--seconds 30] [--interval 1.0]

Each simulated source answers after a random 2-20 ms (a BMC on a LAN), so the figures
are the collector's own cost: one thread per source, a reading appended and flushed to
its log per tick. Prints CPU % of one core, and the lateness of each request against its
tick (p50/p99/max) over every reading.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from pathlib import Path

from joulekit.analyzers.polled import PolledSource, Reading
from joulekit.formats.training_power import PowerLogWriter
from joulekit.training.collector import NODE, Collector, Track, _percentiles, log_path


class SimSource(PolledSource):
    kind = "simulated"

    def __init__(self, i: int) -> None:
        super().__init__(f"sim://{i}", timeout=1.0)
        self._rng = random.Random(i)

    def open(self) -> None:
        self.description = self.url

    def _read(self) -> Reading:
        time.sleep(self._rng.uniform(0.002, 0.020))
        return Reading(3000.0 + self._rng.uniform(-50, 50), source_time=time.time())

    def close(self) -> None:
        return


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=256)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        power = Path(tmp)
        tracks = [Track(NODE, i, SimSource(i), PowerLogWriter(log_path(power, NODE, i)))
                  for i in range(args.sources)]
        collector = Collector(tracks, interval=args.interval, conversion_eff=None,
                              measurement_type="AC", say=print)
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        wall0 = time.monotonic()
        collector.start()
        time.sleep(args.seconds)
        collector.stop()
        wall = time.monotonic() - wall0
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (usage.ru_utime - usage0.ru_utime) + (usage.ru_stime - usage0.ru_stime)
        late = sorted(x for t in tracks for x in t.lateness_ms)
        readings = sum(t.readings for t in tracks)
        gaps = sum(len(t.gaps) + (1 if t.open_gap else 0) for t in tracks)
        stats = _percentiles(late)
        print(f"sources {args.sources}, interval {args.interval:g} s, {wall:.1f} s: "
              f"{readings} readings ({readings / args.sources / wall:.2f} Hz per source), "
              f"{gaps} gap(s)")
        print(f"CPU {100 * cpu / wall:.1f} % of one core; lateness against the tick "
              f"p50 {stats['p50']} ms, p99 {stats['p99']} ms, max {stats['max']} ms")


if __name__ == "__main__":
    main()

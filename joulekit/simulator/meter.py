"""The simulated meter: ranges, a sampling loop, readings, uncertainty and statistics.

Separate from the TCP protocol so the data path (load -> reading -> ranges ->
uncertainty -> sample faults) can be read and tested on its own. Everything it
prints goes through the ``log`` callback in PTDaemon's console wording.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from joulekit.formats.timefmt import format_mlperf_time, from_epoch
from joulekit.meters.tables import pick_range
from joulekit.meters.uncertainty import UNCERTAINTY_LIMIT, channel_uncertainty
from joulekit.simulator.devices import Personality
from joulekit.simulator.faults import Fault
from joulekit.simulator.load import LoadModel

INVALID = -1.0
#: relative uncertainty the ``uncertainty-high`` fault aims at (a load far below its range):
#: half as much again as the limit, so it is over the limit whatever the round
HIGH_UNCERTAINTY = 1.5 * UNCERTAINTY_LIMIT


class SimClock:
    """The simulator host's clock: this host's clock plus a scripted offset and drift."""

    def __init__(self, offset_s: float = 0.0, drift_ppm: float = 0.0) -> None:
        self.offset_s = offset_s
        self.drift_ppm = drift_ppm
        self._mono0 = time.monotonic()

    def now(self) -> datetime:
        drift = (time.monotonic() - self._mono0) * self.drift_ppm * 1e-6
        return from_epoch(time.time() + self.offset_s + drift)

    def stamp(self) -> str:
        return format_mlperf_time(self.now())


@dataclass
class ChannelRange:
    """One channel's range state; ``auto`` ranges follow the reading."""

    volts_auto: bool
    volts: float
    amps_auto: bool
    amps: float


@dataclass
class SimSample:
    """One stored sample: per-channel (W, V, A, PF), the mark and its uncertainty."""

    utc: datetime
    channels: list[tuple[float, float, float, float]]
    mark: str
    uncertainty: float | None
    valid: bool

    @property
    def watts(self) -> float:
        if not self.valid:
            return INVALID
        return sum(c[0] for c in self.channels)


@dataclass
class Measurement:
    """The state of one Go ... Stop measurement (kept after Stop so RL can drain it)."""

    interval_ms: int
    mark: str
    samples: list[SimSample] = field(default_factory=list)
    read_upto: int = 0
    index: int = 0
    running: bool = True
    started: float = field(default_factory=time.monotonic)


class SimMeter:
    """The meter behind the protocol: ranges, sampling and statistics."""

    def __init__(
        self,
        device: Personality,
        load: LoadModel,
        faults: list[Fault],
        clock: SimClock,
        log: Callable[[str], None],
        data_line: Callable[[str], None],
        channels: tuple[int, ...] = (),
        calibration_expired: bool = False,
    ) -> None:
        self.device = device
        self.load = load
        self.faults = faults
        self.clock = clock
        self.log = log
        self.data_line = data_line
        self.channels = channels or tuple(range(1, device.channels + 1))
        self.calibration_expired = calibration_expired
        top_v = 300.0 if 300.0 in device.model.volt_ranges else device.model.volt_ranges[-1]
        top_a = device.model.amp_ranges[-1]
        self.ranges = [ChannelRange(False, top_v, False, top_a) for _ in range(device.channels)]
        self.measurement: Measurement | None = None
        self.errors_reset_at = 0
        self._t0 = time.monotonic()

    # ----- ranges -------------------------------------------------------------------
    def set_range(self, which: str, value: str, channel: int | None) -> str | None:
        """Apply ``SR``; return an error reply or None on success."""
        targets = range(len(self.ranges)) if channel is None else [channel - 1]
        table = self.device.model.volt_ranges if which == "V" else self.device.model.amp_ranges
        if value.lower() == "auto":
            chosen: float | None = None
        else:
            try:
                requested = float(value)
            except ValueError:
                return "Error in parameter"
            if math.isnan(requested) or requested <= 0:
                return "Error in parameter"
            chosen = pick_range(table, requested)
            if chosen is None:
                return "Error in parameter"
        for i in targets:
            r = self.ranges[i]
            if which == "V":
                r.volts_auto = chosen is None
                r.volts = chosen if chosen is not None else r.volts
            else:
                r.amps_auto = chosen is None
                r.amps = chosen if chosen is not None else r.amps
        if which == "V":
            self.log(
                "Volt range set to Auto" if chosen is None else f"Volt range set to {chosen:f}V"
            )
        else:
            self.log(
                "Ampere range set to Auto" if chosen is None else f"Amp range set to {chosen:f}A"
            )
        return None

    def ranges_reply(self, selector: str | None) -> str:
        """``RR`` (sum group: the common setting or -1), ``RR,<ch>`` or ``RR,*``."""

        def group(r: ChannelRange | None) -> str:
            if r is None:
                return "-1,-1.000000,-1,-1.000000"
            return f"{int(r.amps_auto)},{r.amps:f},{int(r.volts_auto)},{r.volts:f}"

        common = self.ranges[0] if all(r == self.ranges[0] for r in self.ranges) else None
        if selector is None:
            return "Ranges," + group(common)
        if selector == "*":
            parts = [group(common)] if self.device.multichannel else []
            parts += [group(r) for r in self.ranges]
            return "Ranges," + ",".join(parts)
        return "Ranges," + group(self.ranges[int(selector) - 1])

    # ----- sampling -----------------------------------------------------------------
    def _low_load(self, pf: float) -> float:
        """Per-channel watts so small against the fixed ranges that uncertainty is ~1.5 %.

        This is how uncertainty really exceeds 1 %: the load falls far below the range
        it was measured on, so the range term dominates.
        """
        r = self.ranges[self.channels[0] - 1]
        acc = self.device.model.accuracy
        tan_phi = math.sqrt(max(0.0, 1 - pf * pf)) / pf
        margin = HIGH_UNCERTAINTY - acc.reading - acc.reading_12m - tan_phi * acc.pf0
        apparent = acc.range * r.volts * r.amps / margin
        return apparent * pf

    def _faults_at(self, name: str, index: int) -> bool:
        return any(f.name == name and f.covers(index) for f in self.faults)

    def take_sample(self, m: Measurement) -> None:
        """One tick of the device thread: read, evaluate, store (or miss/duplicate)."""
        index = m.index
        m.index += 1
        if self._faults_at("miss", index):
            self.log("WARNING: Missed 1 samples")
            return
        total = self.load.power(time.monotonic() - self._t0)
        pf = self.load.pf
        share = total / len(self.channels)
        if self._faults_at("uncertainty-high", index):
            share = self._low_load(pf)
        readings: list[tuple[float, float, float, float]] = []
        parts: list[tuple[float, float | None]] = []
        valid = True
        meter_name = self.device.model.name
        for ch in range(1, self.device.channels + 1):
            r = self.ranges[ch - 1]
            if ch not in self.channels:
                readings.append((0.0, 0.0, 0.0, 0.0))
                continue
            volts = self.load.volts
            amps = share / (volts * pf)
            bad = "nan" if self._faults_at("nan", index) else None
            bad = "inf" if self._faults_at("overrange", index) else bad
            if bad:
                self.log(f"ERROR: Bad watts reading {bad} from {meter_name}")
                valid = False
                readings.append((INVALID, INVALID, INVALID, INVALID))
                parts.append((0.0, None))
                continue
            v_range = pick_range(self.device.model.volt_ranges, volts) if r.volts_auto else r.volts
            a_range = pick_range(self.device.model.amp_ranges, amps) if r.amps_auto else r.amps
            rel: float | None = None
            if r.volts_auto or r.amps_auto:
                rel = None
            elif a_range is not None and amps > a_range * self.device.model.overrange_factor:
                self.log("ERROR: Current appears to be too high for set range")
            else:
                rel = channel_uncertainty(
                    share, volts, amps, pf, v_range, a_range, self.device.model.accuracy
                )
            readings.append((share, volts, amps, pf))
            parts.append((share, rel))
        uncertainty = self._evaluate(parts, valid)
        sample = SimSample(self.clock.now(), readings, m.mark, uncertainty, valid)
        copies = 2 if self._faults_at("duplicate", index) else 1
        for _ in range(copies):
            m.samples.append(sample)
            self.data_line(self.format_line(sample, with_mark=True, channels=True))

    def _evaluate(self, parts: list[tuple[float, float | None]], valid: bool) -> float | None:
        """Combine channel uncertainties and print PTD's per-sample warnings."""
        worst: float | None = 0.0
        multi = self.device.multichannel
        for i, (_, rel) in enumerate(parts, 1):
            suffix = f" channel {self.channels[i - 1]}" if multi else ""
            if rel is None:
                if valid:
                    self.log("ERROR: Can't evaluate uncertainty of this sample!")
                self.log(f"WARNING: Uncertainty unknown for the last measurement sample!{suffix}")
                worst = None
            elif self.calibration_expired or rel > UNCERTAINTY_LIMIT:
                self.log(
                    f"WARNING: Uncertainty {rel * 100:.2f}%, which is above 1.00% limit "
                    f"for the last sample!{suffix}"
                )
            if worst is not None and rel is not None:
                worst = max(worst, rel)
        return worst

    def format_line(self, s: SimSample, *, with_mark: bool, channels: bool) -> str:
        """A sample in PTD's format: sum group, [Mark], then ``ChN`` groups."""
        head = f"Time,{format_mlperf_time(s.utc)},"
        if self.device.multichannel:
            body = f"Watts,{s.watts:f},Volts,-1.000000,Amps,-1.000000,PF,-1.000000"
        else:
            w, v, a, pf = s.channels[0]
            body = f"Watts,{w:f},Volts,{v:f},Amps,{a:f},PF,{pf:f}"
        if with_mark:
            body += f",Mark,{s.mark or 'notset'}"
        if channels and self.device.multichannel:
            for i, (w, v, a, pf) in enumerate(s.channels, 1):
                body += f",Ch{i},Watts,{w:f},Volts,{v:f},Amps,{a:f},PF,{pf:f}"
        return head + body

    # ----- statistics ---------------------------------------------------------------
    def watts_reply(self) -> str:
        samples = self.measurement.samples if self.measurement else []
        good = [s.watts for s in samples if s.valid]
        errors = len(samples) - len(good)
        if not good:
            return f"Watts,-1.000000,-1.000000,-1.000000,{len(samples)},{errors},0"
        avg = sum(good) / len(good)
        return f"Watts,{avg:f},{min(good):f},{max(good):f},{len(samples)},{errors},{len(good)}"

    def watts_summary(self) -> str:
        fields = self.watts_reply().split(",")
        return (
            f"Avg watts {fields[1]}, min watts {fields[2]}, max watts {fields[3]}, "
            f"samples {fields[4]}, errors {fields[5]}, valid {fields[6]}"
        )

    def uncertainty_reply(self) -> str:
        samples = self.measurement.samples if self.measurement else []
        known = [s.uncertainty for s in samples if s.uncertainty is not None]
        limit = UNCERTAINTY_LIMIT
        invalid = sum(1 for u in known if u > limit or self.calibration_expired)
        unknown = len(samples) - len(known)
        if not known:
            # PTDaemon's wording when no sample was evaluable (auto range): the average is
            # -1.0 and min/max keep their start values.
            return f"Uncertainty,-1.0,10000000.000000,0.000000,{len(samples)},{invalid},0,{unknown}"
        avg = sum(known) / len(known)
        return (
            f"Uncertainty,{avg:f},{min(known):f},{max(known):f},{len(samples)},"
            f"{invalid},{len(known) - invalid},{unknown}"
        )

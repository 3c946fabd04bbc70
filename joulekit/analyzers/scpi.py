"""Direct SCPI meters (Yokogawa WT300E family, WT210) over pyvisa or pyserial.

For development and pre-validation only: MLPerf accepts PTDaemon measurements alone, so
this backend is ``compliant=False``, its kind is ``direct-scpi`` and its identity says
"(direct SCPI, not PTDaemon)". Sampling is paced by the meter's own update flag (EESR
bit 0), not by a host timer, and each sample carries the uncertainty computed from the
accuracy table and the ranges read back after the last set. The analyzer registry imports
this module (and so pyvisa and pyserial) only when a ``visa://`` or ``serial://`` URL is
named.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import pyvisa
import serial

from joulekit.analyzers.base import (
    INVALID_READING,
    Analyzer,
    AnalyzerError,
    Identity,
    Range,
    Ranges,
    Sample,
    Statistics,
)
from joulekit.analyzers.sampling import SamplingThread
from joulekit.analyzers.url import AnalyzerUrl
from joulekit.errors import UserError
from joulekit.meters.dialects import RATES, Dialect, format_value, parse_number, parse_values
from joulekit.meters.registry import MODELS, dialect, model_for_name
from joulekit.meters.tables import MeterModel, pick_range
from joulekit.meters.uncertainty import UNCERTAINTY_LIMIT, channel_uncertainty
from joulekit.validate import parse_int


class Transport(Protocol):
    """A line-oriented instrument link (pyvisa resource or serial port)."""

    def write(self, command: str) -> None: ...

    def query(self, command: str) -> str: ...

    def close(self) -> None: ...


class VisaTransport:
    """Any VISA resource string; ``backend`` is pyvisa's (``"x.yaml@sim"``, ``"@py"``)."""

    def __init__(self, resource: str, backend: str = "", timeout_ms: int = 3000) -> None:
        try:
            self._rm = pyvisa.ResourceManager(backend) if backend else pyvisa.ResourceManager()
            inst: Any = self._rm.open_resource(resource)
        except Exception as err:  # pyvisa raises many types; all mean "cannot open"
            raise AnalyzerError(
                f"cannot open VISA resource {resource!r}: {err}; check the resource string "
                "and that no other program holds the meter"
            ) from None
        self._inst: Any = inst
        self._inst.timeout = timeout_ms
        self._inst.write_termination = "\n"
        self._inst.read_termination = "\n"

    def write(self, command: str) -> None:
        self._inst.write(command)

    def query(self, command: str) -> str:
        return str(self._inst.query(command)).strip()

    def close(self) -> None:
        self._inst.close()
        self._rm.close()


class SerialTransport:
    """A serial port or pyserial URL, LF-terminated (the WT300 and WT210 need LF)."""

    def __init__(self, device: str, baud: int = 9600, timeout_s: float = 3.0) -> None:
        try:
            self._port = serial.serial_for_url(device, baudrate=baud, timeout=timeout_s)
        except (serial.SerialException, ValueError) as err:
            raise AnalyzerError(f"cannot open serial port {device!r}: {err}") from None
        self.device = device

    def write(self, command: str) -> None:
        self._port.write(command.encode("ascii") + b"\n")
        self._port.flush()

    def query(self, command: str) -> str:
        self.write(command)
        raw = self._port.read_until(b"\n")
        if not raw.endswith(b"\n"):
            raise AnalyzerError(f"meter on {self.device} did not answer {command!r} in time")
        return str(raw.decode("ascii", "replace")).strip()

    def close(self) -> None:
        self._port.close()


class ScpiAnalyzer(Analyzer):
    """A Yokogawa meter driven directly; never compliant."""

    kind = "direct-scpi"
    compliant = False

    def __init__(self, url: str, transport_factory: Any, d: Dialect) -> None:
        super().__init__(url)
        self.dialect = d
        self._factory = transport_factory
        self._t: Transport | None = None
        self._identity: Identity | None = None
        self._model: MeterModel = MODELS[d.models[0]]
        self.initial_ranges: Ranges | None = None
        self.ranges_in_force: Ranges | None = None
        self.restored = False
        self._lock = threading.Lock()
        self._sampler = SamplingThread("scpi-sampler")
        self._mark = ""
        self._interval = 1.0

    # ----- I/O with transcript -----------------------------------------------------
    def _write(self, command: str) -> None:
        assert self._t is not None
        with self._lock:
            self._t.write(command)
            self.transcript.append((command, ""))

    def _query(self, command: str) -> str:
        assert self._t is not None
        with self._lock:
            try:
                reply = self._t.query(command)
            except AnalyzerError:
                raise
            except Exception as err:
                raise AnalyzerError(
                    f"meter at {self.url} did not answer {command!r}: {err}"
                ) from None
            self.transcript.append((command, reply))
            return reply

    def _checked(self, command: str) -> None:
        """Write a setting, then read the error queue (yoko-tool's rule)."""
        self._write(command)
        reply = self._query(self.dialect.error_query)
        code = reply.split(",", 1)[0].strip()
        if code not in ("0", "+0"):
            raise AnalyzerError(f"meter at {self.url} rejected {command!r}: {reply}")

    # ----- Analyzer ----------------------------------------------------------------
    def open(self) -> None:
        self._t = self._factory()
        try:
            idn = self._query("*IDN?")
            parts = [p.strip() for p in idn.split(",")]
            self._model = model_for_name(idn) or self._model
            self._identity = Identity(
                model=f"{parts[0].title() if parts else 'Meter'} "
                f"{parts[1] if len(parts) > 1 else '?'} (direct SCPI, not PTDaemon)",
                device_type=None,
                serial=parts[2] if len(parts) > 2 else None,
                firmware=parts[3] if len(parts) > 3 else None,
                ptd_version=None,
                channels=1,
                compliant=False,
                raw=idn,
            )
            for command in self.dialect.init:
                self._write(command)
            self.initial_ranges = self.get_ranges()
        except BaseException:
            self._release()
            raise

    def identify(self) -> Identity:
        if self._identity is None:
            raise AnalyzerError(f"meter at {self.url}: identify() before open()")
        return self._identity

    def get_ranges(self) -> Ranges:
        d = self.dialect

        def auto(q: str) -> bool | None:
            text = self._query(q).strip().upper()
            return {"1": True, "ON": True, "0": False, "OFF": False}.get(text)

        def value(q: str) -> float | None:
            number = parse_number(self._query(q))
            return None if math.isnan(number) or number <= 0 else number

        self.ranges_in_force = Ranges(
            volts=Range(auto(d.volts_auto_query), value(d.volts_range_query)),
            amps=Range(auto(d.amps_auto_query), value(d.amps_range_query)),
        )
        return self.ranges_in_force

    def _set_one(self, which: str, value: float | str) -> None:
        d = self.dialect
        auto_cmd = d.volts_auto_set if which == "V" else d.amps_auto_set
        range_cmd = d.volts_range_set if which == "V" else d.amps_range_set
        if isinstance(value, str) and value.lower() == "auto":
            self._checked(auto_cmd.format(value=1))
            return
        table = self._model.volt_ranges if which == "V" else self._model.amp_ranges
        chosen = pick_range(table, float(value))
        if chosen is None:
            raise AnalyzerError(
                f"{self._model.name} has no {which} range >= {float(value):g} "
                f"(largest {table[-1]:g})"
            )
        self._checked(auto_cmd.format(value=0))
        self._checked(range_cmd.format(value=format_value(chosen)))

    def set_ranges(self, volts: float | str, amps: float | str) -> Ranges:
        if self._sampler.running.is_set():
            raise AnalyzerError(f"meter at {self.url}: set_ranges() during a measurement")
        self._set_one("V", volts)
        self._set_one("A", amps)
        got = self.get_ranges()
        for which, asked, r in (("V", volts, got.volts), ("A", amps, got.amps)):
            if isinstance(asked, str):
                ok = r.auto is True
            else:
                ok = r.auto is False and r.value is not None and r.value >= float(asked) * 0.999
            if not ok:
                raise AnalyzerError(
                    f"meter at {self.url} reads back {which} range {r} after setting {asked}"
                )
        return got

    def start(self, interval_ms: int, mark: str) -> None:
        if self._sampler.running.is_set():
            raise AnalyzerError(f"meter at {self.url}: start() while measuring")
        rate = RATES.get(interval_ms)
        if rate is None:
            raise UserError(f"interval {interval_ms} ms: the meter updates at {sorted(RATES)} ms")
        self._checked(self.dialect.rate_set.format(rate=rate))
        self.samples = []
        self.warnings = []
        self._mark = mark
        self._interval = interval_ms / 1000.0
        self._query(self.dialect.update_query)  # clear a stale UPD bit
        self._sampler.start(self._sample_loop)

    def _sample_loop(self) -> None:
        """Wait for each meter update (EESR UPD), then read one sample."""
        poll = min(0.05, self._interval / 5)
        deadline = time.monotonic() + 3 * self._interval + 2
        while self._sampler.running.is_set():
            try:
                eesr = int(float(self._query(self.dialect.update_query) or "0"))
                if not eesr & 1:
                    if time.monotonic() > deadline:
                        self._sampler.error = (
                            f"meter at {self.url} stopped updating (no UPD for 3 intervals)"
                        )
                        return
                    time.sleep(poll)
                    continue
                deadline = time.monotonic() + 3 * self._interval + 2
                self.samples.append(self._read_sample())
            except AnalyzerError as err:
                self._sampler.error = str(err)
                return

    def _read_sample(self) -> Sample:
        w, v, a, pf = parse_values(self._query(self.dialect.values_query), self.dialect)
        flags: set[str] = set()
        ranges = self.ranges_in_force
        if any(math.isnan(x) for x in (w, v, a, pf)):
            flags.update({"nan", "uncertainty_unknown"})
        if ranges is not None and (ranges.volts.auto or ranges.amps.auto):
            flags.update({"autorange", "uncertainty_unknown"})
        rel: float | None = None
        if not flags and ranges is not None:
            rel = channel_uncertainty(
                w, v, a, pf, ranges.volts.value, ranges.amps.value, self._model.accuracy
            )
            if rel is None:
                flags.add("uncertainty_unknown")
            elif rel > UNCERTAINTY_LIMIT:
                flags.add("uncertainty_high")

        def clean(x: float) -> float:
            return INVALID_READING if math.isnan(x) else x

        return Sample(
            utc=datetime.now(UTC),
            monotonic=time.monotonic(),
            watts=clean(w),
            volts=clean(v),
            amps=clean(a),
            pf=clean(pf),
            mark=self._mark,
            ranges=ranges,
            flags=frozenset(flags),
            uncertainty=rel,
            source=self.url,
        )

    def stop(self) -> Sequence[Sample]:
        return self._sampler.stop(self.samples)

    def statistics(self) -> Statistics | None:
        good = [s.watts for s in self.samples if s.valid]
        if not self.samples:
            return None
        known = [s.uncertainty for s in self.samples if s.uncertainty is not None]
        return Statistics(
            watts_avg=sum(good) / len(good) if good else INVALID_READING,
            watts_min=min(good, default=INVALID_READING),
            watts_max=max(good, default=INVALID_READING),
            samples=len(self.samples),
            errors=len(self.samples) - len(good),
            uncertainty_avg=sum(known) / len(known) if known else None,
            uncertainty_max=max(known, default=None),
            uncertain_samples=sum(1 for u in known if u > UNCERTAINTY_LIMIT),
        )

    def close(self) -> None:
        if self._t is None:
            return
        try:
            if self._sampler.running.is_set():
                self._sampler.join()
            if self.initial_ranges is not None:
                for which, r in (("V", self.initial_ranges.volts), ("A", self.initial_ranges.amps)):
                    self._set_one(which, r.setting())
                self.restored = True
        except AnalyzerError as err:
            self.warnings.append(f"could not restore the initial ranges: {err}")
        finally:
            self._release()

    def _release(self) -> None:
        if self._t is not None:
            try:
                self._t.close()
            finally:
                self._t = None


def from_url(url: AnalyzerUrl, *, start: bool) -> Analyzer:
    """``visa://RESOURCE?dialect=…&backend=…`` or ``serial://DEVICE?dialect=…&baud=…``.

    Nothing is opened before ``open()``, so ``start`` is moot.
    """
    target = url.target
    d = dialect(url.option("dialect", "wt300e"))
    if url.scheme == "visa":
        backend = url.option("backend", "")
        timeout_ms = parse_int(url.option("timeout_ms", "3000"),
                               f"analyzer URL {url.text!r}: timeout_ms",
                               minimum=1, maximum=3_600_000)
        factory: Any = lambda: VisaTransport(target, backend, timeout_ms)  # noqa: E731
    else:
        baud = parse_int(url.option("baud", "9600"), f"analyzer URL {url.text!r}: baud",
                         minimum=1, maximum=10_000_000)
        factory = lambda: SerialTransport(target, baud)  # noqa: E731
    url.finish()
    if not target:
        raise UserError(f"analyzer URL {url.text!r} names no resource or device")
    return ScpiAnalyzer(url.text, factory, d)

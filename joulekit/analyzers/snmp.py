"""``snmp://community@host[:port]/<vendor>/<target>/<index>``: rack PDU watts over SNMP (pysnmp).

Which OID holds the watts of an outlet, a bank/phase, an inlet or the whole PDU is
vendor data, not code: ``snmp_pdus.yaml`` beside this module names the MIB object, its
OID, its unit and the scale to watts for APC (PowerNet-MIB), Raritan (PDU2-MIB, PDU-MIB)
and Server Technology (Sentry4-MIB). Several indices joined by ``+`` are summed (a
node with two power supplies on two outlets): ``snmp://public@pdu1/apc/outlet/3+4``.

SNMP v2c (``?version=1`` for v1) with pysnmp's asyncio API; each source owns one event
loop and one SNMP engine, used by one caller at a time, and every request has
``timeout`` seconds with no library retries. The PDU's clock, where it has one
(HOST-RESOURCES-MIB ``hrSystemDate``), is read in the same request as the watts and
measures the offset; most PDUs have none, and the offset is then recorded as unknown.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from joulekit.analyzers.base import Analyzer
from joulekit.analyzers.polled import (
    DEFAULT_TIMEOUT_S,
    PolledAnalyzer,
    PolledSource,
    Reading,
    SourceError,
    redact,
)
from joulekit.analyzers.url import AnalyzerUrl
from joulekit.errors import UserError
from joulekit.validate import parse_port

TABLE_FILE = Path(__file__).with_name("snmp_pdus.yaml")
#: the standard SNMP agent port
DEFAULT_PORT = 161
#: HOST-RESOURCES-MIB::hrSystemDate.0 (DateAndTime)
HR_SYSTEM_DATE = "1.3.6.1.2.1.25.1.2.0"
#: extra time the first request of a source may take for pysnmp's own set-up
SETUP_ALLOWANCE_S = 5.0


@dataclass(frozen=True)
class Target:
    vendor: str
    name: str
    object: str
    oid: str
    unit: str
    scale: float
    index_help: str
    digits: str | None = None


@cache
def pdu_table() -> dict[str, dict[str, Target]]:
    """vendor -> target name -> :class:`Target`, from ``snmp_pdus.yaml``."""
    data = yaml.safe_load(TABLE_FILE.read_text(encoding="utf-8"))
    table: dict[str, dict[str, Target]] = {}
    for vendor, entry in data["vendors"].items():
        table[vendor] = {
            name: Target(vendor, name, t["object"], t["oid"], str(t["unit"]),
                         float(t["scale"]), t["index"], t.get("digits"))
            for name, t in entry["targets"].items()
        }
    return table


def parse_date_and_time(raw: bytes) -> float | None:
    """SNMPv2-TC DateAndTime (8 or 11 octets) as Unix seconds; None if malformed. Without
    the UTC offset octets the PDU's local time is taken as UTC (the offset then shows)."""
    if len(raw) not in (8, 11):
        return None
    try:
        tz = UTC
        if len(raw) == 11 and raw[8:9] in (b"+", b"-"):
            delta = timedelta(hours=raw[9], minutes=raw[10])
            tz = timezone(delta if raw[8:9] == b"+" else -delta)
        stamp = datetime(int.from_bytes(raw[0:2], "big"), raw[2], raw[3], raw[4], raw[5],
                         raw[6], raw[7] * 100000, tzinfo=tz)
    except ValueError:
        return None
    return stamp.timestamp()


class SnmpSource(PolledSource):
    kind = "pdu"

    def __init__(self, url: str, host: str, port: int, community: str, target: Target,
                 indices: tuple[str, ...], version: str = "2c",
                 timeout: float = DEFAULT_TIMEOUT_S) -> None:
        super().__init__(url, timeout)
        self.host, self.port, self.community = host, port, community
        self.target, self.indices, self.version = target, indices, version
        self._loop: asyncio.AbstractEventLoop | None = None
        self._engine: Any = None
        self._transport: Any = None
        self._scales: list[float] = [target.scale] * len(indices)
        self._with_date = False

    def _run(self, coro: Any, what: str, setup_s: float = 0.0) -> Any:
        """Run one request on our loop, bounded by the request timeout (+ ``setup_s``)."""
        assert self._loop is not None
        try:
            return self._loop.run_until_complete(
                asyncio.wait_for(coro, self.timeout + 0.5 + setup_s))
        except TimeoutError:
            raise SourceError(f"{self.url}: no answer to {what} within {self.timeout:g} s"
                              ) from None
        except SourceError:
            raise
        except Exception as err:  # pysnmp's own errors
            raise SourceError(f"{self.url}: {what} failed: {type(err).__name__}: {err}"
                              ) from None

    async def _get(self, oids: list[str]) -> list[Any]:
        from pysnmp.hlapi.v3arch.asyncio import (  # here: pysnmp is the optional extra
            CommunityData,
            ContextData,
            ObjectIdentity,
            ObjectType,
            UdpTransportTarget,
            get_cmd,
        )

        if self._transport is None:
            self._transport = await UdpTransportTarget.create(
                (self.host, self.port), timeout=self.timeout, retries=0)
        model = 0 if self.version == "1" else 1
        error, status, index, binds = await get_cmd(
            self._engine, CommunityData(self.community, mpModel=model), self._transport,
            ContextData(), *(ObjectType(ObjectIdentity(o)) for o in oids), lookupMib=False)
        if error:
            if "timeout" in str(error).lower():
                raise SourceError(f"{self.url}: no SNMP answer within {self.timeout:g} s "
                                  "(no agent at that address, or the community is wrong)")
            raise SourceError(f"{self.url}: {error}")
        if status:
            raise SourceError(f"{self.url}: the agent answered {status.prettyPrint()} for "
                              f"{oids[int(index) - 1] if index else oids}")
        return [value for _, value in binds]

    def _oids(self, template: str) -> list[str]:
        return [template.replace("{index}", i) for i in self.indices]

    def open(self) -> None:
        try:
            from pysnmp.hlapi.v3arch.asyncio import SnmpEngine  # the optional extra
        except ImportError:
            raise UserError("snmp:// needs pysnmp: pip install 'joulekit[training]'") from None
        self._loop = asyncio.new_event_loop()
        self._engine = SnmpEngine()
        # the first request also pays pysnmp's one-time set-up (its MIB modules load on the
        # first message: 0.5-1.6 s on a loaded 2-core host), which is no silence of the PDU;
        # pysnmp's own UDP timeout still bounds the wait for the answer itself
        setup = SETUP_ALLOWANCE_S
        if self.target.digits:
            digits = self._run(self._get(self._oids(self.target.digits)), "the decimal digits",
                               setup)
            self._scales = [self.target.scale / 10 ** _integer(d, self.url) for d in digits]
            setup = 0.0
        values = self._run(self._get([*self._oids(self.target.oid), HR_SYSTEM_DATE]),
                           f"GET {self.target.object}", setup)
        self._with_date = _octets(values[-1]) is not None
        self._check_values(values[:-1])
        self.description = (f"SNMP PDU {self.host}:{self.port} {self.target.vendor} "
                            f"{self.target.object}.{'+'.join(self.indices)}")

    def _check_values(self, values: list[Any]) -> float:
        total = 0.0
        for index, value, scale in zip(self.indices, values, self._scales, strict=True):
            number = _integer(value, self.url, f"{self.target.object}.{index}")
            if number < 0:
                raise SourceError(f"{self.url}: {self.target.object}.{index} is {number} "
                                  "(the PDU does not meter it)")
            total += number * scale
        return total

    def _read(self) -> Reading:
        oids = self._oids(self.target.oid) + ([HR_SYSTEM_DATE] if self._with_date else [])
        values = self._run(self._get(oids), f"GET {self.target.object}")
        stamp = None
        if self._with_date:
            raw = _octets(values.pop())
            stamp = parse_date_and_time(raw) if raw is not None else None
        return Reading(self._check_values(values), source_time=stamp)

    def close(self) -> None:
        loop, self._loop = self._loop, None
        if loop is None:
            return
        with contextlib.suppress(Exception):
            if self._engine is not None:
                self._engine.close_dispatcher()
        with contextlib.suppress(Exception):
            loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _integer(value: Any, url: str, name: str = "the value") -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        text = value.prettyPrint() if hasattr(value, "prettyPrint") else repr(value)
        raise SourceError(f"{url}: {name} is not a number ({text}); check the vendor, "
                          "target and index of the URL") from None


def _octets(value: Any) -> bytes | None:
    try:
        raw = bytes(value.asOctets())
    except (AttributeError, TypeError, ValueError):
        return None
    return raw if len(raw) in (8, 11) else None


def _usage() -> str:
    return "; ".join(f"{vendor}/{'|'.join(targets)}" for vendor, targets in pdu_table().items())


def source_from_url(url: AnalyzerUrl) -> SnmpSource:
    """``snmp://COMMUNITY@HOST[:PORT]/VENDOR/TARGET/INDEX[+INDEX…][?version=1|2c&timeout=S]``."""
    community, at, hostport = url.netloc.rpartition("@")
    if not at or not community or not hostport:
        raise UserError(f"{url.text}: an SNMP URL needs the community and the PDU, for "
                        "example snmp://public@10.0.0.31/apc/outlet/3")
    host, sep, port_text = hostport.rpartition(":")
    if not sep or "]" in port_text:
        host, port = hostport, DEFAULT_PORT
    else:
        port = parse_port(port_text, f"SNMP URL {url.text}: port")
    pieces = [p for p in url.path.split("/") if p]
    if len(pieces) != 3:
        raise UserError(f"{url.text}: the path must be /VENDOR/TARGET/INDEX, one of "
                        f"{_usage()}")
    vendor, target_name, index_text = pieces
    targets = pdu_table().get(vendor.lower())
    if targets is None or target_name.lower() not in targets:
        raise UserError(f"{url.text}: unknown PDU {vendor}/{target_name}; known: {_usage()}")
    target = targets[target_name.lower()]
    indices = tuple(index_text.split("+"))
    if not all(i and all(p.isdigit() for p in i.split(".")) for i in indices):
        raise UserError(f"{url.text}: the index must be numbers such as 3, 3+4 or 1.5 "
                        f"({target.object}: {target.index_help})")
    version = url.option("version", "2c")
    if version not in ("1", "2c"):
        raise UserError(f"{url.text}: version must be 1 or 2c")
    timeout = url.number("timeout", DEFAULT_TIMEOUT_S)
    url.finish()
    return SnmpSource(redact(url.text), host.strip("[]"), port, community, target, indices,
                      version, timeout)


def from_url(url: AnalyzerUrl, *, start: bool) -> Analyzer:
    return PolledAnalyzer(source_from_url(url))

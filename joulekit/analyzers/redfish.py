"""``redfish://[user:pass@]host[:port][/redfish/v1/Chassis/ID]``: a BMC's chassis power over
Redfish, with the DMTF ``redfish`` library (``redfish+https://`` for TLS).

Three places hold a chassis' power, tried in this order at ``open`` (``?source=`` picks
one): ``Chassis/<id>/EnvironmentMetrics`` ``PowerWatts.Reading`` (the current schema),
the deprecated ``Chassis/<id>/Power`` ``PowerControl[n].PowerConsumedWatts`` (``?control=n``,
default 0, the whole chassis on every BMC seen), and ``Chassis/<id>/PowerSubsystem``: the
sum of each power supply's ``Metrics`` ``InputPowerWatts.Reading`` (input side, AC).
Without a chassis in the path, the first chassis of the collection that has a reading is
used. Each reply's HTTP ``Date`` header (whole seconds) measures the BMC's clock offset;
the manager's ``DateTime`` is read once at ``open``.

TLS certificates are not verified (BMCs ship self-signed ones); ``?cafile=PATH`` verifies
against a CA file. Every request has ``timeout`` seconds and is never retried by the
library: a lost reading is the collector's to record, not a library's to wait for.
"""

from __future__ import annotations

import email.utils
import time
import warnings
from datetime import datetime
from typing import Any
from urllib.parse import unquote

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

ROOT = "/redfish/v1/"
SOURCES = ("environment", "power", "supplies")


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _link(doc: dict[str, Any], key: str) -> str | None:
    value = doc.get(key)
    if isinstance(value, dict) and isinstance(value.get("@odata.id"), str):
        return str(value["@odata.id"])
    return None


class RedfishSource(PolledSource):
    kind = "bmc"

    def __init__(self, url: str, base_url: str, user: str | None, password: str | None,
                 chassis: str | None, source: str | None, control: int,
                 timeout: float = DEFAULT_TIMEOUT_S, cafile: str | None = None,
                 auth: str = "basic") -> None:
        super().__init__(url, timeout)
        self.base_url, self.user, self._password = base_url, user, password
        self.chassis, self.source, self.control = chassis, source, control
        self.cafile, self.auth = cafile, auth
        self._client: Any = None
        self._reading_uris: list[str] = []
        self._how = ""

    def _get(self, path: str) -> tuple[dict[str, Any], float | None]:
        """One GET: the JSON body and the ``Date`` header as Unix seconds."""
        try:
            resp = self._client.get(path, timeout=self.timeout, max_retry=0)
        except Exception as err:  # requests' and the library's errors alike
            cause = err.__cause__ or err
            raise SourceError(f"{self.url}: GET {path} failed: "
                              f"{type(cause).__name__}: {cause}") from None
        if resp.status != 200:
            raise SourceError(f"{self.url}: GET {path} answered HTTP {resp.status}")
        try:
            body = resp.dict
        except Exception:
            body = None
        if not isinstance(body, dict):
            raise SourceError(f"{self.url}: GET {path} did not answer a JSON object")
        stamp = None
        date = resp.getheader("Date")
        if date:
            try:
                stamp = email.utils.parsedate_to_datetime(date).timestamp()
            except (TypeError, ValueError):
                stamp = None
        return body, stamp

    def open(self) -> None:
        try:
            import redfish  # here: the DMTF library is the optional 'training' extra
        except ImportError:
            raise UserError("redfish:// needs the DMTF redfish library: "
                            "pip install 'joulekit[training]'") from None
        try:
            warnings.filterwarnings("ignore", module="redfish")  # its 401-on-root notice
            self._client = redfish.redfish_client(
                base_url=self.base_url, username=self.user, password=self._password,
                timeout=self.timeout, max_retry=0, check_connectivity=False,
                cafile=self.cafile)
            if self.user is not None:
                self._client.login(auth=self.auth)
        except Exception as err:
            cause = err.__cause__ or err
            raise SourceError(f"{self.url}: cannot reach the Redfish service "
                              f"({type(cause).__name__}: {cause})") from None
        root, _ = self._get(ROOT)
        self._manager_time(root)
        chassis = [self.chassis] if self.chassis else self._chassis_members(root)
        problems: list[str] = []
        for path in chassis:
            found = self._discover(path, problems)
            if found:
                self.description = f"Redfish {path} ({self._how})"
                return
        raise SourceError(f"{self.url}: no power reading found ({'; '.join(problems)})")

    def _chassis_members(self, root: dict[str, Any]) -> list[str]:
        link = _link(root, "Chassis")
        if link is None:
            raise SourceError(f"{self.url}: the service root has no Chassis collection")
        collection, _ = self._get(link)
        members = collection.get("Members") or []
        return [m["@odata.id"] for m in members
                if isinstance(m, dict) and isinstance(m.get("@odata.id"), str)]

    def _manager_time(self, root: dict[str, Any]) -> None:
        """The first manager's ``DateTime`` as one clock-offset reply (optional)."""
        link = _link(root, "Managers")
        try:
            if link is None:
                return
            managers, _ = self._get(link)
            first = (managers.get("Members") or [{}])[0].get("@odata.id")
            if not isinstance(first, str):
                return
            sent = time.time()
            manager, _ = self._get(first)
            received = time.time()
            text = manager.get("DateTime")
            if isinstance(text, str):
                stamp = datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
                self.clock.add(stamp, 1.0, sent, received)
        except (SourceError, ValueError, AttributeError, IndexError):
            return  # the offset then comes from the Date headers alone

    def _discover(self, chassis_path: str, problems: list[str]) -> bool:
        chassis, _ = self._get(chassis_path)
        order = (self.source,) if self.source else SOURCES
        for how in order:
            uris = self._candidate(chassis, how)
            if not uris:
                problems.append(f"{chassis_path} has no {how} reading")
                continue
            self._reading_uris, self._how = uris, how
            try:
                self._read()
            except SourceError as err:
                problems.append(str(err))
                continue
            return True
        return False

    def _candidate(self, chassis: dict[str, Any], how: str) -> list[str]:
        if how == "environment":
            link = _link(chassis, "EnvironmentMetrics")
            return [link] if link else []
        if how == "power":
            link = _link(chassis, "Power")
            return [link] if link else []
        link = _link(chassis, "PowerSubsystem")
        if link is None:
            return []
        subsystem, _ = self._get(link)
        supplies_link = _link(subsystem, "PowerSupplies")
        if supplies_link is None:
            return []
        supplies, _ = self._get(supplies_link)
        uris: list[str] = []
        for member in supplies.get("Members") or []:
            supply, _ = self._get(member["@odata.id"])
            metrics = _link(supply, "Metrics")
            if metrics:
                uris.append(metrics)
        return uris

    def _value(self, doc: dict[str, Any], uri: str) -> float:
        if self._how == "environment":
            value = _number((doc.get("PowerWatts") or {}).get("Reading"))
        elif self._how == "power":
            controls = doc.get("PowerControl") or []
            if not isinstance(controls, list) or len(controls) <= self.control:
                raise SourceError(f"{self.url}: {uri} has no PowerControl[{self.control}]")
            value = _number((controls[self.control] or {}).get("PowerConsumedWatts"))
        else:
            value = _number((doc.get("InputPowerWatts") or {}).get("Reading"))
        if value is None:
            raise SourceError(f"{self.url}: {uri} has no power reading now (null)")
        return value

    def _read(self) -> Reading:
        total = 0.0
        stamp: float | None = None
        for uri in self._reading_uris:
            doc, stamp = self._get(uri)
            total += self._value(doc, uri)
        return Reading(total, source_time=stamp)

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and self.user is not None and self.auth == "session":
            try:
                client.logout()
            except Exception:
                return  # the BMC drops an idle session by itself


def source_from_url(url: AnalyzerUrl) -> RedfishSource:
    """``redfish://[USER:PASS@]HOST[:PORT][/redfish/v1/Chassis/ID][?source=environment|power|
    supplies&control=N&timeout=S&auth=basic|session&cafile=PATH]``."""
    if not url.netloc:
        raise UserError(f"{redact(url.text)}: a Redfish URL needs the BMC address, for "
                        "example redfish://admin:secret@10.0.0.21 or redfish://127.0.0.1:8000")
    userinfo, at, hostport = url.netloc.rpartition("@")
    user = password = None
    if at:
        name, _, secret = userinfo.partition(":")
        user, password = unquote(name), unquote(secret)
    scheme = "https" if url.scheme == "redfish+https" else "http"
    path = url.path.rstrip("/")
    chassis = path or None
    if chassis is not None and not chassis.startswith("/redfish/v1/Chassis/"):
        raise UserError(f"{redact(url.text)}: the path must name a chassis "
                        "(/redfish/v1/Chassis/ID) or be left out")
    source = url.option("source")
    if source is not None and source not in SOURCES:
        raise UserError(f"{redact(url.text)}: source must be one of {', '.join(SOURCES)}")
    control_text = url.option("control", "0")
    if not control_text.isdigit():
        raise UserError(f"{redact(url.text)}: control must be a PowerControl index (0, 1 …)")
    auth = url.option("auth", "basic")
    if auth not in ("basic", "session"):
        raise UserError(f"{redact(url.text)}: auth must be basic or session")
    timeout = url.number("timeout", DEFAULT_TIMEOUT_S)
    cafile = url.option("cafile")
    url.finish()
    return RedfishSource(redact(url.text), f"{scheme}://{hostport}", user, password, chassis,
                         source, int(control_text), timeout, cafile, auth)


def from_url(url: AnalyzerUrl, *, start: bool) -> Analyzer:
    return PolledAnalyzer(source_from_url(url))

"""``ipmi://user:pass@host[:port]``: a BMC's DCMI power reading over IPMI 2.0 (pyghmi).

DCMI Get Power Reading (netfn 0x2C, command 0x02, group 0xDC, mode 1 "system power
statistics") answers the current, minimum, maximum and average power in watts over the
BMC's statistics period, plus the BMC's own timestamp (Unix seconds): the current value
is the reading, the timestamp measures the BMC's clock offset on every reply. At
``open`` the SEL time (netfn 0x0A, command 0x48) is read once as a first offset.

Every request passes ``timeout`` to pyghmi, which bounds its own waits (with its retries a
silent BMC costs a few seconds, a login to a silent host about 6 s): a slow BMC delays
only its own readings, the collector skips the ticks it missed and records the gap.

pyghmi loses a wake-up when a reply is fast. Its I/O thread reads every packet into the
session's queue and wakes the threads *already waiting* for that BMC; the caller sends
its request and only then starts waiting for a packet from the BMC. A reply the I/O
thread reads in between (a BMC answering in well under a millisecond, or a caller thread
descheduled for that long on a busy host) sits in the queue while the caller waits for a
*next* packet, until the request's retry timer ends the wait: the read then takes exactly
``timeout`` (seen as 2 of 40 reads on loopback, more under load), and the collector
misses ticks. :func:`_repair_pyghmi` wraps pyghmi's one wait primitive, once per process:
a wait for a reply our thread's session already has queued returns at once, and no wait
lasts longer than :data:`WAIT_SLICE_S` (every pyghmi caller loops until its own deadline,
so a wake-up lost in the last instant costs at most that slice, never a timeout).

pyghmi can also deadlock when two threads use it, as the collector's one thread per
source does. Sending takes its lock ``KEEPALIVE_SESSIONS`` and then ``WAITING_SESSIONS``;
a request that times out is re-sent (or the session logged in again) from inside
``WAITING_SESSIONS``, which then takes ``KEEPALIVE_SESSIONS``. One BMC that stops
answering while another source sends freezes every IPMI source of the process for good.
:func:`_repair_pyghmi` makes the two one re-entrant lock, so there is no order to
invert (what they guard are short updates of pyghmi's session tables; every send, and
so every re-send, already took both).
"""

from __future__ import annotations

import contextlib
import struct
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
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
from joulekit.validate import parse_port

#: IPMI's RMCP+ port
DEFAULT_PORT = 623
_DCMI = (0x2C, 0x02, (0xDC, 0x01, 0x00, 0x00))
_SEL_TIME = (0x0A, 0x48, ())
_T = TypeVar("_T")
#: the longest one wait inside pyghmi lasts before its caller looks at its queue again
WAIT_SLICE_S = 0.05
#: ``.session``: the pyghmi session this thread is inside a request of (None: none)
_calling = threading.local()
_install = threading.Lock()


def _repair_pyghmi() -> None:
    """Install the wait and the lock described in the module docstring (idempotent,
    thread-safe; before the first session of the process is made).

    pyghmi's ``_io_wait(timeout, addr, evq)`` is what its request loop, its command lock
    and its event loop block in; each of them re-checks its own state and deadline after
    every return, so returning early is always safe. Its two session-table locks are
    module globals read at each use, so one shared ``RLock`` replaces both. Only pyghmi's
    private module is touched, never its sessions' state."""
    from pyghmi.ipmi.private import session as pyghmi_session  # the optional extra

    with _install:
        original = getattr(pyghmi_session, "_io_wait", None)
        if original is None or getattr(original, "joulekit_prompt", False) or not all(
                hasattr(pyghmi_session, name)
                for name in ("WAITING_SESSIONS", "KEEPALIVE_SESSIONS")):
            return  # repaired already, or a pyghmi built otherwise: used as it is
        pyghmi_session.WAITING_SESSIONS = pyghmi_session.KEEPALIVE_SESSIONS

        def io_wait(timeout: float, myaddr: Any = None, evq: Any = None) -> None:
            waiting_on = getattr(_calling, "session", None)
            if evq is None and waiting_on is not None and getattr(waiting_on, "pktqueue",
                                                                  None):
                return  # the reply is already queued: let the caller process it now
            original(min(timeout, WAIT_SLICE_S), myaddr, evq)

        io_wait.joulekit_prompt = True  # type: ignore[attr-defined]
        pyghmi_session._io_wait = io_wait


class IpmiSource(PolledSource):
    kind = "bmc"

    def __init__(self, url: str, host: str, port: int, user: str, password: str,
                 timeout: float = DEFAULT_TIMEOUT_S) -> None:
        super().__init__(url, timeout)
        self.host, self.port, self.user, self._password = host, port, user, password
        self._cmd: Any = None

    def _call(self, what: str, fn: Callable[[], _T]) -> _T:
        """Run one pyghmi call in the calling thread (the collector gives each source a
        thread of its own). pyghmi bounds its own waits on a BMC that answers late (the
        request ``timeout`` plus its retries; a login to a silent host gives up after about
        6 s); one that stops answering mid-session may keep a call inside pyghmi far
        longer, which the collector's watchdog notices."""
        try:
            return fn()
        except SourceError:
            raise
        except Exception as err:  # pyghmi raises IpmiException and socket errors
            text = str(err) or type(err).__name__
            if "no longer connected" in text.lower() or "logged" in text.lower():
                self._cmd = None  # the session broke: log in again on the next call
            raise SourceError(f"{self.url}: {what} failed: {text}") from None

    def _login(self) -> Any:
        from pyghmi.ipmi import command  # here: pyghmi is the optional 'training' extra

        _repair_pyghmi()
        return command.Command(bmc=self.host, userid=self.user, password=self._password,
                               port=self.port, keepalive=False)

    def _raw(self, request: tuple[int, int, tuple[int, ...]]) -> bytes:
        if self._cmd is None:
            self._cmd = self._login()
        netfn, command, data = request
        _calling.session = getattr(self._cmd, "ipmi_session", None)
        try:
            rsp = self._cmd.raw_command(netfn=netfn, command=command, data=data,
                                        timeout=self.timeout)
        finally:
            _calling.session = None
        if rsp.get("code"):
            raise SourceError(f"{self.url}: the BMC refused netfn 0x{netfn:02X} command "
                              f"0x{command:02X}: {rsp.get('error', rsp['code'])}")
        return bytes(rsp.get("data", b""))

    def open(self) -> None:
        try:
            import pyghmi  # noqa: F401  # the optional 'training' extra, checked early
        except ImportError:
            raise UserError("ipmi:// needs pyghmi: pip install 'joulekit[training]'") from None
        self._call("the IPMI login", lambda: setattr(self, "_cmd", self._login()))
        data = self._call("Get SEL Time", lambda: self._raw(_SEL_TIME))
        if len(data) >= 4:
            now = time.time()
            self.clock.add(float(struct.unpack("<I", data[:4])[0]), 1.0, now - self.timeout,
                           now)
        self._read()  # DCMI power reading is there (some BMCs need it activated)
        self.description = f"IPMI BMC {self.host}:{self.port} (DCMI power reading)"

    def _read(self) -> Reading:
        data = self._call("DCMI Get Power Reading", lambda: self._raw(_DCMI))
        if len(data) < 17 or data[0] != 0xDC:
            raise SourceError(f"{self.url}: the DCMI power reading reply is {len(data)} "
                              "byte(s), not the 18 DCMI specifies")
        current, _min, _max, _avg, stamp, _period = struct.unpack("<HHHHII", data[1:17])
        state = data[17] if len(data) > 17 else 0x40
        if not state & 0x40:
            raise SourceError(f"{self.url}: the BMC says power measurement is not active "
                              "(enable DCMI power reading on the BMC)")
        return Reading(float(current), source_time=float(stamp) if stamp else None)

    def close(self) -> None:
        cmd, self._cmd = self._cmd, None
        if cmd is not None:
            with contextlib.suppress(Exception):
                cmd.ipmi_session.logout()


def source_from_url(url: AnalyzerUrl) -> IpmiSource:
    """``ipmi://USER:PASS@HOST[:PORT][?timeout=S]`` (port 623 by default)."""
    userinfo, at, hostport = url.netloc.rpartition("@")
    if not at or not hostport:
        raise UserError(f"{redact(url.text)}: an IPMI URL needs the BMC user and password, "
                        "for example ipmi://admin:secret@10.0.0.21:623")
    user, _, password = userinfo.partition(":")
    host, sep, port_text = hostport.rpartition(":")
    if not sep or "]" in port_text:
        host, port = hostport, DEFAULT_PORT
    else:
        port = parse_port(port_text, f"IPMI URL {redact(url.text)}: port")
    timeout = url.number("timeout", DEFAULT_TIMEOUT_S)
    url.finish()
    return IpmiSource(redact(url.text), host.strip("[]"), port, unquote(user),
                      unquote(password), timeout)


def from_url(url: AnalyzerUrl, *, start: bool) -> Analyzer:
    return PolledAnalyzer(source_from_url(url))

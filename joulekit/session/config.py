"""Director configuration: the reference ``server.conf`` INI layout, or the command line.

The reference template and README put the device keys under ``[ptd]``, but the
reference code only reads them from ``[analyzerN]`` and dies with "No section:
'analyzer1'". We read the correct layout, and when we meet the stale one we still run
(the keys are unambiguous) but warn with the exact fix.
"""

from __future__ import annotations

import configparser
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from joulekit.errors import UserError
from joulekit.inputs import read_ini
from joulekit.validate import parse_float, parse_int, parse_port

#: Settle time after a range change, before ``Go`` / before ``Stop`` (seconds).
COMPLIANT_SETTLE_SECONDS = 10.0

#: ``MAX`` ranging current range (A) by PTDaemon device type.
MAX_RANGING_AMPS: dict[int, float] = {
    8: 20.0, 49: 20.0, 52: 20.0, 77: 20.0, 508: 20.0, 549: 20.0, 586: 20.0,
    35: 40.0, 48: 40.0, 47: 50.0, 66: 30.0,
}  # fmt: skip

#: Device types that measure several channels and need ``channel``.
MULTICHANNEL_TYPES = frozenset({48, 59, 61, 77})

_ANALYZER_KEYS = (
    "deviceType", "interfaceFlag", "devicePort", "networkPort", "channel", "gpibBoard",
    "dcFlag",
)  # fmt: skip


@dataclass(frozen=True)
class PtdAnalyzerConfig:
    """One ``[analyzerN]`` section: how to start PTDaemon for one meter."""

    index: int
    device_type: int
    interface_flag: str
    device_port: str
    network_port: int = 8888
    channel: tuple[int, ...] | None = None
    gpib_board: int | None = None
    dc_flag: str | None = None


@dataclass
class DirectorConfig:
    """Everything the director needs; built from an INI file or from CLI options."""

    listen_host: str = "127.0.0.1"
    listen_port: int = 4950
    ntp_server: str | None = None
    ranging_mode: str = "AUTO"  # or "MAX"
    ptd_binary: str | None = None
    ptd_analyzers: list[PtdAnalyzerConfig] = field(default_factory=list)
    #: analyzer URLs (``ptd://…``, ``sim://49`` …) used instead of PTD sections
    analyzer_urls: list[str] = field(default_factory=list)
    settle_seconds: float = COMPLIANT_SETTLE_SECONDS
    output_dir: Path | None = None
    shared_key: str | None = None
    keep_sessions: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def settle_is_compliant(self) -> bool:
        return self.settle_seconds >= COMPLIANT_SETTLE_SECONDS


def parse_listen(text: str, where: str) -> tuple[str, int]:
    """``"ip port"`` (IPv6 accepted) → (host, port); port 0 lets the system pick a free one."""
    parts = text.split()
    if len(parts) != 2:
        raise UserError(f"{where}: listen must be 'ADDRESS PORT', got {text!r}")
    host = parts[0]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host != "localhost":
            raise UserError(f"{where}: listen address {host!r} is not an IP address") from None
    try:
        port = parse_port(parts[1], "listen port", allow_zero=True)
    except UserError as err:
        raise UserError(f"{where}: {err} (0 picks a free one)") from None
    return host, port


def _int(section: configparser.SectionProxy, key: str, where: str,
         minimum: int | None = 0, maximum: int | None = None) -> int:
    try:
        return parse_int(section[key], f"{where}: [{section.name}] {key}",
                         minimum=minimum, maximum=maximum)
    except UserError as err:
        raise UserError(str(err)) from None


def _port(section: configparser.SectionProxy, key: str, where: str) -> int:
    return parse_port(section[key], f"{where}: [{section.name}] {key}")


def _analyzer(section: configparser.SectionProxy, index: int, where: str) -> PtdAnalyzerConfig:
    for key in ("deviceType", "interfaceFlag", "devicePort"):
        if key not in section:
            raise UserError(f"{where}: [{section.name}] needs {key}")
    device_type = _int(section, "deviceType", where)
    channel: tuple[int, ...] | None = None
    if section.get("channel", "").strip():
        try:
            channel = tuple(parse_int(c, "channel", minimum=1, maximum=64)
                            for c in section["channel"].split(","))
        except UserError:
            raise UserError(f"{where}: [{section.name}] channel must be like 1 or 1,2") from None
    if device_type in MULTICHANNEL_TYPES:
        wanted = 1 if device_type == 48 else 2
        if channel is None or len(channel) != wanted:
            raise UserError(
                f"{where}: [{section.name}] device type {device_type} needs channel with "
                f"{wanted} number(s), e.g. channel: {'1' if wanted == 1 else '1,2'}"
            )
    elif channel is not None and len(channel) > 1:
        raise UserError(f"{where}: [{section.name}] a single-channel meter takes one channel")
    return PtdAnalyzerConfig(
        index=index,
        device_type=device_type,
        interface_flag=section.get("interfaceFlag", "").strip(),
        device_port=section["devicePort"].strip(),
        network_port=_port(section, "networkPort", where) if "networkPort" in section else 8888,
        channel=channel,
        gpib_board=_int(section, "gpibBoard", where) if "gpibBoard" in section else None,
        dc_flag=(section.get("dcFlag") or "").strip() or None,
    )


def load_config(path: Path) -> DirectorConfig:
    """Read a reference ``server.conf`` (plus our optional keys) into a config.

    Values are read with the reference's interpolation (``%%`` is a literal ``%``), so a
    file means the same to both directors; a lone ``%`` is one clear error.
    """
    where = str(path)
    parser = read_ini(path, "director config")
    try:
        return _load(parser, where)
    except configparser.InterpolationError as err:
        first = str(err.message if hasattr(err, "message") else err).splitlines()[0]
        raise UserError(
            f"{where}: [{err.section}] {err.option}: {first}",
            hint="write %% for a literal % (the INI format reads % as a reference)",
        ) from None


def _load(parser: configparser.ConfigParser, where: str) -> DirectorConfig:
    config = DirectorConfig()
    if "server" not in parser:
        raise UserError(f"{where}: needs a [server] section with ntpServer")
    server = parser["server"]
    if "ntpServer" not in server:
        raise UserError(f"{where}: [server] needs ntpServer (e.g. ntpServer: pool.ntp.org)")
    config.ntp_server = server["ntpServer"].strip()
    if "listen" in server:
        config.listen_host, config.listen_port = parse_listen(server["listen"], where)
    mode = server.get("rangingMode", "AUTO").strip().upper()
    if mode not in ("AUTO", "MAX"):
        raise UserError(f"{where}: [server] rangingMode must be AUTO or MAX, got {mode!r}")
    config.ranging_mode = mode
    if "settleSeconds" in server:
        config.settle_seconds = parse_float(
            server["settleSeconds"], f"{where}: [server] settleSeconds (seconds)",
            minimum=0.0, maximum=3600.0)
    if "outDir" in server:
        config.output_dir = Path(server["outDir"])
    if server.get("sharedKey", "").strip():
        config.shared_key = server["sharedKey"].strip()
    for key in server:
        if key not in (
            "ntpServer",
            "listen",
            "rangingMode",
            "settleSeconds",
            "outDir",
            "sharedKey",
        ):
            config.warnings.append(f"{where}: unknown key [server] {key} ignored")
    for name in parser.sections():
        # our extension: an [analyzerN] with url = sim://49 | ptd://host:port | visa://…
        if name.startswith("analyzer") and "url" in parser[name]:
            config.analyzer_urls.append(parser[name]["url"].strip())
    ptd = parser["ptd"] if parser.has_section("ptd") else None
    count = 1
    if ptd is not None:
        config.ptd_binary = ptd["ptd"].strip() if "ptd" in ptd else None
        if "analyzerCount" in ptd:
            count = _int(ptd, "analyzerCount", where, minimum=1, maximum=64)
        stale = [key for key in ptd if key in _ANALYZER_KEYS]
        if stale and "analyzer1" not in parser:
            config.warnings.append(
                f"{where}: the device keys ({', '.join(stale)}) are under [ptd], the stale "
                "template layout; move them to a new [analyzer1] section (the reference "
                "director would stop with \"No section: 'analyzer1'\")"
            )
            fake = configparser.ConfigParser()
            fake.optionxform = str  # type: ignore[assignment,method-assign]
            fake["analyzer1"] = {key: ptd[key] for key in stale}
            config.ptd_analyzers.append(_analyzer(fake["analyzer1"], 1, where))
            return config
    if ptd is not None and config.ptd_binary and not config.analyzer_urls:
        for index in range(1, count + 1):
            name = f"analyzer{index}"
            if name not in parser:
                raise UserError(f"{where}: analyzerCount is {count} but [{name}] is missing")
            config.ptd_analyzers.append(_analyzer(parser[name], index, where))
        ports = [a.network_port for a in config.ptd_analyzers]
        if len(set(ports)) != len(ports):
            raise UserError(f"{where}: each [analyzerN] needs its own networkPort")
    for name in parser.sections():
        if name not in ("server", "ptd") and not (
            name.startswith("analyzer") and name[8:].isdigit()
        ):
            config.warnings.append(f"{where}: unknown section [{name}] ignored")
    if not config.ptd_analyzers and not config.analyzer_urls:
        raise UserError(f"{where}: no analyzer configured; add [ptd] ptd and [analyzer1]")
    return config

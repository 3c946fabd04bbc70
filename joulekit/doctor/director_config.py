"""The director's ``server.conf`` as the director itself will read it.

We parse with the director's own loader (never a second parser), so the doctor and the
real run can never disagree about what the file says. On top of what the loader
enforces, we hold the file against the round: each device type must be one the round's
checker accepts, and a two-channel type must name two channels.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from joulekit.doctor.result import CheckResult, error, ok, warning
from joulekit.doctor.rounds import allowed_device_types
from joulekit.errors import UserError
from joulekit.inputs import read_ini
from joulekit.rules.pack import RulePack
from joulekit.session.config import DirectorConfig, PtdAnalyzerConfig, load_config

TITLE = "director config"


def _advice_for(warning_text: str) -> str:
    if "[ptd]" in warning_text and "[analyzer1]" in warning_text:
        return "move deviceType, interfaceFlag, devicePort (and the rest) from [ptd] to [analyzer1]"
    return "remove or correct that entry; the director ignores it"


def check_director_config(path: Path) -> tuple[list[CheckResult], DirectorConfig | None]:
    """Parse ``path``; an error when it cannot run, a warning per layout problem."""
    check = "config.layout"
    try:
        if path.exists():  # a folder, binary junk or broken INI: one line naming file and line
            read_ini(path)
        config = load_config(path)
    except UserError as err:
        return (
            [
                error(
                    check,
                    TITLE,
                    str(err.args[0]) if err.hint else str(err),
                    err.hint
                    or "fix the file as the message says (layout: [server], [ptd], [analyzer1] …)",
                    path=str(path),
                )
            ],
            None,
        )
    results = [
        warning(check, TITLE, text, _advice_for(text), path=str(path)) for text in config.warnings
    ]
    analyzers = ", ".join(
        f"[analyzer{a.index}] type {a.device_type} on port {a.network_port}"
        for a in config.ptd_analyzers
    )
    if not results:
        results.append(
            ok(
                check,
                TITLE,
                f"{path}: listen {config.listen_host}:{config.listen_port}, ntpServer "
                f"{config.ntp_server}, ranging {config.ranging_mode}; {analyzers}",
                path=str(path),
            )
        )
    if not config.settle_is_compliant:
        results.append(
            warning(
                "config.settle",
                TITLE,
                f"settleSeconds is {config.settle_seconds:g}, shorter than the 10 s the "
                "reference waits after a range change",
                "remove settleSeconds from [server] for a run you will submit",
            )
        )
    return results, config


def check_device_types(config: DirectorConfig, pack: RulePack) -> list[CheckResult]:
    """Each configured device type against the round's allowed list."""
    allowed = allowed_device_types(pack)
    two_channel = {int(c) for c in pack.power.get("devices", {}).get("two_channel", [])}
    results: list[CheckResult] = []
    for analyzer in config.ptd_analyzers:
        results.append(_device_type(analyzer, allowed, two_channel, pack.round))
    return results


def _device_type(
    analyzer: PtdAnalyzerConfig, allowed: dict[int, str], two_channel: set[int], round_name: str
) -> CheckResult:
    check = f"analyzer{analyzer.index}.device_type"
    title = f"analyzer {analyzer.index}: device type allowed"
    kind = analyzer.device_type
    if kind not in allowed:
        codes = ", ".join(str(c) for c in sorted(allowed))
        return error(
            check,
            title,
            f"device type {kind} is not on the {round_name} list of accepted analyzers ({codes})",
            "use an accepted analyzer, or check deviceType in "
            f"[analyzer{analyzer.index}] against 'ptd -h'",
            device_type=kind,
        )
    channels = analyzer.channel or ()
    if kind in two_channel and len(channels) != 2:
        return error(
            check,
            title,
            f"device type {kind} must be configured with two channels, got {channels or 'none'}",
            f"set channel: 1,2 in [analyzer{analyzer.index}]",
            device_type=kind,
        )
    return ok(check, title, f"type {kind} ({allowed[kind]})", device_type=kind)


def check_ptd_binary(config: DirectorConfig) -> tuple[CheckResult, str | None]:
    """The ``ptd`` path must name an executable file; returns its resolved path."""
    check = "ptd.binary"
    title = "PTDaemon binary present"
    configured = (config.ptd_binary or "").strip()
    if not configured:
        return (
            error(
                check,
                title,
                "[ptd] has no ptd key naming the PTDaemon binary",
                "add 'ptd: /path/to/ptd-linux-x86' to the [ptd] section",
            ),
            None,
        )
    resolved = shutil.which(configured) if os.sep not in configured else configured
    target = Path(resolved) if resolved else Path(configured)
    if not target.exists():
        return (
            error(
                check,
                title,
                f"{configured} does not exist",
                "point ptd in [ptd] at the PTDaemon binary from the MLCommons power repository",
                path=configured,
            ),
            None,
        )
    if not target.is_file() or not os.access(target, os.X_OK):
        return (
            error(
                check,
                title,
                f"{target} is not an executable file",
                f"make it executable (chmod +x {target}) or fix the ptd path in [ptd]",
                path=str(target),
            ),
            None,
        )
    return ok(check, title, str(target), path=str(target)), str(target)

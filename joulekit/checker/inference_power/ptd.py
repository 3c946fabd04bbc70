"""PWR011 and PWR020-PWR024: who measured, and what PTDaemon was told and answered.

The director's exchange with PTDaemon is recorded in ``server.json`` ``ptd_messages``;
it proves the analyzer model and PTDaemon build, the 1 s interval, and that the ranges
were set and restored. The reply check follows the measurement state (a Stop while a
measurement runs must stop it; a Stop without one must say so) instead of the
reference's "the third Stop" rule, which only holds for one analyzer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from joulekit.checker import catalog as R
from joulekit.checker.findings import Finding
from joulekit.checker.inference_power.context import PowerContext
from joulekit.formats.layout import POWER_CLIENT_JSON, POWER_SERVER_JSON

_VERSION = re.compile(r"version=(\d+\.\d+\.\d+)")
_SERVER = POWER_SERVER_JSON
_GO_REPLY = "Starting untimed measurement"
_STOPPED = "Stopping untimed measurement"
_NO_MEASUREMENT = "Error: no measurement to stop"


def _norm_model(text: str) -> str:
    return re.sub(r"[\s_]", "", text).upper().removeprefix("YOKOGAWA")


def _allowed_models(ctx: PowerContext) -> dict[str, int]:
    models: dict[str, int] = {}
    for code, name in ctx.rules.devices.items():
        for variant in name.split("/"):
            models[_norm_model(variant)] = code
    return models


def check_provenance(ctx: PowerContext) -> Iterator[Finding]:
    for name, raw in ((POWER_SERVER_JSON, ctx.server_raw), (POWER_CLIENT_JSON, ctx.client_raw)):
        block = raw.get("joulekit")
        if not isinstance(block, dict):
            continue
        analyzers = block.get("analyzers")
        for analyzer in analyzers if isinstance(analyzers, list) else []:
            if not isinstance(analyzer, dict):
                continue
            kind = str(analyzer.get("kind", "unknown"))
            if kind != "ptdaemon":
                yield R.PROVENANCE.finding(
                    f"analyzer {analyzer.get('index', '?')} ({analyzer.get('url', '?')}) was "
                    f"measured by a {kind} source, not PTDaemon",
                    file=name,
                    expected="kind ptdaemon",
                    found=f"kind {kind}",
                )
        reasons = block.get("not_valid_for_submission")
        if isinstance(reasons, list) and reasons and name == _SERVER:
            yield R.PROVENANCE.finding(
                "the director marked this run not valid for submission: "
                + "; ".join(str(r) for r in reasons),
                file=name,
                expected="no reasons",
                found=f"{len(reasons)} reason(s)",
            )
    for reply in ctx.identify_replies:
        if "joulekit" in reply.lower() or "simulat" in reply.lower():
            yield R.PROVENANCE.finding(
                f"the analyzer identified itself as {reply.split(',')[0]!r}, not a PTDaemon meter",
                file=_SERVER,
                expected="a PTDaemon Identify reply",
                found=reply[:80],
            )


def check_identify(ctx: PowerContext) -> Iterator[Finding]:
    if ctx.server is None:
        return
    replies = ctx.identify_replies
    if not replies:
        yield R.PTD_DEVICE.finding(
            "no Identify reply in ptd_messages",
            file=_SERVER,
            expected="an Identify command and reply",
            found="none",
        )
        return
    models = _allowed_models(ctx)
    for reply in replies:
        model = reply.split(",", 1)[0]
        if _norm_model(model) not in models:
            yield R.PTD_DEVICE.finding(
                f"analyzer model {model!r} is not allowed in {ctx.rules.round}",
                file=_SERVER,
                expected=", ".join(sorted(set(ctx.rules.devices.values()))),
                found=model,
            )


def check_ptd_version(ctx: PowerContext) -> Iterator[Finding]:
    allowed = ctx.rules.ptd_versions
    for reply in ctx.identify_replies:
        match = _VERSION.search(reply)
        found = match.group(1) if match else None
        if found not in allowed:
            yield R.PTD_VERSION.finding(
                f"PTDaemon version {found or 'unknown'} is not accepted in {ctx.rules.round}",
                file=_SERVER,
                expected=" or ".join(allowed),
                found=found or "no version= field",
            )


def check_replies(ctx: PowerContext) -> Iterator[Finding]:
    running = 0
    stops = 0
    for index, message in enumerate(ctx.ptd_messages, start=1):
        cmd, reply = message.cmd, message.reply
        expected: str | None = None
        ok = True
        if cmd.startswith("SR,A"):
            expected = "Range A changed"
            ok = reply == expected
        elif cmd.startswith("SR,V"):
            expected = "Range V changed"
            ok = reply == expected
        elif cmd.startswith("Go,"):
            expected = _GO_REPLY + "..."
            ok = reply.startswith(_GO_REPLY)
            running += 1 if ok else 0
        elif cmd == "Stop":
            stops += 1
            if ctx.reference:
                expected = _NO_MEASUREMENT if stops == 3 else _STOPPED
            else:
                expected = _STOPPED if running > 0 else _NO_MEASUREMENT
            ok = reply == expected
            running = max(0, running - 1)
        if not ok:
            yield R.PTD_REPLIES.finding(
                f"ptd_messages[{index}] {cmd!r} answered {reply!r}",
                file=_SERVER,
                expected=expected,
                found=reply,
            )


def check_interval(ctx: PowerContext) -> Iterator[Finding]:
    wanted = str(ctx.rules.sampling_interval_ms)
    for index, message in enumerate(ctx.ptd_messages, start=1):
        if message.cmd.startswith("Go,"):
            interval = message.cmd.split(",")[1]
            if interval != wanted:
                yield R.PTD_INTERVAL.finding(
                    f"ptd_messages[{index}] {message.cmd!r} samples every {interval} ms",
                    file=_SERVER,
                    expected=f"Go,{wanted},...",
                    found=message.cmd,
                )


def _initial_range(auto: str, value: str) -> str:
    try:
        if int(float(auto)) == 0 and float(value) > 0:
            return value
    except ValueError:
        pass
    return "Auto"


def _same_range(a: str, b: str) -> bool:
    if a.lower() == "auto" or b.lower() == "auto":
        return a.lower() == b.lower()
    try:
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    except ValueError:
        return a == b


def check_ranges_restored(ctx: PowerContext) -> Iterator[Finding]:
    messages = ctx.ptd_messages
    rr = next((m for m in messages if m.cmd == "RR"), None)
    if rr is None:
        if ctx.server is not None:
            yield R.RANGES_RESTORED.finding(
                "no RR (read ranges) reply in ptd_messages",
                file=_SERVER,
                expected="RR before ranging",
                found="none",
            )
        return
    fields = rr.reply.split(",")
    if len(fields) < 5 or fields[0] != "Ranges":
        yield R.RANGES_RESTORED.finding(
            f"RR reply {rr.reply!r} is not 'Ranges,<A auto>,<A>,<V auto>,<V>'",
            file=_SERVER,
            expected="Ranges,...",
            found=rr.reply,
        )
        return
    initial = {"A": _initial_range(fields[1], fields[2]), "V": _initial_range(fields[3], fields[4])}
    for unit in ("A", "V"):
        sets = [
            m.cmd.split(",", 2)[2]
            for m in messages
            if m.cmd.startswith(f"SR,{unit},") and m.cmd.count(",") >= 2
        ]
        if ctx.reference:
            positions = (3, 4) if unit == "A" else (3,)
            candidates = [sets[p - 1] for p in positions if len(sets) >= p]
            label = " or ".join(f"SR,{unit} #{p}" for p in positions)
        else:
            candidates = sets[-1:]
            label = f"the last SR,{unit}"
        # the reference compares the text of the SR argument with the RR field
        same = (lambda a, b: a == b) if ctx.reference else _same_range
        if not any(same(value, initial[unit]) for value in candidates):
            yield R.RANGES_RESTORED.finding(
                f"{label} does not restore the initial {unit} range",
                file=_SERVER,
                expected=f"SR,{unit},{initial[unit]}",
                found=", ".join(f"SR,{unit},{v}" for v in candidates) or "no such command",
            )

"""Which round's rules the run will be judged by, loaded the way the checker loads them.

Every limit the doctor applies (PTDaemon versions, allowed device types, clock skew)
comes from this pack, so a preflight for v4.1 and one for v6.1 differ exactly where the
rounds differ, and an unknown round is caught before it silently falls back to defaults.
"""

from __future__ import annotations

from joulekit.doctor.result import CheckResult, error, ok
from joulekit.errors import UserError
from joulekit.rules.pack import RulePack, available_rounds, load_pack

TITLE = "rule pack of the round"


def check_round(name: str | None) -> tuple[CheckResult, RulePack | None]:
    """The pack of ``name`` (the newest round when None) and the result that says so."""
    check = "round.pack"
    rounds = available_rounds()
    if name is None:
        if not rounds:
            return (
                error(
                    check,
                    TITLE,
                    "this installation has no rule packs",
                    "reinstall joulekit; its rule packs are missing",
                ),
                None,
            )
        name = rounds[-1]
        how = "the newest pack; pass --round to pin the round you submit to"
    else:
        how = "as asked"
    try:
        pack = load_pack(name)
    except UserError as err:
        listed = f"{rounds[0]} … {rounds[-1]}" if rounds else "none installed"
        return (
            error(
                check,
                TITLE,
                str(err),
                f"pass --round with a known round ({listed}); 'joulekit rules' lists them",
                round=name,
            ),
            None,
        )
    power = pack.power
    versions = ", ".join(power.get("ptd", {}).get("versions", [])) or "any"
    skew = power.get("time_sync", {}).get("max_skew_ms")
    parts = [f"PTDaemon {versions}"]
    if skew is not None:
        parts.append(f"client/director skew ≤ {skew} ms")
    return (
        ok(check, TITLE, f"{pack.round} ({how}): {'; '.join(parts)}", round=pack.round),
        pack,
    )


def allowed_ptd_versions(pack: RulePack) -> list[str]:
    return [str(v) for v in pack.power.get("ptd", {}).get("versions", [])]


def allowed_device_types(pack: RulePack) -> dict[int, str]:
    """Device type code → model name the round's checker accepts."""
    allowed = pack.power.get("devices", {}).get("allowed", [])
    return {int(d["code"]): str(d.get("model", "")) for d in allowed}

"""PWR040-PWR044: clocks, windows and durations.

All times are aware UTC: LoadGen's ``power_begin``/``power_end`` are UTC, and the phase
points are POSIX seconds, so no comparison depends on the checker's own time zone. The
reference's +-3600 s "DST workaround" is applied only with ``--compat reference``.
"""

from __future__ import annotations

from collections.abc import Iterator

from joulekit.checker import catalog as R
from joulekit.checker.findings import Finding
from joulekit.checker.inference_power.context import PowerContext
from joulekit.formats.layout import (
    PHASES,
    POWER_CLIENT_JSON,
    RANGING_DETAIL,
    RUN_1_DETAIL,
    RUN_1_SPL,
)
from joulekit.formats.mllog import MllogDetail
from joulekit.formats.timefmt import format_mlperf_time, from_epoch

_POINTS = ("start requested", "after Go", "stop requested", "after stop")


def check_skew(ctx: PowerContext) -> Iterator[Finding]:
    client, server = ctx.client, ctx.server
    if client is None or server is None:
        return
    limit_s = ctx.rules.max_skew_ms / 1000.0
    for phase in PHASES:
        mine, theirs = client.phases.get(phase, []), server.phases.get(phase, [])
        if len(mine) != 4 or len(theirs) != 4:
            yield R.SKEW.finding(
                f"{phase}: phase points missing",
                file=POWER_CLIENT_JSON,
                expected="4 points in client.json and server.json",
                found=f"{len(mine)} and {len(theirs)}",
            )
            continue
        for label, a, b in zip(_POINTS, mine, theirs, strict=True):
            diff = abs(a.wall - b.wall)
            if diff > limit_s:
                yield R.SKEW.finding(
                    f"{phase} '{label}': client and director clocks differ by {diff * 1000:.0f} ms",
                    file=POWER_CLIENT_JSON,
                    expected=f"<= {ctx.rules.max_skew_ms:.0f} ms",
                    found=f"{diff * 1000:.0f} ms",
                )


def check_window_in_phase(ctx: PowerContext) -> Iterator[Finding]:
    client = ctx.client
    if client is None:
        return
    pairs: tuple[tuple[str, str, MllogDetail], ...] = (
        (PHASES[0], RANGING_DETAIL, ctx.ranging_detail),
        (PHASES[1], RUN_1_DETAIL, ctx.detail),
    )
    for phase, file, detail in pairs:
        points = client.phases.get(phase, [])
        if len(points) != 4:
            continue  # PWR040 reports it
        low, high = points[1].wall, points[2].wall
        for key in ("power_begin", "power_end"):
            moment = getattr(detail, key)
            record = detail.record(key)
            if moment is None:
                yield R.WINDOW_IN_PHASE.finding(
                    f"{key} missing or unreadable",
                    file=file,
                    line=record.line if record else None,
                    expected="MM-DD-YYYY HH:MM:SS.mmm",
                    found="none",
                )
                continue
            value = moment.timestamp()
            base = _loadgen_offset_s(ctx)
            offsets: tuple[float, ...] = (base,)
            if ctx.reference or ctx.rules.loadgen_clock == "client_local":
                dst = ctx.rules.dst_workaround_s
                offsets = (base, base - dst, base + dst)
            if not any(low < value + off < high for off in offsets):
                yield R.WINDOW_IN_PHASE.finding(
                    f"{key} is outside the {phase} phase of the client"
                    + _hour_offset_note(value + base, low, high),
                    file=file,
                    line=record.line if record else None,
                    expected=f"{format_mlperf_time(from_epoch(low))} .. "
                    f"{format_mlperf_time(from_epoch(high))}",
                    found=format_mlperf_time(moment),
                )


def check_durations(ctx: PowerContext) -> Iterator[Finding]:
    testing, ranging = ctx.window, ctx.ranging_window
    if testing is None or ranging is None:
        return
    t = (testing[1] - testing[0]).total_seconds()
    r = (ranging[1] - ranging[0]).total_seconds()
    ratio = ctx.rules.testing_vs_ranging_min_ratio
    if r > 0 and t < ratio * r:
        percent = "5" if ctx.reference else f"{(1 - ratio) * 100:.0f}"
        yield R.TESTING_SHORT.finding(
            f"the testing window is more than {percent} percent shorter than ranging",
            file=RUN_1_DETAIL,
            expected=f">= {ratio * r:.1f} s",
            found=f"{t:.1f} s",
        )


def check_min_duration(ctx: PowerContext) -> Iterator[Finding]:
    if ctx.reference or ctx.window is None:
        return
    seconds = (ctx.window[1] - ctx.window[0]).total_seconds()
    if seconds < ctx.rules.min_testing_s:
        record = ctx.detail.record("power_end")
        yield R.MIN_DURATION.finding(
            f"the testing power window lasts {seconds:.1f} s",
            file=RUN_1_DETAIL,
            line=record.line if record else None,
            expected=f">= {ctx.rules.min_testing_s:.0f} s",
            found=f"{seconds:.1f} s",
        )


def check_ranging_duration(ctx: PowerContext) -> Iterator[Finding]:
    """Before May 2023 (power-dev 992e4c2) the checker compared the two LoadGen windows'
    durations instead of their powers: more than 5 % apart (of the longer) failed."""
    limit = ctx.rules.max_ranging_difference_percent
    testing, ranging = ctx.window, ctx.ranging_window
    if limit is None or testing is None or ranging is None:
        return
    t = (testing[1] - testing[0]).total_seconds()
    r = (ranging[1] - ranging[0]).total_seconds()
    longer = max(t, r)
    if longer <= 0:
        return
    diff = abs(r - t) / longer * 100.0
    if diff >= limit:
        yield R.RANGING_DURATION.finding(
            f"the ranging window lasts {r:.1f} s and the testing window {t:.1f} s: "
            f"{diff:.1f} % apart",
            file=RUN_1_DETAIL,
            expected=f"< {limit:g} % of the longer",
            found=f"{diff:.1f} %",
        )


def check_power_drop(ctx: PowerContext) -> Iterator[Finding]:
    if not ctx.rules.power_drop_enabled:
        return
    testing = ctx.mean_power(ctx.spl, ctx.window)
    ranging = ctx.mean_power(ctx.ranging_spl, ctx.ranging_window)
    if testing is None or ranging is None or ranging <= 0:
        return
    change = (testing - ranging) / ranging * 100.0
    if change < -ctx.rules.max_drop_percent:
        pf = ctx.stats.mean_pf if ctx.stats is not None else None
        yield R.POWER_DROP.finding(
            f"mean testing power {testing:.2f} W is {-change:.1f} % below ranging "
            f"{ranging:.2f} W" + (f" (mean PF {pf:.3f})" if pf is not None else ""),
            file=RUN_1_SPL,
            expected=f">= -{ctx.rules.max_drop_percent:g} %",
            found=f"{change:.1f} %",
        )


def _loadgen_offset_s(ctx: PowerContext) -> float:
    """Seconds to add to LoadGen's times to get UTC.

    v1.0 LoadGen logged power_begin/power_end in the SUT's local time; that round's
    checker added client.json ``timezone`` (Python's ``time.timezone``: seconds west of
    UTC, standard time, hence the +-3600 s allowance for daylight saving time)."""
    if ctx.rules.loadgen_clock != "client_local":
        return 0.0
    zone = ctx.client_raw.get("timezone")
    return float(zone) if isinstance(zone, int | float) and not isinstance(zone, bool) else 0.0


def _hour_offset_note(value: float, low: float, high: float) -> str:
    """Say so when shifting by a whole number of hours would put the time in the phase:
    a time-zone (or DST) offset rather than a different run."""
    middle = (low + high) / 2
    hours = round((middle - value) / 3600)
    if hours and low < value + hours * 3600 < high:
        return f" (exactly {hours:+d} h away: a time-zone offset between the clocks)"
    return ""

"""The power checks, one small module per family, run in the order listed in ``CHECKS``.

Presence first, readability last (see ``files``); everything between reads files through
the shared :class:`~joulekit.checker.inference_power.context.PowerContext`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from joulekit.checker.findings import Finding
from joulekit.checker.inference_power import (
    config,
    console,
    files,
    integrity,
    lost,
    ptd,
    ptdlog,
    safety,
    sampling,
    session,
    timing,
)
from joulekit.checker.inference_power.context import PowerContext

Check = Callable[[PowerContext], Iterable[Finding]]

CHECKS: tuple[Check, ...] = (
    files.check_files_present,
    safety.check_safe_files,
    lost.check_lost,
    files.check_json_keys,
    integrity.check_sources,
    ptd.check_provenance,
    ptd.check_identify,
    ptd.check_ptd_version,
    ptd.check_replies,
    ptd.check_interval,
    ptd.check_ranges_restored,
    session.check_uuid,
    session.check_session_name,
    session.check_messages,
    session.check_protocol,
    session.check_debug,
    timing.check_skew,
    timing.check_window_in_phase,
    timing.check_durations,
    timing.check_ranging_duration,
    timing.check_power_drop,
    timing.check_min_duration,
    integrity.check_results_checksum,
    console.check_console_captured,
    ptdlog.check_uncertainty_activated,
    ptdlog.check_ptd_log,
    config.check_ptd_config,
    sampling.check_metric,
    sampling.check_sample_count,
    sampling.check_gaps,
    sampling.check_coverage,
    sampling.check_testing_ranges,
    sampling.check_time_weighted,
    files.check_readable,
)

__all__ = ["CHECKS", "Check", "PowerContext"]

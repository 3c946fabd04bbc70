"""Per-sample power uncertainty from the vendor formula (analyzers.md §3).

U_W / P = reading + range x cf x (V_range x A_range) / S + tan(phi) x pf0, where S is
the apparent power of the sample. The ranges are those in force *for that sample*;
with autorange, an unknown range or an over-range reading the uncertainty cannot be
evaluated and the functions return None (PTD's "unknown").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from joulekit.meters.tables import Accuracy
from joulekit.rules import threshold

#: MLPerf's per-sample limit as a fraction, from the rule catalog (``uncertainty_limit``)
UNCERTAINTY_LIMIT = threshold("uncertainty_limit")


def channel_uncertainty(
    watts: float,
    volts: float,
    amps: float,
    pf: float,
    volt_range: float | None,
    amp_range: float | None,
    accuracy: Accuracy,
    *,
    crest_factor: int = 3,
    overrange_factor: float = 1.3,
) -> float | None:
    """Relative uncertainty of one channel's W reading, or None when it is unknown."""
    values = (watts, volts, amps, pf)
    if any(math.isnan(v) or math.isinf(v) or v < 0 for v in values):
        return None
    if not volt_range or not amp_range or volt_range <= 0 or amp_range <= 0:
        return None
    if volts > volt_range * overrange_factor or amps > amp_range * overrange_factor:
        return None
    apparent = volts * amps
    if watts <= 0 or apparent <= 0 or pf <= 0:
        return None
    pf = min(pf, 1.0)
    tan_phi = math.sqrt(max(0.0, 1.0 - pf * pf)) / pf
    range_factor = 2.0 if crest_factor == 6 else 1.0
    reading = accuracy.reading + accuracy.reading_12m
    return (
        reading
        + accuracy.range * range_factor * (volt_range * amp_range) / apparent
        + tan_phi * accuracy.pf0
    )


def combined_uncertainty(parts: Sequence[tuple[float, float | None]]) -> float | None:
    """Relative uncertainty of a sum of channels given ``(watts, relative_uncertainty)``.

    Absolute errors add (worst case, as the per-channel errors are not independent
    when one meter measures them); one unknown channel makes the sum unknown.
    """
    total = sum(w for w, _ in parts)
    if total <= 0:
        return None
    absolute = 0.0
    for watts, rel in parts:
        if rel is None:
            return None
        absolute += watts * rel
    return absolute / total

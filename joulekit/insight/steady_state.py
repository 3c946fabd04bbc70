"""Steady-state energy of LLM serving, ML.ENERGY style: an *informative* figure.

The compliant MLPerf figure averages wall power over LoadGen's whole power window.
ML.ENERGY instead reports energy per output token over the window where the server
runs at its configured batch size ``B``: ramp-up and drain are discarded because no
production server lives in them. The window opens when ``B`` requests have received
their first token and closes when ``N - B - 1`` requests have finished (from then on
the queue can no longer refill the batch; the ``-1`` ends it slightly early). Energy
in the window over tokens streamed in the window gives J/token; J/token times the mean
output length gives J/response, so the cost of prefill is spread over output tokens
rather than charged per input token.

This is never the published figure and is never mixed with it: it has its own
dataclass, its own label, and the report shows it in a separate, labelled section.

Energy is the integral of the power samples over the window (trapezoids, with the
power linearly interpolated at both window edges). Tokens in the window are counted
from per-token timestamps when the workload recorded them; otherwise each request is
assumed to stream its tokens evenly between its first token and its completion.
The average batch is the time-average of the number of requests between first token
and completion, a lower bound on what the server counts as running (it also counts
requests in prefill). Gates follow ML.ENERGY's validation: a window under 30 s or an
average batch under 85 % of ``B`` marks the figure unstable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MIN_STEADY_SECONDS = 30.0
MIN_BATCH_UTILISATION = 0.85


@dataclass(frozen=True)
class RequestTiming:
    """One request's timeline in seconds on the power trace's clock."""

    first_token: float
    finished: float
    output_tokens: int
    token_times: tuple[float, ...] | None = None


@dataclass(frozen=True)
class SteadyState:
    """The informative steady-state figure and the window it was taken over."""

    start_s: float
    end_s: float
    energy_j: float
    tokens: float
    j_per_token: float
    j_per_response: float
    mean_output_tokens: float
    average_batch: float
    batch_size: int
    warnings: tuple[str, ...]

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def stable(self) -> bool:
        return not self.warnings


class NoSteadyState(ValueError):
    """The run never reached a full batch long enough to have a steady state."""


def integrate(t: np.ndarray, watts: np.ndarray, start: float, end: float) -> float:
    """Joules between ``start`` and ``end`` by trapezoids, interpolating the edges."""
    if t.size < 2 or start < t[0] or end > t[-1]:
        raise NoSteadyState("the power samples do not cover the steady-state window")
    inside = (t > start) & (t < end)
    xs = np.concatenate(([start], t[inside], [end]))
    ys = np.concatenate(([np.interp(start, t, watts)], watts[inside], [np.interp(end, t, watts)]))
    return float(np.sum((xs[1:] - xs[:-1]) * (ys[1:] + ys[:-1]) / 2.0))


def _tokens_by(request: RequestTiming, moment: float) -> float:
    """Tokens the request has streamed by ``moment`` (first token counts one)."""
    if request.token_times is not None:
        return float(np.count_nonzero(np.asarray(request.token_times) <= moment))
    if moment < request.first_token:
        return 0.0
    if moment >= request.finished or request.output_tokens <= 1:
        return float(request.output_tokens)
    share = (moment - request.first_token) / (request.finished - request.first_token)
    return 1.0 + (request.output_tokens - 1) * share


def _average_batch(requests: Sequence[RequestTiming], start: float, end: float) -> float:
    overlap = sum(max(0.0, min(r.finished, end) - max(r.first_token, start)) for r in requests)
    return overlap / (end - start)


def steady_state(
    requests: Sequence[RequestTiming],
    batch_size: int,
    t: npt.ArrayLike,
    watts: npt.ArrayLike,
) -> SteadyState:
    """J/token and J/response over the full-batch window (see the module docstring).

    Raises :class:`NoSteadyState` when the run has fewer than ``2 B + 2`` requests or
    the window is empty: such a run never held its batch full.
    """
    n = len(requests)
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    if n < 2 * batch_size + 2:
        raise NoSteadyState(
            f"{n} requests cannot fill a batch of {batch_size} and drain it; "
            f"send at least {2 * batch_size + 2}"
        )
    firsts = sorted(r.first_token for r in requests)
    finishes = sorted(r.finished for r in requests)
    start = firsts[batch_size - 1]
    end = finishes[n - batch_size - 2]
    if end <= start:
        raise NoSteadyState("the batch was never full: the last refill came before ramp-up ended")
    times = np.asarray(t, dtype=float)
    power = np.asarray(watts, dtype=float)
    keep = np.isfinite(power) & (power >= 0)
    energy = integrate(times[keep], power[keep], start, end)
    tokens = sum(_tokens_by(r, end) - _tokens_by(r, start) for r in requests)
    per_token = energy / max(tokens, 1.0)
    mean_len = float(np.mean([r.output_tokens for r in requests]))
    batch = _average_batch(requests, start, end)
    warnings = []
    if end - start < MIN_STEADY_SECONDS:
        warnings.append(f"steady state lasted {end - start:.1f} s (< {MIN_STEADY_SECONDS:.0f} s)")
    if batch < MIN_BATCH_UTILISATION * batch_size:
        warnings.append(
            f"average batch {batch:.1f} is under {MIN_BATCH_UTILISATION:.0%} of {batch_size}"
        )
    return SteadyState(
        start_s=start,
        end_s=end,
        energy_j=energy,
        tokens=tokens,
        j_per_token=per_token,
        j_per_response=per_token * mean_len,
        mean_output_tokens=mean_len,
        average_batch=batch,
        batch_size=batch_size,
        warnings=tuple(warnings),
    )

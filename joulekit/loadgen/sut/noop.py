"""A SUT that computes nothing: the harness's own overhead, for the benchmark and tests."""

from __future__ import annotations

from collections.abc import Sequence

from joulekit.loadgen.sut.base import FirstToken, Output, Sut


class NoopSut(Sut):
    """Completes every sample at once with no output."""

    name = "joulekit-noop"
    max_batch = 1 << 30

    def run_batch(
        self, indices: Sequence[int], first_token: FirstToken | None
    ) -> Sequence[Output] | None:
        return None

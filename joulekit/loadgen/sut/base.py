"""The one interface every in-process SUT adapter implements.

LoadGen talks in queries of samples; models talk in batches of inputs. An adapter
only has to answer "run these sample indices" and may return what it computed; the
dispatcher (``joulekit.loadgen.dispatch``) turns that into LoadGen responses, splits
queries into batches no larger than the adapter allows, and decides which thread runs
them. Keeping LoadGen out of the adapters is what lets a user's callable be a plain
function, and lets the no-op adapter cost nothing beyond LoadGen's own bookkeeping.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: called by a streaming adapter when the first token of the sample at this position in
#: the batch arrives, with that token's bytes; LoadGen then measures time to first token.
FirstToken = Callable[[int, bytes], None]


@dataclass(frozen=True)
class Completion:
    """A finished sample: its output bytes and, for generative SUTs, its token count."""

    data: bytes = b""
    n_tokens: int = 0


#: what ``run_batch`` returns per sample; ``None`` for the whole batch means "nothing to
#: report" (performance mode of a SUT whose outputs nobody reads).
Output = bytes | Completion


class Sut(ABC):
    """A system under test, as LoadGen's harness sees it."""

    #: shown in LoadGen's logs and the run summary
    name: str = "joulekit-sut"
    #: how many distinct samples the data set has (LoadGen's QSL total count)
    total_samples: int = 1024
    #: how many of them fit in memory at once (LoadGen's performance sample count)
    performance_samples: int = 1024
    #: largest batch ``run_batch`` accepts; LoadGen's queries are split to fit
    max_batch: int = 1
    #: worker threads that run batches; 0 runs them on LoadGen's issue thread, which adds
    #: no hand-off latency and suits a SUT that does not block on I/O
    workers: int = 0
    #: True when outputs are token streams and ``run_batch`` reports first tokens
    streams_tokens: bool = False

    def load_samples(self, indices: Sequence[int]) -> None:  # noqa: B027 - optional hook
        """Bring these samples into memory before timing starts (LoadGen's QSL load)."""

    def unload_samples(self, indices: Sequence[int]) -> None:  # noqa: B027 - optional hook
        """Release what ``load_samples`` brought in."""

    @abstractmethod
    def run_batch(
        self, indices: Sequence[int], first_token: FirstToken | None
    ) -> Sequence[Output] | None:
        """Compute these samples; return one output per index, or ``None``.

        ``first_token`` is given only when ``streams_tokens`` is set.
        """

    def close(self) -> None:  # noqa: B027 - optional hook
        """Free connections, threads or processes the adapter opened."""

    def describe(self) -> str:
        """One line for logs and summaries."""
        return self.name

"""Between LoadGen's callbacks and a SUT adapter: batching, threads and responses.

LoadGen calls ``issue`` with a query (one sample in the latency scenarios, thousands
in Offline) and waits for ``QuerySamplesComplete`` per sample. This module cuts a
query into batches the adapter accepts, runs them inline or on worker threads, and
answers LoadGen. The inline path does no allocation beyond the response list, which
is how the harness keeps a no-op SUT within a few percent of LoadGen's bare binding.

A SUT that raises must not hang LoadGen (it would wait forever for the missing
completions), so a failed batch is completed empty, counted, and reported once the
run ends: the logs are still written and the caller decides what the failure means.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np

from joulekit.loadgen.sut.base import Completion, Output, Sut


@dataclass
class DispatchStats:
    """What the dispatcher saw; read after the run."""

    samples: int = 0
    failed_samples: int = 0
    first_error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record_failure(self, count: int, err: BaseException) -> None:
        with self.lock:
            self.failed_samples += count
            if self.first_error is None:
                self.first_error = f"{type(err).__name__}: {err}"


class SampleIndices(Sequence[int]):
    """The QSL indices of a batch, read from LoadGen's samples only when asked.

    A SUT that ignores its inputs (the no-op SUT, a server that picks its own prompts)
    then pays nothing for them: building a list of 100 000 indices up front was the
    largest cost of the harness in Offline.
    """

    __slots__ = ("_samples",)

    def __init__(self, samples: list[Any]) -> None:
        self._samples = samples

    def __len__(self) -> int:
        return len(self._samples)

    @overload
    def __getitem__(self, i: int) -> int: ...
    @overload
    def __getitem__(self, i: slice) -> list[int]: ...

    def __getitem__(self, i: int | slice) -> int | list[int]:
        if isinstance(i, slice):
            return [s.index for s in self._samples[i]]
        return int(self._samples[i].index)

    def __iter__(self) -> Iterator[int]:
        return (s.index for s in self._samples)


class Dispatcher:
    """Feeds LoadGen's queries to one SUT and completes them."""

    def __init__(self, sut: Sut, *, accuracy: bool, token_latencies: bool) -> None:
        # why: LoadGen's C extension is loaded only when a run starts (the CLI starts fast)
        import mlperf_loadgen as lg

        self._lg: Any = lg
        self.sut = sut
        self.stats = DispatchStats()
        self._accuracy = accuracy
        self._tokens = token_latencies or sut.streams_tokens
        self._batch = max(1, sut.max_batch)
        self._queue: queue.SimpleQueue[list[Any] | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._worker, name=f"sut-worker-{i}", daemon=True)
            for i in range(max(0, sut.workers))
        ]
        for thread in self._threads:
            thread.start()

    # LoadGen callbacks -------------------------------------------------------------
    def issue(self, samples: list[Any]) -> None:
        """LoadGen's IssueQuery: run now, or hand to the workers."""
        n, size = len(samples), self._batch
        chunks = [samples] if n <= size else [samples[i:i + size] for i in range(0, n, size)]
        if self._threads:
            for chunk in chunks:
                self._queue.put(chunk)
        else:
            for chunk in chunks:
                self._run(chunk)

    def flush(self) -> None:
        """LoadGen's FlushQueries: nothing is held back, so nothing to flush."""

    # ------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop the workers (after LoadGen has returned, so the queue is empty)."""
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=30)

    def _worker(self) -> None:
        while True:
            chunk = self._queue.get()
            if chunk is None:
                return
            self._run(chunk)

    def _run(self, chunk: list[Any]) -> None:
        lg = self._lg
        first_token = self._first_token_for(chunk) if self._tokens else None
        try:
            outputs = self.sut.run_batch(SampleIndices(chunk), first_token)
            if outputs is not None and len(outputs) != len(chunk):
                raise ValueError(
                    f"{self.sut.name} returned {len(outputs)} outputs for {len(chunk)} samples"
                )
        except Exception as err:  # a SUT failure must not hang LoadGen
            self.stats.record_failure(len(chunk), err)
            lg.QuerySamplesComplete([lg.QuerySampleResponse(s.id, 0, 0) for s in chunk])
            return
        with self.stats.lock:
            self.stats.samples += len(chunk)
        if outputs is None or not (self._accuracy or self._tokens):
            lg.QuerySamplesComplete([lg.QuerySampleResponse(s.id, 0, 0) for s in chunk])
            return
        self._complete_with_data(chunk, outputs)

    def _complete_with_data(self, chunk: list[Any], outputs: Sequence[Output]) -> None:
        lg = self._lg
        keep: list[np.ndarray[Any, Any]] = []  # buffers must live until LoadGen copied them
        responses = []
        for sample, out in zip(chunk, outputs, strict=True):
            data, n_tokens = (out.data, out.n_tokens) if isinstance(out, Completion) else (out, 0)
            if not self._accuracy or not data:
                responses.append(lg.QuerySampleResponse(sample.id, 0, 0, n_tokens))
                continue
            buf = np.frombuffer(bytes(data), dtype=np.uint8)
            keep.append(buf)
            responses.append(
                lg.QuerySampleResponse(sample.id, buf.ctypes.data, buf.nbytes, n_tokens)
            )
        lg.QuerySamplesComplete(responses)
        del keep

    def _first_token_for(self, chunk: list[Any]) -> Any:
        lg = self._lg

        def first_token(position: int, token: bytes) -> None:
            buf = np.frombuffer(token or b"\0", dtype=np.uint8)
            lg.FirstTokenComplete(
                [lg.QuerySampleResponse(chunk[position].id, buf.ctypes.data, buf.nbytes)]
            )

        return first_token

"""Progress of ``joulekit run``: one bar per phase with the time left.

The client reports phase steps (start, workload, stop, done); the LoadGen duration is
known in advance, so the bar of a running workload moves with the clock and shows
how long is left. A ticker thread advances it, because the client is blocked in the
workload while it runs.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

#: LoadGen's start-up and post-processing around the timed window, roughly
STARTUP_S = 2.0
TICK_S = 0.25


class TimeLeftColumn(ProgressColumn):
    """Seconds left of the expected phase length (the bar's total)."""

    def render(self, task: Task) -> Text:
        if task.finished or task.total is None:
            return Text("")
        left = max(0.0, task.total - task.completed)
        return Text(f"{left:4.0f} s left", style="progress.remaining")


class PhaseProgress:
    """Context manager; pass :meth:`on_phase` as ``RunConfig.on_phase``."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description:<34}"), BarColumn(),
            TimeLeftColumn(), TimeElapsedColumn(), console=console, transient=False,
        )
        self._tasks: dict[str, TaskID] = {}
        self._running: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, daemon=True)

    def __enter__(self) -> PhaseProgress:
        self.progress.start()
        self._ticker.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._ticker.join(2)
        self.progress.stop()

    def on_phase(self, mode: str, step: str, expected_s: float) -> None:
        total = expected_s + STARTUP_S
        with self._lock:
            task = self._tasks.get(mode)
            if task is None:
                task = self.progress.add_task(f"{mode}: clock check, analyzer", total=total)
                self._tasks[mode] = task
            if step == "workload":
                self._running[mode] = time.monotonic()
                self.progress.update(task, description=f"{mode}: LoadGen running")
            elif step == "stop":
                self._running.pop(mode, None)
                self.progress.update(task, description=f"{mode}: stopping, collecting logs",
                                     completed=total)
            elif step == "done":
                self.progress.update(task, description=f"{mode}: done", completed=total)

    def _tick(self) -> None:
        while not self._stop.wait(TICK_S):
            with self._lock:
                for mode, began in self._running.items():
                    task = self._tasks[mode]
                    total = self.progress.tasks[task].total or 0.0
                    done = min(time.monotonic() - began, total * 0.99)
                    self.progress.update(task, completed=done)

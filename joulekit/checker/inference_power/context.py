"""Everything one power result's checks read, loaded once and lazily.

Each file is parsed at most once per result whatever the number of checks that read it,
and only when a check asks for it; a check that needs a missing file sees ``None`` (or an
empty reading) and reports it instead of raising. Paths in findings are relative to the
performance folder (``power/server.json``) so reports stay short.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import os
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from joulekit.checker.inference_power import samples as sample_arrays
from joulekit.checker.metrics import (
    PowerFigure,
    WindowStats,
    mean_of_all_in_window,
    power_figure,
    select_samples,
    window_stats,
)
from joulekit.checker.options import CheckOptions
from joulekit.formats.issues import FormatIssue
from joulekit.formats.layout import (
    INTERACTIVE,
    MULTI_STREAM,
    OFFLINE,
    POWER_CLIENT_JSON,
    POWER_PTD_LOGS,
    POWER_SERVER_JSON,
    RANGING_DETAIL,
    RANGING_SPL,
    RUN_1_DETAIL,
    RUN_1_SPL,
    SERVER,
    SINGLE_STREAM,
    canonical_scenario,
)
from joulekit.formats.mllog import MllogDetail, read_detail
from joulekit.formats.power_json import PowerSummary, PtdMessage, read_power_json
from joulekit.formats.ptd_log import PtdLog, read_ptd_log
from joulekit.formats.spl import SplFile, read_spl
from joulekit.rules.pack import RulePack
from joulekit.rules.power import PowerRules

#: (scenario LoadGen ran, folder it is published under) pairs the rounds allow
INFERRED_PAIRS = frozenset(
    {
        (SINGLE_STREAM, MULTI_STREAM),
        (SINGLE_STREAM, OFFLINE),
        (MULTI_STREAM, OFFLINE),
        (SERVER, INTERACTIVE),
    }
)


class ResultFiles:
    """The files of one performance folder, each read at most once and only when asked.

    Shared by every check of a result, and by both passes of ``--compat reference``
    (which checks the same files under two rule sets): the readers depend on the file
    contents alone, so one reading serves any number of contexts.
    """

    def __init__(self, perf_dir: Path) -> None:
        self.perf_dir = perf_dir
        #: SHA-1 of each file hashed so far, by relative path (see :meth:`sha1`)
        self.digests: dict[str, str] = {}
        self._paths: dict[str, Path] = {}

    def path(self, relative: str) -> Path:
        """``perf_dir / relative``, built once per name (the checks ask for about 40)."""
        found = self._paths.get(relative)
        if found is None:
            found = self._paths[relative] = self.perf_dir / relative
        return found

    @cached_property
    def unsafe(self) -> dict[str, Any]:
        """Files that may not be read (link out of the tree, FIFO, device, too large),
        relative path -> :class:`~joulekit.inputs.UnsafeInputError`."""
        # safety imports this module (its check takes a PowerContext): import on first use
        from joulekit.checker.inference_power.safety import unsafe_files

        return unsafe_files(self.perf_dir)

    @cached_property
    def detail(self) -> MllogDetail:
        return read_detail(self.path(RUN_1_DETAIL))

    @cached_property
    def ranging_detail(self) -> MllogDetail:
        return read_detail(self.path(RANGING_DETAIL))

    @cached_property
    def spl(self) -> SplFile:
        return read_spl(self.path(RUN_1_SPL))

    @cached_property
    def ranging_spl(self) -> SplFile:
        return read_spl(self.path(RANGING_SPL))

    @cached_property
    def server(self) -> tuple[PowerSummary | None, list[FormatIssue]]:
        return read_power_json(self.path(POWER_SERVER_JSON))

    @cached_property
    def client(self) -> tuple[PowerSummary | None, list[FormatIssue]]:
        return read_power_json(self.path(POWER_CLIENT_JSON))

    @cached_property
    def ptd_log(self) -> PtdLog:
        return read_ptd_log(self.path(POWER_PTD_LOGS))

    def sha1(self, relative: str, path: str | None = None) -> str:
        """The SHA-1 hex digest of one file, hashed once per content (a byte-identical
        copy's :meth:`rebased` files share it); the caller checked the file may be read.
        ``path``: the file's path when the caller has it (``perf_dir`` joined with
        ``relative``)."""
        digest = self.digests.get(relative)
        if digest is None:
            target = path if path is not None else self.path(relative)
            with open(target, "rb") as handle:  # one reused buffer per file
                digest = self.digests[relative] = hashlib.file_digest(handle, "sha1").hexdigest()
        return digest

    def rebased(self, perf_dir: Path) -> ResultFiles | None:
        """A :class:`ResultFiles` for ``perf_dir``, a folder whose files are byte-identical
        to this one's, holding the parsed logs read here with their paths moved to it.

        Published trees copy one run into several scenario folders; the logs then need
        parsing once. Exact because a reader's output depends on the bytes alone except
        for the path it records (``path`` and each issue's ``file``), which is rewritten;
        the files' SHA-1 digests are shared too; the small files (``server.json``,
        ``client.json``) and the tree scan are read again. None when a recorded path is
        not below this folder (then read afresh).
        """
        old, new = str(self.perf_dir), str(perf_dir)
        other = ResultFiles(perf_dir)
        other.digests = self.digests  # the same bytes: the same digests
        for name in _SHARED:
            parsed = self.__dict__.get(name)
            if parsed is None:
                continue
            path = _moved(parsed.path, old, new)
            files = [_moved(issue.file, old, new) for issue in parsed.issues]
            if path is None or None in files:
                return None
            issues = [
                dataclasses.replace(issue, file=file)
                for issue, file in zip(parsed.issues, files, strict=True)
            ]
            moved = copy.copy(parsed)  # the parsed content is shared, never changed
            moved.path, moved.issues = path, issues
            other.__dict__[name] = moved
        return other

    def read_all(self) -> None:
        """Read every file not read yet, so each file's problems are known."""
        for name in _READERS:
            getattr(self, name)

    def loaded_issues(self) -> list[FormatIssue]:
        """Format issues of every file read so far (missing files excluded)."""
        issues: list[FormatIssue] = []
        for name in ("detail", "ranging_detail", "spl", "ranging_spl", "ptd_log"):
            if name in self.__dict__:
                issues.extend(getattr(self, name).issues)
        for name in ("server", "client"):
            if name in self.__dict__:
                issues.extend(self.__dict__[name][1])
        return [i for i in issues if Path(i.file).exists()]


_READERS = ("detail", "ranging_detail", "spl", "ranging_spl", "ptd_log", "server", "client")
#: the parsed logs :meth:`ResultFiles.rebased` hands to a byte-identical folder
_SHARED = ("detail", "ranging_detail", "spl", "ranging_spl", "ptd_log")


def _moved(path: str, old: str, new: str) -> str | None:
    """``path`` (below ``old``) as the same file below ``new``; None if not below."""
    if not path.startswith(old + os.sep):
        return None
    return new + path[len(old) :]


class PowerContext:
    """One performance folder (``.../<scenario>/performance``) under one rule pack.

    ``files`` may be passed in to reuse files another context of the same folder has
    read already.
    """

    def __init__(
        self,
        perf_dir: Path,
        pack: RulePack,
        rules: PowerRules,
        options: CheckOptions,
        files: ResultFiles | None = None,
    ) -> None:
        self.perf_dir = perf_dir
        self.pack = pack
        self.rules = rules
        self.options = options
        self.reference = options.compat == "reference"
        self.figure_problem: str | None = None
        self.files = files if files is not None else ResultFiles(perf_dir)
        self._paths: dict[str, Path] = {}

    # -- paths ---------------------------------------------------------------------
    def path(self, relative: str) -> Path:
        found = self._paths.get(relative)
        if found is None:
            found = self._paths[relative] = self.perf_dir / relative
        return found

    def rel(self, path: str | Path) -> str:
        try:
            return Path(path).relative_to(self.perf_dir).as_posix()
        except ValueError:
            return str(path)

    # -- files ---------------------------------------------------------------------
    @property
    def detail(self) -> MllogDetail:
        return self.files.detail

    @property
    def ranging_detail(self) -> MllogDetail:
        return self.files.ranging_detail

    @property
    def spl(self) -> SplFile:
        return self.files.spl

    @property
    def ranging_spl(self) -> SplFile:
        return self.files.ranging_spl

    @property
    def server(self) -> PowerSummary | None:
        return self.files.server[0]

    @property
    def client(self) -> PowerSummary | None:
        return self.files.client[0]

    @cached_property
    def server_raw(self) -> dict[str, Any]:
        raw = self.server.raw if self.server is not None else None
        return raw if isinstance(raw, dict) else {}

    @cached_property
    def client_raw(self) -> dict[str, Any]:
        raw = self.client.raw if self.client is not None else None
        return raw if isinstance(raw, dict) else {}

    @property
    def ptd_log(self) -> PtdLog:
        return self.files.ptd_log

    def loaded_issues(self) -> list[FormatIssue]:
        """Format issues of every file read so far (missing files excluded)."""
        return self.files.loaded_issues()

    # -- derived -------------------------------------------------------------------
    @cached_property
    def ptd_messages(self) -> list[PtdMessage]:
        server = self.server
        return list(server.ptd_messages or []) if server is not None else []

    @cached_property
    def identify_replies(self) -> list[str]:
        """The Identify reply of each analyzer, in order."""
        return [m.reply for m in self.ptd_messages if m.cmd == "Identify"]

    @cached_property
    def ptd_ranging_spans(self) -> dict[int, tuple[int, int]]:
        """Per analyzer, the span of ``ptd_log.events`` indexes from the ranging Go to its
        ``Completed test`` (or to the testing Go, or to the end of the log)."""
        log = self.ptd_log
        mark = f"Go with mark '{self.session_name}_ranging'" if self.session_name else "_ranging'"
        marked: list[tuple[int, int]]  # (index, analyzer) of each event naming the mark
        if log.columns is not None:
            hits = log.columns.contains(mark).nonzero()[0]
            marked = list(zip(hits.tolist(), log.columns.analyzer[hits].tolist(), strict=True))
        else:
            marked = [(i, e.analyzer) for i, e in enumerate(log.events) if mark in e.message]
        spans: dict[int, tuple[int, int]] = {}
        count = log.event_count
        for index, analyzer in marked:
            if analyzer not in spans:
                end = log.find("Completed test", index + 1, analyzer)
                if end is None:
                    end = log.find("_testing'", index + 1, analyzer)
                spans[analyzer] = (index, end if end is not None else count)
        return spans

    @cached_property
    def session_name(self) -> str | None:
        for summary in (self.server, self.client):
            if summary is not None and summary.session_name:
                return summary.session_name
        return None

    @cached_property
    def folder_scenario(self) -> str | None:
        """The scenario named by the result folder (case-insensitive), if any."""
        return canonical_scenario(self.perf_dir.parent.name)

    @cached_property
    def scenario(self) -> str | None:
        """The scenario the result is submitted under, which decides its metric.

        An edge submitter may copy one run into another scenario's folder (an inferred
        result); the round publishes it in the folder's unit (an Offline result from a
        SingleStream run in watts, a MultiStream one in mJ x 8), so the folder decides
        for the pairs the rules allow. Whether the inference itself is allowed is the
        submission checker's question, asked of the log's effective scenario.
        """
        ran = self.detail.scenario
        folder = self.folder_scenario
        if ran and folder and (ran, folder) in INFERRED_PAIRS:
            return folder
        return ran or folder

    @cached_property
    def window(self) -> tuple[datetime, datetime] | None:
        begin, end = self.detail.power_begin, self.detail.power_end
        if begin is None or end is None or end <= begin:
            return None
        return begin, end

    @cached_property
    def ranging_window(self) -> tuple[datetime, datetime] | None:
        begin, end = self.ranging_detail.power_begin, self.ranging_detail.power_end
        if begin is None or end is None or end <= begin:
            return None
        return begin, end

    @cached_property
    def stats(self) -> WindowStats | None:
        if self.window is None:
            return None
        columns = self.spl.columns
        if columns is not None:
            window, interval = self.window, self.rules.sampling_interval_ms / 1000.0
            return columns.derived(
                ("window_stats", window, interval),
                lambda: sample_arrays.window_stats(columns, *window, interval),
            )
        samples = select_samples(self.spl.lines, *self.window)
        if not samples:
            return None
        return window_stats(samples, *self.window, self.rules.sampling_interval_ms / 1000.0)

    @cached_property
    def figure(self) -> PowerFigure | None:
        """The published figure, or None with ``figure_problem`` saying why."""
        if self.window is None:
            self.figure_problem = "run_1 LoadGen log has no valid power_begin..power_end"
            return None
        if self.stats is None:
            self.figure_problem = "no spl.txt sample with W > 0 strictly inside the window"
            return None
        scenario = self.scenario
        rule = self.rules.metrics.get(scenario or "")
        if rule is None:
            self.figure_problem = f"no metric defined for scenario {scenario!r} in this round"
            return None
        ran = self.detail.scenario
        inferred = ran if ran != scenario and ran in (SINGLE_STREAM, MULTI_STREAM) else None
        performance = None
        if rule.performance_key is not None:
            value = self.detail.get(rule.performance_key)
            if not isinstance(value, int | float) and inferred == SINGLE_STREAM:
                # a SingleStream run's throughput, as the round infers Offline from it
                value = self.detail.get("result_qps_without_loadgen_overhead")
            performance = float(value) if isinstance(value, int | float) else None
        count = self.query_count(rule.query_count)
        mean_w = None
        if self.rules.figure_samples == "all_in_window":
            columns = self.spl.columns
            mean_w = (
                mean_of_all_in_window(self.spl.lines, *self.window)
                if columns is None
                else sample_arrays.mean_watts(columns, *self.window, positive=False)
            )
        try:
            return power_figure(
                rule,
                self.stats,
                mean_w=mean_w,
                query_count=count,
                performance=performance,
                inferred_from=inferred,
            )
        except ValueError as err:
            self.figure_problem = str(err)
            return None

    def query_count(self, formula: str) -> float | None:
        """Queries (or samples) the energy is divided by, by the round's formula.

        LoadGen logged ``result_query_count`` only from v2.0; the v1.x submission
        checkers rebuilt the count from what the log had (see ``docs/round-rules.md``).
        """
        detail = self.detail

        def num(key: str) -> float | None:
            value = detail.get(key)
            return float(value) if isinstance(value, int | float) else None

        if formula == "qps_with_overhead_x_window":
            qps = num("result_qps_with_loadgen_overhead")
            if qps is None or self.window is None:
                return None
            return qps * (self.window[1] - self.window[0]).total_seconds()
        if formula == "generated_queries_x_samples":
            queries, per_query = num("generated_query_count"), num("generated_samples_per_query")
            return None if queries is None or per_query is None else queries * per_query
        return num("result_query_count")

    def mean_power(self, spl: SplFile, window: tuple[datetime, datetime] | None) -> float | None:
        if window is None:
            return None
        if spl.columns is not None:
            return sample_arrays.mean_watts(spl.columns, *window, positive=True)
        samples = select_samples(spl.lines, *window)
        return sum(s.watts for s in samples) / len(samples) if samples else None

"""Where files live: the one description of every result tree joulekit reads or writes.

No other module spells a result-tree folder or file name or a scenario name; they ask
here. Map of this module:

* **Names** — the folders and files of a power session (``run_1/``, ``ranging/``,
  ``power/`` and their files), the scenario names, the folders of a submission tree
  (divisions, ``results/``, ``measurements/``, ``compliance/``, ``systems/``, ``code/``)
  and of an accuracy run. Relative names below ``performance/`` (``RUN_1_SPL`` =
  ``"run_1/spl.txt"``) are what findings, ``server.json`` ``results`` and protocol v3
  ``download`` use.
* :class:`ResultPaths` — one ``performance/`` folder of a power result, with ``run_1/``
  (the testing phase), ``ranging/`` and ``power/``. :func:`find_power_results` finds
  every such folder below a path, whatever the round or the case of the scenario
  folder.
* :class:`ResultLocation` — a result folder ``<division>/<submitter>/results/<system>/
  <benchmark>/<scenario>/`` and the folders that belong to it elsewhere in the tree,
  which moved in v6.0: ``measurements.json`` and ``TEST0X/`` now sit inside the result,
  where earlier rounds kept ``measurements/<system>/<benchmark>/<scenario>/`` and
  ``compliance/<system>/<benchmark>/<scenario>/TEST0X/`` beside ``results/``. The
  same paths, built from names rather than parsed, come from :func:`result_folder`,
  :func:`measurements_folder`, :func:`compliance_folder` and :func:`system_json`.
* :class:`TrainingBenchmark` / :class:`TrainingRun` — an MLPerf Training result
  ``<org>/results/<system>/[strong|weak/]<benchmark>/`` with its ``result_<i>.txt``
  logs, ``scaling.json`` and ``power/result_<i>/{node_<j>,sw_<k>}.txt``;
  :func:`find_training_results` finds them.

Paths only: nothing here opens a file beyond listing folders.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

# --- a power session: folders below ``performance/`` and their files -----------------

PERFORMANCE = "performance"
RUN_1 = "run_1"
RANGING = "ranging"
POWER = "power"
ACCURACY = "accuracy"

#: protocol v3 session modes, in the order a session runs them
PHASES = ("ranging", "testing")
#: each mode by name (``start,ranging``); the ranging folder has the same name by design
RANGING_PHASE, TESTING_PHASE = PHASES
#: session mode → the folder below ``performance/`` that holds its files
PHASE_DIRS: Mapping[str, str] = {"ranging": RANGING, "testing": RUN_1}

DETAIL_LOG = "mlperf_log_detail.txt"
SUMMARY_LOG = "mlperf_log_summary.txt"
ACCURACY_LOG = "mlperf_log_accuracy.json"
TRACE_LOG = "mlperf_log_trace.json"
ACCURACY_TXT = "accuracy.txt"
SPL = "spl.txt"
PTD_OUT = "ptd_out.txt"
SERVER_JSON = "server.json"
CLIENT_JSON = "client.json"
SERVER_LOG = "server.log"
CLIENT_LOG = "client.log"
PTD_LOGS = "ptd_logs.txt"
#: the two LoadGen logs every phase keeps
LOADGEN_LOGS = (DETAIL_LOG, SUMMARY_LOG)
#: where ``joulekit run`` keeps the detail log of an Offline attempt that ended before the
#: min duration (the phase folder then holds exactly the one run that counts)
SHORT_ATTEMPT_DETAIL = "mlperf_log_detail.short-attempt.txt"


def session_file(folder: str, name: str) -> str:
    """A file's name relative to ``performance/``: ``session_file(RUN_1, SPL)`` →
    ``"run_1/spl.txt"`` (always ``/``, as findings and ``server.json`` spell it)."""
    return f"{folder}/{name}"


RUN_1_DETAIL = session_file(RUN_1, DETAIL_LOG)
RUN_1_SUMMARY = session_file(RUN_1, SUMMARY_LOG)
RUN_1_SPL = session_file(RUN_1, SPL)
RUN_1_PTD_OUT = session_file(RUN_1, PTD_OUT)
RANGING_DETAIL = session_file(RANGING, DETAIL_LOG)
RANGING_SUMMARY = session_file(RANGING, SUMMARY_LOG)
RANGING_SPL = session_file(RANGING, SPL)
POWER_SERVER_JSON = session_file(POWER, SERVER_JSON)
POWER_CLIENT_JSON = session_file(POWER, CLIENT_JSON)
POWER_SERVER_LOG = session_file(POWER, SERVER_LOG)
POWER_CLIENT_LOG = session_file(POWER, CLIENT_LOG)
POWER_PTD_LOGS = session_file(POWER, PTD_LOGS)

#: files of a power session whose SHA-1 the director and client record (``results``)
SESSION_FILES = (
    POWER_CLIENT_JSON,
    POWER_CLIENT_LOG,
    POWER_PTD_LOGS,
    POWER_SERVER_JSON,
    POWER_SERVER_LOG,
    RANGING_DETAIL,
    RANGING_SUMMARY,
    RANGING_SPL,
    RUN_1_DETAIL,
    RUN_1_SUMMARY,
    RUN_1_SPL,
)
#: the director's files whose SHA-1 goes into ``server.json`` ``results`` (sorted)
SERVER_RESULTS = (POWER_PTD_LOGS, POWER_SERVER_LOG, RANGING_SPL, RUN_1_PTD_OUT, RUN_1_SPL)
#: the client's files whose SHA-1 goes into ``client.json`` ``results`` (sorted)
CLIENT_RESULTS = (POWER_CLIENT_LOG, RANGING_DETAIL, RANGING_SUMMARY, RUN_1_DETAIL,
                  RUN_1_SUMMARY)
#: the only files protocol v3 ``download`` serves, in the reference client's order
DOWNLOADS = (POWER_PTD_LOGS, RANGING_SPL, POWER_SERVER_JSON, POWER_SERVER_LOG, RUN_1_SPL,
             RUN_1_PTD_OUT)
#: a file the director writes into a phase folder beside LoadGen's logs
PHASE_EXTRAS = frozenset({PTD_OUT})


def phase_dir(mode: str) -> str:
    """``"testing"`` → ``"run_1"``; ``"ranging"`` → ``"ranging"`` (KeyError otherwise)."""
    return PHASE_DIRS[mode]


def analyzer_spl(index: int) -> str:
    """``spl_analyzer_<i>.txt``: one analyzer's own samples in a phase folder (``spl.txt``
    is then their merge, with several analyzers)."""
    return f"spl_analyzer_{index}.txt"


def analyzer_console(index: int) -> str:
    """``ptd_logs_analyzer_<i>.txt``: the console of the PTDaemon the director started for
    ``[analyzer<i>]``, in its work folder (joined into ``power/ptd_logs.txt``)."""
    return f"ptd_logs_analyzer_{index}.txt"


def analyzer_logfile(index: int) -> str:
    """``ptd_logfile_<i>.log``: the ``-l`` data log of that PTDaemon."""
    return f"ptd_logfile_{index}.log"


# --- scenarios -----------------------------------------------------------------------

SINGLE_STREAM = "SingleStream"
MULTI_STREAM = "MultiStream"
OFFLINE = "Offline"
SERVER = "Server"
INTERACTIVE = "Interactive"
#: canonical scenario names; folders are lower-case in some rounds (v1.1, v4.1)
SCENARIOS = (SINGLE_STREAM, MULTI_STREAM, OFFLINE, SERVER, INTERACTIVE)
#: what LoadGen itself runs (Interactive is Server with token limits), in its order
LOADGEN_SCENARIOS = (OFFLINE, SERVER, SINGLE_STREAM, MULTI_STREAM)
#: scenarios scored by latency, whose power metric is energy per query
LATENCY_SCENARIOS = (SINGLE_STREAM, MULTI_STREAM)
#: scenarios scored by throughput, whose power metric is average power
THROUGHPUT_SCENARIOS = (OFFLINE, SERVER, INTERACTIVE)
_BY_LOWER = {name.lower(): name for name in SCENARIOS}


def canonical_scenario(folder_name: str) -> str | None:
    """``"singlestream"`` → ``"SingleStream"``; None for a name that is no scenario."""
    return _BY_LOWER.get(folder_name.lower())


# --- a submission tree -----------------------------------------------------------------

CLOSED = "closed"
OPEN = "open"
NETWORK = "network"
DIVISIONS = (CLOSED, OPEN, NETWORK)
RESULTS = "results"
MEASUREMENTS = "measurements"
COMPLIANCE = "compliance"
SYSTEMS = "systems"
CODE = "code"
MEASUREMENTS_JSON = "measurements.json"
USER_CONF = "user.conf"
README_MD = "README.md"
#: compliance run folders are ``TEST01``, ``TEST04``, ...
COMPLIANCE_PREFIX = "TEST"

Layout = Literal["v6", "legacy"]


def is_compliance_test(name: str) -> bool:
    return name.startswith(COMPLIANCE_PREFIX)


def system_json(submitter_dir: Path, system: str) -> Path:
    """``<submitter>/systems/<system>.json`` (inference and training trees alike)."""
    return submitter_dir / SYSTEMS / f"{system}.json"


def result_folder(submitter_dir: Path, system: str, benchmark: str, scenario_folder: str) -> Path:
    return submitter_dir / RESULTS / system / benchmark / scenario_folder


def measurements_folder(submitter_dir: Path, system: str, benchmark: str,
                        scenario_folder: str, layout: Layout) -> Path:
    """Where ``user.conf``, ``README.md`` and the measurements JSON live."""
    if layout == "v6":
        return result_folder(submitter_dir, system, benchmark, scenario_folder)
    return submitter_dir / MEASUREMENTS / system / benchmark / scenario_folder


def compliance_folder(submitter_dir: Path, system: str, benchmark: str,
                      scenario_folder: str, layout: Layout) -> Path:
    """The folder holding the ``TEST0X`` folders of a result."""
    if layout == "v6":
        return result_folder(submitter_dir, system, benchmark, scenario_folder)
    return submitter_dir / COMPLIANCE / system / benchmark / scenario_folder


def result_label(division: str, submitter: str, system: str, benchmark: str,
                 scenario_folder: str) -> str:
    """A result's path below the tree root, as reports show it (always ``/``)."""
    return "/".join((division, submitter, RESULTS, system, benchmark, scenario_folder))


def is_submitter_dir(path: Path) -> bool:
    """A submitter folder holds ``results/`` and ``systems/``."""
    return (path / RESULTS).is_dir() and (path / SYSTEMS).is_dir()


def has_division_dirs(path: Path) -> bool:
    return any((path / d).is_dir() for d in DIVISIONS)


def tree_root(path: Path) -> Path | None:
    """The folder holding the division folders: ``path`` itself or a parent of it."""
    for candidate in (path, *path.parents):
        if has_division_dirs(candidate):
            return candidate
    return None


def submitter_dirs(root: Path) -> list[Path]:
    """Every ``<division>/<submitter>/`` with a ``results/`` folder, in division order."""
    return [s for d in DIVISIONS if (root / d).is_dir()
            for s in sorted((root / d).iterdir()) if (s / RESULTS).is_dir()]


def has_legacy_folders(submitter_dir: Path) -> bool:
    """True when the submitter keeps ``measurements/`` or ``compliance/`` beside
    ``results/`` (the layout before v6.0)."""
    return (submitter_dir / MEASUREMENTS).is_dir() or (submitter_dir / COMPLIANCE).is_dir()


def result_detail_logs(submitter_dir: Path) -> list[Path]:
    """Every result's ``performance/run_1/mlperf_log_detail.txt`` of a submitter, sorted."""
    pattern = f"*/*/*/{PERFORMANCE}/{RUN_1}/{DETAIL_LOG}"
    return sorted((submitter_dir / RESULTS).glob(pattern))


@dataclass(frozen=True)
class ResultPaths:
    """The files of one power session below a ``performance/`` folder."""

    performance_dir: Path

    @classmethod
    def from_performance_dir(cls, path: str | os.PathLike[str]) -> ResultPaths:
        return cls(Path(path))

    @classmethod
    def of_result(cls, result_dir: str | os.PathLike[str]) -> ResultPaths:
        """The session of a result folder (or of a compliance run folder ``TEST0X/``)."""
        return cls(Path(result_dir) / PERFORMANCE)

    @classmethod
    def find(cls, path: str | os.PathLike[str]) -> ResultPaths | None:
        """``path`` as a performance folder (it holds ``power/``) or as a result folder
        holding ``performance/power/``; None otherwise."""
        target = Path(path)
        if (target / POWER).is_dir():
            return cls(target)
        if (target / PERFORMANCE / POWER).is_dir():
            return cls(target / PERFORMANCE)
        return None

    @property
    def result_dir(self) -> Path:
        """The scenario folder that holds ``performance/`` (and ``accuracy/``)."""
        return self.performance_dir.parent

    @property
    def accuracy_dir(self) -> Path:
        return self.result_dir / ACCURACY

    def phase(self, mode: str) -> Path:
        """The folder of a session mode (``ranging`` / ``testing``)."""
        return self.performance_dir / phase_dir(mode)

    def file(self, relative: str) -> Path:
        """A session file by its relative name (``RUN_1_SPL``)."""
        return self.performance_dir / relative

    @property
    def run_1(self) -> Path:
        return self.performance_dir / RUN_1

    @property
    def ranging(self) -> Path:
        return self.performance_dir / RANGING

    @property
    def power(self) -> Path:
        return self.performance_dir / POWER

    @property
    def run_1_detail(self) -> Path:
        return self.run_1 / DETAIL_LOG

    @property
    def run_1_summary(self) -> Path:
        return self.run_1 / SUMMARY_LOG

    @property
    def run_1_spl(self) -> Path:
        return self.run_1 / SPL

    @property
    def ptd_out(self) -> Path:
        return self.run_1 / PTD_OUT

    @property
    def ranging_detail(self) -> Path:
        return self.ranging / DETAIL_LOG

    @property
    def ranging_summary(self) -> Path:
        return self.ranging / SUMMARY_LOG

    @property
    def ranging_spl(self) -> Path:
        return self.ranging / SPL

    @property
    def client_json(self) -> Path:
        return self.power / CLIENT_JSON

    @property
    def server_json(self) -> Path:
        return self.power / SERVER_JSON

    @property
    def client_log(self) -> Path:
        return self.power / CLIENT_LOG

    @property
    def server_log(self) -> Path:
        return self.power / SERVER_LOG

    @property
    def ptd_logs(self) -> Path:
        return self.power / PTD_LOGS

    def session_files(self) -> dict[str, Path]:
        """``SESSION_FILES`` as relative name → path (present or not)."""
        return {name: self.performance_dir / name for name in SESSION_FILES}

    def missing_files(self) -> list[str]:
        return [name for name, path in self.session_files().items() if not path.is_file()]


def find_power_results(path: str | os.PathLike[str]) -> list[Path]:
    """Every ``performance/`` folder holding a ``power/`` folder at or below ``path``,
    sorted. ``path`` may itself be a performance folder or a result folder."""
    root = Path(path)
    found: list[Path] = []
    if not root.is_dir():
        return found
    for current, dirs, _files in os.walk(root):
        here = Path(current)
        if here.name == PERFORMANCE and POWER in dirs:
            found.append(here)
        # Nothing we look for lives inside these; skipping them keeps big trees fast.
        dirs[:] = [d for d in dirs if d not in (POWER, RUN_1, RANGING, ACCURACY)]
    return sorted(found)


@dataclass(frozen=True)
class ResultLocation:
    """A result folder and its place in the submission tree."""

    path: Path
    division: str
    submitter: str
    system: str
    benchmark: str
    scenario_folder: str

    @property
    def scenario(self) -> str | None:
        """The canonical scenario named by the folder (LoadGen's log has the final say)."""
        return canonical_scenario(self.scenario_folder)

    @property
    def submitter_dir(self) -> Path:
        return self.path.parents[3]

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> ResultLocation | None:
        """Parse ``.../<division>/<submitter>/results/<sys>/<bench>/<scenario>``; None when
        the path does not have that shape."""
        result = Path(path)
        parts = result.parts
        if len(parts) < 6 or parts[-4] != RESULTS:
            return None
        return cls(result, parts[-6], parts[-5], parts[-3], parts[-2], parts[-1])

    def layout(self) -> Layout:
        """``v6`` when measurements and compliance sit inside the result folder."""
        if (self.path / MEASUREMENTS_JSON).is_file():
            return "v6"
        if any(p.is_dir() and is_compliance_test(p.name) for p in _children(self.path)):
            return "v6"
        return "legacy"

    def system_json(self) -> Path:
        return system_json(self.submitter_dir, self.system)

    def measurements_dir(self) -> Path:
        """Where ``user.conf``, ``README.md`` and the measurements JSON live."""
        return measurements_folder(self.submitter_dir, self.system, self.benchmark,
                                   self.scenario_folder, self.layout())

    def measurements_json(self) -> Path | None:
        """``measurements.json`` (v6) or ``<sys>_<impl>_<scenario>.json`` (legacy)."""
        folder = self.measurements_dir()
        if self.layout() == "v6":
            return folder / MEASUREMENTS_JSON
        candidates = sorted(p for p in _children(folder) if p.suffix == ".json")
        return candidates[0] if len(candidates) == 1 else None

    def compliance_dir(self) -> Path:
        """The folder holding the ``TEST0X`` folders of this result."""
        return compliance_folder(self.submitter_dir, self.system, self.benchmark,
                                 self.scenario_folder, self.layout())

    def compliance_tests(self) -> dict[str, Path]:
        """``{"TEST01": path, ...}`` for every TEST folder present."""
        return {
            p.name: p
            for p in sorted(_children(self.compliance_dir()))
            if p.is_dir() and is_compliance_test(p.name)
        }

    def power_paths(self) -> ResultPaths | None:
        performance = self.path / PERFORMANCE
        return ResultPaths(performance) if (performance / POWER).is_dir() else None

    def power_documents(self) -> dict[str, list[Path]]:
        """``analyzer_table.*`` and ``power_settings.*`` (md/txt/csv/html, ``_`` or ``-``
        in the name) in the result folder, its measurements folder, three levels above
        each, and the submitter's ``power/`` folder (v2.1 kept them there)."""
        places: list[Path] = []
        for start in (self.path, self.measurements_dir()):
            places.append(start)
            places.extend(list(start.parents)[:3])
        places.append(self.submitter_dir / POWER)
        found: dict[str, list[Path]] = {"analyzer_table": [], "power_settings": []}
        seen: set[Path] = set()
        for place in places:
            if place in seen:
                continue
            seen.add(place)
            for child in sorted(_children(place)):
                stem = child.name.lower().replace("-", "_")
                if child.suffix.lower() not in (".md", ".txt", ".csv", ".html"):
                    continue
                for kind in found:
                    if stem.startswith(kind) and child.is_file():
                        found[kind].append(child)
        return found


def _children(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def find_results(path: str | os.PathLike[str]) -> list[ResultLocation]:
    """Every ``results/<sys>/<bench>/<scenario>`` folder at or below ``path``."""
    root = Path(path)
    found: list[ResultLocation] = []
    for results in sorted(root.rglob(RESULTS)) if root.is_dir() else []:
        if not results.is_dir():
            continue
        for scenario_dir in sorted(results.glob("*/*/*")):
            location = ResultLocation.from_path(scenario_dir)
            if scenario_dir.is_dir() and location is not None:
                found.append(location)
    return found


# --- an MLPerf Training result (spec/training-power.md §1) -----------------------------

TRAINING_RESULT_PREFIX = "result_"
SCALING_JSON = "scaling.json"
#: what `joulekit train-power` adds beside a benchmark folder's results: per run, each
#: source with its clock offset, gaps and energy (``result_<i>.json``) and the console
#: copy; not part of the official tree, which the package checker ignores
TRAINING_RECORD_DIR = "joulekit-train-power"
NODE_PREFIX = "node"
SWITCH_PREFIX = "sw"
#: HPC benchmarks sit one level deeper: ``results/<system>/{strong,weak}/<benchmark>/``
HPC_SCALINGS = ("strong", "weak")
_DIGITS = re.compile(r"(\d+)")


def training_result_file(benchmark_dir: Path, index: int | str) -> Path:
    """``<benchmark>/result_<i>.txt`` (``index`` may be a whole suffix, as SMC's
    ``5740-240517044141819407406_10``)."""
    return benchmark_dir / f"{TRAINING_RESULT_PREFIX}{index}.txt"


def training_power_dir(benchmark_dir: Path, run_name: str) -> Path:
    """``<benchmark>/power/<run_name>/``: the power folder of the run whose result file is
    ``<run_name>.txt``."""
    return benchmark_dir / POWER / run_name


def node_log_name(index: int) -> str:
    """``node_<j>.txt``; the rules number nodes from 0."""
    return f"{NODE_PREFIX}_{index}.txt"


def switch_log_name(index: int) -> str:
    """``sw_<k>.txt``; numbered from 0."""
    return f"{SWITCH_PREFIX}_{index}.txt"


def power_entry_suffix(name: str) -> str:
    """What the package checker reads as an entry's index: the text after the last
    ``_`` of the name without its extension (``nodes_1_to_8.png`` -> ``8``)."""
    return os.path.splitext(name)[0].split("_")[-1]


def _numbered(path: Path) -> tuple[tuple[int, str], ...]:
    """Natural sort key: numbers compare as numbers (``node_10`` after ``node_9``,
    ``result_10`` after ``result_2``)."""
    return tuple((int(part), "") if part.isdigit() else (-1, part)
                 for part in _DIGITS.split(path.name))


@dataclass(frozen=True)
class TrainingRun:
    """One run: ``result_<i>.txt`` and its power folder ``power/result_<i>/`` (paired by
    the result file's name without ``.txt``)."""

    result_file: Path

    @property
    def name(self) -> str:
        return self.result_file.stem

    @property
    def power_dir(self) -> Path:
        return self.result_file.parent / POWER / self.name

    def node_files(self) -> list[Path]:
        """``node_<j>.txt``, in node order (the summarizer's glob; SMC numbers from 1)."""
        return sorted(self.power_dir.glob(f"{NODE_PREFIX}_*.txt"), key=_numbered)

    def switch_files(self) -> list[Path]:
        """``sw_<k>.txt``, in switch order."""
        return sorted(self.power_dir.glob(f"{SWITCH_PREFIX}_*.txt"), key=_numbered)

    def power_entries(self) -> dict[str, list[Path]]:
        """Every entry of the power folder by what its name starts with, as the package
        checker sorts them: ``node`` (any extension, so ``nodes_1_to_8.png`` counts),
        ``sw``, and ``other``."""
        found: dict[str, list[Path]] = {NODE_PREFIX: [], SWITCH_PREFIX: [], "other": []}
        for entry in sorted(_children(self.power_dir), key=_numbered):
            if entry.name.startswith(NODE_PREFIX):
                found[NODE_PREFIX].append(entry)
            elif entry.name.startswith(SWITCH_PREFIX):
                found[SWITCH_PREFIX].append(entry)
            else:
                found["other"].append(entry)
        return found


@dataclass(frozen=True)
class TrainingBenchmark:
    """``<org>/results/<system>/[strong|weak/]<benchmark>/`` of a training submission."""

    path: Path
    org_dir: Path
    system: str
    benchmark: str
    #: ``strong`` or ``weak`` for an HPC benchmark, else None
    scaling: str | None = None

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> TrainingBenchmark | None:
        """Parse a benchmark folder's path; None when it has no ``results/`` above it in
        the right place."""
        folder = Path(path)
        parts = folder.parts
        if len(parts) >= 4 and parts[-3] == RESULTS:
            return cls(folder, folder.parents[2], parts[-2], parts[-1])
        if len(parts) >= 5 and parts[-4] == RESULTS and parts[-2] in HPC_SCALINGS:
            return cls(folder, folder.parents[3], parts[-3], parts[-1], parts[-2])
        return None

    def result_files(self) -> list[Path]:
        """``result_*.txt``, in run order."""
        return sorted((p for p in self.path.glob(f"{TRAINING_RESULT_PREFIX}*.txt")
                       if p.is_file()), key=_numbered)

    def runs(self) -> list[TrainingRun]:
        return [TrainingRun(p) for p in self.result_files()]

    @property
    def power_dir(self) -> Path:
        return self.path / POWER

    @property
    def has_power(self) -> bool:
        return self.power_dir.is_dir()

    @property
    def scaling_json(self) -> Path:
        """Optional ``{"scaling_factor": f}``."""
        return self.path / SCALING_JSON

    def system_json(self) -> Path:
        return system_json(self.org_dir, self.system)

    def unpaired_power_dirs(self) -> list[Path]:
        """Folders of ``power/`` that no ``result_*.txt`` names."""
        named = {run.name for run in self.runs()}
        return sorted(p for p in _children(self.power_dir) if p.is_dir() and p.name not in named)


def find_training_results(path: str | os.PathLike[str]) -> list[TrainingBenchmark]:
    """Every training benchmark folder (one holding ``result_*.txt``) at or below
    ``path``, sorted."""
    root = Path(path)
    found: list[TrainingBenchmark] = []
    if not root.is_dir():
        return found
    for current, dirs, files in os.walk(root):
        here = Path(current)
        if any(f.startswith(TRAINING_RESULT_PREFIX) and f.endswith(".txt") for f in files):
            bench = TrainingBenchmark.from_path(here)
            if bench is not None:
                found.append(bench)
        dirs[:] = [d for d in dirs if d != POWER]
    return sorted(found, key=lambda b: b.path)


#: below a ``results`` folder a training benchmark is at most this deep
#: (``results/<system>/<strong|weak>/<benchmark>``)
_TRAINING_DEPTH = 3


def has_training_results(path: str | os.PathLike[str]) -> bool:
    """Whether :func:`find_training_results` would find a benchmark, without walking
    further than needed: stops at the first one, and never descends more than three
    levels below a ``results`` folder (an inference tree's scenario folders are not
    searched file by file)."""
    root = Path(path)
    if not root.is_dir():
        return False
    for current, dirs, files in os.walk(root):
        here = Path(current)
        if any(f.startswith(TRAINING_RESULT_PREFIX) and f.endswith(".txt") for f in files) \
                and TrainingBenchmark.from_path(here) is not None:
            return True
        parts = here.parts
        depth = next((len(parts) - 1 - i for i in range(len(parts) - 1, -1, -1)
                      if parts[i] == RESULTS), None)
        if depth is not None and depth >= _TRAINING_DEPTH:
            dirs[:] = []
        else:
            dirs[:] = [d for d in dirs if d != POWER]
    return False

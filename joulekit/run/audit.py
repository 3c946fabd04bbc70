"""What ``joulekit run`` does after testing: the accuracy run and the compliance tests.

A submission holds, beside each performance result, an ``accuracy/`` folder (a LoadGen
accuracy-mode run of the same SUT) and the audit tests the round asks for (``TEST01``:
performance mode with a sample of the responses logged, compared with the accuracy
run; ``TEST04``: one sample issued over and over, which must not run much faster than
the real run, or the SUT is caching). LoadGen applies an audit test's settings from
an ``audit.config`` in its working folder, so each test runs in a folder of its own.

The verdicts (``verify_performance.txt``, ``verify_accuracy.txt``) are computed here
from the LoadGen logs, with the thresholds of the compliance rules: TEST01 performance
within ±10 % of the reference run (±20 % when a SingleStream latency is at most
0.2 ms or a MultiStream latency at most 1.6 ms); TEST04 at most 10 % faster (20 %
with the same relaxation); TEST01 accuracy: every logged response equal to the
accuracy run's response for the same sample.

These runs are not power-measured: the director's session is over when they start.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joulekit.errors import UserError
from joulekit.formats.atomic import atomic_write_text
from joulekit.formats.layout import ACCURACY_TXT, LATENCY_SCENARIOS, PERFORMANCE, RUN_1, SERVER
from joulekit.loadgen.outcome import ACCURACY, DETAIL, METRIC_KEYS, SUMMARY, read_detail_keys
from joulekit.rules import table_of, threshold

#: compliance tests joulekit can run, and the audit settings LoadGen reads for each
#: (``*.*`` applies to every model and scenario). TEST01's sampling target is the
#: number of responses LoadGen should log; the seed is the one the audit rules fix.
AUDIT_CONFIGS: dict[str, str] = {
    "TEST01": (
        "# TEST01: performance run that logs a random sample of the responses\n"
        "*.*.mode = 2\n"
        "*.*.accuracy_log_rng_seed = 720381539243781796\n"
        "*.*.accuracy_log_sampling_target = {sampling_target}\n"
    ),
    "TEST04": (
        "# TEST04: the same sample issued every time (a caching SUT would speed up)\n"
        "*.*.mode = 2\n"
        "*.*.performance_issue_unique = 0\n"
        "*.*.performance_issue_same = 1\n"
        "*.*.performance_issue_same_index = 3\n"
    ),
}
COMPLIANCE_TESTS: tuple[str, ...] = tuple(AUDIT_CONFIGS)
#: responses TEST01 logs per benchmark (the rest: the default)
SAMPLING_TARGETS = {"resnet": 4096, "resnet50": 4096}
DEFAULT_SAMPLING_TARGET = 1024


def parse_compliance(text: str) -> tuple[str, ...]:
    """``TEST01,TEST04`` (any case, spaces allowed) -> ("TEST01", "TEST04")."""
    names = tuple(dict.fromkeys(t.strip().upper() for t in text.split(",") if t.strip()))
    unknown = [n for n in names if n not in AUDIT_CONFIGS]
    if unknown or not names:
        raise UserError(f"--compliance {text!r}: joulekit runs "
                        + ", ".join(COMPLIANCE_TESTS) + "; give a comma-separated list")
    return names


def audit_config(test: str, benchmark: str = "") -> str:
    target = SAMPLING_TARGETS.get(benchmark.lower(), DEFAULT_SAMPLING_TARGET)
    return AUDIT_CONFIGS[test].format(sampling_target=target)


@dataclass(frozen=True)
class Verdict:
    """One verify file: passed or not, and its text."""

    passed: bool
    text: str

    @property
    def line(self) -> str:
        return next((ln for ln in reversed(self.text.splitlines()) if ln.startswith("TEST ")),
                    "TEST FAIL")


def _score(detail: Path) -> tuple[str, float | None, bool, Any]:
    keys = read_detail_keys(detail)
    scenario = str(keys.get("effective_scenario", ""))
    key = METRIC_KEYS.get(scenario, ("", ""))[0]
    value = keys.get(key)
    score = float(value) if isinstance(value, int | float) else None
    return scenario, score, keys.get("result_validity") == "VALID", \
        keys.get("effective_target_latency_ns")


def verify_performance(test: str, reference: Path, audited: Path) -> Verdict:
    """Compare the audit run's LoadGen metric with the submitted run's (both detail logs)."""
    lines = [f"{test} performance: {audited} against the reference {reference}"]

    def fail(why: str) -> Verdict:
        return Verdict(False, "\n".join([*lines, f"TEST FAIL: {why}"]) + "\n")

    for path in (reference, audited):
        if not path.is_file():
            return fail(f"{path} is missing")
    ref_scenario, ref, ref_valid, ref_target = _score(reference)
    scenario, score, valid, target = _score(audited)
    if not ref_valid:
        return fail("the reference run is not VALID")
    if not valid:
        return fail("the audit run is not VALID")
    if scenario != ref_scenario:
        return fail(f"scenario {scenario} differs from the reference's {ref_scenario}")
    if scenario == SERVER and target != ref_target:
        return fail("the Server target latency differs from the reference's")
    if ref is None or score is None or ref <= 0:
        return fail(f"no {METRIC_KEYS.get(scenario, ('metric',))[0]} in the logs")
    # the bands of the compliance rules (rules/catalog/thresholds.yaml)
    band = threshold("audit_performance_band")
    if ref <= table_of("audit_relaxed_latency_ns").get(scenario, -1):
        band = threshold("audit_relaxed_band")
    lines += [f"scenario = {scenario}", f"reference score = {ref:g}",
              f"test score = {score:g}", f"allowed band = {band:.0%}"]
    latency = scenario in LATENCY_SCENARIOS
    if test == "TEST04":
        # faster: a lower latency, or a higher throughput
        faster = (ref - score) / ref if latency else (score - ref) / ref
        lines.append(f"audit run faster by {faster:+.2%}")
        ok = faster <= band
    else:
        delta = (score - ref) / ref
        lines.append(f"difference {delta:+.2%}")
        ok = abs(delta) <= band
    return Verdict(ok, "\n".join([*lines, "TEST PASS" if ok else "TEST FAIL"]) + "\n")


def _responses(path: Path) -> dict[int, str]:
    data = json.loads(path.read_text(encoding="utf-8") or "[]")
    return {int(entry["qsl_idx"]): str(entry["data"]) for entry in data}


def verify_accuracy(accuracy_log: Path, audit_log: Path) -> Verdict:
    """TEST01: each response the audit run logged equals the accuracy run's for that sample."""
    lines = [f"TEST01 accuracy: {audit_log} against the accuracy run {accuracy_log}"]
    try:
        reference = _responses(accuracy_log)
        audited = _responses(audit_log)
    except (OSError, ValueError, KeyError, TypeError) as err:
        return Verdict(False, "\n".join([*lines, f"TEST FAIL: unreadable log: {err}"]) + "\n")
    missing = sorted(set(audited) - set(reference))
    differ = sorted(i for i in audited if i in reference and audited[i] != reference[i])
    lines += [f"responses logged = {len(audited)}", f"not in the accuracy run = {len(missing)}",
              f"different from the accuracy run = {len(differ)}"]
    if differ:
        lines.append("first differing samples: " + ", ".join(map(str, differ[:10])))
    ok = bool(audited) and not missing and not differ
    if not audited:
        lines.append("the audit run logged no response")
    return Verdict(ok, "\n".join([*lines, "TEST PASS" if ok else "TEST FAIL"]) + "\n")


def place_accuracy(logs: Path, folder: Path) -> None:
    """Copy an accuracy run's files where a submission holds them (``accuracy/``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in (SUMMARY, DETAIL, ACCURACY, ACCURACY_TXT):
        if (logs / name).is_file():
            shutil.copy2(logs / name, folder / name)


def place_compliance(test: str, logs: Path, folder: Path, reference_detail: Path,
                     accuracy_log: Path | None) -> list[Verdict]:
    """Lay one audit run out as a submission's ``TEST0X/`` folder and write its verdicts."""
    if folder.exists():
        shutil.rmtree(folder)
    run_1 = folder / PERFORMANCE / RUN_1
    run_1.mkdir(parents=True)
    for name in (SUMMARY, DETAIL):
        if (logs / name).is_file():
            shutil.copy2(logs / name, run_1 / name)
    verdicts = [verify_performance(test, reference_detail, run_1 / DETAIL)]
    atomic_write_text(folder / "verify_performance.txt", verdicts[0].text)
    if test == "TEST01":
        acc = folder / "accuracy"
        acc.mkdir()
        if (logs / ACCURACY).is_file():
            shutil.copy2(logs / ACCURACY, acc / ACCURACY)
        if accuracy_log is None or not accuracy_log.is_file():
            verdict = Verdict(False, "TEST01 accuracy: no accuracy run to compare with\n"
                              "TEST FAIL\n")
        else:
            verdict = verify_accuracy(accuracy_log, acc / ACCURACY)
        atomic_write_text(folder / "verify_accuracy.txt", verdict.text)
        verdicts.append(verdict)
    return verdicts


def resolve_paths(args: Sequence[str]) -> list[str]:
    """``joulekit loadgen`` options with their file arguments made absolute, for a
    process that runs in another folder."""
    out = list(args)
    for i, arg in enumerate(out[:-1]):
        if arg in ("--user-conf", "--mlperf-conf", "--prompts"):
            out[i + 1] = str(Path(out[i + 1]).resolve())
    return out

"""Every rule the submission checker applies, registered once in the checker's registry.

A finding always names one of these ids, so ``joulekit check --explain SUB-PERF-SEEDS``
and the reports read the same text the check was written against.
"""

from __future__ import annotations

from joulekit.checker.findings import Severity
from joulekit.checker.registry import REGISTRY, Rule


def _rule(
    rule_id: str, title: str, explanation: str, fix: str, *, pack_ref: str = "",
    severity: str = "error", reference: str = "",
) -> Rule:
    sev: Severity = "warning" if severity == "warning" else (
        "notice" if severity == "notice" else "error")
    return REGISTRY.add(
        Rule(rule_id, title, sev, explanation, fix, pack_ref=pack_ref, reference=reference)
    )


OLD_ONLY = "only in the old reference checker"

# structure and hygiene
STRAY_FILE = _rule("SUB-STRAY-FILE", "stray file at the root or division level",
    "Only division folders may sit at the root, and only submitter folders in a division.",
    "Move or delete the file.", reference=OLD_ONLY)
EMPTY_DIR = _rule("SUB-EMPTY-DIR", "empty folder",
    "Empty folders are rejected by the submission UI.", "Delete the folder or fill it.",
    reference=OLD_ONLY)
BROKEN_LINK = _rule("SUB-BROKEN-LINK", "broken symbolic link",
    "A link whose target is missing ships nothing and breaks extraction.",
    "Replace the link with the file or delete it.", reference=OLD_ONLY)
FILE_TOO_LARGE = _rule("SUB-FILE-TOO-LARGE", "file over the size limit",
    "The results repository refuses files over 50 MB.",
    "Truncate or drop the file (accuracy logs: joulekit package truncates them).",
    pack_ref="submission.hygiene.max_file_bytes", reference=OLD_ONLY)
BAD_NAME = _rule("SUB-BAD-NAME", "file or folder name not allowed",
    "Names with spaces, names starting with '.' and cache folders break the publication tools.",
    "Rename or delete it.", pack_ref="submission.hygiene.forbidden_names", reference=OLD_ONLY)
UNKNOWN_DIVISION = _rule("SUB-UNKNOWN-DIVISION", "unknown division folder",
    "A round accepts only its division folders.", "Use closed/, open/ or network/.",
    pack_ref="submission.divisions")
SYSTEM_WITHOUT_RESULTS = _rule("SUB-SYSTEM-WITHOUT-RESULTS", "system description without results",
    "Every systems/<sys>.json must have a results/<sys>/ folder.",
    "Delete the system description or add its results.", reference=OLD_ONLY)
RESULTS_WITHOUT_SYSTEM = _rule("SUB-RESULTS-WITHOUT-SYSTEM", "results without a system description",
    "Every results/<sys>/ folder needs systems/<sys>.json.", "Add the system description.")
CALIBRATION_MISSING = _rule("SUB-CALIBRATION-MISSING", "calibration.md missing",
    "Closed and network submitters must document calibration/quantization.",
    "Write calibration.md (documentation/calibration.md from v6.0).",
    pack_ref="submission.hygiene.calibration_required_in", reference=OLD_ONLY)
CODE_MISSING = _rule("SUB-CODE-MISSING", "code folder missing",
    "The code that produced the results must be in code/<benchmark>/ (src/ from v6.0).",
    "Add the implementation under the code folder.", pack_ref="submission.code_folder")
UNKNOWN_BENCHMARK = _rule("SUB-UNKNOWN-BENCHMARK", "benchmark not in the round",
    "Closed and network results must use the round's benchmark names.",
    "Rename the folder to the official benchmark name.", pack_ref="submission.benchmarks")
UNKNOWN_SCENARIO = _rule("SUB-UNKNOWN-SCENARIO", "scenario not in the round",
    "The scenario folder must be one of the round's scenarios.",
    "Rename the folder.", pack_ref="submission.scenarios")
SCENARIOS_MISSING = _rule("SUB-SCENARIOS-MISSING", "required scenarios missing",
    "A benchmark submitted for a system type must cover its required scenarios.",
    "Add the missing scenarios (edge ones may be inferred).",
    pack_ref="submission.benchmarks", severity="warning")

ROUND_GUESSED = _rule("SUB-ROUND-GUESSED", "the round is a guess",
    "Without --round the round is told from the tree: layout generation, LoadGen seeds, "
    "benchmark names and run dates. When several rounds fit, the tree is checked against the "
    "most likely one and this warning names the others.",
    "Pass --round if the guess is wrong.", severity="warning", reference="absent")

# system description
SYSTEM_JSON = _rule("SUB-SYSTEM-JSON", "system description missing or unreadable",
    "Each result's system needs a readable systems/<sys>.json object.", "Fix the JSON file.")
SYSTEM_FIELD_MISSING = _rule("SUB-SYSTEM-FIELD-MISSING", "required system field missing",
    "The round requires these keys in every system description.", "Add the key.",
    pack_ref="submission.system.required")
SYSTEM_FIELD_EMPTY = _rule("SUB-SYSTEM-FIELD-EMPTY", "system field must not be empty",
    "These fields need a meaningful value.", "Fill the field.",
    pack_ref="submission.system.non_empty")
SYSTEM_FIELD_VALUE = _rule("SUB-SYSTEM-FIELD-VALUE", "system field value not allowed",
    "status and system_type take fixed values.", "Use one of the allowed values.",
    pack_ref="submission.system.allowed_values")
SYSTEM_PLACEHOLDER = _rule("SUB-SYSTEM-PLACEHOLDER",
    "template placeholder left in the system description",
    "joulekit init marks what it could not detect with TODO:; a placeholder is not a "
    "description.",
    "Replace every 'TODO:' value.")
SYSTEM_POWER_FIELDS = _rule("SUB-SYSTEM-POWER-FIELDS", "power fields missing for a power result",
    "A system with power results must describe power management, PSUs, firmware and NICs.",
    "Fill the power fields (joulekit init writes them).", pack_ref="submission.system.power_fields",
    severity="warning", reference="defined but never enforced by the reference checker")
SYSTEM_MISMATCH = _rule("SUB-SYSTEM-MISMATCH", "division or submitter differs from the folders",
    "division and submitter in the JSON must match <division>/<submitter>/.",
    "Fix the JSON or move the folder.")
SYSTEM_NETWORK = _rule("SUB-SYSTEM-NETWORK", "network fields inconsistent with the division",
    "Network-division systems set is_network true and describe the network; others set it false.",
    "Fix is_network and the network fields.", pack_ref="submission.system.network_fields")

# measurements
MEAS_MISSING = _rule("SUB-MEAS-MISSING", "measurements JSON missing",
    "Each result needs its measurements JSON (measurements.json inside the result from v6.0).",
    "Add the measurements JSON.")
MEAS_FIELD = _rule("SUB-MEAS-FIELD", "measurements field missing or empty",
    "The measurements JSON must describe data types, weights and transformations.",
    "Fill the field.", pack_ref="submission.measurements.required_fields")
MEAS_FILE = _rule("SUB-MEAS-FILE", "README.md or user.conf missing or empty",
    "How to reproduce the result must be documented next to it.", "Add the file.",
    pack_ref="submission.measurements.required_files")
MEAS_CODE = _rule("SUB-MEAS-CODE", "measurements JSON names no code folder",
    "Up to v5.1 the measurements JSON is named after the system (<sys>_<impl>_<scenario>.json) "
    "and must lead to the code: code/<benchmark>/<impl>/, or, as the round's checker accepts, "
    "code/<benchmark>/ itself when no per-implementation folder exists.",
    "Rename the JSON or add the code folder.", pack_ref="submission.measurements.json_name")
POWER_DOCS = _rule("SUB-POWER-DOCS", "analyzer_table or power_settings missing",
    "A power result must document the analyzer and the power settings.",
    "Add analyzer_table.md and power_settings.md next to the result or up to the submitter.",
    pack_ref="submission.power_documents", reference=OLD_ONLY)

# performance
PERF_FILES = _rule("SUB-PERF-FILES", "performance log missing or extra files",
    "performance/run_1 holds the LoadGen summary and detail logs (power adds spl.txt).",
    "Copy the run's logs; delete anything else.", pack_ref="submission.performance_files")
PERF_UNREADABLE = _rule("SUB-PERF-UNREADABLE", "LoadGen log cannot be read",
    "A malformed detail log cannot be trusted.", "Copy the log LoadGen wrote, unedited.")
PERF_INVALID = _rule("SUB-PERF-INVALID", "LoadGen marked the run INVALID",
    "result_validity must be VALID; an INVALID run is never a result.",
    "Fix the reason LoadGen gives (result_invalid_reason) and run again.",
    reference="the modular reference checker never fails on INVALID")
PERF_LOADGEN_ERROR = _rule("SUB-PERF-LOADGEN-ERROR", "LoadGen logged an error",
    "Any is_error record invalidates the run, except the round's explicit allow-list.",
    "Fix the error and run again.", pack_ref="submission.loadgen_errors",
    reference="the modular reference checker ignores errors without --submission-exceptions")
PERF_SEEDS = _rule("SUB-PERF-SEEDS", "random seeds are not the round's",
    "The QSL, sample-index and schedule seeds must be the round's official ones.",
    "Use the round's mlperf.conf.", pack_ref="submission.seeds")
PERF_DURATION = _rule("SUB-PERF-DURATION", "minimum duration below the round's",
    "effective_min_duration_ms must be at least 600000.", "Do not override min_duration.",
    pack_ref="submission.min_duration_ms")
PERF_SAMPLE_COUNT = _rule("SUB-PERF-SAMPLE-COUNT", "performance sample count too small",
    "effective_performance_sample_count must reach the benchmark's value.",
    "Raise performance_sample_count_override.", pack_ref="submission.benchmarks")
PERF_MIN_QUERIES = _rule("SUB-PERF-MIN-QUERIES", "too few queries",
    "Without early stopping the run must reach the scenario's minimum query count.",
    "Run longer or raise min_query_count.", pack_ref="submission.min_queries")
PERF_OFFLINE_SPQ = _rule("SUB-PERF-OFFLINE-SPQ", "Offline samples per query too small",
    "A closed Offline query must carry at least the benchmark's minimum samples.",
    "Raise the Offline target QPS.", pack_ref="submission.benchmarks")
PERF_LATENCY = _rule("SUB-PERF-LATENCY", "latency constraint not met",
    "The target or p99 latency must be within the benchmark's constraint.",
    "Lower the load.", pack_ref="submission.benchmarks")
PERF_EARLY_STOPPING = _rule("SUB-PERF-EARLY-STOPPING", "early stopping not met",
    "Server, SingleStream and MultiStream need early_stopping_met.", "Run longer.",
    pack_ref="submission.early_stopping")
PERF_TOKEN_LATENCY = _rule("SUB-PERF-TOKEN-LATENCY", "token latencies not met",
    "LLM Server/Interactive runs need token latencies on, with p99 TTFT/TPOT under the limits.",
    "Enable use_token_latencies and lower the load.", pack_ref="submission.benchmarks")
PERF_SCENARIO = _rule("SUB-PERF-SCENARIO", "the run's scenario differs from its folder",
    "A folder's scenario must be the run's, or an inference the round allows.",
    "Move the run to its scenario folder.", pack_ref="submission.inferred_results")
PERF_INFERRED_POWER = _rule("SUB-PERF-INFERRED-POWER",
    "inferred result does not reuse the base run's power",
    "An inferred result must carry the very power files of the run it is inferred from.",
    "Copy the base scenario's performance folder unchanged.")
PERF_EQUAL_ISSUE = _rule("SUB-PERF-EQUAL-ISSUE", "equal-issue mode off",
    "In v4.1 some benchmarks must run in equal-issue mode.",
    "Enable sample_concatenate_permutation.",
    pack_ref="submission.benchmarks")
PERF_NETWORK_SUT = _rule("SUB-PERF-NETWORK-SUT", "network SUT name",
    "A network-division SUT name must contain 'Network SUT'.", "Rename the SUT.",
    pack_ref="submission.system.network_sut_name")

# accuracy
ACC_FILES = _rule("SUB-ACC-FILES", "accuracy files missing",
    "accuracy/ holds the LoadGen logs, the accuracy log and accuracy.txt.",
    "Copy the accuracy run.",
    pack_ref="submission.accuracy.required_files")
ACC_TARGET = _rule("SUB-ACC-TARGET", "accuracy outside the target",
    "Every metric must reach its target and stay under its upper limit.",
    "Fix the model or run accuracy again.", pack_ref="submission.benchmarks")
ACC_UNPARSED = _rule("SUB-ACC-UNPARSED", "accuracy metric not found in accuracy.txt",
    "accuracy.txt must hold the accuracy script's output.", "Append the script's stdout.",
    pack_ref="submission.accuracy.patterns")
ACC_HASH = _rule("SUB-ACC-HASH", "hash line missing in accuracy.txt",
    "accuracy.txt must end with hash=<sha256 of the original accuracy log>.",
    "Run joulekit package (it truncates and hashes).", pack_ref="submission.accuracy.hash_required")
ACC_NOT_TRUNCATED = _rule("SUB-ACC-NOT-TRUNCATED", "accuracy log not truncated",
    "mlperf_log_accuracy.json must be truncated to at most 10 KiB.",
    "Run joulekit package (it truncates and hashes).", pack_ref="submission.accuracy.max_log_bytes")
ACC_EXTRA_FILES = _rule("SUB-ACC-EXTRA-FILES", "benchmark-specific accuracy files missing",
    "Some benchmarks must ship more than the accuracy log: Stable Diffusion XL's accuracy/images/ "
    "holds the images the round names, so reviewers can look at them.",
    "Copy the named files into the accuracy folder.",
    pack_ref="submission.benchmarks")
ACC_SAMPLE_COUNT = _rule("SUB-ACC-SAMPLE-COUNT", "accuracy run does not cover the dataset",
    "The accuracy run must cover the dataset or the accuracy subset.", "Run the full accuracy set.",
    pack_ref="submission.benchmarks")
ACC_LOADGEN_ERROR = _rule("SUB-ACC-LOADGEN-ERROR", "LoadGen logged an error in the accuracy run",
    "An accuracy run with LoadGen errors is not a result.", "Fix the error and run again.")

# compliance
COMP_MISSING = _rule("SUB-COMP-MISSING", "compliance test missing",
    "Closed and network results need the round's compliance tests for the benchmark.",
    "Run the audit test and copy its output.", pack_ref="submission.benchmarks")
COMP_FILES = _rule("SUB-COMP-FILES", "compliance test files missing",
    "Each test needs its verify_*.txt and logs.", "Copy the test's output folder.",
    pack_ref="submission.compliance_tests")
COMP_FAILED = _rule("SUB-COMP-FAILED", "compliance test did not pass",
    "The verify script must say the test passed.", "Fix the SUT and run the test again.",
    pack_ref="submission.compliance_tests")
COMP_SEEDS = _rule("SUB-COMP-SEEDS", "compliance run uses the wrong seeds",
    "TEST05 must use seeds other than the round's; the other tests use the round's.",
    "Run the test with its audit.config.", pack_ref="submission.compliance_tests")

# power and internals
POWER_FILES = _rule("SUB-POWER-FILES", "power result file set incomplete",
    "run_1 and ranging hold summary, detail and spl.txt; power/ holds its five files.",
    "Copy the director and client output unchanged.", pack_ref="submission.power_files")
POWER_UNCHECKED = _rule("SUB-POWER-UNCHECKED", "power result not checked",
    "The power checks could not run on this result.", "See the message.")
INTERNAL = _rule("SUB-INTERNAL", "the checker failed on this result",
    "An exception while checking one result fails that result only; the traceback is attached.",
    "Report it with the traceback.")

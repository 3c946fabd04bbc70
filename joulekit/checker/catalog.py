"""Every power rule: id, title, default severity, explanation, fix and pack reference.

Ids are stable (``PWR`` + three digits, grouped by tens per family) and are what users
put in CI filters, so a rule is never renumbered; a retired rule keeps its id unused.
``reference`` records how the reference power checker differs (``absent`` when it has
no such check), which is what ``--compat reference`` reproduces and reports.
"""

from __future__ import annotations

from joulekit.checker.registry import REGISTRY, Rule

ABSENT = "absent"


def _rule(
    rule_id: str,
    title: str,
    severity: str,
    explanation: str,
    fix: str,
    pack_ref: str = "",
    reference: str = "",
) -> Rule:
    assert severity in ("error", "warning", "notice")
    return REGISTRY.add(
        Rule(rule_id, title, severity, explanation, fix, pack_ref, reference)  # type: ignore[arg-type]
    )


# -- files -----------------------------------------------------------------------------
FILES = _rule(
    "PWR001",
    "power result files present",
    "error",
    "A power result holds run_1/ and ranging/ (summary, detail, spl.txt) and power/ "
    "(client.json, client.log, ptd_logs.txt, server.json, server.log). Without them the "
    "measurement cannot be re-checked.",
    "Copy the whole session folder the director client wrote; do not prune files.",
    "power.layout.power_files",
)
MALFORMED = _rule(
    "PWR002",
    "files readable",
    "error",
    "Each file must parse in its format (MLLOG JSON lines, spl lines, PTD log lines, JSON). "
    "A malformed line is reported with its line number.",
    "Restore the file from the original run; hand-edited logs break their checksums too.",
    reference="crashes on some malformed content (for example a blank line in spl.txt, "
    "inference#1581)",
)
JSON_KEYS = _rule(
    "PWR003",
    "client/server JSON complete",
    "error",
    "client.json and server.json must each hold version, timezone, modules, sources, "
    "messages, uuid, session_name, results and phases.",
    "Use the JSON files written by the director and client of the run, unmodified.",
)
ROUND = _rule(
    "PWR004",
    "round known",
    "error",
    "Every threshold depends on the round; a result whose round can be read neither from "
    "its path nor from its data cannot be checked.",
    "Pass --round (for example --round v5.1).",
)
# -- provenance and sources --------------------------------------------------------------
SOURCES = _rule(
    "PWR010",
    "director sources checksums",
    "error",
    "The SHA-1 of each director/client source file recorded in client.json and server.json "
    "must equal one allowed set of the round. Without a list (--sources-checksums) the "
    "check is reported as not checked, never as passed.",
    "Run the unmodified reference director of the round, or pass the round's "
    "sources_checksums.json with --sources-checksums.",
)
PROVENANCE = _rule(
    "PWR011",
    "measured by PTDaemon",
    "error",
    "Only measurements taken through SPEC PTDaemon can be submitted. A result whose "
    "server.json/client.json names a simulator, direct-SCPI or software power source, or "
    "whose Identify reply is not a PTDaemon one, is rejected by name.",
    "Measure with a supported analyzer through PTDaemon (joulekit director with a ptd:// "
    "analyzer) for a submission; simulated runs are for rehearsal only.",
    reference=ABSENT,
)
# -- PTD commands and replies -------------------------------------------------------------
PTD_DEVICE = _rule(
    "PWR020",
    "analyzer model allowed",
    "error",
    "The Identify reply must exist and name an analyzer model on the round's whitelist.",
    "Use an analyzer model the round allows.",
    "power.devices.allowed",
)
PTD_VERSION = _rule(
    "PWR021",
    "PTDaemon version allowed",
    "error",
    "The PTDaemon version in the Identify reply must be one the round accepts.",
    "Install the PTDaemon release the round requires.",
    "power.ptd.versions",
    reference="accepts only 1.11.1, whatever the round",
)
PTD_REPLIES = _rule(
    "PWR022",
    "PTDaemon replies as expected",
    "error",
    "Every SR,A/SR,V must answer 'Range A/V changed', every Go 'Starting untimed "
    "measurement...', every Stop during a measurement 'Stopping untimed measurement' and "
    "a Stop without one 'Error: no measurement to stop'.",
    "Check the analyzer connection and ranges; rerun the measurement.",
    reference="requires the 3rd Stop to answer 'Error: no measurement to stop', by position",
)
PTD_INTERVAL = _rule(
    "PWR023",
    "1 s sampling interval",
    "error",
    "Every Go command must sample at 1000 ms.",
    "Run the director's defaults; do not change the sampling interval.",
    "power.ptd.sampling_interval_ms",
)
RANGES_RESTORED = _rule(
    "PWR024",
    "analyzer ranges restored",
    "error",
    "After the run the director must set the analyzer back to the ranges the RR command "
    "read at the start (the last SR,V and SR,A).",
    "Let the director finish the session ('done') so it restores the ranges.",
    reference="requires the restore to be the 3rd or 4th SR,A and the 3rd SR,V",
)
# -- session -----------------------------------------------------------------------------
UUID = _rule(
    "PWR030",
    "UUIDs agree",
    "error",
    "client.json and server.json must record the same client and server UUIDs.",
    "Use the client.json and server.json of the same session.",
)
SESSION = _rule(
    "PWR031",
    "session names agree",
    "error",
    "client.json and server.json must record the same session name.",
    "Use the client.json and server.json of the same session.",
)
MESSAGES = _rule(
    "PWR032",
    "client/server messages agree",
    "error",
    "Both files record the same protocol messages: same count, same commands and the same "
    "replies (except the 'time' reply, which is each side's clock).",
    "Use the client.json and server.json of the same session.",
)
PROTOCOL = _rule(
    "PWR033",
    "protocol versions agree",
    "error",
    "The 'mlcommons/power client vN' handshake must be answered by 'server vN' with the same N.",
    "Run a client and a director that speak the same protocol version.",
)
DEBUG = _rule(
    "PWR034",
    "debug mode off",
    "error",
    "server.json must not say debug: true (debug shortens the analyzer settle time).",
    "Run the director without its debug setting.",
)
# -- time ------------------------------------------------------------------------------------
SKEW = _rule(
    "PWR040",
    "client/server clocks agree",
    "error",
    "At each of the four points of each phase (start requested, after Go, stop requested, "
    "after stop) client and director wall clocks must agree within the round's limit.",
    "Synchronise both hosts with the same NTP server before the run.",
    "power.time_sync.max_skew_ms",
    reference="800 ms for every round",
)
WINDOW_IN_PHASE = _rule(
    "PWR041",
    "LoadGen window inside its phase",
    "error",
    "LoadGen's power_begin and power_end of ranging/ and run_1/ must fall strictly between "
    "the phase's 'after Go' and 'stop requested' points.",
    "Keep the LoadGen logs of the run the client wrapped; do not swap runs.",
    reference="also accepts a power_begin/power_end 3600 s off (DST workaround)",
)
TESTING_SHORT = _rule(
    "PWR042",
    "testing not much shorter than ranging",
    "warning",
    "A testing window more than 50 % shorter than the ranging window suggests the runs differ.",
    "Run ranging and testing with the same LoadGen settings.",
    "power.duration.testing_vs_ranging_min_ratio",
    reference="same verdict; its message says '5 percent'",
)
POWER_DROP = _rule(
    "PWR043",
    "testing power not below ranging",
    "error",
    "Mean testing power more than 5 % below mean ranging power means the testing run did "
    "not load the system as ranging did.",
    "Run ranging and testing with the same workload and settings.",
    "power.power_drop.max_drop_percent",
)
RANGING_DURATION = _rule(
    "PWR140",
    "ranging and testing windows of similar length",
    "error",
    "Rounds v1.0-v3.0 (power-dev compliance/check.py before 992e4c2, May 2023): the "
    "LoadGen windows of ranging and testing may differ by less than 5 % of the longer one. "
    "Later rounds compare mean powers instead (PWR043).",
    "Run ranging and testing with the same LoadGen settings.",
    "power.duration.max_ranging_difference_percent",
)
MIN_DURATION = _rule(
    "PWR044",
    "testing window long enough",
    "error",
    "The LoadGen power window of the testing run must last at least the round's minimum "
    "performance run duration.",
    "Run LoadGen with the round's min_duration (600 s).",
    "power.duration.min_testing_s",
    reference=ABSENT,
)
# -- integrity --------------------------------------------------------------------------------
RESULTS_CHECKSUM = _rule(
    "PWR050",
    "result files unchanged",
    "error",
    "The SHA-1 of every result file must equal the hash recorded in client.json and "
    "server.json, and the two recordings must agree. A file whose hash matches once its "
    "line endings are converted back (a repository that stores text with LF) is intact: "
    "a notice.",
    "Restore the files of the original run; only the two JSON files may be edited.",
    reference="compares the raw SHA-1, so a file whose line endings a repository converted "
    "fails",
)
# -- PTD log -----------------------------------------------------------------------------
UNCERTAINTY_ACTIVE = _rule(
    "PWR060",
    "uncertainty checking active",
    "error",
    "ptd_logs.txt must say 'Uncertainty checking for Yokogawa... is activated' before "
    "ranging starts.",
    "Use an analyzer and PTDaemon build that support uncertainty checking.",
)
PTD_ERRORS = _rule(
    "PWR061",
    "no PTDaemon errors",
    "error",
    "An ERROR line of ptd_logs.txt outside ranging invalidates the run ('USB.' is a "
    "warning). Inside ranging, known messages (uncertainty not evaluable, nan readings, "
    "current too high for the range) are accepted and others are warnings.",
    "Fix the analyzer connection or ranges and rerun.",
    reference="stops scanning at the first warning, hiding later errors",
)
UNCERTAINTY = _rule(
    "PWR062",
    "uncertainty within limit while testing",
    "error",
    "A 'WARNING: Uncertainty x%, which is above 1.00% limit' inside the testing window "
    "(power_begin + 0.8 s .. power_end - 0.8 s) invalidates the run.",
    "Raise the measured current into the analyzer's range (more load, a smaller range, "
    "or a more sensitive analyzer).",
    "power.uncertainty.limit_percent",
    reference="adds the 0.8 s margin as 800 seconds, so runs under about 27 min escape",
)
PTD_WARNINGS = _rule(
    "PWR063",
    "no PTDaemon warnings",
    "warning",
    "Other WARNING lines of ptd_logs.txt are reported for audit.",
    "Read the warning; most are benign, some point at range or connection trouble.",
    reference="stops scanning at the first warning",
)
CONSOLE_CAPTURED = _rule(
    "PWR130",
    "PTDaemon console captured",
    "error",
    "ptd_logs.txt must hold PTDaemon's console for each analyzer: the ranging window, the "
    "uncertainty-activation line and every ERROR/WARNING are read from it. A director "
    "attached to a PTDaemon it did not start (ptd://HOST:PORT) has no console to write; "
    "that one cause is reported here instead of every PTD-log rule failing on an empty log.",
    "Start the director on the PTDaemon host with PTDaemon in its server.conf ([ptd] ptd = "
    "...), or run PTDaemon under 'joulekit ptd-launch --listen HOST PORT -- <ptd argv>' and "
    "attach with ptd://HOST:PTDPORT?console=HOST:PORT; then measure again.",
    reference="reports 'Can not find ranging time in ptd_logs.txt.'",
)
# -- PTD configuration --------------------------------------------------------------------
PTD_CONFIG = _rule(
    "PWR070",
    "analyzer configuration allowed",
    "error",
    "Each analyzer's device_type in server.json ptd_config must be on the round's whitelist.",
    "Configure the director with an allowed analyzer type.",
    "power.devices.allowed",
    reference="fails on a ptd_config object (the layout of rounds up to v4.1)",
)
PTD_CHANNELS = _rule(
    "PWR071",
    "multichannel analyzer uses two channels",
    "error",
    "A WT330 multichannel analyzer (77) must be configured with two channels (-c a,b).",
    "Set channel: 1,2 for the analyzer in the director configuration.",
    "power.devices.two_channel",
)
# -- the power figure and the checks the reference lacks -------------------------------------
METRIC = _rule(
    "PWR100",
    "power figure computable",
    "error",
    "The published figure needs samples strictly inside power_begin..power_end with W > 0 "
    "(and result_query_count for SingleStream/MultiStream).",
    "Check that spl.txt and mlperf_log_detail.txt of run_1 belong to the same run.",
    "power.metrics",
    reference="raises an exception on an empty window",
)
SAMPLE_COUNT = _rule(
    "PWR101",
    "sample count matches the window",
    "warning",
    "At 1 Hz a window of N seconds holds about N samples; fewer means samples were lost.",
    "Check the analyzer connection (USB/serial errors in ptd_logs.txt).",
    "power.sampling.min_sample_ratio",
    reference=ABSENT,
)
SAMPLE_GAP = _rule(
    "PWR102",
    "no gaps between samples",
    "warning",
    "Two consecutive samples inside the window more than 2 s apart mean lost samples.",
    "Check the analyzer connection (USB/serial errors in ptd_logs.txt).",
    "power.sampling.max_gap_s",
    reference=ABSENT,
)
COVERAGE = _rule(
    "PWR103",
    "spl.txt covers the LoadGen window",
    "error",
    "The first and last samples must lie within 2 s of power_begin and power_end; otherwise "
    "part of the run was not measured.",
    "Keep the complete spl.txt of the testing phase.",
    "power.sampling.max_edge_gap_s",
    reference=ABSENT,
)
TESTING_RANGES = _rule(
    "PWR104",
    "testing ranges derived from ranging",
    "warning",
    "The testing SR,V must be the ranging maximum voltage and SR,A 1.1 x the ranging "
    "maximum current; other ranges mean the ranging run did not set them.",
    "Let the director derive the ranges from its ranging run.",
    "power.ranges.current_factor",
    reference=ABSENT,
)
TIME_WEIGHTED = _rule(
    "PWR105",
    "mean agrees with time-weighted energy",
    "warning",
    "The published mean treats samples as equally spaced; a time-weighted energy more than "
    "0.5 % away means uneven sampling biased the figure.",
    "Check for lost or bunched samples in spl.txt.",
    "power.energy.time_weighted_max_diff_percent",
    reference=ABSENT,
)
# -- the run itself recorded a lost peer -------------------------------------------------
LOST_PEER = _rule(
    "PWR110",
    "no peer lost mid-session",
    "error",
    "The director lost an analyzer or its client, or the client lost the director, while "
    "the session ran (joulekit.lost in server.json or client.json): the tree holds the "
    "samples taken until then, not a whole run.",
    "Find out why the peer went (its log, the network, the meter's power), fix it, and "
    "measure again; the kept samples can explain the failure but are not a result.",
    reference=ABSENT,
)
# -- a tree safe to read (the reference follows links and opens whatever it finds) ------
UNSAFE_LINK = _rule(
    "PWR120",
    "no link out of the tree",
    "error",
    "A symbolic link in a result that resolves outside the checked tree is not read: a "
    "published result is self-contained, and quoting a file from elsewhere would leak it.",
    "Replace the link by a copy of the file it points to.",
    reference=ABSENT,
)
UNSAFE_SPECIAL = _rule(
    "PWR121",
    "only regular files",
    "error",
    "A FIFO, device or socket in place of a result file is never opened (opening one can "
    "hang the checker or have side effects).",
    "Put the regular file the run wrote in its place.",
    reference=ABSENT,
)
UNSAFE_SIZE = _rule(
    "PWR122",
    "file within its size limit",
    "error",
    "Each kind of file has a size limit far above any real run (spl.txt 256 MiB, detail "
    "log 256 MiB, JSON 64 MiB); a larger file is not read, so memory stays bounded.",
    "Restore the file from the original run; a file this large is not a measurement.",
    reference=ABSENT,
)
INTERNAL = _rule(
    "PWR900",
    "check completed",
    "error",
    "A check raised an unexpected exception on this result; the result cannot be "
    "declared valid. Other results are unaffected.",
    "Report it with the result folder; the message names the check and the exception.",
)

"""The inference power checks' rules, bound by catalog id.

Texts, severities and thresholds live in ``joulekit/rules/catalog/power.yaml``; a check
imports the name below and builds findings with ``FILES.finding(...)``. Ids are stable
(``PWR`` + three digits, grouped by tens per family) and are what users put in CI
filters, so a rule is never renumbered; a retired rule keeps its id unused.
"""

from __future__ import annotations

from joulekit.checker.registry import rule

FILES = rule("PWR001")
MALFORMED = rule("PWR002")
JSON_KEYS = rule("PWR003")
ROUND = rule("PWR004")
SOURCES = rule("PWR010")
PROVENANCE = rule("PWR011")
PTD_DEVICE = rule("PWR020")
PTD_VERSION = rule("PWR021")
PTD_REPLIES = rule("PWR022")
PTD_INTERVAL = rule("PWR023")
RANGES_RESTORED = rule("PWR024")
UUID = rule("PWR030")
SESSION = rule("PWR031")
MESSAGES = rule("PWR032")
PROTOCOL = rule("PWR033")
DEBUG = rule("PWR034")
SKEW = rule("PWR040")
WINDOW_IN_PHASE = rule("PWR041")
TESTING_SHORT = rule("PWR042")
POWER_DROP = rule("PWR043")
MIN_DURATION = rule("PWR044")
RESULTS_CHECKSUM = rule("PWR050")
UNCERTAINTY_ACTIVE = rule("PWR060")
PTD_ERRORS = rule("PWR061")
UNCERTAINTY = rule("PWR062")
PTD_WARNINGS = rule("PWR063")
PTD_CONFIG = rule("PWR070")
PTD_CHANNELS = rule("PWR071")
METRIC = rule("PWR100")
SAMPLE_COUNT = rule("PWR101")
SAMPLE_GAP = rule("PWR102")
COVERAGE = rule("PWR103")
TESTING_RANGES = rule("PWR104")
TIME_WEIGHTED = rule("PWR105")
LOST_PEER = rule("PWR110")
UNSAFE_LINK = rule("PWR120")
UNSAFE_SPECIAL = rule("PWR121")
UNSAFE_SIZE = rule("PWR122")
CONSOLE_CAPTURED = rule("PWR130")
RANGING_DURATION = rule("PWR140")
INTERNAL = rule("PWR900")

"""The training power checks' rules, bound by catalog id.

Texts, severities and thresholds live in ``joulekit/rules/catalog/training.yaml``; a
check imports the name below and builds findings with ``R.NAME.finding(...)``.
"""

from __future__ import annotations

from joulekit.checker.registry import rule

POWER_FOLDER = rule("TRN001")
NAME_RANGE = rule("TRN002")
NAME_CRASH = rule("TRN003")
STRAY_ENTRY = rule("TRN004")
COUNT_DIFFERS = rule("TRN005")
TOO_MANY_REJECTED = rule("TRN006")
PASSES_BY_PLOT = rule("TRN007")
ENERGY = rule("TRN010")
NO_FIGURE = rule("TRN011")
SUMMARIZER_CRASH = rule("TRN012")
RESULT_LOG = rule("TRN013")
RUN_STATUS = rule("TRN014")
UNREADABLE = rule("TRN015")
SCALING = rule("TRN016")
INTERVAL = rule("TRN020")
GAP = rule("TRN021")
NON_POSITIVE = rule("TRN022")
NO_START = rule("TRN023")
NO_STOP = rule("TRN024")
EMPTY_WINDOW = rule("TRN025")
LATE_START = rule("TRN026")
EARLY_STOP = rule("TRN027")
IDENTICAL = rule("TRN028")
NODE_COUNT = rule("TRN029")
IGNORED_SWITCH = rule("TRN030")
CLOCK_OFFSET = rule("TRN031")
DUPLICATE_TIME = rule("TRN032")
ONE_BASED = rule("TRN033")
FEW_READINGS = rule("TRN034")
OUT_OF_ORDER = rule("TRN035")
EFFICIENCY = rule("TRN036")

"""The Yokogawa meters MLPerf Power accepts: range and accuracy tables, SCPI dialects.

One family's data, listed in :mod:`joulekit.meters.registry` (``FAMILIES``). A new family
(Hioki, a DC meter …) is a module like this one plus one entry there.
"""

from __future__ import annotations

from joulekit.meters.dialects import Dialect
from joulekit.meters.tables import Accuracy, MeterModel

_WT300_V = (15.0, 30.0, 60.0, 150.0, 300.0, 600.0)
_WT300_A = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0)
_WT210_A = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0)
_WT500_V = (15.0, 30.0, 60.0, 100.0, 150.0, 300.0, 600.0, 1000.0)
_WT500_A = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 40.0)

#: in the order lookups try them
MODELS: tuple[MeterModel, ...] = (
    MeterModel(
        "WT310E", _WT300_V, _WT300_A, Accuracy(0.001, 0.0005, 0.001), 1, (49, 549), "WT310E"
    ),
    MeterModel("WT310", _WT300_V, _WT300_A, Accuracy(0.001, 0.001, 0.002), 1, (), "WT310"),
    MeterModel(
        "WT332E", _WT300_V, _WT300_A, Accuracy(0.001, 0.0005, 0.001), 2, (), "WT332E"
    ),
    MeterModel(
        "WT333E", _WT300_V, _WT300_A, Accuracy(0.001, 0.0005, 0.001), 3, (52, 53, 77), "WT333E"
    ),
    MeterModel(
        "WT210", _WT300_V, _WT210_A, Accuracy(0.001, 0.001, 0.002, 0.0005), 1, (8, 508), "WT210"
    ),
    MeterModel(
        "WT500", _WT500_V, _WT500_A, Accuracy(0.001, 0.001, 0.0), 3, (35, 36, 48), "WT500"
    ),
)
WT300E = Dialect(
    name="wt300e",
    models=("WT310E", "WT332E", "WT333E", "WT310"),
    init=(
        "*CLS",
        ":COMM:HEAD OFF",
        ":COMM:VERB ON",
        ":NUM:FORM ASC",
        ":NUM:NORM:NUM 4",
        ":NUM:NORM:ITEM1 P,1",
        ":NUM:NORM:ITEM2 U,1",
        ":NUM:NORM:ITEM3 I,1",
        ":NUM:NORM:ITEM4 LAMB,1",
        ":STAT:FILT1 FALL",
    ),
    volts_range_set=":INP:VOLT:RANG {value}",
    volts_auto_set=":INP:VOLT:AUTO {value}",
    amps_range_set=":INP:CURR:RANG {value}",
    amps_auto_set=":INP:CURR:AUTO {value}",
    volts_range_query=":INP:VOLT:RANG?",
    volts_auto_query=":INP:VOLT:AUTO?",
    amps_range_query=":INP:CURR:RANG?",
    amps_auto_query=":INP:CURR:AUTO?",
    values_query=":NUM:NORM:VAL?",
    order=(0, 1, 2, 3),
)

WT210 = Dialect(
    name="wt210",
    models=("WT210",),
    init=(
        "*CLS",
        ":COMM:HEAD OFF",
        ":MEAS:ITEM:V ON",
        ":MEAS:ITEM:A ON",
        ":MEAS:ITEM:W ON",
        ":MEAS:ITEM:PF ON",
        ":STAT:FILT1 FALL",
    ),
    volts_range_set=":CONF:VOLT:RANG {value}",
    volts_auto_set=":CONF:VOLT:AUTO {value}",
    amps_range_set=":CONF:CURR:RANG {value}",
    amps_auto_set=":CONF:CURR:AUTO {value}",
    volts_range_query=":CONF:VOLT:RANG?",
    volts_auto_query=":CONF:VOLT:AUTO?",
    amps_range_query=":CONF:CURR:RANG?",
    amps_auto_query=":CONF:CURR:AUTO?",
    values_query=":MEAS:VAL?",
    order=(2, 0, 1, 3),  # the WT210 returns enabled items in its fixed order: V, A, W, PF
    rate_set=":SAMP:RATE {rate}",
)

DIALECTS: tuple[Dialect, ...] = (WT300E, WT210)

#: an IDN fragment that names a model of this family without its full name
ALIASES: dict[str, str] = {"WT330": "WT333E"}

"""The embedded defaults of a demo run: ``joulekit run`` with no options.

Kept apart from :mod:`joulekit.run.measure` so that what only needs the defaults (the
public API's signature, the CLI's help) does not load the run machinery.
"""

from __future__ import annotations

#: the simulated meter follows the CPU use of the measuring process and its workloads
#: (``tree=`` is added with this process' PID), so the demo's energy tracks its own work
#: and not whatever else the host runs
DEMO_LOAD = "cpu:idle=60,per=140"
DEMO_DEVICE = "49"  # a Yokogawa WT310, the most common analyzer in published results
#: LoadGen duration of each demo phase: long enough for a dozen 1 s power samples,
#: short enough that the whole demo ends well within three minutes on two cores
DEMO_PHASE_MS = 10_000
#: settle wait the local director uses (a compliant director waits 10 s)
DEMO_SETTLE_S = 1.0

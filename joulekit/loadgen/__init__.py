"""The LoadGen side: SUT adapters, LoadGen settings and one LoadGen run per process.

Nothing here knows about power: ``joulekit loadgen`` (:mod:`joulekit.cli.loadgen`) runs
one LoadGen test against one SUT and writes LoadGen's logs, which is exactly the
workload a director client (ours or the reference one) wraps.
"""

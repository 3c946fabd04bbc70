"""The director server: sessions as a state machine over a bank of analyzers.

Modules: ``session`` (the state machine and its phases), ``bank`` (several analyzers
driven in parallel, ranges restored on every exit path), ``merge`` (several analyzers
merged by timestamp), ``outputs`` (the files of a session), ``server`` (protocol v3 over
TCP), ``clock`` (stepping the clock for ``set_ntp``).
"""

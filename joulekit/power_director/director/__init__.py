"""The director server: sessions as a state machine over a bank of analyzers.

Modules: ``session`` (the state machine and its phases), ``bank`` (several analyzers
driven in parallel, ranges restored on every exit path), ``merge`` (several analyzers
merged by timestamp), ``outputs`` (the files of a session), ``server`` (protocol v3 over
TCP), ``watch`` (polling the analyzers while a phase measures). The protocol, clock
stepping, log formats and provenance it shares with the client are in
:mod:`joulekit.session`; the analyzers it drives in :mod:`joulekit.analyzers`.
"""

"""Orchestration of a measurement: ``joulekit run``, the director client, progress, summaries.

It drives :mod:`joulekit.loadgen` phases in lockstep with a director over protocol v3
(:mod:`joulekit.session`) and starts a local director only as a separate process, so it
never imports the director's internals.
"""

"""Fixtures of the loadgen tests (``jk``, ``detail_of``: see tests/jkproc.py)."""

from jkproc import detail_of, jk  # noqa: F401 (fixtures, found by name)

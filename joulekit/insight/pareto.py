"""The time–energy Pareto frontier of a sweep (ML.ENERGY's tradeoff chart, on MLPerf runs).

A configuration is on the frontier when no other one is at least as fast *and* at
least as frugal, strictly better in one of the two. Only the frontier is worth
deploying: any other point can be replaced by a frontier point that costs nothing in
the other dimension. Computed by a sort and one pass (O(n log n)).
"""

from __future__ import annotations

import pandas as pd


def pareto_frontier(frame: pd.DataFrame, time_col: str, energy_col: str) -> pd.DataFrame:
    """The non-dominated rows (lower is better in both columns), sorted by time.

    Rows with a missing time or energy are ignored. Exact duplicates on both axes are
    all kept: they are equally good, and dropping one would hide a configuration.
    """
    usable = frame.dropna(subset=[time_col, energy_col])
    ordered = usable.sort_values([time_col, energy_col], kind="mergesort")
    keep: list[object] = []
    best_energy = float("inf")
    best_time = float("nan")
    for index, row in ordered.iterrows():
        t = float(row[time_col])
        e = float(row[energy_col])
        if e < best_energy:
            keep.append(index)
            best_energy, best_time = e, t
        elif e == best_energy and t == best_time:
            keep.append(index)
    return ordered.loc[keep]

"""plot.py: matplotlib figures of what the daemon reports: a session's trajectory,
an experiment's curves with their CI bands, and the output-vector grid.

Each helper takes the object or its DataFrame, draws on ``ax`` (a new figure's axes if
None) and answers the axes. matplotlib is imported only here (python3-matplotlib).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .experiment import Experiment
    from .session import Session


def _axes(ax: "Axes | None") -> "Axes":
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(7, 4))
    return ax


def plot_trajectory(
    source: "Session | pd.DataFrame",
    metrics: Sequence[str] = ("accuracy", "avg_reward", "accept_rate"),
    ax: "Axes | None" = None,
) -> "Axes":
    """One line per metric of the trajectory over episodes (Session.trajectory)."""
    df = source if isinstance(source, pd.DataFrame) else source.trajectory()
    ax = _axes(ax)
    for m in metrics:
        ax.plot(df["episode"], df[m], label=m)
    ax.set_xlabel("episode")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right")
    if not isinstance(source, pd.DataFrame):
        ax.set_title(source.name)
    return ax


def plot_curves(
    source: "Experiment | pd.DataFrame",
    metric: str = "accuracy",
    conditions: Sequence[str] | None = None,
    ax: "Axes | None" = None,
) -> "Axes":
    """The mean of ``metric`` over seeds per condition, with its 95% CI as a band
    (Experiment.curves); the band is left out where fewer than 2 seeds report."""
    df = source if isinstance(source, pd.DataFrame) else source.curves()
    df = df[df["metric"] == metric]
    ax = _axes(ax)
    labels = conditions if conditions is not None else list(dict.fromkeys(df["condition"]))
    for label in labels:
        c = df[df["condition"] == label]
        (line,) = ax.plot(c["episode"], c["mean"], label=f"{label} (n={int(c['seeds'].iloc[0]) if len(c) else 0})")
        ax.fill_between(c["episode"], c["ci_low"], c["ci_high"], color=line.get_color(), alpha=0.2, linewidth=0)
    ax.set_xlabel("episode")
    ax.set_ylabel(f"{metric} (mean, 95% CI)")
    ax.legend(loc="lower right")
    if not isinstance(source, pd.DataFrame):
        ax.set_title(source.name)
    return ax


def plot_outputs(source: "Session | pd.DataFrame", ax: "Axes | None" = None) -> "Axes":
    """The output-vector grid: one column per trajectory point, one row per (pattern,
    output bit); a cell is dark where the bit fired, and each pattern's rows are framed
    by its target (Session.outputs)."""
    import numpy as np

    df = source if isinstance(source, pd.DataFrame) else source.outputs()
    ax = _axes(ax)
    episodes = sorted(df["episode"].unique())
    patterns = sorted(df["pattern"].unique())
    width = len(str(df["output"].iloc[0])) if len(df) else 0
    grid = np.zeros((len(patterns) * (width + 1), len(episodes)))
    col = {e: i for i, e in enumerate(episodes)}
    for row in df.itertuples(index=False):
        base = int(row.pattern) * (width + 1)
        for b, bit in enumerate(str(row.output)):
            grid[base + b, col[row.episode]] = 1.0 if bit == "1" else 0.0
        # the spacer row under each pattern: 0.5 where the output is exactly the target
        grid[base + width, col[row.episode]] = 0.5 if bool(row.correct) else 0.0
    ax.imshow(grid, aspect="auto", interpolation="nearest", cmap="Greys", vmin=0, vmax=1,
              extent=(float(episodes[0]) if episodes else 0, float(episodes[-1]) if episodes else 1, len(grid), 0))
    ax.set_yticks([p * (width + 1) + width / 2 for p in patterns])
    ax.set_yticklabels([f"P{int(p) + 1}" for p in patterns])
    ax.set_xlabel("episode")
    if not isinstance(source, pd.DataFrame):
        ax.set_title(f"{source.name}: output vectors")
    return ax



"""Plots of training (matplotlib, the optional ``train`` extra): curves and decision boundaries.

Example::

    history = fit(model, X, y, loss="hinge")
    plot_history(history).savefig("loss.png")
    plot_decision_boundary(model, X, y, loss="hinge").savefig("boundary.png")
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from micrograd_like import validate
from micrograd_like.nn import Module
from micrograd_like.train import History, predict

__all__ = ["plot_decision_boundary", "plot_history"]


def _pyplot() -> Any:
    try:
        import matplotlib

        if matplotlib.get_backend().lower() == "agg" or not _in_notebook():
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("plots need matplotlib: pip install 'micrograd_like[train]'") from error
    return plt


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def plot_history(history: History, ax: Any = None, title: str = "Training") -> Any:
    """Loss per step, and accuracy on a second axis when there is one.

    Args:
        history: What `micrograd_like.train.fit` returned.
        ax: A matplotlib Axes to draw into; a new figure when None.
        title: The plot's title.

    Returns:
        The matplotlib Figure.
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    steps = range(1, len(history.loss) + 1)
    ax.plot(steps, history.loss, color="tab:red", label="loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss", color="tab:red")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    accuracy = [a for a in history.accuracy if a is not None]
    if accuracy:
        twin = ax.twinx()
        twin.plot(steps, [100 * (a or 0.0) for a in history.accuracy], color="tab:blue")
        twin.set_ylabel("batch accuracy (%)", color="tab:blue")
        twin.set_ylim(0, 101)
    ax.figure.tight_layout()
    return ax.figure


def plot_decision_boundary(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    loss: str = "hinge",
    ax: Any = None,
    resolution: int = 60,
    title: str = "Decision boundary",
) -> Any:
    """The model's predicted class over the plane, with the data points on top.

    Args:
        model: A model with 2 inputs.
        X: The data points (2-D).
        y: Their labels.
        loss: The loss the model was trained with, which says how to read
            its outputs (see `micrograd_like.train.predict`).
        ax: A matplotlib Axes to draw into; a new figure when None.
        resolution: Grid points along each axis (resolution**2 forward passes).
        title: The plot's title.

    Returns:
        The matplotlib Figure.
    """
    if any(len(row) != 2 for row in X):
        raise ValueError("plot_decision_boundary: the data must be 2-D")
    # Two points at least: the grid spans the data from edge to edge.
    resolution = validate.count(resolution, "resolution", "plot_decision_boundary", 2)
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5))
    xs = [row[0] for row in X]
    ys = [row[1] for row in X]
    pad = 0.5
    x_low, x_high = min(xs) - pad, max(xs) + pad
    y_low, y_high = min(ys) - pad, max(ys) + pad
    grid_x = [x_low + (x_high - x_low) * i / (resolution - 1) for i in range(resolution)]
    grid_y = [y_low + (y_high - y_low) * j / (resolution - 1) for j in range(resolution)]
    points = [[gx, gy] for gy in grid_y for gx in grid_x]
    predicted = predict(model, points, loss)
    zz = [predicted[j * resolution : (j + 1) * resolution] for j in range(resolution)]
    ax.contourf(grid_x, grid_y, zz, alpha=0.35, cmap="coolwarm")
    ax.scatter(xs, ys, c=list(y), cmap="coolwarm", edgecolors="k", s=25)
    ax.set_xlim(x_low, x_high)
    ax.set_ylim(y_low, y_high)
    ax.set_title(title)
    ax.figure.tight_layout()
    return ax.figure

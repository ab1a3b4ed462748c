"""Plots of training (matplotlib, the optional ``train`` extra): curves and decision boundaries.

Example::

    history = fit(model, X, y, loss="hinge")
    plot_history(history).savefig("loss.png")
    plot_decision_boundary(model, X, y, loss="hinge").savefig("boundary.png")

The plots are made to be read in a lesson, on a slide, and by colour-blind eyes:

- **Classes** take the colours of the Okabe-Ito palette (`CLASS_COLORS`,
  from `OKABE_ITO`), which stay apart in the three common kinds of colour
  blindness, and a marker shape of their own (`CLASS_MARKERS`), so they stay
  apart in greyscale too. Every point has a dark edge ringed in white, so it
  shows on any background, and a legend names every class.
- **Scores** (a regression's output for mse, the margin for hinge, the
  probability for bce_with_logits) take `SCORE_COLORMAP`, perceptually
  uniform: equal steps in score look like equal steps in colour, and it reads
  in greyscale and to colour-blind eyes. A multi-class boundary shows classes,
  not a score: each region is a light tint of its class's colour.
- **The boundary is smooth** at a modest cost: the model runs on a grid of
  `RESOLUTION` points a side, and the plot interpolates between them.
- **Every axis is labelled** (x1 and x2; step, loss and accuracy), and every
  plot has a title.
- **Figures are made at** `DPI` (150) **dots per inch**, which ``savefig``
  uses unless it is given another dpi.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from micrograd_like import validate
from micrograd_like.grad_mode import no_grad
from micrograd_like.nn import Module
from micrograd_like.train import LOSSES, History

__all__ = [
    "CLASS_COLORS",
    "CLASS_MARKERS",
    "DPI",
    "HINGE_RANGE",
    "OKABE_ITO",
    "RESOLUTION",
    "SCORE_COLORMAP",
    "in_notebook",
    "plot_decision_boundary",
    "plot_history",
]

DPI = 150
"""Dots per inch of the figures these functions make, so of ``figure.savefig`` by default.

At 150 dpi a 5-inch figure is 750 pixels wide: sharp on a high-density
screen, and its 10 pt text is 21 pixels tall at that size.
"""

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
"""The Okabe-Ito palette, by name, in its authors' order (Okabe and Ito, *Color
Universal Design*, 2002): eight colours that people with any of the common
kinds of colour blindness can tell apart."""

CLASS_COLORS = tuple(
    OKABE_ITO[name]
    for name in (
        "orange",
        "blue",
        "bluish green",
        "reddish purple",
        "sky blue",
        "vermillion",
        "yellow",
        "black",
    )
)
"""The colour of class k is ``CLASS_COLORS[k % 8]``: the Okabe-Ito palette, reordered.

The first three (orange, blue, bluish green) differ in lightness (CIELAB L*
71, 46 and 58) as well as in hue, so with their markers a 3-class plot reads
even in greyscale; the colours closest to another (sky blue to blue,
vermillion to orange) come later, and yellow and black, the hardest to see on
a light tint and to tell from a point's edge, last.
"""

CLASS_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
"""The marker of class k is ``CLASS_MARKERS[k % 7]``: a second cue besides colour.

Seven shapes against eight colours: no two of the first 56 classes look alike.
"""

SCORE_COLORMAP = "cividis"
"""The matplotlib colormap of scores: perceptually uniform, and made for colour-blind eyes."""

HINGE_RANGE = 2.0
"""The colour scale of a hinge model's score runs from -HINGE_RANGE to HINGE_RANGE.

The hinge loss is not 0 for margins from -1 to 1 (drawn dashed), so that band
takes the middle half of the colours; a scale fixed, not fitted to the plot,
lets two plots be compared.
"""

RESOLUTION = 50
"""Grid points along each axis of a decision boundary: RESOLUTION² forward passes.

The model is evaluated on this grid only; between its points the scores are
interpolated (bilinearly as the image is drawn, and before a multi-class
argmax, see `plot_decision_boundary`), and the boundary is a contour line,
linear between grid points. Measured against the model evaluated on a
241-point grid, the boundary this draws for the README's moons MLP
[2, 16, 16, 1] and notebook 03's spiral MLP [2, 24, 3] lies on average
0.1 pixel from the true one at 41 points, 0.04 at 61, at the README's size:
no reader can see the difference, and 50 leaves a margin for wigglier
models. For [2, 16, 16, 1] the 2,500 forward passes take about 0.6 s and
the whole plot 0.9 s; 60 points would cost 44% more, 200 points 16 times
as much.
"""

_FINE = 300  # a multi-class argmax is read off a grid of about 300 points a side
_EDGE = "#1A1A1A"  # near-black: the edge of every point, so it shows on any background
_TINT = 0.3  # a class's region: 30% of its colour, 70% white, under its full-colour points
_PAD = 0.5  # the grid reaches this far past the data on every side


def _pyplot() -> Any:
    try:
        import matplotlib

        if matplotlib.get_backend().lower() == "agg" or not in_notebook():
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("plots need matplotlib: pip install 'micrograd_like[train]'") from error
    return plt


def in_notebook() -> bool:
    """Whether this code runs in a Jupyter kernel, which shows figures and images inline.

    True under ipykernel's shell (JupyterLab, Notebook, VS Code) or a subclass
    of it (Google Colab's); False in a script, a terminal IPython, or when
    IPython is not installed.

    Returns:
        Whether figures would show inline.

    Example:
        >>> from micrograd_like.plots import in_notebook
        >>> in_notebook()  # in a script or a doctest
        False
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    # By name, not isinstance: importing ipykernel to compare would cost a second here.
    return shell is not None and any(
        kind.__name__ == "ZMQInteractiveShell" for kind in type(shell).__mro__
    )


def _finish(figure: Any) -> None:
    """Lays out a figure without constrained layout: the caller's, or a decision boundary's.

    A boundary is drawn to scale (a fixed aspect), which tight_layout fits
    into the figure; constrained layout can push its labels off the edge.
    tight_layout reads where the last draw put each legend, so the figure is
    drawn (not rendered) before each of two passes: one pass alone can leave a
    legend beside a boundary past the figure's edge.
    """
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    # Not "no engine at all": after tight_layout, matplotlib leaves a placeholder engine.
    if isinstance(figure.get_layout_engine(), ConstrainedLayoutEngine):
        return
    for _ in range(2):
        figure.draw_without_rendering()
        figure.tight_layout()


def plot_history(history: History, ax: Any = None, title: str = "Training") -> Any:
    """The loss per step, and the accuracy per step on an axis of its own.

    With no ``ax``, a new figure has two panels sharing the step axis: the loss
    above, the accuracy (0 to 1, shown in percent) below. With an ``ax``, the
    loss is drawn on it and the accuracy on a twin axis to its right, each
    axis labelled in its line's colour, with a legend naming both. Either way
    the accuracy axis runs from -5% to 105%, so a line at 0% or 100% stays
    clear of the frame. A history with no accuracy (mse, or a loss function)
    gets the loss alone.

    Args:
        history: What `micrograd_like.train.fit` returned.
        ax: A matplotlib Axes to draw into; a new figure, at `DPI`, when None.
        title: The plot's title.

    Returns:
        The matplotlib Figure.

    Raises:
        ValueError: If the history has no steps, or not one accuracy per step.

    Example:
        >>> from micrograd_like.datasets import make_moons
        >>> from micrograd_like.nn import MLP
        >>> from micrograd_like.plots import plot_history
        >>> from micrograd_like.train import fit
        >>> X, y = make_moons(n=20, noise=0.1, seed=0)
        >>> history = fit(MLP(2, [4, 1], seed=0), X, y, loss="hinge", steps=5, progress=False)
        >>> figure = plot_history(history)
        >>> len(figure.axes)  # the loss above, the accuracy below
        2
        >>> import matplotlib.pyplot as plt
        >>> plt.close(figure)
    """
    if not history.loss:
        raise ValueError("plot_history: the history has no steps, got History(loss=[])")
    if history.accuracy and len(history.accuracy) != len(history.loss):
        raise ValueError(
            f"plot_history: the history has {len(history.loss)} losses and "
            f"{len(history.accuracy)} accuracies; they must match, one per step"
        )
    plt = _pyplot()
    steps = list(range(1, len(history.loss) + 1))
    accuracy = [math.nan if a is None else a for a in history.accuracy]
    has_accuracy = any(not math.isnan(a) for a in accuracy)
    loss_color, accuracy_color = OKABE_ITO["blue"], OKABE_ITO["vermillion"]
    if ax is None:
        rows = 2 if has_accuracy else 1
        figure, axes = plt.subplots(
            rows,
            1,
            sharex=True,
            squeeze=False,
            figsize=(5.5, 4.0 if has_accuracy else 2.8),
            height_ratios=[3, 2] if has_accuracy else None,
            dpi=DPI,
            layout="constrained",
        )
        loss_ax = axes[0][0]
        accuracy_ax = axes[1][0] if has_accuracy else None
    else:
        figure, loss_ax = ax.figure, ax
        accuracy_ax = ax.twinx() if has_accuracy else None
    (loss_line,) = loss_ax.plot(steps, history.loss, color=loss_color, label="loss")
    loss_ax.set_ylabel("loss")
    loss_ax.set_title(title)
    loss_ax.grid(alpha=0.3)
    if all(value >= 0 for value in history.loss):
        loss_ax.set_ylim(bottom=0)  # a loss of 0 is the goal: the axis shows how far off it is
    loss_ax.xaxis.set_major_locator(_ticker().MaxNLocator(integer=True))
    if accuracy_ax is None:
        loss_ax.set_xlabel("step")
        _finish(figure)
        return figure
    (accuracy_line,) = accuracy_ax.plot(
        steps, accuracy, color=accuracy_color, label="batch accuracy"
    )
    accuracy_ax.set_ylabel("batch accuracy")
    # A margin past 0 and 1: a perfect run's line would otherwise lie on the frame.
    accuracy_ax.set_ylim(-0.05, 1.05)
    accuracy_ax.set_yticks([0, 0.25, 0.5, 0.75, 1])
    accuracy_ax.yaxis.set_major_formatter(_ticker().PercentFormatter(xmax=1, decimals=0))
    if ax is None:
        accuracy_ax.set_xlabel("step")
        accuracy_ax.grid(alpha=0.3)
    else:
        # One panel, two y axes: each axis in its line's colour, and a legend, say which is which.
        loss_ax.set_xlabel("step")
        loss_ax.set_ylabel("loss", color=loss_color)
        accuracy_ax.set_ylabel("batch accuracy", color=accuracy_color)
        loss_ax.legend(handles=[loss_line, accuracy_line], loc="center right")
    _finish(figure)
    return figure


def _ticker() -> Any:
    import matplotlib.ticker

    return matplotlib.ticker


def _outputs(model: Module, point: list[float]) -> list[float]:
    out = model(point)
    return [out.data] if not isinstance(out, list) else [value.data for value in out]


def _class_labels(y: list[float], loss: str, outputs: int) -> list[float]:
    """The labels of the model's classes in the order of their outputs, checked against y.

    Class k of the list is the one whose colour is ``CLASS_COLORS[k]``: for the
    binary losses the label a negative score predicts comes first.
    """
    found = sorted(set(y))
    if loss == "cross_entropy":
        classes = [float(k) for k in range(outputs)]
        wanted = f"class indices 0 to {outputs - 1} (the model has {outputs} outputs)"
        strays = [label for label in found if label not in classes]
    else:
        classes = [-1.0, 1.0] if loss == "hinge" and not set(found) <= {0.0, 1.0} else [0.0, 1.0]
        wanted = "-1 and 1, or 0 and 1" if loss == "hinge" else "0 and 1"
        strays = [label for label in found if label not in classes]
        if strays:  # name every label: which of them is the stray depends on the others
            strays = found
    if strays:
        shown = ", ".join(f"{label:g}" for label in strays[:5]) + (
            ", ..." if len(strays) > 5 else ""
        )
        hint = "; use loss='cross_entropy'" if loss != "cross_entropy" and len(found) > 2 else ""
        raise ValueError(
            f"plot_decision_boundary: with loss {loss!r} the labels y must be {wanted}, "
            f"got {shown}{hint}"
        )
    return classes


def _listed(xs: object) -> object:
    """A NumPy array or other iterable as a list, for `validate.real_numbers`; else xs."""
    if isinstance(xs, (str, bytes, Sequence)) or not hasattr(xs, "__iter__"):
        return xs
    return list(xs)


def _check_model_outputs(outputs: int, loss: str) -> None:
    if loss == "cross_entropy" and outputs < 2:
        raise ValueError(
            "plot_decision_boundary: loss 'cross_entropy' needs a model with one output per "
            f"class (2 or more), got {outputs}"
        )
    if loss != "cross_entropy" and outputs != 1:
        raise ValueError(
            f"plot_decision_boundary: loss {loss!r} reads one output, "
            f"got a model with {outputs}; use loss='cross_entropy'"
        )


def plot_decision_boundary(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    loss: str = "hinge",
    ax: Any = None,
    resolution: int = RESOLUTION,
    title: str = "Decision boundary",
) -> Any:
    """The model over the plane (x1, x2), with the data points on top.

    What the plane shows depends on the loss, which says how to read the
    model's outputs (as `micrograd_like.train.predict` does):

    - **cross_entropy**: the predicted class (the largest output), each
      class's region a light tint of its points' colour, the boundaries
      between regions drawn as dark lines.
    - **hinge** and **bce_with_logits**: the score, the margin for hinge and
      the probability of the second class for bce_with_logits, in
      `SCORE_COLORMAP` with a colour bar, and the boundary (margin 0,
      probability 0.5) as a dark line.
    - **mse**: the model's output in `SCORE_COLORMAP`, with the points
      filled by their targets on the same scale, so a point that matches its
      background is fitted well.

    Classes take `CLASS_COLORS` and `CLASS_MARKERS`, with a legend naming
    each ("class 0", ...).

    Args:
        model: A model with 2 inputs: 1 output, or one per class for cross_entropy.
        X: The data points (2-D).
        y: Their labels: class indices for cross_entropy; -1 and 1 or 0 and 1
            for hinge; 0 and 1 for bce_with_logits; any numbers for mse.
        loss: The loss the model was trained with, one of
            `micrograd_like.train.LOSSES`.
        ax: A matplotlib Axes to draw into; a new figure, at `DPI`, when None.
        resolution: Grid points along each axis (resolution² forward passes);
            the image between them is interpolated (see `RESOLUTION`).
        title: The plot's title.

    Returns:
        The matplotlib Figure.

    Raises:
        ValueError: If the data are not 2-D points with one label each, the
            labels do not fit the loss, or the model's outputs do not.
        TypeError: If loss is not a string, or resolution not a whole number.

    Example:
        >>> from micrograd_like.datasets import make_moons
        >>> from micrograd_like.nn import MLP
        >>> from micrograd_like.plots import plot_decision_boundary
        >>> X, y = make_moons(n=20, noise=0.1, seed=0)
        >>> figure = plot_decision_boundary(MLP(2, [4, 1], seed=0), X, y, resolution=10)
        >>> type(figure).__name__
        'Figure'
        >>> import matplotlib.pyplot as plt
        >>> plt.close(figure)
    """
    who = "plot_decision_boundary"
    if not isinstance(loss, str):
        raise TypeError(f"{who}: loss must be one of {LOSSES}, got {type(loss).__name__}")
    if loss not in LOSSES:
        raise ValueError(f"{who}: loss must be one of {LOSSES}, got {loss!r}")
    rows = [validate.real_numbers(_listed(row), f"X[{i}]", who) for i, row in enumerate(X)]
    if not rows or any(len(row) != 2 for row in rows):
        sizes = sorted({len(row) for row in rows})
        raise ValueError(f"{who}: the data must be 2-D points, got rows of length {sizes}")
    labels = validate.real_numbers(_listed(y), "y", who)
    if len(labels) != len(rows):
        raise ValueError(f"{who}: len(X) is {len(rows)} and len(y) {len(labels)}; they must match")
    # Two points at least: the grid spans the data from edge to edge.
    resolution = validate.count(resolution, "resolution", who, 2)
    plt = _pyplot()
    np = _numpy()

    xs = np.array([row[0] for row in rows])
    ys = np.array([row[1] for row in rows])
    x_low, x_high = xs.min() - _PAD, xs.max() + _PAD
    y_low, y_high = ys.min() - _PAD, ys.max() + _PAD
    grid_x = np.linspace(x_low, x_high, resolution)
    grid_y = np.linspace(y_low, y_high, resolution)
    with no_grad():
        outputs = [_outputs(model, [float(gx), float(gy)]) for gy in grid_y for gx in grid_x]
    _check_model_outputs(len(outputs[0]), loss)
    # scores[j, i, k]: output k at (grid_x[i], grid_y[j]), rows of the image going up in x2.
    scores = np.array(outputs).reshape(resolution, resolution, -1)

    if ax is None:
        # As tall as the data's shape needs: the plot is drawn to scale (x1 and x2 alike).
        shape = min(max((y_high - y_low) / (x_high - x_low), 0.35), 1.6)
        figure, ax = plt.subplots(figsize=(5.5, 1.0 + 3.4 * shape), dpi=DPI)
    figure = ax.figure

    # Two ways to colour the plane, each for what it shows. Classes (cross_entropy) take
    # tints of their points' colours: a reader matches region to points at a glance, and
    # a colormap would give class 1 of 3 a middle colour that means nothing. A score (the
    # margin, a probability, a regression) takes SCORE_COLORMAP: it is a number, and a
    # perceptually uniform map shows how far from the boundary at an honest rate. With
    # Okabe-Ito points it also contrasts by design: class 0's orange (L* 71) sits on the
    # dark blues of negative scores (L* 14 to 52), class 1's blue (L* 46) on the yellows.
    if loss == "mse":
        norm = _target_norm(labels)
        _draw_scores(ax, scores[:, :, 0], grid_x, grid_y, norm, "output; point: target", None)
        ax.scatter(
            xs,
            ys,
            c=labels,
            cmap=SCORE_COLORMAP,
            norm=norm,
            label="data",
            **_point_style(),
        )
    else:
        classes = _class_labels(labels, loss, scores.shape[2])
        if loss == "cross_entropy":
            _draw_classes(ax, scores, grid_x, grid_y)
        elif loss == "hinge":
            # A fixed scale, margin -2 to 2: the hinge loss works on margins from -1 to 1, so
            # that band gets the middle half of the colours, and two plots compare.
            norm = _colors().Normalize(-HINGE_RANGE, HINGE_RANGE)
            _draw_scores(
                ax, scores[:, :, 0], grid_x, grid_y, norm, "score (margin)", 0.0, (-1.0, 1.0)
            )
        else:
            probability = 0.5 * (1.0 + np.tanh(scores[:, :, 0] / 2))  # sigmoid, overflow-free
            norm = _colors().Normalize(0.0, 1.0)
            _draw_scores(ax, probability, grid_x, grid_y, norm, "P(class 1)", 0.5)
        for k, label in enumerate(classes):
            mine = np.array([t == label for t in labels])
            if mine.any():
                ax.scatter(
                    xs[mine],
                    ys[mine],
                    color=CLASS_COLORS[k % len(CLASS_COLORS)],
                    marker=CLASS_MARKERS[k % len(CLASS_MARKERS)],
                    label=f"class {label:g}",
                    **_point_style(),
                )
    ax.set_xlim(x_low, x_high)
    ax.set_ylim(y_low, y_high)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title)
    # Beside the plot, not on it: the legend hides no point, at any number of classes.
    ax.legend(
        loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0, frameon=False,
        handletextpad=0.3,
    )  # fmt: skip
    _finish(figure)
    return figure


def _point_style() -> dict[str, Any]:
    """Data points: a dark edge ringed in white, so a point shows on any background.

    The dark edge shows on light tints and yellows, the white ring on dark
    blues, where an mse point whose target matches its background would
    otherwise vanish.
    """
    from matplotlib import patheffects

    return {
        "edgecolors": _EDGE,
        "linewidths": 0.7,
        "s": 30,
        "zorder": 3,
        "path_effects": [
            patheffects.Stroke(linewidth=2.2, foreground="white"),
            patheffects.Normal(),
        ],
    }


def _numpy() -> Any:
    import numpy

    return numpy


def _colors() -> Any:
    import matplotlib.colors

    return matplotlib.colors


def _target_norm(targets: list[float]) -> Any:
    """The colour scale of mse: the targets' range, widened when they are all one number."""
    low, high = min(targets), max(targets)
    if low == high:
        low, high = low - 0.5, high + 0.5
    return _colors().Normalize(low, high)


def _extent(grid_x: Any, grid_y: Any) -> tuple[float, float, float, float]:
    """An image's extent whose pixels are centred on the grid points: half a step past them."""
    half_x = (grid_x[-1] - grid_x[0]) / (len(grid_x) - 1) / 2
    half_y = (grid_y[-1] - grid_y[0]) / (len(grid_y) - 1) / 2
    return (grid_x[0] - half_x, grid_x[-1] + half_x, grid_y[0] - half_y, grid_y[-1] + half_y)


def _draw_scores(
    ax: Any,
    field: Any,
    grid_x: Any,
    grid_y: Any,
    norm: Any,
    label: str,
    boundary: float | None,
    dashed: Sequence[float] = (),
) -> None:
    """A score over the plane in SCORE_COLORMAP, smoothed between grid points, with its bar.

    The boundary level is drawn as a solid line, the dashed levels dashed, on
    the plane and on the bar.
    """
    # Bilinear interpolation draws a smooth field from a coarse grid: the scores of a
    # small MLP change slowly, so 60 points per axis lose nothing a reader could see.
    image = ax.imshow(
        field,
        extent=_extent(grid_x, grid_y),
        origin="lower",
        cmap=SCORE_COLORMAP,
        norm=norm,
        interpolation="bilinear",
        aspect="auto",
    )
    below, above = field.min() < norm.vmin, field.max() > norm.vmax
    extend = {(False, False): "neither", (True, False): "min", (False, True): "max"}
    # The bar sits beside the plot's lower half, under the legend, as tall as it says.
    bar = ax.figure.colorbar(
        image,
        cax=ax.inset_axes((1.04, 0.0, 0.05, 0.55)),
        extend=extend.get((below, above), "both"),
    )
    bar.set_label(label)
    levels = [(level, "dashed") for level in dashed if field.min() < level < field.max()]
    if boundary is not None and field.min() < boundary < field.max():
        levels.append((boundary, "solid"))
    for level, style in levels:
        # Contour lines interpolate linearly between grid points: a smooth line, not steps.
        ax.contour(
            grid_x, grid_y, field, levels=[level], colors=_EDGE, linewidths=1.5, linestyles=style
        )
    for level in dashed:
        bar.ax.axhline(level, color=_EDGE, linewidth=1.5, linestyle="dashed")
    if boundary is not None:
        bar.ax.axhline(boundary, color=_EDGE, linewidth=1.5)


def _upsample(values: Any, factor: int) -> Any:
    """Values (rows, columns, k) interpolated bilinearly onto a grid factor times finer."""
    np = _numpy()
    for axis in (0, 1):
        n = values.shape[axis]
        where = np.linspace(0, n - 1, factor * (n - 1) + 1)
        below = np.minimum(where.astype(int), n - 2)
        weight = (where - below).reshape([-1 if a == axis else 1 for a in range(values.ndim)])
        values = (1 - weight) * np.take(values, below, axis=axis) + weight * np.take(
            values, below + 1, axis=axis
        )
    return values


def _draw_classes(ax: Any, scores: Any, grid_x: Any, grid_y: Any) -> None:
    """The argmax class over the plane in tints of CLASS_COLORS, with dark boundaries.

    Class regions take light tints of their points' colours, not a colormap:
    the reader matches a region to its points by colour, and a full-colour
    point stands out on a light tint of its own hue as on any other.
    """
    np = _numpy()
    colors = _colors()
    # The scores, not the classes, are interpolated: an argmax of interpolated scores
    # draws a boundary where two classes' scores cross, smooth, where an interpolated
    # class number would invent a class 1 between classes 0 and 2.
    fine = _upsample(scores, max(1, math.ceil(_FINE / (len(grid_x) - 1))))
    predicted = fine.argmax(axis=2)
    tints = np.array(
        [
            _TINT * np.array(colors.to_rgb(CLASS_COLORS[k % len(CLASS_COLORS)])) + (1 - _TINT)
            for k in range(scores.shape[2])
        ]
    )
    fine_x = np.linspace(grid_x[0], grid_x[-1], fine.shape[1])
    fine_y = np.linspace(grid_y[0], grid_y[-1], fine.shape[0])
    ax.imshow(
        tints[predicted], extent=_extent(fine_x, fine_y), origin="lower", interpolation="nearest"
    )
    # Where class k wins, its score beats the best other: that margin is 0 on its boundary.
    for k in range(scores.shape[2]):
        others = np.delete(fine, k, axis=2).max(axis=2)
        margin = fine[:, :, k] - others
        if margin.min() < 0 < margin.max():
            ax.contour(fine_x, fine_y, margin, levels=[0.0], colors=_EDGE, linewidths=1.0)

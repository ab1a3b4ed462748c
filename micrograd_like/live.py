"""A live view of training in Jupyter: the loss, the boundary and the network, redrawn in place.

``fit(model, X, y, live=True)`` shows it, or pass one yourself:
``fit(model, X, y, callbacks=[LiveView(X, y, loss="hinge", every=5)])``.

In a Jupyter kernel (`micrograd_like.plots.in_notebook`), the cell gets two
outputs, each replaced in place as training runs (IPython's display ids: no
widget, no server), so the cell never grows:

- **a figure** (PNG): the loss and batch accuracy so far
  (`micrograd_like.plots.plot_history`) and, for 2-D inputs and a loss named
  in `micrograd_like.train.LOSSES`, the model over the plane with the data on
  top (`micrograd_like.plots.plot_decision_boundary`);
- **the network** (SVG) of an MLP: `micrograd_like.viz.draw_network`, each
  weight coloured by its sign and as thick as its size.

They are two outputs, not one, because a frontend shows one representation
of an output: a PNG figure and an SVG diagram need one output each.

The view is redrawn every ``every`` steps and once more when training ends,
however it ends (fit calls `LiveView.close`). With ``every=None`` it is
redrawn at the first step, and then as soon as the steps since the last
redraw have taken as long as that redraw did: drawing takes at most about
half of the time, whatever the model and the machine. (A redraw of the
README's moons MLP 2-16-16-1 takes about 0.7 s, where one of its steps on
100 points takes 0.1 s.)

Outside a kernel (a script, a terminal), nothing is drawn during training;
when it ends, one line sums it up: the steps, the final loss and the batch
accuracy.

Drawing never stops training: a part of the view that fails to draw (no
renderer for the network, say) warns once with a RuntimeWarning and is left
out from then on, and the callback never asks fit to stop.

Example:
    >>> from micrograd_like.datasets import make_moons
    >>> from micrograd_like.nn import MLP
    >>> from micrograd_like.train import fit
    >>> X, y = make_moons(n=20, noise=0.1, seed=0)
    >>> _ = fit(MLP(2, [4, 1], seed=0), X, y, steps=3, progress=False, live=True)
    trained 3 steps: loss 0.9332, batch accuracy 65% (the live view needs a Jupyter kernel)
"""

from __future__ import annotations

import base64
import io
import warnings
from collections.abc import Callable, Sequence
from time import perf_counter
from typing import Any, TypeVar

from micrograd_like import plots, validate
from micrograd_like.nn import MLP
from micrograd_like.train import LOSSES, SampleLoss, StepInfo

__all__ = ["DPI", "RESOLUTION", "LiveView"]

DPI = 96
"""Dots per inch of the live figure: one pixel per CSS pixel, so 10 pt text is 13 pixels tall.

Lower than `micrograd_like.plots.DPI` (150) because the figure is rendered
again at every update, and the time to render grows with its pixels.
"""

RESOLUTION = 25
"""Grid points a side of the live decision boundary (625 forward passes per update).

Half of `micrograd_like.plots.RESOLUTION`, for a quarter of the forward
passes; the plot interpolates between grid points, so the boundary stays a
smooth line (notebook 03 draws its boundaries at 25 too).
"""

_T = TypeVar("_T")


class LiveView:
    """A `fit` callback that shows training as it runs, in place, in a Jupyter kernel.

    See the module's docstring for what it shows, when, and what it does
    outside a kernel. fit calls it after each step, and `close` when training
    ends. A view can serve several runs of fit, one after another: a run's
    first step starts a new view in the cell it runs in.

    Args:
        X: The inputs, to draw the decision boundary over; None for no boundary.
            Only 2-D inputs get one.
        y: Their targets, as `fit` takes them; given with X, or not at all.
        loss: The loss the model is trained with: one of
            `micrograd_like.train.LOSSES` (which says how to read the model's
            outputs over the plane), or a function, for which no boundary is drawn.
        every: Redraw every this many steps; None to redraw as often as keeps
            drawing to about half of the time.
        resolution: Grid points a side of the boundary (see `RESOLUTION`).

    Attributes:
        every: The steps between redraws, or None (see above).
        resolution: Grid points a side of the boundary.

    Raises:
        ValueError: If only one of X and y is given, they differ in length, the
            loss is a name not in LOSSES, or every or resolution is out of range.
        TypeError: If loss is neither a name nor a function, or every or
            resolution is not a whole number.

    Example:
        >>> from micrograd_like.datasets import make_moons
        >>> from micrograd_like.live import LiveView
        >>> from micrograd_like.nn import MLP
        >>> from micrograd_like.train import fit
        >>> X, y = make_moons(n=20, noise=0.1, seed=0)
        >>> _ = fit(MLP(2, [4, 1], seed=0), X, y, loss="hinge", steps=3, progress=False,
        ...         callbacks=[LiveView(X, y)])  # outside Jupyter: one line at the end
        trained 3 steps: loss 0.9332, batch accuracy 65% (the live view needs a Jupyter kernel)
    """

    def __init__(
        self,
        X: Sequence[Sequence[float]] | None = None,
        y: Sequence[float] | None = None,
        *,
        loss: str | SampleLoss = "hinge",
        every: int | None = None,
        resolution: int = RESOLUTION,
    ) -> None:
        who = "LiveView"
        if (X is None) != (y is None):
            raise ValueError(f"{who}: give X and y together, or neither")
        if X is not None and y is not None and len(X) != len(y):
            raise ValueError(f"{who}: {len(X)} rows but {len(y)} targets")
        if isinstance(loss, str):
            if loss not in LOSSES:
                raise ValueError(f"{who}: loss must be one of {LOSSES}, got {validate.shown(loss)}")
        elif not callable(loss):
            raise TypeError(
                f"{who}: loss must be one of {LOSSES} or a function, "
                f"got {type(loss).__name__}: {validate.shown(loss)}"
            )
        self.every = None if every is None else validate.count(every, "every", who)
        self.resolution = validate.count(resolution, "resolution", who, minimum=2)
        self._loss = loss
        self._data = (X, y)
        self._in_kernel = plots.in_notebook()
        self._last: StepInfo | None = None  # the last step seen, until close()
        self._drawn_step = 0  # the step the view shows; 0 before the first draw
        self._draw_seconds = 0.0
        self._handles: dict[str, Any] = {}  # IPython display handles, by part
        self._broken: set[str] = set()  # parts that failed to draw once: left out since

    def __call__(self, info: StepInfo) -> None:
        """Takes the step fit just made; redraws the view if one is due. Never stops training."""
        if info.step == 1:  # a new run: a new view, in the cell it runs in
            self._in_kernel = plots.in_notebook()
            self._drawn_step, self._handles = 0, {}
        self._last = info
        if self._in_kernel and self._due(info):
            self._draw(info)

    def close(self) -> None:
        """Ends the run: the view shows its last step, or, outside a kernel, one line sums it up.

        fit calls it once training ends, however it ends; calling it again does nothing.
        """
        info, self._last = self._last, None
        if info is None:
            return
        if not self._in_kernel:
            where = "the live view needs a Jupyter kernel"
            print(f"trained {info.step} steps: {_numbers(info)} ({where})")
        elif self._drawn_step != info.step:
            self._draw(info)

    def _due(self, info: StepInfo) -> bool:
        if self.every is not None:
            return info.step % self.every == 0
        if self._drawn_step == 0:
            return True
        # Training time only (history.seconds), so the drawing itself does not count.
        trained = sum(info.history.seconds[self._drawn_step : info.step])
        return trained >= self._draw_seconds

    def _draw(self, info: StepInfo) -> None:
        start = perf_counter()
        text = f"step {info.step}: {_numbers(info)}"
        figure = self._attempt("figure", lambda: self._figure_png(info))
        if figure is not None:
            self._show("figure", {"image/png": figure, "text/plain": text})
        model = info.model
        if isinstance(model, MLP):  # draw_network draws MLPs only
            network = self._attempt("network", lambda: _network_svg(model))
            if network is not None:
                self._show("network", {"image/svg+xml": network, "text/plain": f"network, {text}"})
        self._drawn_step = info.step
        self._draw_seconds = perf_counter() - start

    def _attempt(self, part: str, draw: Callable[[], _T]) -> _T | None:
        """draw(), or None if this part failed: a view that fails must not lose the run."""
        if part in self._broken:
            return None
        try:
            return draw()
        except Exception as error:  # anything: the training run matters more than its view
            self._broken.add(part)
            warnings.warn(
                f"LiveView: the {part} could not be drawn, so the view goes on without it "
                f"(training is not affected): {type(error).__name__}: {error}",
                RuntimeWarning,
                stacklevel=2,
            )
            return None

    def _show(self, part: str, bundle: dict[str, str]) -> None:
        """Shows the bundle as the part's output: the first time a new one, then in its place."""

        def show() -> None:
            from IPython.display import display

            handle = self._handles.get(part)
            if handle is None:
                # IPython's display is not typed; with display_id=True it returns a handle.
                handle = display(bundle, raw=True, display_id=True)  # type: ignore[no-untyped-call]
                self._handles[part] = handle
            else:
                handle.update(bundle, raw=True)

        self._attempt(f"{part} output", show)

    def _boundary_data(self) -> tuple[Sequence[Sequence[float]], Sequence[float], str] | None:
        """X, y and the loss's name when the boundary can be drawn: 2-D inputs, a named loss."""
        (X, y), loss = self._data, self._loss
        if X is None or y is None or not isinstance(loss, str):
            return None
        if any(len(row) != 2 for row in X):
            return None
        return X, y, loss

    def _figure_png(self, info: StepInfo) -> str:
        """The loss curve, and the boundary if it can be drawn, as base64 PNG."""
        # A Figure made without pyplot: pyplot never holds it, so it is neither shown a
        # second time when the cell ends nor kept alive after this update.
        from matplotlib.figure import Figure

        boundary = self._boundary_data()
        size = (10.0, 3.8) if boundary else (5.5, 3.4)
        # Constrained layout: the plot functions then skip their two layout passes each.
        figure = Figure(figsize=size, dpi=DPI, layout="constrained")
        history_ax, *rest = figure.subplots(1, 2 if boundary else 1, squeeze=False)[0]
        plots.plot_history(info.history, ax=history_ax, title=f"Training, step {info.step}")
        if boundary:
            X, y, loss = boundary
            plots.plot_decision_boundary(
                info.model,
                X,
                y,
                loss=loss,
                ax=rest[0],
                resolution=self.resolution,
                title=f"Decision boundary at step {info.step}",
            )
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return base64.b64encode(buffer.getvalue()).decode("ascii")


def _network_svg(model: MLP) -> str:
    from micrograd_like.viz import draw_network, render

    return render(draw_network(model).source, "svg").decode("utf-8")


def _numbers(info: StepInfo) -> str:
    """The step's numbers in words: ``loss 0.9332, batch accuracy 65%`` (no accuracy for mse)."""
    text = f"loss {info.loss:.4f}"
    if info.accuracy is not None:
        text += f", batch accuracy {info.accuracy:.0%}"
    return text

"""A training run you can replay in a browser: one self-contained HTML page.

`Recording` is a callback for `micrograd_like.train.fit`: every few steps it
records the model as it stands. ``recording.save("training.html")`` then writes
a page with a slider over the recorded steps that shows, at each one:

- the loss and the accuracy up to that step, on their own axes;
- the decision boundary over the data (for 2-D inputs and a classification loss);
- the network view of `micrograd_like.viz.draw_network`, its edges coloured by
  the weights' signs and sized by their magnitudes;
- one sample's loss graph in the compact style, with its data and grads at that
  step, when that graph is within the diagrams' size guard.

Like `micrograd_like.pages.explorable`, the page needs no server and loads
nothing: it works opened from disk, and without JavaScript it shows the last
recorded step. ``python -m micrograd_like train ... --out DIR`` writes one as
``DIR/training.html``.

Example:
    >>> from micrograd_like.datasets import make_moons
    >>> from micrograd_like.nn import MLP
    >>> from micrograd_like.replay import Recording
    >>> from micrograd_like.train import fit
    >>> X, y = make_moons(n=20, noise=0.1, seed=0)
    >>> recording = Recording(X, y, loss="hinge", every=5)
    >>> _ = fit(MLP(2, [4, 1], seed=0), X, y, loss="hinge", steps=10, progress=False,
    ...         callbacks=[recording])
    >>> [snapshot.step for snapshot in recording.snapshots]
    [1, 5, 10]
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from micrograd_like import validate
from micrograd_like.autograd import gradients
from micrograd_like.engine import Value, topological_order
from micrograd_like.files import write_atomic
from micrograd_like.grad_mode import no_grad
from micrograd_like.nn import MLP
from micrograd_like.train import (
    LOSSES,
    History,
    SampleLoss,
    StepInfo,
    accuracy,
    check_targets,
    sample_loss,
)

__all__ = ["BOUNDARY_RESOLUTION", "CLASS_COLOURS", "Recording", "Snapshot"]

BOUNDARY_RESOLUTION = 20
"""Grid points per side of the recorded decision boundary; the page smooths between them."""

# The Okabe-Ito colours of micrograd_like.plots.CLASS_COLORS, which needs matplotlib; the
# page draws with them without it. tests/test_replay.py checks that the two agree.
CLASS_COLOURS = (
    "#E69F00", "#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
)  # fmt: skip
"""The colour of class k is ``CLASS_COLOURS[k % 8]``, as in the plots."""


@dataclass
class Snapshot:
    """The model at one recorded step.

    Attributes:
        step: The step just done, from 1: the model after its update.
        loss: That model's loss over all of X (mean of the samples' losses).
        accuracy: Its accuracy over all of X; None for mse and loss functions.
        network: The network view's SVG at that step.
        boundary: The predicted class's colour at each grid point, row by row
            from the top; empty when there is no boundary to draw.
        graph: The sample graph's data and grad texts at that step, by the
            value's place in its topological order; empty without a graph.

    Example:
        >>> from micrograd_like.datasets import make_moons
        >>> from micrograd_like.nn import MLP
        >>> from micrograd_like.replay import Recording
        >>> from micrograd_like.train import fit
        >>> X, y = make_moons(n=20, noise=0.1, seed=0)
        >>> recording = Recording(X, y, loss="hinge", every=5)
        >>> _ = fit(MLP(2, [4, 1], seed=0), X, y, loss="hinge", steps=10, progress=False,
        ...         callbacks=[recording])
        >>> recording.snapshots[-1].step
        10
    """

    step: int
    loss: float
    accuracy: float | None
    network: str
    boundary: list[str] = field(default_factory=list)
    graph: dict[str, Any] = field(default_factory=dict)


_UNDECIDED = "#d1d5db"  # grey: where the model's outputs are not finite numbers


def _tint(colour: str, amount: float) -> str:
    """Colour mixed with white: amount 1 is the colour, 0 is white."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - c) * amount):02x}" for c in rgb)


class Recording:
    """A `fit` callback that records a training run for a replay page.

    Args:
        X: The training inputs, as given to fit.
        y: The targets, as given to fit.
        loss: The loss, as given to fit.
        every: Record every this many steps, and the first step. The last step
            is recorded when fit ends (fit calls `close`).
        sample: The row of X whose loss graph the page shows.
        max_nodes: The largest sample graph drawn; past it the page says so.

    Attributes:
        snapshots: What was recorded, a `Snapshot` per recorded step.
        history: fit's `History` of the run.
        model: The model being trained.
        failed: Why recording stopped, if a diagram could not be rendered
            (the training goes on; `page` then raises RenderError with it).
        X: The inputs, as floats.
        targets: The targets as fit trains on them.

    Raises:
        ValueError: If an argument has a value it cannot take; the message names it.
        TypeError: If an argument is of the wrong kind.

    Example:
        >>> from micrograd_like.datasets import make_moons
        >>> from micrograd_like.nn import MLP
        >>> from micrograd_like.replay import Recording
        >>> from micrograd_like.train import fit
        >>> X, y = make_moons(n=20, noise=0.1, seed=0)
        >>> recording = Recording(X, y, loss="hinge", every=5)
        >>> _ = fit(MLP(2, [4, 1], seed=0), X, y, loss="hinge", steps=10, progress=False,
        ...         callbacks=[recording])
        >>> [snapshot.step for snapshot in recording.snapshots]
        [1, 5, 10]
    """

    def __init__(
        self,
        X: Sequence[Sequence[float]],
        y: Sequence[float],
        *,
        loss: str | SampleLoss = "hinge",
        every: int = 1,
        sample: int = 0,
        max_nodes: int = 250,
    ) -> None:
        if isinstance(loss, str) and loss not in LOSSES:
            raise ValueError(f"Recording: loss must be one of {LOSSES}, got {validate.shown(loss)}")
        self.X = [validate.real_numbers(row, "X", "Recording") for row in X]
        self.targets = check_targets(y, loss, "Recording")
        if len(self.X) != len(self.targets) or not self.X:
            raise ValueError(f"Recording: {len(self.X)} rows but {len(self.targets)} targets")
        self.loss = loss
        self.every = validate.count(every, "every", "Recording")
        self.sample = validate.count(sample, "sample", "Recording", minimum=0)
        if self.sample >= len(self.X):
            raise ValueError(
                f"Recording: sample must be a row of X, 0 to {len(self.X) - 1}, got {sample}"
            )
        self.max_nodes = validate.count(max_nodes, "max_nodes", "Recording")
        self.snapshots: list[Snapshot] = []
        self.history: History | None = None
        self.model: MLP | None = None
        self.failed: str | None = None
        self._steps_seen = 0

    def __call__(self, info: StepInfo) -> None:
        """Records the model after step 1 and every `every` steps; never stops training."""
        if not isinstance(info.model, MLP):
            raise TypeError(f"Recording: the model must be an MLP, got {type(info.model).__name__}")
        self.model, self.history, self._steps_seen = info.model, info.history, info.step
        if info.step == 1 or info.step % self.every == 0:
            self._record(info.model, info.step)

    def close(self) -> None:
        """Records the last step, if `every` skipped it; fit calls this when training ends."""
        if (
            self.model is not None
            and self.snapshots
            and self.snapshots[-1].step != self._steps_seen
        ):
            self._record(self.model, self._steps_seen)

    def _record(self, model: MLP, step: int) -> None:
        from micrograd_like.viz import RenderError, render  # the viz extra: imported here

        if self.failed is not None:
            return
        try:
            network = render(_model_view(model, self.X[self.sample]).source).decode("utf-8")
        except RenderError as error:  # the run goes on; the page says why it cannot be made
            self.failed = str(error).splitlines()[0]
            return
        loss, accuracy = self._scores(model)
        self.snapshots.append(
            Snapshot(
                step,
                loss,
                accuracy,
                network[network.index("<svg") :],
                self._boundary(model),
                self._graph(model),
            )
        )

    def _scores(self, model: MLP) -> tuple[float, float | None]:
        """The model's mean loss and accuracy over all of X, computed without a graph."""
        with no_grad():
            losses = [
                sample_loss(model, x, t, self.loss)[0].data
                for x, t in zip(self.X, self.targets, strict=True)
            ]
        hits = None
        if isinstance(self.loss, str) and self.loss != "mse":
            hits = accuracy(model, self.X, self.targets, self.loss)
        return sum(losses) / len(losses), hits

    def classes(self) -> list[float]:
        """The class labels, in the order of their colours (empty for mse and functions)."""
        if self.loss in ("hinge", "bce_with_logits"):
            return sorted(set(self.targets))
        if self.loss == "cross_entropy":
            return [float(k) for k in range(max(int(t) for t in self.targets) + 1)]
        return []

    def extent(self) -> tuple[float, float, float, float]:
        """The plane the boundary covers: the data's box, with a margin of a tenth."""
        xs = [row[0] for row in self.X]
        ys = [row[1] for row in self.X]
        pad_x = (max(xs) - min(xs)) / 10 or 0.5
        pad_y = (max(ys) - min(ys)) / 10 or 0.5
        return (min(xs) - pad_x, max(xs) + pad_x, min(ys) - pad_y, max(ys) + pad_y)

    def _boundary(self, model: MLP) -> list[str]:
        if len(self.X[0]) != 2 or not self.classes():
            return []
        left, right, bottom, top = self.extent()
        n = BOUNDARY_RESOLUTION
        colours = []
        with no_grad():
            for row in range(n):
                gy = top - (top - bottom) * row / (n - 1)
                for column in range(n):
                    gx = left + (right - left) * column / (n - 1)
                    out = model([gx, gy])
                    scores = [out.data] if isinstance(out, Value) else [v.data for v in out]
                    colours.append(self._colour(scores))
        return colours

    def _colour(self, scores: list[float]) -> str:
        """The predicted class's colour, paler the less sure the model is."""
        if not all(math.isfinite(s) for s in scores):
            return _UNDECIDED  # a model that overflows here predicts nothing
        if len(scores) == 1:
            k, sure = int(scores[0] > 0), math.tanh(abs(scores[0]))
        else:
            top = max(scores)
            weights = [math.exp(s - top) for s in scores]
            k = scores.index(top)
            sure = weights[k] / sum(weights)
        colour = CLASS_COLOURS[k % len(CLASS_COLOURS)]
        return _tint(colour, 0.15 + 0.45 * sure)

    def _graph(self, model: MLP) -> dict[str, Any]:
        loss, _ = sample_loss(model, self.X[self.sample], self.targets[self.sample], self.loss)
        order = topological_order(loss)
        if len(order) > self.max_nodes:
            return {"values": len(order)}
        grads = gradients([loss])  # one backward pass, from zero: no .grad changes
        return {
            "data": [node.data for node in order],
            "grads": [grads.get(node) for node in order],
        }

    def page(self, title: str | None = None) -> str:
        """The replay page's HTML source.

        Raises:
            ValueError: If nothing was recorded: fit has not called it yet.
            RenderError: If a diagram could not be rendered while recording.
        """
        from micrograd_like.pages import training_page  # the page needs the viz extra
        from micrograd_like.viz import RenderError

        if self.failed is not None:
            raise RenderError(f"Recording: no page: {self.failed}")
        if self.model is None or self.history is None or not self.snapshots:
            raise ValueError("Recording: nothing recorded yet; pass it to fit(callbacks=[...])")
        self.close()  # in case fit did not: the model as it stands now is the last step
        return training_page(self, title)

    def save(self, path: str | os.PathLike[str], title: str | None = None) -> Path:
        """Writes the replay page to path, whole or not at all; returns the path."""
        return write_atomic(Path(path), self.page(title))


def _model_view(model: MLP, x: Sequence[float]) -> Any:
    """The network view the page shows at each step: weights, and each neuron's output for x."""
    from micrograd_like.viz import draw_network

    return draw_network(model, x=list(x))

"""Gradient health: dead ReLUs, saturated sigmoids, vanishing and exploding gradients.

``health(model, X)`` looks at an `MLP` on the inputs X and reports, per layer:

- the share of **dead ReLUs**: units whose output is 0 for every sample of X
  (their weighted sum is at most 0 everywhere), so no gradient passes them;
- the share of **saturated** sigmoid or tanh units: units whose weighted sum z
  has ``|z| > SATURATION_Z`` on more than `SATURATED_SAMPLES` of the samples,
  where the slope is below 0.018 (sigmoid) or 0.0014 (tanh);
- the mean and the largest ``|grad|`` of the layer's weights, read from the
  grads the last backward pass left (biases aside); "not computed" when none has.

The activations are computed with plain floats, as the model computes them
(``b + w0*x0 + w1*x1 + ...``, bit for bit), and no graph is built.

``fit(..., warn=True)``, the default, adds a `HealthWarnings` callback: it
warns once per layer and kind when a layer crosses a threshold during training
(`WARN_DEAD_SHARE`, `WARN_SATURATED_SHARE`, `VANISHING_GRAD`, `EXPLODING_GRAD`).
The warning is a `GradientHealthWarning`, issued with ``warnings.warn_explicit``
at the line that called ``fit``: a notebook shows it once per run, under the
cell; ``warnings.filterwarnings("ignore", category=GradientHealthWarning)`` or
``fit(..., warn=False)`` silences it; tests catch it with ``pytest.warns``.

Example:
    >>> from micrograd_like.nn import MLP
    >>> model = MLP(1, [2, 1], seed=0)
    >>> model.layers[0].neurons[0].b.data = -10.0   # off for every x in [-1, 1]
    >>> report = health(model, [[-1.0], [0.0], [1.0]])
    >>> report.layers[0].dead, report.layers[0].dead_share
    (1, 0.5)
    >>> report.layers[0].grad_max is None              # no backward pass yet
    True
"""

from __future__ import annotations

import inspect
import math
import os
import time
import warnings
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any, TypeGuard

from micrograd_like import operators, validate
from micrograd_like.nn import MLP, Layer

if TYPE_CHECKING:
    from micrograd_like.train import StepInfo

__all__ = [
    "EXPLODING_GRAD",
    "PROBLEMS",
    "SATURATED_SAMPLES",
    "SATURATION_Z",
    "VANISHING_GRAD",
    "WARN_BUDGET",
    "WARN_DEAD_SHARE",
    "WARN_EVERY",
    "WARN_SAMPLES",
    "WARN_SATURATED_SHARE",
    "GradientHealthWarning",
    "Health",
    "HealthWarnings",
    "LayerHealth",
    "health",
]

SATURATION_Z = 4.0
"""A sigmoid or tanh unit is saturated on a sample where its weighted sum has ``|z| >`` this.

There sigmoid's slope is below 0.018 (of at most 0.25) and tanh's below 0.0014 (of 1).
"""

SATURATED_SAMPLES = 0.5
"""A unit counts as saturated when ``|z| > SATURATION_Z`` on more than this share of samples."""

WARN_DEAD_SHARE = 0.5
"""fit warns when more than this share of a layer's ReLUs are dead."""

WARN_SATURATED_SHARE = 0.5
"""fit warns when more than this share of a layer's sigmoid or tanh units are saturated."""

VANISHING_GRAD = 1e-6
"""fit warns when a layer's largest ``|grad|`` of a weight is below this, while the last
layer's is not: the gradient reached the output and died on its way back. (A loss of
exactly 0, which passes no gradient anywhere, is no warning.)"""

EXPLODING_GRAD = 1e3
"""fit warns when a layer's largest ``|grad|`` of a weight is above this, or not finite."""

WARN_EVERY = 10
"""fit's checks run at step 1 and then every this many steps (or less often: `WARN_BUDGET`)."""

WARN_BUDGET = 0.02
"""A check is skipped while the checks so far took more than this share of the training time."""

WARN_SAMPLES = 128
"""A check looks at this many rows of X at most, spread evenly over it."""


PROBLEMS = {
    "dead": f"more than {WARN_DEAD_SHARE:.0%} of the ReLUs dead (0 on every sample: "
    "no gradient passes them)",
    "saturated": f"more than {WARN_SATURATED_SHARE:.0%} of the units saturated "
    f"(|z| > {SATURATION_Z:g} on most samples, where the slope is near 0)",
    "vanishing": f"vanishing gradients (largest weight |grad| below {VANISHING_GRAD:g}, "
    "while the last layer's is not)",
    "exploding": f"exploding gradients (a weight |grad| above {EXPLODING_GRAD:g}, or not finite)",
}
"""What each kind of problem of `Health.problems` means, as a warning says it."""


class GradientHealthWarning(UserWarning):
    """A layer crossed a threshold of gradient health during `fit`.

    `HealthWarnings` issues it; ``fit(..., warn=False)`` or a warnings filter on this
    category silences it.

    Example:
        >>> import warnings
        >>> from micrograd_like.diagnostics import GradientHealthWarning
        >>> from micrograd_like.nn import MLP
        >>> from micrograd_like.train import fit
        >>> model = MLP(1, [2, 1], seed=0)
        >>> for neuron in model.layers[0].neurons:
        ...     neuron.b.data = -10.0                  # every ReLU of layer 0 dead
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     _ = fit(model, [[-1.0], [1.0]], [-1.0, 1.0], steps=1, progress=False)
        >>> [w.category is GradientHealthWarning for w in caught]
        [True]
        >>> str(caught[0].message)[:40]
        'fit, step 1: more than 50% of the ReLUs '
    """


@dataclass(frozen=True)
class LayerHealth:
    """One layer of a `Health` report.

    Attributes:
        index: The layer's position, from 0 (``model.layers[index]``).
        activation: Its activation: relu, tanh, sigmoid or linear.
        units: Its number of neurons.
        dead: How many of its ReLUs output 0 on every sample; None if not relu.
        saturated: How many of its units are saturated; None if not sigmoid or tanh.
        grad_mean: The mean ``|grad|`` of its weights; None if not computed.
        grad_max: The largest ``|grad|`` of its weights; None if not computed.

    Example:
        >>> from micrograd_like.diagnostics import health
        >>> from micrograd_like.nn import MLP
        >>> model = MLP(1, [2, 1], seed=0)
        >>> model.layers[0].neurons[0].b.data = -10.0  # off for every x in [-1, 1]
        >>> first = health(model, [[-1.0], [0.0], [1.0]]).layers[0]
        >>> first.activation, first.units, first.dead, first.dead_share
        ('relu', 2, 1, 0.5)
        >>> first.saturated is None, first.grad_mean is None  # not tanh; no backward yet
        (True, True)
    """

    index: int
    activation: str
    units: int
    dead: int | None
    saturated: int | None
    grad_mean: float | None
    grad_max: float | None

    @property
    def dead_share(self) -> float | None:
        """The share of its ReLUs that are dead, from 0 to 1; None if not relu."""
        return None if self.dead is None else self.dead / self.units

    @property
    def saturated_share(self) -> float | None:
        """The share of its units that are saturated, from 0 to 1; None if not sigmoid or tanh."""
        return None if self.saturated is None else self.saturated / self.units


@dataclass(frozen=True)
class Health:
    """What `health` found, layer by layer; prints as a table, and as HTML in Jupyter.

    Attributes:
        layers: One `LayerHealth` per layer, input side first.
        samples: The number of rows of X looked at.

    Example:
        >>> from micrograd_like.diagnostics import health
        >>> from micrograd_like.nn import MLP
        >>> model = MLP(1, [2, 1], seed=0)
        >>> for neuron in model.layers[0].neurons:
        ...     neuron.b.data = -10.0                  # every ReLU of layer 0 dead
        >>> model([1.0]).backward()
        >>> report = health(model, [[-1.0], [1.0]])
        >>> report.problems()
        [(0, 'dead', '2 of 2')]
        >>> print(report)
        health on 2 samples
        layer  activation  units  dead ReLUs  saturated  mean |grad w|  max |grad w|  flags
        0      relu            2  2 (100%)    -                      0             0  dead
        1      linear          1  -           -                      0             0
    """

    layers: tuple[LayerHealth, ...]
    samples: int

    def problems(self) -> list[tuple[int, str, str]]:
        """The thresholds crossed, as (layer index, kind, detail) triples, layer by layer.

        The kinds are those of `PROBLEMS`: "dead" (`WARN_DEAD_SHARE`), "saturated"
        (`WARN_SATURATED_SHARE`), "vanishing" (`VANISHING_GRAD`) and "exploding"
        (`EXPLODING_GRAD`); the detail gives the numbers, e.g. "5 of 8".

        Returns:
            One (layer index, kind, detail) triple per threshold crossed; [] for none.

        Example:
            >>> from micrograd_like.diagnostics import health
            >>> from micrograd_like.nn import MLP
            >>> model = MLP(1, [2, 1], seed=0)
            >>> model.layers[0].neurons[0].b.data = -10.0  # 1 of 2 dead: not more than half
            >>> health(model, [[-1.0], [1.0]]).problems()
            []
            >>> model.layers[0].neurons[1].b.data = -10.0  # 2 of 2
            >>> health(model, [[-1.0], [1.0]]).problems()
            [(0, 'dead', '2 of 2')]
        """
        found = []
        last = self.layers[-1].grad_max
        for layer in self.layers:
            of_units = f"of {layer.units}"
            if (share := layer.dead_share) is not None and share > WARN_DEAD_SHARE:
                found.append((layer.index, "dead", f"{layer.dead} {of_units}"))
            if (share := layer.saturated_share) is not None and share > WARN_SATURATED_SHARE:
                found.append((layer.index, "saturated", f"{layer.saturated} {of_units}"))
            top = layer.grad_max
            if top is None:
                continue
            if not (math.isfinite(top) and top <= EXPLODING_GRAD):
                found.append((layer.index, "exploding", _number(top)))
            elif top < VANISHING_GRAD and last is not None and last >= VANISHING_GRAD:
                found.append((layer.index, "vanishing", _number(top)))
        return found

    def _rows(self) -> list[list[str]]:
        flagged: dict[int, list[str]] = {}
        for index, kind, _ in self.problems():
            flagged.setdefault(index, []).append(kind)
        rows = [
            [
                "layer",
                "activation",
                "units",
                "dead ReLUs",
                "saturated",
                "mean |grad w|",
                "max |grad w|",
                "flags",
            ]
        ]
        for layer in self.layers:
            rows.append(
                [
                    str(layer.index),
                    layer.activation,
                    str(layer.units),
                    _share(layer.dead, layer.dead_share),
                    _share(layer.saturated, layer.saturated_share),
                    _grad(layer.grad_mean),
                    _grad(layer.grad_max),
                    ", ".join(flagged.get(layer.index, [])),
                ]
            )
        return rows

    def __str__(self) -> str:
        rows = self._rows()
        widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
        right = {2, 5, 6}  # the numbers line up on their last digit
        lines = [
            "  ".join(
                cell.rjust(width) if k in right else cell.ljust(width)
                for k, (cell, width) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
            for row in rows
        ]
        return f"health on {self.samples} samples\n" + "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = self._rows()
        head = "".join(f"<th>{escape(cell)}</th>" for cell in rows[0])
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
            for row in rows[1:]
        )
        return (
            f"<table><caption>health on {self.samples} samples</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )


def _number(x: float) -> str:
    return f"{x:.3g}"


def _share(count: int | None, share: float | None) -> str:
    return "-" if count is None or share is None else f"{count} ({share:.0%})"


def _grad(x: float | None) -> str:
    return "not computed" if x is None else _number(x)


def _is_rows(x: object) -> TypeGuard[Collection[Any]]:
    """Whether x reads as rows: sized and iterable (a list, a tuple, a NumPy array), not str."""
    return hasattr(x, "__len__") and hasattr(x, "__iter__") and not isinstance(x, (str, bytes))


def _rows_of(X: object, width: int, who: str) -> list[list[float]]:
    """X as rows of floats, each of the model's input width; refused with who's name."""
    if not _is_rows(X):
        raise TypeError(f"{who}: X must be a list of input rows, got {type(X).__name__}")
    rows = []
    for i, row in enumerate(X):
        if not _is_rows(row):
            raise TypeError(
                f"{who}: X[{i}] must be a row of {width} numbers, got {validate.shown(row)}"
            )
        if len(row) != width:
            raise ValueError(
                f"{who}: the model takes {width} inputs, but X[{i}] has {len(row)}: "
                f"{validate.shown(row)}"
            )
        rows.append(validate.real_numbers(list(row), f"X[{i}]", who))
    if not rows:
        raise ValueError(f"{who}: X is empty; give at least one input row")
    return rows


def _activate(z: float, activation: str) -> float:
    if activation == "relu":
        return float(operators.relu(z))
    if activation == "tanh":
        return float(operators.tanh(z))
    if activation == "sigmoid":
        return float(operators.sigmoid(z))
    return z


def _layer_health(model: MLP, rows: list[list[float]]) -> list[tuple[int | None, int | None]]:
    """Each layer's (dead, saturated) counts on rows, with plain floats: no graph is built."""
    counts: list[tuple[int | None, int | None]] = []
    for layer in model.layers:
        activation = layer.neurons[0].activation
        weights = [([w.data for w in n.w], n.b.data) for n in layer.neurons]
        alive = [False] * len(weights)  # a ReLU is alive once some sample gives it z > 0
        flat = [0] * len(weights)  # samples on which |z| > SATURATION_Z
        outputs = []
        for x in rows:
            out = []
            for j, (w, b) in enumerate(weights):
                z = b  # micrograd's sum([w*x ...], b): b + w0*x0 + w1*x1 + ..., bit for bit
                for wk, xk in zip(w, x, strict=True):
                    z += wk * xk
                alive[j] = alive[j] or z > 0
                flat[j] += abs(z) > SATURATION_Z
                out.append(_activate(z, activation))
            outputs.append(out)
        rows = outputs
        dead = sum(not a for a in alive) if activation == "relu" else None
        squashing = activation in ("sigmoid", "tanh")
        limit = SATURATED_SAMPLES * len(outputs)
        saturated = sum(count > limit for count in flat) if squashing else None
        counts.append((dead, saturated))
    return counts


def _grad_stats(layer: Layer) -> tuple[float | None, float | None]:
    """The mean and largest |grad| of the layer's weights that a backward pass reached."""
    grads = [abs(w.grad) for n in layer.neurons for w in n.w if w.grad_computed]
    if not grads:
        return None, None
    return math.fsum(grads) / len(grads), max(grads)


def health(model: MLP, X: Sequence[Sequence[float]]) -> Health:
    """Reports, for each layer of model on the inputs X, how healthy its gradients are.

    Args:
        model: An `MLP`.
        X: The input rows, e.g. the training set; each as wide as the model's input.

    Returns:
        The `Health` report: dead ReLUs and saturated units from a forward
        pass over X (without a graph), and the weights' grads as the last
        backward pass left them.

    Raises:
        TypeError: If model is not an MLP, or X is not a list of rows of numbers.
        ValueError: If X is empty, a row is not as wide as the model's input,
            or holds NaN or an infinity.

    Example:
        >>> from micrograd_like.diagnostics import health
        >>> from micrograd_like.nn import MLP
        >>> model = MLP(2, [3, 1], activation="tanh", seed=0)
        >>> report = health(model, [[0.5, -1.0], [1.0, 0.0]])
        >>> report.samples, [layer.activation for layer in report.layers]
        (2, ['tanh', 'linear'])
        >>> report.layers[0].saturated                 # |z| <= 4 on these inputs
        0
        >>> health(model, [[0.5]])
        Traceback (most recent call last):
        ValueError: health: the model takes 2 inputs, but X[0] has 1: [0.5]
    """
    if not isinstance(model, MLP):
        raise TypeError(f"health: model must be an MLP, got {type(model).__name__}")
    rows = _rows_of(X, model.sizes[0], "health")
    counts = _layer_health(model, rows)
    layers = tuple(
        LayerHealth(i, layer.neurons[0].activation, len(layer.neurons), dead, saturated, *stats)
        for i, (layer, (dead, saturated)) in enumerate(zip(model.layers, counts, strict=True))
        for stats in [_grad_stats(layer)]
    )
    return Health(layers, len(rows))


def _caller_outside_package() -> tuple[str, int, str]:
    """The file, line and module of the first frame outside micrograd_like (who called fit)."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame = inspect.currentframe()
    assert frame is not None  # CPython, PyPy: frames are there
    while frame.f_back is not None and os.path.dirname(
        os.path.abspath(frame.f_code.co_filename)
    ).startswith(package):
        frame = frame.f_back
    return frame.f_code.co_filename, frame.f_lineno, str(frame.f_globals.get("__name__", ""))


class HealthWarnings:
    """A `fit` callback that warns when a layer's gradient health crosses a threshold.

    ``fit(..., warn=True)``, the default, adds one. At step 1, and then every
    ``every`` steps, it runs `health` on at most `WARN_SAMPLES` rows of X
    (spread evenly) and issues a `GradientHealthWarning` for each threshold of
    `Health.problems` crossed, each kind at most once per layer per run: one
    warning per kind and check, naming the layers that newly crossed it. Its
    cost is bounded: a check is skipped while the checks so far took more than
    ``budget`` of the training time. Models other than an MLP are not checked, nor
    inputs that `health` refuses (a NaN, say): the checks then stop, and fit goes on.

    Args:
        X: The training inputs fit was given.
        every: Steps between checks.
        budget: The most of the training time the checks may take, from 0 to 1;
            None for no limit (every due check runs).

    Attributes:
        warned: The (layer index, kind) pairs warned about so far.
        checks: How many checks ran.
        seconds: The time they took.

    Raises:
        TypeError: If every is not an int (or is a bool), or budget is not a real number.
        ValueError: If every is below 1, or budget is negative or not finite.

    Example:
        >>> import warnings
        >>> from micrograd_like.diagnostics import HealthWarnings
        >>> from micrograd_like.nn import MLP
        >>> from micrograd_like.train import fit
        >>> model = MLP(1, [2, 1], seed=0)
        >>> for neuron in model.layers[0].neurons:
        ...     neuron.b.data = -10.0                  # every ReLU of layer 0 dead
        >>> X, y = [[-1.0], [1.0]], [-1.0, 1.0]
        >>> watch = HealthWarnings(X, every=2, budget=None)  # no time limit: every check runs
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     _ = fit(model, X, y, steps=3, progress=False, warn=False, callbacks=[watch])
        >>> watch.checks, watch.warned, len(caught)    # checked at steps 1 and 3; warned once
        (2, {(0, 'dead')}, 1)
    """

    def __init__(
        self,
        X: Sequence[Sequence[float]],
        every: int = WARN_EVERY,
        budget: float | None = WARN_BUDGET,
    ) -> None:
        self.every: float = validate.count(every, "every", "HealthWarnings")
        self.budget = (
            None if budget is None else validate.non_negative(budget, "budget", "HealthWarnings")
        )
        stride = max(1, math.ceil(len(X) / WARN_SAMPLES))
        self.X = list(X[::stride])
        self.warned: set[tuple[int, str]] = set()
        self.checks = 0
        self.seconds = 0.0

    def __call__(self, info: StepInfo) -> None:
        """Checks the model after a step, if due, and warns about what is new.

        Args:
            info: The step fit just took.
        """
        model = info.model
        due = math.isfinite(self.every) and (info.step - 1) % self.every == 0
        if not due or not isinstance(model, MLP):
            return
        spent = self.budget is not None and self.seconds > self.budget * sum(info.history.seconds)
        if self.checks and spent:
            return  # over budget: this check is skipped
        start = time.perf_counter()
        try:
            problems = health(model, self.X).problems()
        except (TypeError, ValueError):
            # Inputs health cannot read (NaN, rows of strings): fit goes on as without warn,
            # and shows what is wrong itself if it must.
            self.every = math.inf
            return
        self.checks += 1
        self.seconds += time.perf_counter() - start
        new: dict[str, list[str]] = {}  # kind -> "layer i (detail)", one warning per kind
        for index, kind, detail in problems:
            if (index, kind) not in self.warned:
                self.warned.add((index, kind))
                new.setdefault(kind, []).append(f"layer {index} ({detail})")
        for kind, where in new.items():
            filename, line, module = _caller_outside_package()
            warnings.warn_explicit(
                f"fit, step {info.step}: {PROBLEMS[kind]} in {', '.join(where)}. "
                "fit(..., warn=False) turns these warnings off",
                GradientHealthWarning,
                filename,
                line,
                module=module,
                registry=None,  # no registry: shown in every run, not once per session
            )

"""Training loops: ``fit`` a model to data with a loss and an optimizer, keep the history.

``fit`` runs forward, backward and the optimizer's step for ``steps`` steps,
full-batch or on mini-batches, shows a progress bar (tqdm, also in Jupyter;
``progress=False`` turns it off), calls your callbacks after each step, and
returns a `History` of the loss, accuracy, learning rate and time per step.

The task follows from the loss: ``"hinge"`` (targets +1/-1, or 0/1 which are
mapped), ``"bce_with_logits"`` (targets 0/1, one output), ``"cross_entropy"``
(class indices, one output per class) and ``"mse"`` (regression, no accuracy).
Any other loss is a function of one sample, a `SampleLoss`:
``loss(outputs, target) -> Value``; fit then reports no accuracy.

``l2=lam`` is the coefficient of the L2 penalty ``lam * losses.l2(params)``,
that is ``lam * sum(p*p)``, added to the loss (micrograd's demo: 1e-4).

Example:
    >>> from micrograd_like.datasets import make_moons
    >>> from micrograd_like.nn import MLP
    >>> from micrograd_like.train import fit
    >>> X, y = make_moons(n=20, noise=0.1, seed=0)
    >>> history = fit(MLP(2, [8, 1], seed=0), X, y, loss="hinge", steps=3, progress=False)
    >>> len(history.loss)
    3
"""

from __future__ import annotations

import numbers
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from micrograd_like import losses, validate
from micrograd_like.datasets import to_plus_minus_one
from micrograd_like.diagnostics import HealthWarnings
from micrograd_like.engine import Value
from micrograd_like.grad_mode import no_grad
from micrograd_like.nn import Module
from micrograd_like.optim import SGD, LinearDecay, Optimizer

__all__ = [
    "BINARY_LOSSES",
    "LOSSES",
    "History",
    "SampleLoss",
    "StepInfo",
    "accuracy",
    "check_targets",
    "fit",
    "predict",
    "sample_loss",
]

SampleLoss = Callable[[list[Value], float], Value]
"""A loss `fit` takes as a function: ``loss(outputs, target) -> Value`` for one sample.

``outputs`` is the model's output for one row of X as a list (one Value for a
1-output model), ``target`` that row's target from y as a float, exactly as
given (0/1 labels are mapped to -1/+1 only for ``loss="hinge"``). It returns
that sample's loss as a Value; the batch's loss is the mean over its samples.
"""

LOSSES = ("hinge", "bce_with_logits", "cross_entropy", "mse")
"""The losses `fit` knows by name; each fixes how predictions are read."""

BINARY_LOSSES = ("hinge", "bce_with_logits")
"""The losses of `LOSSES` that separate two classes with one output (`check_targets`)."""

# The named losses, each written as the SampleLoss a caller could pass instead.
_SAMPLE_LOSSES: dict[str, SampleLoss] = {
    "hinge": lambda outputs, target: losses.hinge(outputs[0], target),
    "bce_with_logits": lambda outputs, target: losses.bce_with_logits(outputs[0], target),
    "cross_entropy": lambda outputs, target: losses.cross_entropy(outputs, int(target)),
    "mse": lambda outputs, target: losses.mse(outputs[0], target),
}


@dataclass
class History:
    """What happened at each step of `fit`.

    Attributes:
        loss: The batch loss.
        accuracy: The batch accuracy (None for mse and for a loss function).
        lr: The learning rate used.
        seconds: The time the step took (forward, backward and update).

    Example:
        >>> from micrograd_like.datasets import make_moons
        >>> from micrograd_like.nn import MLP
        >>> X, y = make_moons(n=20, noise=0.1, seed=0)
        >>> history = fit(MLP(2, [4, 1], seed=0), X, y, steps=3, progress=False)
        >>> history.lr
        [0.1, 0.1, 0.1]
        >>> sorted(history.as_dict())
        ['accuracy', 'loss', 'lr', 'seconds']
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[Any]]:
        """The history as plain lists, e.g. for JSON.

        Returns:
            A dict from "loss", "accuracy", "lr" and "seconds" to the history's
            lists (the same lists, not copies).

        Example:
            >>> History(loss=[0.5], accuracy=[None], lr=[0.1], seconds=[0.01]).as_dict()
            {'loss': [0.5], 'accuracy': [None], 'lr': [0.1], 'seconds': [0.01]}
        """
        return {
            "loss": self.loss,
            "accuracy": self.accuracy,
            "lr": self.lr,
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class StepInfo:
    """What a callback is told after each step.

    Attributes:
        step: The step just done, from 1.
        loss: Its batch loss.
        accuracy: Its batch accuracy (None for mse and for a loss function).
        model: The model being trained.
        history: Everything so far.

    Example:
        >>> from micrograd_like.datasets import make_moons
        >>> from micrograd_like.nn import MLP
        >>> X, y = make_moons(n=20, noise=0.1, seed=0)
        >>> seen = []
        >>> def note(info):
        ...     seen.append((info.step, len(info.history.loss)))
        >>> _ = fit(MLP(2, [4, 1], seed=0), X, y, steps=2, progress=False, callbacks=[note])
        >>> seen
        [(1, 1), (2, 2)]
    """

    step: int
    loss: float
    accuracy: float | None
    model: Module
    history: History


def _outputs(out: Value | list[Value]) -> list[Value]:
    return [out] if isinstance(out, Value) else out


def _label(target: float) -> str:
    """A target as a message shows it: 2 rather than 2.0 for a class index."""
    return str(int(target)) if target.is_integer() and abs(target) < 2**53 else repr(target)


def check_targets(y: Sequence[float], loss: str | SampleLoss, who: str) -> list[float]:
    """The targets y as `fit` trains on them, checked against the loss, before any step.

    Every target must be a finite real number (a bool is not). A loss of
    `BINARY_LOSSES` separates two classes, so y may hold at most two distinct
    values: class indices 0, 1, 2 would otherwise train a one-output model in
    silence, and ``bce_with_logits`` would only refuse the target 2 in the
    middle of a step. (For soft labels of many values, pass the loss as a
    `SampleLoss` function, whose targets fit leaves as they are.) For hinge,
    0/1 labels become the -1/+1 it takes (`micrograd_like.datasets.to_plus_minus_one`).

    Args:
        y: The targets, as `fit` takes them.
        loss: One of `LOSSES`, or a `SampleLoss` function (then only the
            numbers are checked).
        who: The function the message names, e.g. "fit".

    Returns:
        The targets as floats, 0/1 mapped to -1/+1 for hinge.

    Raises:
        TypeError: If a target is not a real number, or is a bool.
        ValueError: If y is empty, a target is NaN or infinite, or a binary
            loss is given three classes or more, as in ``fit: loss 'hinge'
            separates 2 classes and y has 3 (0, 1, 2); use loss='cross_entropy'``.

    Example:
        >>> check_targets([0, 1, 1], "hinge", "fit")
        [-1.0, 1.0, 1.0]
    """
    targets = validate.real_numbers(y, "y", who)
    classes = sorted(set(targets))
    if loss in BINARY_LOSSES and len(classes) > 2:
        shown = ", ".join(map(_label, classes[:5])) + (", ..." if len(classes) > 5 else "")
        raise ValueError(
            f"{who}: loss {loss!r} separates 2 classes and y has {len(classes)} ({shown}); "
            f"use loss='cross_entropy'"
        )
    if loss == "hinge" and set(targets) <= {0.0, 1.0}:
        return [float(t) for t in to_plus_minus_one(targets)]
    return targets


def sample_loss(
    model: Module, x: Sequence[float], target: float, loss: str | SampleLoss
) -> tuple[Value, list[Value]]:
    """One sample's loss, as `fit` builds it at each step, and the model's outputs.

    Args:
        model: The model.
        x: One row of X.
        target: Its target as fit trains on it (see `check_targets`).
        loss: One of `LOSSES`, or a `SampleLoss` function.

    Returns:
        The sample's loss, a Value with its graph, and the outputs as a list.

    Raises:
        TypeError: If a loss function returns something other than a Value.
        KeyError: If loss is a name that is not one of `LOSSES`.

    Example:
        >>> from micrograd_like.nn import MLP
        >>> model = MLP(2, [4, 1], seed=0)
        >>> loss, outputs = sample_loss(model, [0.5, -1.0], 1.0, "hinge")
        >>> len(outputs), loss.data >= 0.0
        (1, True)
        >>> squared = lambda outputs, target: (outputs[0] - target) ** 2
        >>> loss, _ = sample_loss(model, [0.5, -1.0], 2.0, squared)
        >>> loss.data == (outputs[0].data - 2.0) ** 2
        True
    """
    outputs = _outputs(model(list(x)))
    loss_of = _SAMPLE_LOSSES[loss] if isinstance(loss, str) else loss
    value = loss_of(outputs, target)
    if not isinstance(value, Value):
        raise TypeError(
            f"fit: loss(outputs, target) must return a Value, got {type(value).__name__}: {value!r}"
        )
    return value, outputs


def _predicted_label(outputs: list[Value], loss: str) -> float:
    if loss == "cross_entropy":
        return float(max(range(len(outputs)), key=lambda k: outputs[k].data))
    if loss == "mse":
        return outputs[0].data
    positive = outputs[0].data > 0
    return (1.0 if positive else -1.0) if loss == "hinge" else float(positive)


def _train_step(
    model: Module,
    X: Sequence[Sequence[float]],
    targets: list[float],
    rows: Sequence[int],
    loss: str | SampleLoss,
    l2: float,
    optimizer: Optimizer,
) -> tuple[float, float | None]:
    """One forward, backward and update on the given rows; returns the loss and accuracy.

    The batch loss is the mean of the samples' losses, so its gradient is the
    mean of their gradients. Each sample's graph is therefore built and
    backpropagated with weight 1/n into the parameters' grads, which add up
    (gradient accumulation), and freed when the next sample's replaces it: the
    same update as one graph for the whole batch, with at most two samples'
    nodes alive at a time instead of all of them.
    """
    optimizer.zero_grad()
    weight = 1.0 / len(rows)
    sample_losses: list[float] = []
    hits = 0
    # A loss function gives no accuracy, since how to read the outputs is not known.
    name = loss if isinstance(loss, str) else None
    for i in rows:
        one, outputs = sample_loss(model, X[i], targets[i], loss)
        one.backward(weight)
        sample_losses.append(one.data)
        if name is not None:
            hits += _predicted_label(outputs, name) == targets[i]
    # The number the batch loss's graph would have: losses.mean_of is that graph's rule.
    total = losses.mean_of(sample_losses)
    if l2:
        penalty = l2 * losses.l2(model.parameters())
        penalty.backward()
        total += penalty.data
    optimizer.step()
    return total, (None if name in (None, "mse") else hits / len(rows))


def _check_loss(loss: object, who: str, *, functions: bool = False) -> None:
    """Refuses a loss that is not one of LOSSES (or, where functions are taken, a callable)."""
    if functions and callable(loss):
        return
    if not isinstance(loss, str):
        wanted = f"one of {LOSSES} or a function" if functions else f"one of {LOSSES}"
        raise TypeError(f"{who}: loss must be {wanted}, got {type(loss).__name__}: {loss!r}")
    if loss not in LOSSES:
        raise ValueError(f"{who}: loss must be one of {LOSSES}, got {loss!r}")


def predict(model: Module, X: Sequence[Sequence[float]], loss: str = "hinge") -> list[float]:
    """The model's predictions, read as the loss implies.

    hinge gives -1 or +1 (the sign of the score), bce_with_logits 0 or 1,
    cross_entropy the class with the largest logit, and mse the output itself.
    No graph is built (`micrograd_like.grad_mode.no_grad`).

    Args:
        model: The model, as `fit` trained it.
        X: The input rows.
        loss: The loss the model was trained with, one of `LOSSES`.

    Returns:
        One prediction per row of X, as a float.

    Raises:
        TypeError: If loss is not a str.
        ValueError: If loss is not one of `LOSSES`.

    Example:
        >>> from micrograd_like.nn import MLP
        >>> model = MLP(2, [4, 1], seed=0)
        >>> predict(model, [[0.5, -1.0], [1.0, 0.0]])
        [1.0, -1.0]
        >>> predict(model, [[0.5, -1.0]], loss="bce_with_logits")
        [1.0]
    """
    _check_loss(loss, "predict")
    with no_grad():
        return [_predicted_label(_outputs(model(list(x))), loss) for x in X]


def accuracy(model: Module, X: Sequence[Sequence[float]], y: Sequence[float], loss: str) -> float:
    """The fraction of rows of X whose predicted label is y (targets as `fit` takes them).

    Args:
        model: The model, as `fit` trained it.
        X: The input rows.
        y: Their labels, as `fit` takes them (for hinge, 0/1 or -1/+1).
        loss: The loss the model was trained with: one of `LOSSES` but mse.

    Returns:
        The fraction of rows predicted right, from 0 to 1.

    Raises:
        TypeError: If loss is not a str, or a target is not a real number.
        ValueError: If loss is "mse" or not one of `LOSSES`, if y is empty,
            or if its targets do not fit the loss (`check_targets`) or do not
            match X's rows in number.

    Example:
        >>> from micrograd_like.datasets import make_moons
        >>> from micrograd_like.nn import MLP
        >>> X, y = make_moons(n=20, noise=0.1, seed=0)
        >>> model = MLP(2, [8, 1], seed=0)
        >>> before = accuracy(model, X, y, "hinge")
        >>> _ = fit(model, X, y, loss="hinge", steps=20, progress=False)
        >>> before, accuracy(model, X, y, "hinge")
        (0.5, 0.85)
    """
    _check_loss(loss, "accuracy")
    if loss == "mse":
        raise ValueError("accuracy: regression (mse) has no accuracy")
    targets = check_targets(y, loss, "accuracy")
    predictions = predict(model, X, loss)
    return sum(p == t for p, t in zip(predictions, targets, strict=True)) / len(targets)


def _progress_bar(steps: int, enabled: bool) -> Any:
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=steps, desc="training", unit="step")


def fit(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    *,
    loss: str | SampleLoss = "hinge",
    optimizer: Optimizer | None = None,
    steps: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    schedule: LinearDecay | None = None,
    progress: bool = True,
    callbacks: Sequence[Callable[[StepInfo], bool | None]] = (),
    seed: int | None = None,
    live: bool | int = False,
    warn: bool = True,
) -> History:
    """Trains model on (X, y) and returns the history.

    A step is one update from the gradient of the batch's mean loss. fit
    computes it sample by sample: each sample's graph is backpropagated into
    the parameters' grads, which add up, and freed when the next sample's
    replaces it. The update is that of one graph over the whole batch, while
    only a few hundred nodes live at a time, so Python's garbage collector has
    next to nothing to walk.

    Args:
        model: The model, e.g. an MLP with 1 output (or one per class).
        X: The input rows.
        y: The targets: labels for classification, numbers for mse.
        loss: One of `LOSSES`, or a `SampleLoss` function
            ``loss(outputs, target) -> Value`` giving one sample's loss (then
            the history's accuracy is None: fit cannot know how to read the
            outputs).
        optimizer: Default: SGD with lr 0.1 over the model's parameters.
        steps: How many updates.
        batch_size: Rows per step, drawn at random; None for the full batch.
        l2: The coefficient lam of the L2 penalty ``lam * losses.l2(params)``,
            that is ``lam * sum(p*p)``, added to the loss (micrograd's demo: 1e-4).
        schedule: A learning-rate schedule, stepped after each update.
        progress: Show a tqdm progress bar (if tqdm is installed).
        callbacks: Called after each step with a `StepInfo`; returning True
            stops training. A callback with a ``close()`` method has it called
            once when training ends, however it ends (a `micrograd_like.live.LiveView`
            shows its last step then).
        seed: Seeds the choice of mini-batches.
        live: Show training as it runs (`micrograd_like.live.LiveView`): in a
            Jupyter kernel, the loss curve, the decision boundary (2-D inputs,
            a named loss) and the network, redrawn in place in the cell's
            output. True redraws as often as keeps drawing to about half of the
            time; a whole number k redraws every k steps; both redraw once more
            at the end. Outside a kernel nothing is drawn, and one line sums the
            run up when it ends, even with ``progress=False``: live was asked for.
        warn: Warn, once per layer and kind, when an MLP's layer crosses a
            threshold of gradient health while it trains: most ReLUs dead, most
            sigmoid or tanh units saturated, gradients vanishing or exploding
            (`micrograd_like.diagnostics.HealthWarnings`, checked every few steps
            at a bounded cost). The warning is a ``GradientHealthWarning``, pointing
            at the line that called fit; False turns the checks off.

    Returns:
        The `History`.

    Raises:
        ValueError: If an argument has a value fit cannot take (the message names
            it), e.g. y of 3 classes or more for a loss of `BINARY_LOSSES`
            (`check_targets`); all checked before the first step.
        TypeError: If an argument is of the wrong kind (a bool where a number or
            a count belongs, as everywhere in the package), or a loss function
            returns something other than a Value.

    Example:
        >>> from micrograd_like.datasets import make_moons
        >>> from micrograd_like.nn import MLP
        >>> X, y = make_moons(n=20, noise=0.1, seed=0)
        >>> def stop_at_3(info):
        ...     return info.step == 3
        >>> history = fit(MLP(2, [4, 1], seed=0), X, y, steps=50, batch_size=8, seed=0,
        ...               progress=False, callbacks=[stop_at_3])
        >>> len(history.loss), len(history.accuracy)
        (3, 3)
    """
    _check_loss(loss, "fit", functions=True)
    if len(X) == 0 or len(X) != len(y):
        raise ValueError(f"fit: {len(X)} rows but {len(y)} targets")
    steps = validate.count(steps, "steps", "fit")
    if batch_size is not None:
        batch_size = validate.count(batch_size, "batch_size", "fit")
    l2 = validate.non_negative(l2, "l2", "fit")
    rng = random.Random(validate.seed(seed, "seed", "fit"))
    optimizer = optimizer if optimizer is not None else SGD(model.parameters(), lr=0.1)
    targets = check_targets(y, loss, "fit")
    if not isinstance(warn, bool):
        raise TypeError(f"fit: warn must be True or False, got {validate.shown(warn)}")
    if warn:
        callbacks = [HealthWarnings(X), *callbacks]
    if live is not False:
        # Here, not at the top: live imports plots, which imports this module.
        from micrograd_like.live import LiveView

        # First, so that it sees the step at which another callback stops training.
        callbacks = [LiveView(X, y, loss=loss, every=_live_every(live)), *callbacks]
    history = History()
    bar = _progress_bar(steps, progress)
    try:
        for step in range(1, steps + 1):
            start = time.perf_counter()
            rows = (
                range(len(X))
                if batch_size is None or batch_size >= len(X)
                else rng.sample(range(len(X)), batch_size)
            )
            lr = optimizer.lr
            loss_value, correct = _train_step(model, X, targets, rows, loss, l2, optimizer)
            if schedule is not None:
                schedule.step()
            history.seconds.append(time.perf_counter() - start)
            history.loss.append(loss_value)
            history.accuracy.append(correct)
            history.lr.append(lr)
            if bar is not None:
                bar.update(1)
                shown = {"loss": f"{loss_value:.4f}"}
                if correct is not None:
                    shown["acc"] = f"{correct:.0%}"
                bar.set_postfix(shown)
            info = StepInfo(step, loss_value, correct, model, history)
            if any(callback(info) for callback in callbacks):
                break
    finally:
        if bar is not None:
            bar.close()
        for callback in callbacks:
            close = getattr(callback, "close", None)
            if callable(close):
                close()
    return history


def _live_every(live: object) -> int | None:
    """The ``every`` of `micrograd_like.live.LiveView` for fit's ``live``: None for True."""
    if live is True:
        return None
    if isinstance(live, bool) or not isinstance(live, numbers.Integral):
        raise TypeError(
            "fit: live must be True, False or a whole number >= 1 (steps between redraws), "
            f"got {type(live).__name__}: {validate.shown(live)}"
        )
    return validate.count(live, "live", "fit")

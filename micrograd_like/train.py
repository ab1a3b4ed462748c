"""Training loops: ``fit`` a model to data with a loss and an optimizer, keep the history.

``fit`` runs forward, backward and the optimizer's step for ``steps`` steps,
full-batch or on mini-batches, shows a progress bar (tqdm, also in Jupyter;
``progress=False`` turns it off), calls your callbacks after each step, and
returns a `History` of the loss, accuracy, learning rate and time per step.

The task follows from the loss: ``"hinge"`` (targets +1/-1, or 0/1 which are
mapped), ``"bce_with_logits"`` (targets 0/1, one output), ``"cross_entropy"``
(class indices, one output per class) and ``"mse"`` (regression, no accuracy).

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

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from micrograd_like import losses
from micrograd_like.engine import Value
from micrograd_like.grad_mode import no_grad
from micrograd_like.nn import Module
from micrograd_like.optim import SGD, LinearDecay, Optimizer

__all__ = ["LOSSES", "History", "StepInfo", "accuracy", "fit", "predict"]

LOSSES = ("hinge", "bce_with_logits", "cross_entropy", "mse")
"""The losses `fit` knows by name; each fixes how predictions are read."""


@dataclass
class History:
    """What happened at each step of `fit`.

    Attributes:
        loss: The batch loss.
        accuracy: The batch accuracy (None for regression).
        lr: The learning rate used.
        seconds: The time the step took (forward, backward and update).
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[Any]]:
        """The history as plain lists, e.g. for JSON."""
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
        accuracy: Its batch accuracy (None for regression).
        model: The model being trained.
        history: Everything so far.
    """

    step: int
    loss: float
    accuracy: float | None
    model: Module
    history: History


def _outputs(out: Value | list[Value]) -> list[Value]:
    return [out] if isinstance(out, Value) else out


def _targets(y: Sequence[float], loss: str) -> list[float]:
    if loss == "hinge" and set(y) <= {0, 1}:
        return [2.0 * t - 1.0 for t in y]  # 0/1 labels as the -1/+1 targets of the hinge loss
    return [float(t) for t in y]


def _predicted_label(outputs: list[Value], loss: str) -> float:
    if loss == "cross_entropy":
        return float(max(range(len(outputs)), key=lambda k: outputs[k].data))
    if loss == "mse":
        return outputs[0].data
    positive = outputs[0].data > 0
    return (1.0 if positive else -1.0) if loss == "hinge" else float(positive)


def _sample_loss(loss: str, outputs: list[Value], target: float) -> Value:
    """One sample's loss: the batch loss is the mean of these."""
    if loss == "cross_entropy":
        return losses.cross_entropy(outputs, int(target))
    if loss == "hinge":
        return losses.hinge(outputs[0], target)
    if loss == "bce_with_logits":
        return losses.bce_with_logits(outputs[0], target)
    return losses.mse(outputs[0], target)


def _train_step(
    model: Module,
    X: Sequence[Sequence[float]],
    targets: list[float],
    rows: Sequence[int],
    loss: str,
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
    for i in rows:
        outputs = _outputs(model(list(X[i])))
        sample_loss = _sample_loss(loss, outputs, targets[i])
        sample_loss.backward(weight)
        sample_losses.append(sample_loss.data)
        hits += _predicted_label(outputs, loss) == targets[i]
    # The batch loss's graph adds in this order; sum() would compensate on Python 3.12+.
    total = sample_losses[0]
    for value in sample_losses[1:]:
        total += value
    total *= weight
    if l2:
        penalty = l2 * losses.l2(model.parameters())
        penalty.backward()
        total += penalty.data
    optimizer.step()
    return total, (None if loss == "mse" else hits / len(rows))


def _check_loss(loss: str) -> None:
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")


def predict(model: Module, X: Sequence[Sequence[float]], loss: str = "hinge") -> list[float]:
    """The model's predictions, read as the loss implies.

    hinge gives -1 or +1 (the sign of the score), bce_with_logits 0 or 1,
    cross_entropy the class with the largest logit, and mse the output itself.
    """
    _check_loss(loss)
    with no_grad():
        return [_predicted_label(_outputs(model(list(x))), loss) for x in X]


def accuracy(model: Module, X: Sequence[Sequence[float]], y: Sequence[float], loss: str) -> float:
    """The fraction of rows of X whose predicted label is y (targets as `fit` takes them)."""
    if loss == "mse":
        raise ValueError("accuracy: regression (mse) has no accuracy")
    predictions = predict(model, X, loss)
    targets = _targets(y, loss)
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
    loss: str = "hinge",
    optimizer: Optimizer | None = None,
    steps: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    schedule: LinearDecay | None = None,
    progress: bool = True,
    callbacks: Sequence[Callable[[StepInfo], bool | None]] = (),
    seed: int | None = None,
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
        loss: One of `LOSSES`.
        optimizer: Default: SGD with lr 0.1 over the model's parameters.
        steps: How many updates.
        batch_size: Rows per step, drawn at random; None for the full batch.
        l2: Weight of the penalty ``sum(p*p)`` added to the loss (micrograd: 1e-4).
        schedule: A learning-rate schedule, stepped after each update.
        progress: Show a tqdm progress bar (if tqdm is installed).
        callbacks: Called after each step with a `StepInfo`; returning True
            stops training.
        seed: Seeds the choice of mini-batches.

    Returns:
        The `History`.

    Raises:
        ValueError: If an argument is not valid (the message names it).
    """
    _check_loss(loss)
    if len(X) == 0 or len(X) != len(y):
        raise ValueError(f"fit: {len(X)} rows but {len(y)} targets")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"fit: steps must be a positive int, got {steps!r}")
    if batch_size is not None and not (isinstance(batch_size, int) and batch_size >= 1):
        raise ValueError(f"fit: batch_size must be a positive int or None, got {batch_size!r}")
    if not (isinstance(l2, (int, float)) and math.isfinite(l2) and l2 >= 0):
        raise ValueError(f"fit: l2 must be a number >= 0, got {l2!r}")
    optimizer = optimizer if optimizer is not None else SGD(model.parameters(), lr=0.1)
    targets = _targets(y, loss)
    rng = random.Random(seed)
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
    return history

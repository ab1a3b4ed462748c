"""Loss functions built from Value operations, for one sample or a batch.

Each function takes a prediction and a target. A single prediction (a Value or
a number) gives that sample's loss; a list of predictions with a list of
targets gives the mean over the batch. ``cross_entropy`` takes a list of
logits per sample.

- `mse`: squared error ``(p - t)**2``.
- `bce`: binary cross-entropy of a probability, ``-(t log p + (1-t) log(1-p))``,
  each log clamped at -100 as PyTorch's ``BCELoss`` does (`clamped_log`).
- `bce_with_logits`: the same from a logit z with p = sigmoid(z), computed
  without overflow or log(0) for any finite z.
- `hinge`: the SVM max-margin loss of micrograd's demo, ``relu(1 - t*score)``
  with t = +1 or -1.
- `cross_entropy`: softmax cross-entropy over class logits, computed stably.
- `l2`: the L2 penalty ``sum(p*p)`` of the parameters, a plain sum with no
  coefficient: ``fit(l2=lam)`` and ``--l2 lam`` add ``lam * l2(params)``.
- `mean_of`: the mean of a batch's losses, Values or floats, as each batch
  loss above and `micrograd_like.train.fit` compute it.

Predictions and targets are Values or real numbers; a bool is neither (see
`micrograd_like.validate`).

Example:
    >>> from micrograd_like import Value
    >>> from micrograd_like.losses import hinge
    >>> hinge([Value(2.0), Value(0.5)], [1, 1]).data   # mean of relu(1-2), relu(1-0.5)
    0.25
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TypeVar

from micrograd_like import validate
from micrograd_like.engine import Value
from micrograd_like.recording import record_function_call

__all__ = [
    "LOG_CLAMP",
    "bce",
    "bce_with_logits",
    "clamped_log",
    "cross_entropy",
    "hinge",
    "l2",
    "mean_of",
    "mse",
    "sum_overflows",
]

Scalar = Value | float


_KIND = "a Value or a real number"


def _value(x: object, name: str, loss: str, *, probability: bool = False) -> Value:
    """A prediction or logit as a Value (a number becomes a constant leaf).

    With probability, x must be in [0, 1]: ``bce`` of a p outside takes the log
    of a negative number, or (p a hair above 1, target 1) gives a negative
    loss; PyTorch's ``binary_cross_entropy`` refuses such a p (NaN too).
    """
    if isinstance(x, Value):
        value = x
    else:
        value = Value(validate.real(x, name, loss, finite=False, kind=_KIND))
    if probability:
        validate.number(value.data, name, loss, low=0, high=1)
    return value


def _target(x: object, name: str, loss: str) -> float:
    """A target as a finite float; a Value target gives its data and gets no gradient."""
    return validate.real(x.data if isinstance(x, Value) else x, name, loss, kind=_KIND)


def sum_overflows(numbers: Sequence[float]) -> bool:
    """Whether every number is finite but adding them left to right overflows to inf.

    Then their mean is finite while ``sum * (1/n)`` is not, and each number
    must be scaled by 1/n before the sum (as `mean_of` then does).

    Example:
        >>> sum_overflows([1e308, 1e308]), sum_overflows([1e308, -1e308]), sum_overflows([1e309])
        (True, False, False)
    """
    total = 0.0
    for x in numbers:
        total += x
    return math.isinf(total) and all(map(math.isfinite, numbers))


_Term = TypeVar("_Term", float, Value)


def mean_of(terms: Sequence[_Term]) -> _Term:
    """The mean of a batch's losses, as every batch loss of the package computes it.

    ``(t0 + t1 + ...) * (1/n)``, added left to right, unless that sum overflows
    though the mean is finite (terms near the float maximum, `sum_overflows`):
    then each term is scaled by 1/n first, ``t0 * (1/n) + t1 * (1/n) + ...``.
    Given Values it builds that graph, which gives each term the gradient 1/n
    either way; given floats it computes the same number, bit for bit, which is
    how `micrograd_like.train.fit` reports the loss of a batch it backpropagates
    sample by sample. (Not ``sum()``: on Python 3.12+ it compensates a float
    sum, which the graph's additions do not.)

    Raises:
        ValueError: If there are no terms.

    Example:
        >>> mean_of([0.5, 0.25]), mean_of([1e308, 1e308])
        (0.375, 1e+308)
        >>> mean_of([Value(2.0), Value(4.0)]).data
        3.0
    """
    if len(terms) == 0:
        raise ValueError("mean_of: no terms, so no mean")
    scale = 1.0 / len(terms)
    scaled_first = sum_overflows([t.data if isinstance(t, Value) else t for t in terms])
    if scaled_first:
        terms = [t * scale for t in terms]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total if scaled_first else total * scale


def _mean_over(
    loss: str,
    per_sample: Callable[[Value, float], Value],
    pred: Scalar | Sequence[Scalar],
    target: float | Sequence[float],
    *,
    probabilities: bool = False,
) -> Value:
    """per_sample for one sample, or its mean over a batch; records the call for diagrams.

    probabilities: the predictions must be in [0, 1] (see `_value`).
    """
    if isinstance(pred, Sequence) and not isinstance(pred, str):
        if not isinstance(target, Sequence) or len(target) != len(pred):
            count = len(target) if isinstance(target, Sequence) else "one"
            raise ValueError(f"{loss}: {len(pred)} predictions but {count} targets")
        if len(pred) == 0:
            raise ValueError(f"{loss}: empty batch")
        preds = [
            _value(p, f"prediction[{i}]", loss, probability=probabilities)
            for i, p in enumerate(pred)
        ]
        targets = [_target(t, f"target[{i}]", loss) for i, t in enumerate(target)]
        terms = [per_sample(p, t) for p, t in zip(preds, targets, strict=True)]
        out = mean_of(terms)
    else:
        if isinstance(target, Sequence):
            raise ValueError(f"{loss}: one prediction but {len(target)} targets")
        preds = [_value(pred, "prediction", loss, probability=probabilities)]
        out = per_sample(preds[0], _target(target, "target", loss))
    record_function_call(loss, preds, [out])
    return out


def mse(pred: Scalar | Sequence[Scalar], target: float | Sequence[float]) -> Value:
    """Mean squared error: ``(p - t)**2``, averaged over a batch.

    Args:
        pred: A prediction (a Value or a number), or one per sample.
        target: Its target, or one per sample.

    Returns:
        The loss, a Value whose graph reaches every prediction.

    Raises:
        ValueError: If the numbers of predictions and targets differ.

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.losses import mse
        >>> mse(Value(3.0), 1.0)
        Value(data=4.0, grad=0)
        >>> mse([Value(3.0), Value(1.0)], [1.0, 2.0]).data  # (4 + 1) / 2
        2.5
    """
    return _mean_over("mse", lambda p, t: (p - t) ** 2, pred, target)


LOG_CLAMP = -100.0
"""The floor of `clamped_log`: PyTorch's ``BCELoss`` clamps its logs at -100 too."""


def clamped_log(p: Value) -> Value:
    """``max(log p, -100)``: the log that binary cross-entropy takes, finite at p = 0.

    Where log(p) >= -100 this is exactly ``p.log()``, the same node and the
    same numbers. Below, for 0 <= p < e**-100 (p == 0 included), it is the
    constant ``Value(-100.0)``, a leaf that passes no gradient to p: that is
    the derivative of ``max(log p, -100)`` there, since the clamp is flat.
    A saturated sigmoid (exactly 0.0 or 1.0) then costs 100 instead of
    raising, as in PyTorch.

    PyTorch clamps the same forward value, but its backward of
    ``binary_cross_entropy`` does not differentiate the clamp: it divides
    ``p - t`` by ``max(p (1-p), 1e-12)`` instead. Its gradients therefore
    differ from these where the clamp acts, and also wherever p (1-p) < 1e-12
    (p within about 1e-12 of 0 or 1), where that guard changes the quotient;
    elsewhere both are the exact derivative.

    Args:
        p: A probability, or any Value whose log is wanted.

    Returns:
        ``p.log()``, or the constant -100 where that would be below -100.

    Raises:
        ValueError: If p is negative, as ``p.log()`` does (the message names log).

    Example:
        >>> clamped_log(Value(0.0)).data, clamped_log(Value(1.0)).data
        (-100.0, 0.0)
    """
    # Only 0 <= p < e**-100 is clamped: a negative p (or nan) goes to log, which decides.
    if p.data == 0 or (p.data > 0 and math.log(p.data) < LOG_CLAMP):
        return Value(LOG_CLAMP)
    return p.log()


def _check_probability_target(t: float, loss: str) -> float:
    return validate.number(t, "target", loss, low=0, high=1)


def bce(prob: Scalar | Sequence[Scalar], target: float | Sequence[float]) -> Value:
    """Binary cross-entropy of a probability p in [0, 1]: ``-(t log p + (1-t) log(1-p))``.

    Each log is `clamped_log`, floored at -100 as in PyTorch's ``BCELoss``: a
    saturated p of exactly 0 or 1 costs at most 100 instead of raising, and
    passes no gradient through the clamped log. `bce_with_logits` needs no
    clamp: prefer it when you have the logit.

    Raises:
        ValueError: If a target or p is outside [0, 1], or NaN, as PyTorch's
            ``binary_cross_entropy`` refuses them; the message names bce and
            the value. p = 0 and p = 1 are taken (clamped, as above).

    Args:
        prob: A probability (a Value or a number), or one per sample.
        target: Its target in [0, 1], or one per sample.

    Returns:
        The loss, averaged over a batch.

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.losses import bce
        >>> round(bce(Value(0.8), 1.0).data, 6)  # -log(0.8)
        0.223144
    """

    def per_sample(p: Value, t: float) -> Value:
        t = _check_probability_target(t, "bce")
        if t == 1.0:
            return -clamped_log(p)
        if t == 0.0:
            return -clamped_log(1 - p)
        return -(t * clamped_log(p) + (1 - t) * clamped_log(1 - p))

    return _mean_over("bce", per_sample, prob, target, probabilities=True)


def _softplus(z: Value) -> Value:
    """log(1 + exp(z)) without overflow: exp is only ever taken of -|z|."""
    if z.data > 0:
        return z + (1 + (-z).exp()).log()
    return (1 + z.exp()).log()


def bce_with_logits(logit: Scalar | Sequence[Scalar], target: float | Sequence[float]) -> Value:
    """Binary cross-entropy from a logit z, p = sigmoid(z): ``softplus(z) - t*z``.

    Stable for every finite z (PyTorch's BCEWithLogitsLoss); d/dz = sigmoid(z) - t.

    Args:
        logit: A logit (a Value or a number), or one per sample.
        target: Its target in [0, 1], or one per sample.

    Returns:
        The loss, averaged over a batch.

    Raises:
        ValueError: If a target is outside [0, 1], or the numbers disagree.

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.losses import bce_with_logits
        >>> z = Value(0.0)
        >>> loss = bce_with_logits(z, 1.0)
        >>> round(loss.data, 6)  # log 2
        0.693147
        >>> loss.backward()
        >>> z.grad  # sigmoid(0) - 1
        -0.5
    """

    def per_sample(z: Value, t: float) -> Value:
        return _softplus(z) - _check_probability_target(t, "bce_with_logits") * z

    return _mean_over("bce_with_logits", per_sample, logit, target)


def hinge(score: Scalar | Sequence[Scalar], target: float | Sequence[float]) -> Value:
    """The SVM max-margin loss of micrograd's demo: ``relu(1 - t*score)``, t = +1 or -1.

    Args:
        score: A score (a Value or a number), or one per sample.
        target: Its label, +1 or -1, or one per sample.

    Returns:
        The loss, averaged over a batch.

    Raises:
        ValueError: If the numbers of scores and targets differ.

    Example:
        >>> from micrograd_like.losses import hinge
        >>> hinge([0.5, -2.0], [1, -1]).data  # (0.5 + 0) / 2
        0.25
    """
    # Written as micrograd's demo writes it, so the graphs and numbers match it.
    return _mean_over("hinge", lambda s, t: (1 + -t * s).relu(), score, target)


def cross_entropy(
    logits: Sequence[Scalar] | Sequence[Sequence[Scalar]], target: int | Sequence[int]
) -> Value:
    """Softmax cross-entropy: ``log(sum_j exp(z_j)) - z_target``, averaged over a batch.

    Args:
        logits: One score per class for a sample, or a list of those.
        target: The true class index, or one per sample.

    Returns:
        The loss, averaged over a batch.

    Raises:
        ValueError: If a target is out of the class range, or the shapes disagree.
        TypeError: If a target is not a whole number (a bool neither), or a
            logit is neither a Value nor a real number.

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.losses import cross_entropy
        >>> round(cross_entropy([Value(2.0), Value(0.0)], 0).data, 6)  # log(1 + e**-2)
        0.126928
    """
    if len(logits) > 0 and isinstance(logits[0], Sequence):
        batch = list(logits)
        if not isinstance(target, Sequence) or len(target) != len(batch):
            raise ValueError("cross_entropy: give one target class per sample")
        samples = []
        for sample, t in zip(batch, target, strict=True):
            if not isinstance(sample, Sequence):
                raise ValueError("cross_entropy: every sample needs a list of logits")
            samples.append((_logits(sample), t))
    else:
        if isinstance(target, Sequence):
            raise ValueError("cross_entropy: one sample's logits but several targets")
        samples = [(_logits(logits), target)]
    terms = [_cross_entropy_one(zs, t) for zs, t in samples]
    out = terms[0] if len(terms) == 1 else mean_of(terms)
    record_function_call("cross_entropy", [z for zs, _ in samples for z in zs], [out])
    return out


def _logits(sample: Sequence[object]) -> list[Value]:
    return [_value(z, f"logit[{j}]", "cross_entropy") for j, z in enumerate(sample)]


def _cross_entropy_one(logits: list[Value], target: int) -> Value:
    if len(logits) < 2:
        raise ValueError(f"cross_entropy: need at least 2 class logits, got {len(logits)}")
    target = validate.count(target, "target class", "cross_entropy", 0, len(logits) - 1)
    # Shifting by the largest logit (a constant) keeps every exp <= 1: no overflow.
    shift = max(z.data for z in logits)
    total = sum(((z - shift).exp() for z in logits[1:]), (logits[0] - shift).exp())
    return total.log() + shift - logits[target]


def l2(params: Sequence[Value]) -> Value:
    """The L2 penalty ``sum(p*p)`` of the parameters, with no coefficient.

    ``fit(l2=lam)`` is the coefficient: it adds ``lam * l2(model.parameters())``
    to the loss, as micrograd's demo adds ``1e-4 * sum(p*p for p in params)``.
    The gradient of that is ``2 * lam * p``, so SGD and Adam move the weights
    as with ``weight_decay=2 * lam`` (`micrograd_like.optim`).

    Args:
        params: The parameters, at least one.

    Returns:
        ``sum(p*p)``, a Value.

    Raises:
        ValueError: If params is empty.

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.losses import l2
        >>> l2([Value(1.0), Value(-2.0)]).data
        5.0
    """
    if len(params) == 0:
        raise ValueError("l2: no parameters")
    squares = [p * p for p in params]
    out = sum(squares[1:], squares[0])
    record_function_call("l2", list(params), [out])
    return out

"""Optimizers with PyTorch's update formulas, and a learning-rate schedule.

- `SGD`: ``torch.optim.SGD`` with momentum and weight decay.
- `Adam`: ``torch.optim.Adam``, with bias correction, in the same order of
  floating-point operations, so the two agree to the last few bits.
- `LinearDecay`: the learning rate falls linearly from a start to an end
  value, as in micrograd's demo (``1.0 - 0.9 * k / 100``).

Each optimizer holds the parameters it updates, reads their ``.grad`` in
``step()``, and clears them in ``zero_grad()``.

Example:
    >>> from micrograd_like import Value
    >>> from micrograd_like.optim import SGD
    >>> w = Value(1.0)
    >>> opt = SGD([w], lr=0.1)
    >>> (w * w).backward()       # dL/dw = 2
    >>> opt.step()
    >>> w.data
    0.8
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from micrograd_like.engine import Value

__all__ = ["SGD", "Adam", "LinearDecay", "Optimizer"]


def _check_number(
    value: float, name: str, who: str, *, low: float, high: float = math.inf
) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{who}: {name} must be a finite number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{who}: {name} must be in [{low}, {high}], got {value!r}")
    return float(value)


class Optimizer:
    """Base class: holds the parameters and the learning rate ``lr``.

    Args:
        params: The Values to update, e.g. ``model.parameters()``.
        lr: The learning rate; a schedule may change ``optimizer.lr`` later.

    Raises:
        ValueError: If there are no parameters or lr is not a positive number.
        TypeError: If a parameter is not a Value.
    """

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        who = type(self).__name__
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{who}: no parameters to optimize")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"{who}: parameters must be Values, got {type(p).__name__}")
        self.lr = _check_number(lr, "lr", who, low=0.0)
        self.steps = 0

    def zero_grad(self) -> None:
        """Sets every parameter's grad to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Updates every parameter from its grad."""
        self.steps += 1
        for i, p in enumerate(self.params):
            p.data = self._updated(i, p.data, p.grad)

    def _updated(self, i: int, data: float, grad: float) -> float:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD``.

    ``g = grad + weight_decay * p``; with momentum ``b = momentum * b + g``
    (``b = g`` on the first step) and ``g = b``; then ``p = p - lr * g``.

    Args:
        params: The Values to update.
        lr: The learning rate.
        momentum: The momentum factor, 0 for plain gradient descent.
        weight_decay: L2 penalty added to the gradient.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check_number(momentum, "momentum", "SGD", low=0.0, high=1.0)
        self.weight_decay = _check_number(weight_decay, "weight_decay", "SGD", low=0.0)
        self.buffers: list[float | None] = [None] * len(self.params)

    def _updated(self, i: int, data: float, grad: float) -> float:
        g = grad + self.weight_decay * data if self.weight_decay else grad
        if self.momentum:
            previous = self.buffers[i]
            g = g if previous is None else self.momentum * previous + g
            self.buffers[i] = g
        return data - self.lr * g


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (no amsgrad).

    ``m = b1*m + (1-b1)*g``, ``v = b2*v + (1-b2)*g*g``, then
    ``p = p - lr/(1-b1**t) * m / (sqrt(v)/sqrt(1-b2**t) + eps)``.

    Args:
        params: The Values to update.
        lr: The learning rate.
        betas: The decay rates (b1, b2) of the two moment estimates.
        eps: Added to the denominator for stability.
        weight_decay: L2 penalty added to the gradient.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not (isinstance(betas, tuple) and len(betas) == 2):
            raise ValueError(f"Adam: betas must be a pair of numbers, got {betas!r}")
        self.betas = (
            _check_number(betas[0], "betas[0]", "Adam", low=0.0, high=0.999999),
            _check_number(betas[1], "betas[1]", "Adam", low=0.0, high=0.999999999),
        )
        self.eps = _check_number(eps, "eps", "Adam", low=0.0)
        self.weight_decay = _check_number(weight_decay, "weight_decay", "Adam", low=0.0)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def _updated(self, i: int, data: float, grad: float) -> float:
        b1, b2 = self.betas
        g = grad + self.weight_decay * data if self.weight_decay else grad
        self.m[i] = b1 * self.m[i] + (1 - b1) * g
        self.v[i] = b2 * self.v[i] + (1 - b2) * g * g
        # The order of torch's operations, for agreement to the last bits.
        step_size = self.lr / (1 - b1**self.steps)
        denominator = math.sqrt(self.v[i]) / math.sqrt(1 - b2**self.steps) + self.eps
        return data - step_size * (self.m[i] / denominator)


class LinearDecay:
    """The learning rate goes linearly from start to end over total_steps, then stays.

    micrograd's demo uses ``LinearDecay(opt, start=1.0, end=0.1, total_steps=100)``.
    Call ``step()`` once per training step, after the optimizer's.

    Args:
        optimizer: The optimizer whose ``lr`` to set.
        start: The learning rate at step 0 (set at once).
        end: The learning rate at total_steps and after.
        total_steps: Over how many steps it falls.
    """

    def __init__(self, optimizer: Optimizer, start: float, end: float, total_steps: int) -> None:
        self.optimizer = optimizer
        self.start = _check_number(start, "start", "LinearDecay", low=0.0)
        self.end = _check_number(end, "end", "LinearDecay", low=0.0)
        if isinstance(total_steps, bool) or not isinstance(total_steps, int) or total_steps < 1:
            raise ValueError(
                f"LinearDecay: total_steps must be a positive int, got {total_steps!r}"
            )
        self.total_steps = total_steps
        self.step_count = 0
        optimizer.lr = self.start

    def lr_at(self, step: int) -> float:
        """The learning rate for the given step."""
        fraction = min(step, self.total_steps) / self.total_steps
        return self.start + (self.end - self.start) * fraction

    def step(self) -> None:
        """Moves to the next step's learning rate."""
        self.step_count += 1
        self.optimizer.lr = self.lr_at(self.step_count)

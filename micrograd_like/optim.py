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
from collections.abc import Iterable, Sequence

from micrograd_like import validate
from micrograd_like.engine import NOT_COMPUTED, Value

__all__ = ["SGD", "Adam", "LinearDecay", "Optimizer"]


class Optimizer:
    """Base class: holds the parameters and the learning rate ``lr``.

    Args:
        params: The Values to update, e.g. ``model.parameters()``.
        lr: The learning rate; a schedule may change ``optimizer.lr`` later.

    Raises:
        ValueError: If there are no parameters, or lr is negative or not finite.
        TypeError: If a parameter is not a Value, or lr is not a real number
            (a bool neither, as everywhere in the package).

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.optim import SGD
        >>> w = Value(1.0)
        >>> w.grad = 0.5
        >>> optimizer = SGD([w], lr=0.1)
        >>> optimizer.zero_grad()
        >>> w.grad
        0
    """

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        who = type(self).__name__
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{who}: no parameters to optimize")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"{who}: parameters must be Values, got {type(p).__name__}")
        # 0 is allowed, as in torch.optim: a schedule may end there.
        self.lr = validate.non_negative(lr, "lr", who)
        self.steps = 0

    def zero_grad(self) -> None:
        """Sets every parameter's grad to 0."""
        for p in self.params:
            p.grad = NOT_COMPUTED  # 0, as micrograd: no backward pass has reached it

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
        weight_decay: Adds ``weight_decay * p`` to each gradient, the gradient of
            the L2 penalty ``(weight_decay / 2) * losses.l2(params)``: the same
            update as ``fit(l2=weight_decay / 2)``.

    Raises:
        ValueError: If momentum is outside [0, 1] or weight_decay is negative, or as for
            `Optimizer`.

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.optim import SGD
        >>> w = Value(1.0)
        >>> w.grad = 0.5
        >>> SGD([w], lr=0.1).step()
        >>> w.data  # 1 - 0.1 * 0.5
        0.95
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = validate.number(momentum, "momentum", "SGD", low=0, high=1)
        self.weight_decay = validate.non_negative(weight_decay, "weight_decay", "SGD")
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
        weight_decay: Adds ``weight_decay * p`` to each gradient, as in SGD.

    Raises:
        ValueError: If a beta is outside [0, 1), eps or weight_decay is negative, or
            as for `Optimizer`.

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.optim import Adam
        >>> w = Value(1.0)
        >>> w.grad = 0.5
        >>> Adam([w], lr=0.1).step()
        >>> round(w.data, 6)  # the first step moves by about lr
        0.9
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
        if isinstance(betas, str) or not isinstance(betas, Sequence):
            raise TypeError(f"Adam: betas must be a pair of numbers, got {betas!r}")
        if len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair of numbers, got {betas!r}")
        # Below 1, as in torch.optim.Adam: the bias correction divides by 1 - beta**t.
        self.betas = (
            validate.number(betas[0], "betas[0]", "Adam", low=0, high=1, high_open=True),
            validate.number(betas[1], "betas[1]", "Adam", low=0, high=1, high_open=True),
        )
        self.eps = validate.non_negative(eps, "eps", "Adam")
        self.weight_decay = validate.non_negative(weight_decay, "weight_decay", "Adam")
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

    Raises:
        ValueError: If a rate is negative or total_steps is not a positive count.

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.optim import SGD, LinearDecay
        >>> optimizer = SGD([Value(1.0)], lr=1.0)
        >>> schedule = LinearDecay(optimizer, start=1.0, end=0.1, total_steps=10)
        >>> for _ in range(5):
        ...     schedule.step()
        >>> round(optimizer.lr, 6)  # halfway from 1.0 to 0.1
        0.55
    """

    def __init__(self, optimizer: Optimizer, start: float, end: float, total_steps: int) -> None:
        self.optimizer = optimizer
        self.start = validate.non_negative(start, "start", "LinearDecay")
        self.end = validate.non_negative(end, "end", "LinearDecay")
        self.total_steps = validate.count(total_steps, "total_steps", "LinearDecay")
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

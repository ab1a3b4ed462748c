"""Second derivatives of functions of several numbers: the Hessian and Hessian-vector products.

Both differentiate twice with `micrograd_like.grad`: once with
``create_graph=True``, which records the backward pass as Values, and once
more through that recorded graph.

Example:
    >>> from micrograd_like.functional import hessian
    >>> hessian(lambda x, y: x * x * y, [1.0, 2.0])   # [[2y, 2x], [2x, 0]]
    [[4.0, 2.0], [2.0, 0.0]]
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

from micrograd_like.engine import Value, grad

__all__ = ["hessian", "hvp"]


def _leaves(xs: Sequence[float], who: str) -> list[Value]:
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence) or len(xs) == 0:
        raise ValueError(f"{who}: xs must be a non-empty list of numbers")
    leaves: list[Value] = []
    for i, x in enumerate(xs):
        if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
            raise ValueError(f"{who}: xs[{i}] must be a finite number, got {x!r}")
        leaves.append(Value(float(x), label=f"x{i}"))
    return leaves


def _first_derivatives(
    f: Callable[..., Value], xs: Sequence[float], who: str
) -> tuple[list[Value], list[Value]]:
    leaves = _leaves(xs, who)
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"{who}: f must return a Value, got {type(out).__name__}")
    return leaves, grad(out, leaves, create_graph=True, allow_unused=True)


def hessian(f: Callable[..., Value], xs: Sequence[float]) -> list[list[float]]:
    """The matrix of second derivatives d2 f / dx_i dx_j at xs.

    Args:
        f: Called as ``f(*values)`` with one Value per entry of xs; returns a Value.
        xs: The point.

    Returns:
        The Hessian as nested lists of floats, ``H[i][j]``.

    Raises:
        ValueError: If xs is empty or holds something other than finite numbers.
        TypeError: If f does not return a Value.
    """
    leaves, first = _first_derivatives(f, xs, "hessian")
    return [
        [float(g) for g in grad(d, leaves, allow_unused=True)] if isinstance(d, Value) else
        [0.0] * len(leaves)
        for d in first
    ]  # fmt: skip


def hvp(f: Callable[..., Value], xs: Sequence[float], v: Sequence[float]) -> list[float]:
    """The Hessian-vector product H v at xs, without forming H.

    It differentiates ``sum_i (df/dx_i) v_i`` once more: two backward passes
    whatever the number of inputs.

    Args:
        f: As for `hessian`.
        xs: The point.
        v: The vector, as long as xs.

    Returns:
        H v as a list of floats.
    """
    if len(v) != len(xs):
        raise ValueError(f"hvp: v has {len(v)} entries but xs has {len(xs)}")
    leaves, first = _first_derivatives(f, xs, "hvp")
    directional = sum((d * float(vi) for d, vi in zip(first, v, strict=True)), Value(0.0))
    return [float(g) for g in grad(directional, leaves, allow_unused=True)]

"""Gradients as functions: `grad`, `gradients`, `hessian`, `hvp` and `backward_steps`.

``backward()`` writes every gradient into ``.grad``. The functions here return
them instead, and leave every ``.grad`` as it was, like ``torch.autograd.grad``.
They run the engine's own chain-rule loop (`micrograd_like.engine.backpropagate`)
on borrowed ``.grad`` fields: each node's grad is set aside, the loop runs from
zero, its results are collected, and the old grads are put back. So while one of
them runs, the ``.grad`` of the graph's nodes hold its work in progress: do not
read them from another thread meanwhile, nor call one on the same graph from a
hand-written ``_backward``.

With ``create_graph=True`` the gradients are Values with a graph of their own,
so they can be differentiated again: that is how `hessian` and `hvp` get second
derivatives.

Example:
    >>> from micrograd_like import Value, grad, hessian
    >>> x = Value(3.0)
    >>> (dy,) = grad(x * x * x, x, create_graph=True)   # 3x**2 = 27, as a Value
    >>> grad(dy, x)                                      # 6x
    [18.0]
    >>> hessian(lambda x, y: x * x * y, [1.0, 2.0])       # [[2y, 2x], [2x, 0]]
    [[4.0, 2.0], [2.0, 0.0]]
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from micrograd_like.engine import (
    NOT_COMPUTED,
    Value,
    backpropagate,
    chain_rule,
    topological_order,
)
from micrograd_like.validate import real_numbers

__all__ = [
    "BackwardStep",
    "backward_steps",
    "borrowed_grads",
    "grad",
    "gradients",
    "hessian",
    "hvp",
]


@contextlib.contextmanager
def borrowed_grads(nodes: Sequence[Value]) -> Iterator[None]:
    """Within this block the nodes' grads start from 0; at its end the old ones come back.

    This is how a backward pass can run without touching anyone's ``.grad``.
    """
    borrowed = [node.grad for node in nodes]
    try:
        for node in nodes:
            node.grad = NOT_COMPUTED
        yield
    finally:
        for node, old in zip(nodes, borrowed, strict=True):
            node.grad = old


@dataclass(frozen=True)
class BackwardStep:
    """The grads as they stand after one step of a backward pass.

    Attributes:
        operation: The operation that just passed its grad to its inputs; None
            for the first step, which seeds d(root)/d(root) = 1.
        grads: Every grad computed so far, by node.
    """

    operation: Value | None
    grads: dict[Value, float]


def backward_steps(root: Value) -> list[BackwardStep]:
    """What ``root.backward()`` computes, step by step: the seed, then each operation.

    The operations come in the order backward() takes them, outputs first, and
    each step is the engine's own chain-rule loop run on that one operation, from
    zero grads. No ``.grad`` changes. This is what step-by-step diagrams and pages
    show.

    Example:
        >>> from micrograd_like import Value
        >>> x = Value(3.0)
        >>> [(step.operation and step.operation.op, step.grads[x]) for step in
        ...  backward_steps(x * x + x) if x in step.grads]
        [('+', 1.0), ('*', 7.0)]
    """
    order = topological_order(root)
    operations = [node for node in reversed(order) if node.inputs]
    with borrowed_grads(order):
        root.grad = 1.0
        steps = [BackwardStep(None, {root: 1.0})]
        for operation in operations:
            chain_rule([operation])
            grads = {node: node.grad for node in order if node.grad_computed}
            steps.append(BackwardStep(operation, grads))
    return steps


def gradients(outputs: Sequence[Value], create_graph: bool = False) -> dict[Value, Any]:
    """d(sum of outputs)/d(node) for every node the outputs depend on; no ``.grad`` changes.

    Args:
        outputs: The Values to differentiate; several are summed.
        create_graph: Give Values whose graphs can be differentiated again, not floats.

    Returns:
        Each node a backward pass reached, mapped to its gradient.

    Raises:
        ValueError: With create_graph, if the graph holds a hand-written ``_backward``.
    """
    order = topological_order(*outputs)
    with borrowed_grads(order):
        backpropagate(outputs, [1.0] * len(outputs), create_graph)
        return {node: node.grad for node in order if node.grad_computed}


def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    create_graph: bool = False,
    allow_unused: bool = False,
) -> list[Any]:
    """The gradients of outputs with respect to inputs, as ``torch.autograd.grad``.

    Nothing is written into any ``.grad``. Several outputs are summed.

    Args:
        outputs: One Value or a list.
        inputs: One Value or a list; one gradient is returned per input.
        create_graph: Return Values whose graphs can be differentiated again
            (for second and higher derivatives); floats otherwise.
        allow_unused: Give 0.0 for an input the outputs do not depend on,
            instead of raising.

    Returns:
        A list with one gradient per input.

    Raises:
        ValueError: If an input is not used by the outputs and allow_unused
            is false, or (with create_graph) the graph holds a hand-written step.
        TypeError: If an output or input is not a Value.

    Example:
        >>> x = Value(3.0)
        >>> y = x * x * x
        >>> (dy,) = grad(y, x, create_graph=True)   # 3x**2 = 27, as a Value
        >>> grad(dy, x)                              # 6x
        [18.0]
    """
    outs = [outputs] if isinstance(outputs, Value) else list(outputs)
    ins = [inputs] if isinstance(inputs, Value) else list(inputs)
    for v in (*outs, *ins):
        if not isinstance(v, Value):
            raise TypeError(f"grad: outputs and inputs must be Values, got {type(v).__name__}")
    found = gradients(outs, create_graph)
    result: list[Any] = []
    for i, v in enumerate(ins):
        if v in found:
            result.append(found[v])
        elif allow_unused:
            result.append(Value(0.0) if create_graph else 0.0)
        else:
            raise ValueError(
                f"grad: input {i} ({v.label or v!r}) is not used by the outputs; "
                f"pass allow_unused=True to get 0 for it"
            )
    return result


def _first_derivatives(
    f: Callable[..., Value], xs: Sequence[float], who: str
) -> tuple[list[Value], list[Value]]:
    point = real_numbers(xs, "xs", who, finite=True)
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
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
    return [[float(g) for g in grad(d, leaves, allow_unused=True)] for d in first]


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

    Raises:
        ValueError: If v and xs differ in length, or hold anything but finite numbers.
    """
    direction = real_numbers(v, "v", "hvp", finite=True)
    if len(direction) != len(xs):
        raise ValueError(f"hvp: v has {len(direction)} entries but xs has {len(xs)}")
    leaves, first = _first_derivatives(f, xs, "hvp")
    directional = sum((d * vi for d, vi in zip(first, direction, strict=True)), Value(0.0))
    return [float(g) for g in grad(directional, leaves, allow_unused=True)]

"""Gradients as functions: `grad`, `gradients`, `hessian`, `hvp`, `backward_steps`; forward mode.

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
    "MAX_PATHS",
    "BackwardStep",
    "Jacobian",
    "PathSum",
    "backward_steps",
    "borrowed_grads",
    "grad",
    "gradients",
    "hessian",
    "hvp",
    "jacobian",
    "jvp",
    "path_sum",
    "tangents",
]


@contextlib.contextmanager
def borrowed_grads(nodes: Sequence[Value]) -> Iterator[None]:
    """Within this block the nodes' grads start from 0; at its end the old ones come back.

    This is how a backward pass can run without touching anyone's ``.grad``.

    Args:
        nodes: The Values whose grads to borrow.

    Returns:
        A context manager; the old grads come back when the block ends, even on error.

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.autograd import borrowed_grads
        >>> x = Value(1.0)
        >>> x.grad = 5.0
        >>> with borrowed_grads([x]):
        ...     x.grad
        0
        >>> x.grad
        5.0
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

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.autograd import backward_steps
        >>> f = Value(2.0) * Value(3.0)
        >>> first = next(iter(backward_steps(f)))
        >>> first.operation, first.grads[f]
        (None, 1.0)
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

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.autograd import gradients
        >>> x, y = Value(2.0), Value(3.0)
        >>> grads = gradients([x * y + x])
        >>> grads[x], grads[y], x.grad  # x.grad untouched
        (4.0, 2.0, 0)
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

    Example:
        >>> from micrograd_like import hessian
        >>> hessian(lambda a, b: a * a * b, [1.0, 2.0])  # [[2b, 2a], [2a, 0]]
        [[4.0, 2.0], [2.0, 0.0]]
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

    Example:
        >>> from micrograd_like import hvp
        >>> hvp(lambda a, b: a * a * b, [1.0, 2.0], [1.0, 0.0])  # the Hessian's first column
        [4.0, 2.0]
    """
    direction = real_numbers(v, "v", "hvp", finite=True)
    if len(direction) != len(xs):
        raise ValueError(f"hvp: v has {len(direction)} entries but xs has {len(xs)}")
    leaves, first = _first_derivatives(f, xs, "hvp")
    directional = sum((d * vi for d, vi in zip(first, direction, strict=True)), Value(0.0))
    return [float(g) for g in grad(directional, leaves, allow_unused=True)]


# -- Forward mode: the same local derivatives, multiplied in the other direction ----------


def tangents(
    outputs: Value | Sequence[Value], inputs: Value | Sequence[Value], directions: Sequence[float]
) -> dict[Value, float]:
    """Every node's tangent, d(node)/dt along inputs + t * directions: one forward pass.

    Reverse mode starts at an output and multiplies each node's grad by the local
    derivatives down to the inputs. Forward mode starts at the inputs and goes up:
    each node's tangent is the sum, over its inputs, of the local derivative times
    that input's tangent. The local derivatives are the ones the forward pass
    recorded, from the table; nothing is computed again.

    Args:
        outputs: The Values whose graph to walk (one or a list).
        inputs: The leaves the tangents start at.
        directions: One number per input: how fast it moves.

    Returns:
        Each node's tangent; nodes no input reaches have none.

    Raises:
        TypeError: If an output or input is not a Value, or a direction not a number.
        ValueError: If directions and inputs differ in number, or the graph holds
            a node built by hand (its _backward is a function, not a derivative
            forward mode could use).

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.autograd import tangents
        >>> x, y = Value(2.0), Value(3.0)
        >>> f = x * y + x
        >>> tangents(f, [x, y], [1.0, 0.0])[f]  # df/dx = y + 1
        4.0
    """
    outs, ins = _values(outputs, "jvp"), _values(inputs, "jvp")
    speeds = real_numbers(directions, "tangents", "jvp")
    if len(speeds) != len(ins):
        raise ValueError(f"jvp: {len(ins)} inputs but {len(speeds)} tangents")
    tangent: dict[Value, float] = {}
    for x, speed in zip(ins, speeds, strict=True):
        tangent[x] = tangent.get(x, 0.0) + speed
    for node in topological_order(*outs):  # every node after its inputs: forward
        if node in tangent or not any(x in tangent for x in node.inputs):
            continue  # an input, or a node no input moves
        locals_ = node.local_grads
        if locals_ is None:
            raise ValueError(
                f"jvp: the node {node.label or node.op!r} was built by hand; forward mode needs "
                "the local derivatives the table records"
            )
        tangent[node] = sum(
            d * tangent[x] for x, d in zip(node.inputs, locals_, strict=True) if x in tangent
        )
    return tangent


def _values(given: object, who: str) -> list[Value]:
    """One Value or a sequence of them, as a list; anything else is refused, naming who."""
    items = [given] if isinstance(given, Value) else given
    if not isinstance(items, Sequence) or not all(isinstance(v, Value) for v in items):
        raise TypeError(f"{who}: outputs and inputs must be Values, got {given!r}")
    return list(items)


def jvp(
    outputs: Value | Sequence[Value], inputs: Value | Sequence[Value], tangents_in: Sequence[float]
) -> list[float]:
    """The outputs' tangents: the Jacobian times tangents_in, in one forward pass.

    Args:
        outputs: One Value or a list.
        inputs: The leaves to move.
        tangents_in: One number per input.

    Returns:
        One tangent per output (0.0 where no input reaches it).

    Example:
        >>> x, y = Value(2.0), Value(3.0)
        >>> jvp([x * y, x + y], [x, y], [1.0, 0.0])   # d/dx of x*y and of x+y
        [3.0, 1.0]
    """
    outs = _values(outputs, "jvp")
    found = tangents(outs, inputs, tangents_in)
    return [found.get(out, 0.0) for out in outs]


@dataclass(frozen=True)
class Jacobian:
    """The Jacobian of f: R^n -> R^m, and the passes it took.

    Attributes:
        matrix: m rows of n numbers: d f_i / d x_j.
        mode: "forward" (one pass per input) or "reverse" (one per output).
        passes: How many passes: n forward, or m reverse.

    Example:
        >>> from micrograd_like import jacobian
        >>> J = jacobian(lambda a, b: [a * b, a + b], [2.0, 3.0], mode="reverse")
        >>> J.matrix, J.passes
        ([[3.0, 2.0], [1.0, 1.0]], 2)
    """

    matrix: list[list[float]]
    mode: str
    passes: int

    def __str__(self) -> str:
        rows = "\n".join("  " + "  ".join(f"{x:>10.6g}" for x in row) for row in self.matrix)
        return f"{self.mode} mode, {self.passes} pass(es):\n{rows}"


def jacobian(
    f: Callable[..., Value | Sequence[Value]], xs: Sequence[float], mode: str = "reverse"
) -> Jacobian:
    """The whole Jacobian of f at xs, by forward mode (n passes) or reverse mode (m passes).

    The graph of f is built once. Forward mode then pushes the tangent of each
    input in turn through it; reverse mode backpropagates from each output in
    turn. Both use the same local derivatives, recorded by the forward pass.

    Args:
        f: Called as ``f(*values)`` with one Value per entry of xs; returns a
            Value or a list of Values.
        xs: The point.
        mode: "forward" or "reverse".

    Returns:
        The `Jacobian`, with the number of passes it took.

    Raises:
        ValueError: If mode is neither, or xs is empty or holds a non-finite number.
        TypeError: If f returns something other than Values.

    Example:
        >>> J = jacobian(lambda x, y: [x * y, x + y, x * x], [2.0, 3.0], mode="forward")
        >>> J.matrix, J.passes
        ([[3.0, 2.0], [1.0, 1.0], [4.0, 0.0]], 2)
        >>> jacobian(lambda x, y: [x * y, x + y, x * x], [2.0, 3.0]).passes
        3
    """
    if mode not in ("forward", "reverse"):
        raise ValueError(f"jacobian: mode must be 'forward' or 'reverse', got {mode!r}")
    point = real_numbers(xs, "xs", "jacobian", finite=True)  # refuses an empty list too
    leaves = [Value(x, label=f"x{i + 1}") for i, x in enumerate(point)]
    result = f(*leaves)
    outs = [result] if isinstance(result, Value) else result
    if not isinstance(outs, Sequence) or not outs or not all(isinstance(o, Value) for o in outs):
        raise TypeError(f"jacobian: f must return a Value or a list of Values, got {result!r}")
    outs = list(outs)
    if mode == "forward":
        columns = [
            jvp(outs, leaves, [1.0 if j == k else 0.0 for j in range(len(leaves))])
            for k in range(len(leaves))
        ]
        matrix = [[columns[j][i] for j in range(len(leaves))] for i in range(len(outs))]
        return Jacobian(matrix, mode, len(leaves))
    rows = []
    for out in outs:
        found = gradients([out])
        rows.append([float(found.get(x, 0.0)) for x in leaves])
    return Jacobian(rows, mode, len(outs))


@dataclass(frozen=True)
class PathSum:
    """Every path from one input up to one output, with its product of local derivatives.

    Attributes:
        paths: Each path as its nodes, input first, and the product along it.
        total: The sum of the products: the derivative.

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.autograd import path_sum
        >>> x, y = Value(2.0), Value(3.0)
        >>> found = path_sum(x * y + x, x)
        >>> len(found.paths), found.total  # through x*y (y = 3) and straight (1)
        (2, 4.0)
    """

    paths: list[tuple[list[Value], float]]
    total: float

    def __str__(self) -> str:
        def name(v: Value) -> str:
            return v.label or v.op or f"{v.data:g}"

        lines = [
            f"  {' -> '.join(name(v) for v in nodes)}: {product:.6g}"
            for nodes, product in self.paths
        ]
        return "\n".join([*lines, f"  sum over {len(self.paths)} paths: {self.total:.6g}"])


MAX_PATHS = 10_000
"""The most paths `path_sum` lists: their number can double with every shared node."""


def path_sum(output: Value, input_: Value) -> PathSum:
    """The derivative d output / d input as a sum over paths of local-derivative products.

    The chain rule, written out: every path from the input up to the output
    contributes the product of the local derivatives along it, and the
    derivative is their sum. Backpropagation and forward mode add up the same
    products without listing the paths.

    Args:
        output: The value at the top.
        input_: A value below it, usually a leaf.

    Returns:
        The `PathSum`.

    Raises:
        ValueError: If there are more than `MAX_PATHS` paths, or a node on them
            was built by hand.

    Example:
        >>> x = Value(2.0, label="x")
        >>> y = x * x + x
        >>> print(path_sum(y, x).total)   # 2x + 1
        5.0
    """
    below = set(topological_order(output))
    if input_ not in below:
        return PathSum([], 0.0)
    reaches = {input_}  # the nodes from which input_ can be reached going down
    for node in topological_order(output):
        if any(x in reaches for x in node.inputs):
            reaches.add(node)
    paths: list[tuple[list[Value], float]] = []
    stack: list[tuple[Value, list[Value], float]] = [(output, [output], 1.0)]
    while stack:
        node, trail, product = stack.pop()
        if node is input_:
            paths.append((trail[::-1], product))
            if len(paths) > MAX_PATHS:
                raise ValueError(f"path_sum: more than {MAX_PATHS:,} paths; pick a smaller graph")
            continue
        locals_ = node.local_grads
        if locals_ is None:
            raise ValueError(f"path_sum: {node.label or node.op!r} was built by hand")
        for x, d in reversed(list(zip(node.inputs, locals_, strict=True))):
            if x in reaches:
                stack.append((x, [*trail, x], product * d))
    return PathSum(paths, sum(p for _, p in paths))

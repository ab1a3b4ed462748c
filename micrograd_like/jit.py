"""A compiled batch mode: trace one sample's loss once, replay it over a batch with NumPy.

A training loop rebuilds the same per-sample graph at every step. ``jit(fn,
params)`` builds it once, from placeholder Values, and then replays its
operations on NumPy arrays that hold the whole batch, row by row:

1. **Trace.** ``fn(x, y)`` runs once on placeholders (a list of input Values
   ``x`` and a target Value ``y``), recording the graph as usual.
2. **Plan.** The graph is sorted topologically. Nodes that depend on the
   sample (on ``x`` or ``y``) are grouped by depth and by primitive, so that
   every group becomes a few NumPy operations on a (nodes, batch) array.
   Nodes that do not (the parameters, an L2 penalty on them) are computed
   once per step, with plain floats.
3. **Replay.** Each step runs the plan forward, then backward, and writes
   each parameter's batch-mean gradient into its ``.grad``.

The local derivatives come from the engine's table, `micrograd_like.PRIMITIVES`,
as it is when the graph is traced, like any graph built then. For its built-in
rows this module has array versions (`ARRAY_RULES`, checked against the rows by
the tests); the trace checks, once per primitive, that a row is still the
built-in one. A row you have edited is evaluated as it is, element by element:
slower, but your derivative is the one the replay uses.

What breaks a trace: Python control flow on ``.data`` (``if score.data > 0:``),
or any number computed from an input's data, because the replay repeats the
operations recorded for the traced sample. The first call checks a few rows of
the batch against the eager engine and raises `TraceError` if they disagree.
NumPy is needed (``pip install numpy``); the eager engine never uses it.

Example:
    >>> from micrograd_like import Value, jit
    >>> w = Value(0.5)
    >>> step = jit(lambda x, y: (x[0] * w - y) ** 2, [w])
    >>> step([[1.0], [2.0]], [1.0, 1.0])    # mean of (0.5-1)**2 and (1-1)**2
    0.125
    >>> w.grad                               # mean of 2*(0.5-1)*1 and 2*(1-1)*2
    -0.5
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from micrograd_like.engine import PRIMITIVES, Value, power_by, topological_order
from micrograd_like.fastpath import is_built_in

__all__ = ["ARRAY_RULES", "Compiled", "TraceError", "array_rule", "jit"]


class TraceError(RuntimeError):
    """The traced graph does not hold for this batch; the message says why.

    Example:
        >>> from micrograd_like import Value, jit
        >>> from micrograd_like.jit import TraceError
        >>> w = Value(1.0)
        >>> step = jit(lambda x, y: x[0] * w if x[0].data > 0 else -x[0] * w, [w])
        >>> try:  # Python control flow on .data: each sample would need its own graph
        ...     step([[1.0], [-2.0], [3.0]], [0.0, 0.0, 0.0])
        ... except TraceError as error:
        ...     print(str(error)[:55])
        jit: row 1: the traced graph gives loss -2.0 but fn giv
    """


@dataclass
class _Group:
    """Nodes of one depth made by one primitive: a few NumPy operations each way."""

    op: str  # the primitive, as Value.op names it
    apply: Callable[..., tuple[Any, ...]]  # its row of the table on arrays, as at the trace
    out: Any  # int array: the rows of the outputs
    a: Any  # int array: the rows of the first inputs
    b: Any  # int array or None: the rows of the second inputs
    a_sum: Any  # None, or how to add up the gradients of rows that occur more than once in a
    b_sum: Any
    d_a: Any = None  # local derivatives of the last forward pass
    d_b: Any = None


def _numpy() -> Any:
    try:
        import numpy
    except ImportError as error:
        raise ImportError("micrograd_like.jit needs NumPy: pip install numpy") from error
    return numpy


class Compiled:
    """A traced per-sample loss, replayed over batches; call it as ``step(X, Y)``.

    `jit` makes one; see there.

    Example:
        >>> from micrograd_like import Value, jit
        >>> w = Value(2.0)
        >>> step = jit(lambda x, y: (x[0] * w - y) ** 2, [w])
        >>> type(step).__name__
        'Compiled'
    """

    def __init__(self, fn: Callable[[list[Value], Value], Value], params: Sequence[Value]) -> None:
        self.fn = fn
        self.params = list(params)
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"jit: params must be Values, got {type(p).__name__}")
        self._traced_inputs: int | None = None
        self.nodes = 0

    def _trace(self, first_row: Sequence[float], first_target: float) -> None:
        np = _numpy()
        # The first sample's numbers, so that the trace meets no domain error (log(0)) by chance.
        xs = [Value(float(v), label=f"x{j + 1}") for j, v in enumerate(first_row)]
        y = Value(float(first_target), label="y")
        loss = self.fn(xs, y)
        if not isinstance(loss, Value):
            raise TypeError(f"jit: fn must return a Value, got {type(loss).__name__}")
        order = topological_order(loss)
        self.nodes = len(order)
        placeholders = {x: j for j, x in enumerate(xs)}
        per_sample: set[Value] = set()
        depth: dict[Value, int] = {}
        for node in order:
            if node in placeholders or node is y:
                per_sample.add(node)
                depth[node] = 0
            elif node.inputs and any(child in per_sample for child in node.inputs):
                per_sample.add(node)
                depth[node] = 1 + max(depth.get(child, 0) for child in node.inputs)
        # Array rows only for the per-sample nodes and the shared values they read.
        boundary = [
            child
            for node in order
            if node in per_sample
            for child in node.inputs
            if child not in per_sample
        ]
        row: dict[Value, int] = {}
        for node in [*dict.fromkeys(boundary), *(n for n in order if n in per_sample)]:
            row.setdefault(node, len(row))
        groups: dict[tuple[int, str], list[Value]] = {}
        for node in order:
            if node in per_sample and node.inputs:
                groups.setdefault((depth[node], _op_of(node)), []).append(node)

        def rows(nodes: Sequence[Value | None]) -> Any:
            return np.array([row[n] for n in nodes if n is not None], dtype=np.intp)

        self._groups = []
        for key in sorted(groups, key=lambda k: (k[0], min(row[n] for n in groups[k]))):
            members = groups[key]
            a = rows([n.inputs[0] for n in members])
            b = rows([n.inputs[1] for n in members]) if len(members[0].inputs) == 2 else None
            self._groups.append(
                _Group(
                    key[1],
                    array_rule(key[1], 1 if b is None else 2),
                    rows(members),
                    a,
                    b,
                    _summation(np, a),
                    _summation(np, b),
                )
            )
        # Everything else is the same for every sample: leaves and nodes made of them.
        # It runs on floats, from flat lists of positions rather than from the nodes.
        self._shared = [node for node in order if node not in per_sample]
        position = {node: i for i, node in enumerate(self._shared)}
        self._boundary = [(row[n], position[n]) for n in dict.fromkeys(boundary)]
        self._boundary_rows = np.array([r for r, _ in self._boundary], dtype=np.intp)
        self._shared_leaves = [(i, n) for i, n in enumerate(self._shared) if not n.inputs]
        # (op, the node's position, its inputs' positions; -1 for no second input)
        self._shared_ops: list[tuple[str, int, int, int]] = [
            (_op_of(n), position[n], position[n.inputs[0]], position[n.inputs[-1]])
            if len(n.inputs) == 2
            else (_op_of(n), position[n], position[n.inputs[0]], -1)
            for n in self._shared
            if n.inputs
        ]
        # The table's rules on floats, as at the trace: looked up once per primitive.
        self._rules = {op: _float_rule(op) for op in {op for op, *_ in self._shared_ops}}
        self._param_positions = [(p, position[p]) for p in self.params if p in position]
        # A column the loss never reads has no row: (column, row) for the ones it does.
        self._x_rows = [(j, row[x]) for j, x in enumerate(xs) if x in row]
        self._y_row = row.get(y)
        self._loss_row = row.get(loss)  # None when the loss does not depend on the sample
        self._loss_position = position.get(loss)
        self._order_size = len(row)
        self._unused_params = [p for p in self.params if p not in position]
        self._traced_inputs = len(first_row)

    def __call__(self, X: Sequence[Sequence[float]], Y: Sequence[float]) -> float:
        """Mean loss over the batch; sets each parameter's ``.grad`` to its batch-mean gradient.

        Raises:
            ValueError: If X and Y differ in length, rows differ in width, or
                the batch is empty.
            TraceError: On the first call, if replay and eager results differ.
        """
        np = _numpy()
        xs = np.asarray(X, dtype=float)
        ys = np.asarray(Y, dtype=float)
        if xs.ndim != 2 or xs.shape[0] == 0:
            raise ValueError(f"jit: X must be a non-empty list of rows, got shape {xs.shape}")
        if ys.shape != (xs.shape[0],):
            raise ValueError(f"jit: {xs.shape[0]} rows but Y has shape {ys.shape}")
        first_call = self._traced_inputs is None
        if first_call:
            self._trace(xs[0].tolist(), float(ys[0]))
        elif xs.shape[1] != self._traced_inputs:
            raise ValueError(f"jit: traced for {self._traced_inputs} inputs, got {xs.shape[1]}")
        loss_rows = self._replay(xs, ys)
        if first_call:
            self._verify(xs, ys, loss_rows)
        return float(loss_rows.mean())

    @property
    def groups(self) -> int:
        """How many groups of array operations the plan has (0 before the first call)."""
        return len(getattr(self, "_groups", ()))

    def _replay(self, xs: Any, ys: Any) -> Any:
        np = _numpy()
        batch = xs.shape[0]
        values = np.empty((self._order_size, batch))
        # The shared part, with floats: parameters and constants, then what is made of them.
        shared = [0.0] * len(self._shared)
        for i, leaf in self._shared_leaves:
            shared[i] = leaf.data
        shared_local = []
        rules = self._rules
        for op, out_i, a_i, b_i in self._shared_ops:
            rule = rules[op]
            out = rule(shared[a_i]) if b_i < 0 else rule(shared[a_i], shared[b_i])
            shared[out_i] = out[0]
            shared_local.append(out)
        values[self._boundary_rows] = np.array([shared[i] for _, i in self._boundary])[:, None]
        for j, r in self._x_rows:
            values[r] = xs[:, j]
        if self._y_row is not None:
            values[self._y_row] = ys
        # The per-sample part: one primitive over many rows at once.
        with np.errstate(all="ignore"):
            for g in self._groups:
                if g.b is None:
                    out, g.d_a = g.apply(values[g.a])
                else:
                    out, g.d_a, g.d_b = g.apply(values[g.a], values[g.b])
                values[g.out] = out
        # Backward: d(mean loss)/d(row), per sample.
        grads = np.zeros((self._order_size, batch))
        if self._loss_row is not None:
            grads[self._loss_row] = 1.0 / batch
        for g in reversed(self._groups):
            upstream = grads[g.out]
            _accumulate(np, grads, g.a, upstream * g.d_a, g.a_sum)
            if g.b is not None:
                _accumulate(np, grads, g.b, upstream * g.d_b, g.b_sum)
        # The shared part's gradients: totals over the batch, then the chain rule in floats.
        shared_grads = [0.0] * len(self._shared)
        for (_, i), total in zip(
            self._boundary, grads[self._boundary_rows].sum(axis=1).tolist(), strict=True
        ):
            shared_grads[i] = total
        if self._loss_position is not None:
            shared_grads[self._loss_position] = 1.0
        for (_, out_i, a_i, b_i), out in zip(
            reversed(self._shared_ops), reversed(shared_local), strict=True
        ):
            upstream = shared_grads[out_i]
            shared_grads[a_i] += upstream * out[1]
            if b_i >= 0:
                shared_grads[b_i] += upstream * out[2]
        for p, i in self._param_positions:
            p.grad = shared_grads[i]
        for p in self._unused_params:
            p.grad = 0.0
        if self._loss_row is None:
            assert self._loss_position is not None  # the loss is in one part or the other
            return np.full(batch, shared[self._loss_position])
        return values[self._loss_row]

    def _verify(self, xs: Any, ys: Any, loss_rows: Any) -> None:
        """Runs the eager engine on a few rows; their losses must match the replay."""
        for i in sorted({0, len(xs) // 2, len(xs) - 1}):
            eager = self.fn([Value(float(v)) for v in xs[i]], Value(float(ys[i])))
            replayed = float(loss_rows[i])
            if not math.isclose(eager.data, replayed, rel_tol=1e-9, abs_tol=1e-12):
                raise TraceError(
                    f"jit: row {i}: the traced graph gives loss {replayed!r} but fn gives "
                    f"{eager.data!r}. fn builds a different graph for this sample, most "
                    f"likely through Python control flow on .data (if v.data > 0: ...) or a "
                    f"number computed from an input; write it with Value operations "
                    f"(v.relu(), v.sigmoid()) or use the eager engine"
                )


def _op_of(node: Value) -> str:
    op = node.op
    if node.local_grads is None or (op not in PRIMITIVES and _exponent(op) is None):
        raise TraceError(
            f"jit: the node {node.label or op!r} was built by hand or by a rule that is not "
            f"a row of the table; only the table's primitives can be replayed"
        )
    return op


def _exponent(op: str) -> float | None:
    """The exponent n of a constant power "**n"; None for every other op."""
    return float(op[2:]) if op.startswith("**") and op != "**" else None


def _float_rule(op: str) -> Callable[..., tuple[Any, ...]]:
    """The table's rule for op, on floats."""
    n = _exponent(op)
    rule = PRIMITIVES[op] if n is None else power_by(n)
    assert rule.apply is not None  # rows of the table have one
    return rule.apply


def _array_power(a: Any, b: Any) -> Any:
    """`micrograd_like.operators.power` on arrays: at +-0 with b = +-0.5, PyTorch's sqrt."""
    np = _numpy()
    half = (a == 0) & (np.abs(b) == 0.5)
    return np.where(half, np.where(b > 0, np.sqrt(a), np.copysign(np.inf, a)), np.power(a, b))


def _array_pow(a: Any, b: Any) -> tuple[Any, Any, Any]:
    np = _numpy()
    p = _array_power(a, b)
    d_a = np.where(b == 0, 0.0, b * _array_power(a, b - 1))  # 0 where b == 0, as the row
    at_zero = np.where(b >= 0, 0.0, np.where(b < 0, -np.inf, np.nan))  # PyTorch's values
    d_b = np.where(a == 0, at_zero, p * np.log(a))
    return p, d_a, d_b


def _array_sigmoid(a: Any) -> tuple[Any, Any]:
    np = _numpy()
    e = np.exp(-np.abs(a))  # never overflows
    s = np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return s, s * (1 - s)


def _array_exp(a: Any) -> tuple[Any, Any]:
    e = _numpy().exp(a)
    return e, e


def _array_tanh(a: Any) -> tuple[Any, Any]:
    t = _numpy().tanh(a)
    return t, 1 - t * t


def _array_relu(a: Any) -> tuple[Any, Any]:
    np = _numpy()
    return np.where(a <= 0, 0.0, a), np.where(a <= 0, 0.0, 1.0)  # nan stays nan, slope 1


ARRAY_RULES: dict[str, Callable[..., tuple[Any, ...]]] = {
    "+": lambda a, b: (a + b, 1.0, 1.0),
    "*": lambda a, b: (a * b, b, a),
    "/": lambda a, b: (q := a / b, 1 / b, -q / b),
    "**": _array_pow,
    "exp": _array_exp,
    "log": lambda a: (_numpy().log(a), 1 / a),
    "tanh": _array_tanh,
    "sigmoid": _array_sigmoid,
    "ReLU": _array_relu,
}
"""The built-in rows of `micrograd_like.PRIMITIVES` on NumPy arrays, element by element."""


def array_rule(op: str, arity: int) -> Callable[..., tuple[Any, ...]]:
    """The rule of op on arrays: `ARRAY_RULES` for a built-in row, else the row per element.

    Args:
        op: A `Value.op`: a key of the table, or ``"**n"`` for a constant power.
        arity: How many inputs op's nodes have (1 for ``"**n"``).

    Returns:
        A function of arrays giving ``(value, d/da[, d/db])``, element by element.

    Example:
        >>> import numpy as np
        >>> from micrograd_like.jit import array_rule
        >>> value, d_a, d_b = array_rule("*", 2)(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
        >>> value.tolist(), d_a.tolist(), d_b.tolist()
        ([3.0, 8.0], [3.0, 4.0], [1.0, 2.0])
    """
    n = _exponent(op)
    if is_built_in(op):
        if n is None:
            return ARRAY_RULES[op]
        return lambda a: _array_pow(a, n)[:2]
    # An edited row: evaluate it as it is, one element at a time.
    rule = _float_rule(op)
    np = _numpy()
    each = np.frompyfunc(rule, arity, arity + 1)

    def elementwise(*arrays: Any) -> tuple[Any, ...]:
        return tuple(np.asarray(out, dtype=float) for out in each(*arrays))

    return elementwise


def _summation(np: Any, rows: Any) -> Any:
    """For rows with repeats: (sort order, where each row's run starts, the distinct rows)."""
    if rows is None or len(np.unique(rows)) == len(rows):
        return None
    order = np.argsort(rows, kind="stable")
    distinct, starts = np.unique(rows[order], return_index=True)
    return order, starts, distinct


def _accumulate(np: Any, grads: Any, rows: Any, contribution: Any, summation: Any) -> None:
    if summation is None:
        grads[rows] += contribution
        return
    # A row used by several nodes of the group (an input feeding every neuron) gets their sum.
    order, starts, distinct = summation
    grads[distinct] += np.add.reduceat(contribution[order], starts, axis=0)


def jit(fn: Callable[[list[Value], Value], Value], params: Sequence[Value]) -> Compiled:
    """Compiles a per-sample loss for fast batched training steps.

    Args:
        fn: ``fn(x, y)`` builds one sample's loss from a list of input Values
            x and a target Value y, using the parameters.
        params: The parameters whose ``.grad`` each step sets.

    Returns:
        ``step``: ``step(X, Y)`` takes a batch (rows of inputs, targets),
        returns the mean loss as a float and sets each parameter's ``.grad``
        to the batch-mean gradient. Update the parameters between calls as
        usual; the trace reads their current ``.data`` every step.

    Example:
        >>> from micrograd_like import Value, jit
        >>> w = Value(2.0)
        >>> step = jit(lambda x, y: (x[0] * w - y) ** 2, [w])
        >>> step([[1.0], [2.0]], [1.0, 3.0])  # the mean of (2 - 1)**2 and (4 - 3)**2
        1.0
        >>> w.grad  # the mean of 2 * (2x - y) * x
        3.0
    """
    return Compiled(fn, params)

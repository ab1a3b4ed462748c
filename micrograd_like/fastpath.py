"""Speed outside the engine, on by default: a neuron's weighted sum and its ReLU.

A neuron computes ``relu(b + w0*x0 + w1*x1 + ...)``, and in a network those
``*``, ``+`` and ReLU nodes are nearly all of the graph. `weighted_sum` makes
exactly the nodes of the sum, left to right, and `relu` the ReLU node, with the
same values and local derivatives as the operators, but without Python's
operator dispatch and a table lookup for each node. Both make their nodes with
the engine's own `micrograd_like.engine.record`. Notebook 04 measures what that
buys: an MLP's forward pass takes several times less time.

The fast path obeys the table. It specialises on the built-in ``"*"``, ``"+"``
and ``"ReLU"`` rows (d(w*x)/dw = x, d(w*x)/dx = w, d(s+p)/ds = d(s+p)/dp = 1,
d relu(z)/dz = 0 or 1), so once per call it checks that those rows are still
the built-in ones. If a row has been edited, or `fast_paths` is off, or
``no_grad``/``detect_anomaly`` is active, or an item is not a Value, the nodes
are made by the operators themselves, from whatever the table says.

Example:
    >>> from micrograd_like import Value, fast_paths, weighted_sum
    >>> w, x, b = [Value(2.0), Value(3.0)], [Value(4.0), Value(5.0)], Value(1.0)
    >>> weighted_sum(w, x, b).data      # 1 + 2*4 + 3*5
    24.0
    >>> with fast_paths(False):         # the plain engine builds the same nodes
    ...     weighted_sum(w, x, b).data
    24.0
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType

from micrograd_like.engine import PRIMITIVES, Value, record
from micrograd_like.grad_mode import MODE, RECORDING
from micrograd_like.validate import is_real

__all__ = [
    "BUILT_IN",
    "fast_paths",
    "fast_paths_enabled",
    "is_built_in",
    "relu",
    "weighted_sum",
]

BUILT_IN = dict(PRIMITIVES)
"""The table's rows as the package was imported: what fast paths may specialise on."""
_BUILT_IN_MUL, _BUILT_IN_ADD, _BUILT_IN_RELU = BUILT_IN["*"], BUILT_IN["+"], BUILT_IN["ReLU"]
_enabled = [True]


class _FastPaths:
    """The switch `fast_paths` returns: already applied, and undone at the end of a with."""

    def __init__(self, enabled: bool) -> None:
        self.previous = _enabled[0]
        _enabled[0] = bool(enabled)

    def __enter__(self) -> _FastPaths:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        _enabled[0] = self.previous


def fast_paths(enabled: bool) -> _FastPaths:
    """Turns the fast paths on or off, for the whole process.

    It takes effect at once; used in a ``with`` block, the previous setting
    comes back at its end. Results are the same either way, node for node: a
    lesson can switch the fast path off to show the plain engine at work.

    Args:
        enabled: True for the fast paths (the default), False for the plain engine.

    Returns:
        The setting, which is also a context manager that puts the old one back.

    Raises:
        TypeError: If enabled is not True or False.

    Example:
        >>> from micrograd_like import fast_paths
        >>> from micrograd_like.fastpath import fast_paths_enabled
        >>> with fast_paths(False):
        ...     fast_paths_enabled()
        False
        >>> fast_paths_enabled()
        True
    """
    if not isinstance(enabled, bool):
        raise TypeError(f"fast_paths: enabled must be True or False, got {enabled!r}")
    return _FastPaths(enabled)


def fast_paths_enabled() -> bool:
    """Whether the fast paths are on.

    Returns:
        True unless `fast_paths` turned them off.

    Example:
        >>> from micrograd_like.fastpath import fast_paths_enabled
        >>> fast_paths_enabled()
        True
    """
    return _enabled[0]


def is_built_in(op: str) -> bool:
    """Whether op's row of the table is still the built-in one (``"**n"``: the ``"**"`` row).

    A fast path that specialises on a row checks this once per call, not once per node.

    Args:
        op: The name of a row of `PRIMITIVES`, or ``"**n"``.

    Returns:
        Whether that row is the one the package ships.

    Example:
        >>> from micrograd_like.fastpath import is_built_in
        >>> is_built_in("*")
        True
    """
    row = "**" if op[:2] == "**" else op
    built_in = BUILT_IN.get(row)
    return built_in is not None and PRIMITIVES.get(row) is built_in


def weighted_sum(
    weights: Iterable[Value | float], inputs: Iterable[Value | float], start: Value | float = 0.0
) -> Value:
    """``start + w0*x0 + w1*x1 + ...``, a neuron's weighted sum, built in one loop.

    The graph is node for node the one the expression builds, left to right: a
    ``*`` node per term, then a ``+`` node adding it to the sum so far.

    Args:
        weights: Values or numbers (numbers become constant leaves).
        inputs: Values or numbers, as many as weights.
        start: The first term, usually the bias.

    Returns:
        The sum; start itself (as a Value) when there are no terms.

    Raises:
        ValueError: If weights and inputs differ in length.
        TypeError: If an item is neither a Value nor a real number.

    Example:
        >>> from micrograd_like import Value, weighted_sum
        >>> s = weighted_sum([Value(2.0), Value(3.0)], [1.0, -1.0], start=Value(0.5))
        >>> s.data, s.op  # 0.5 + 2*1 + 3*(-1)
        (-0.5, '+')
    """
    ws = weights if type(weights) is list else list(weights)
    xs = inputs if type(inputs) is list else list(inputs)
    if len(ws) != len(xs):
        raise ValueError(f"weighted_sum: {len(ws)} weights but {len(xs)} inputs")
    rows = PRIMITIVES["*"] is _BUILT_IN_MUL and PRIMITIVES["+"] is _BUILT_IN_ADD
    total = _operand(start)  # a number (the default 0.0) becomes a constant leaf
    if rows and _enabled[0]:
        mode = MODE.get()
        if mode is RECORDING:
            built = _one_loop(ws, xs, total)
        elif not (mode.record or mode.check_finite):  # no_grad: predictions, plots
            built = _evaluated(ws, xs, total)
        else:
            built = None
        if built is not None:
            return built
    # The expression itself, operator by operator: numbers become constant leaves first.
    for w, x in zip(ws, xs, strict=True):
        total = total + _operand(w) * _operand(x)
    return total


def relu(x: Value) -> Value:
    """``x.relu()``, a network's activation, with one check per call instead of a lookup.

    Args:
        x: The Value to rectify.

    Returns:
        ``max(x, 0)`` as a Value, the node ``x.relu()`` makes.

    Raises:
        TypeError: If x is not a Value.

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.fastpath import relu
        >>> relu(Value(-2.0)).data, relu(Value(3.0)).data
        (0.0, 3.0)
    """
    if not isinstance(x, Value):
        raise TypeError(f"relu: expected a Value, got {type(x).__name__}: {x!r}")
    if not (_fast() and PRIMITIVES["ReLU"] is _BUILT_IN_RELU):
        return x.relu()
    d = x.data  # the built-in row: relu(d) = 0 up to 0, else d; slope 0 or 1 (1 at nan)
    return record(_BUILT_IN_RELU, 0.0, x, 0.0) if d <= 0 else record(_BUILT_IN_RELU, d, x, 1.0)


def _fast() -> bool:
    """Whether the fast path may run here: switched on, and no no_grad or detect_anomaly."""
    return _enabled[0] and MODE.get() is RECORDING


def _operand(x: object) -> Value:
    if isinstance(x, Value):
        return x
    if not is_real(x):
        raise TypeError(f"weighted_sum: expected Values or numbers, got {type(x).__name__}: {x!r}")
    return Value(x)  # type: ignore[arg-type]  # is_real checked it


def _evaluated(weights: list[object], inputs: list[object], total: Value) -> Value | None:
    """The sum under no_grad: only its value, since every node would be a leaf anyway.

    The same float operations as the built-in rows, in the same order: the same number.
    """
    data = total.data
    for w, x in zip(weights, inputs, strict=True):
        if type(w) is not Value or type(x) is not Value:
            return None
        data += w.data * x.data
    return Value(data)


def _one_loop(weights: list[object], inputs: list[object], total: object) -> Value | None:
    """The nodes of the sum, made directly; None where only the expression will do."""
    if type(total) is not Value:
        return None
    mul, add = _BUILT_IN_MUL, _BUILT_IN_ADD
    total_data = total.data
    for w, x in zip(weights, inputs, strict=True):
        if type(w) is not Value or type(x) is not Value:
            return None  # the nodes made so far are garbage: no existing Value has changed
        w_data, x_data = w.data, x.data
        product = record(mul, w_data * x_data, w, x_data, x, w_data)  # d/dw = x, d/dx = w
        total_data += product.data
        total = record(add, total_data, total, 1.0, product, 1.0)  # d/da = d/db = 1
    return total

"""The scalar autograd engine: `Value`, its primitives, and the backward pass.

A `Value` wraps one float. Every operation on Values returns a new Value that
remembers its inputs (``_prev``) and the primitive that made it (``_op``), so a
forward pass builds a computation graph as it runs. ``backward()`` then sorts
that graph topologically and walks it from the output back to the leaves,
applying the chain rule: every node hands ``its grad * d(node)/d(input)`` to
each of its inputs, and an input reached along several paths adds them up.

Example:
    >>> from micrograd_like import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x          # dy/dx = 2x + 3
    >>> y.backward()
    >>> x.grad
    7.0

Only a handful of primitives know a derivative (see the table below); negation,
subtraction, division and the reflected operators are built from them.
"""

from __future__ import annotations

import contextlib
import functools
import math
import numbers
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, NamedTuple

__all__ = [
    "PRIMITIVES",
    "Primitive",
    "Value",
    "detect_anomaly",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "topological_order",
]


# ---------------------------------------------------------------------------
# Float helpers. They turn Python's exceptions into the IEEE results PyTorch
# gives (inf rather than OverflowError) and the domain checks into errors that
# name the operation and its inputs.
# ---------------------------------------------------------------------------


def _is_integer(x: float) -> bool:
    return math.isfinite(x) and x == int(x)


def _float_pow(base: float, exponent: float) -> float:
    """Computes base ** exponent; overflow and 0 ** -n give inf, as in IEEE 754."""
    try:
        result = base**exponent
    except ZeroDivisionError:
        return math.inf
    except OverflowError:
        negative = base < 0 and _is_integer(exponent) and int(exponent) % 2 == 1
        return -math.inf if negative else math.inf
    if isinstance(result, complex):
        # Only derivative formulas reach this; forward passes refuse such inputs first.
        return math.nan
    return float(result)


def _check_pow_domain(base: float, exponent: float, exponent_is_value: bool) -> None:
    if base < 0 and exponent_is_value:
        raise ValueError(
            f"pow: base {base!r} is negative and the exponent is a Value, but "
            f"d(a**b)/db = a**b * log(a) has no real value for a < 0; "
            f"use a plain number as the exponent (v ** 2) if it is a constant"
        )
    if base < 0 and not _is_integer(exponent) and math.isfinite(exponent):
        raise ValueError(
            f"pow: ({base!r}) ** {exponent!r} has no real result "
            f"(negative base, non-integer exponent)"
        )
    if base == 0 and exponent < 0:
        raise ZeroDivisionError(f"pow: {base!r} ** {exponent!r} divides by zero")


def _pow_forward(base: float, exponent: float) -> float:
    _check_pow_domain(base, exponent, exponent_is_value=True)
    return _float_pow(base, exponent)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _log(x: float) -> float:
    if x <= 0:
        raise ValueError(f"log: input must be positive, got {x!r}")
    return math.log(x)


def _sigmoid(x: float) -> float:
    # exp of a non-positive number never overflows, so branch on the sign.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _relu(x: float) -> float:
    # Written so that relu(nan) is nan, as in PyTorch.
    return 0.0 if x <= 0 else x


# Polymorphic helpers for the derivative column: each works on a float (for
# backward) and on a Value (for differentiating the derivative itself).


def _pow(base: Any, exponent: Any) -> Any:
    if isinstance(base, Value):
        return base**exponent
    if isinstance(exponent, Value):
        return Value(base) ** exponent
    return _float_pow(base, exponent)


def _ln(x: Any) -> Any:
    return x.log() if isinstance(x, Value) else _log(x)


def _step(x: Any) -> float:
    """The derivative of relu: 1 for x > 0, and 0 at 0 as in PyTorch."""
    x = x.data if isinstance(x, Value) else x
    return 1.0 if x > 0 else 0.0


def _pow_local_grads(a: Any, b: Any, out: Any) -> tuple[Any, Any]:
    d_base = b * _pow(a, b - 1)
    # log(a) is undefined at a == 0; there a**b == 0 (b >= 0) and PyTorch reports 0.
    a_data = a.data if isinstance(a, Value) else a
    d_exponent = 0.0 if a_data == 0 else out * _ln(a)
    return d_base, d_exponent


# ---------------------------------------------------------------------------
# The table of primitives.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Primitive:
    """One differentiable operation: its forward value and its local derivatives.

    Attributes:
        name: The operator, as shown in ``Value._op`` and in diagrams.
        forward: Computes the output float from the input floats; raises a
            ValueError or ZeroDivisionError naming itself on a domain error.
        local_grads: ``local_grads(*inputs, out)`` returns d(out)/d(input) for
            every input, in argument order. It uses only arithmetic that works on
            floats and on Values alike, so the same rule gives numbers for
            ``backward()`` and differentiable expressions for higher derivatives.
        formula: The forward value in words, for documentation and diagrams.
        derivatives: Each local derivative in words, in argument order.
        custom_backward: Set only on nodes whose ``_backward`` was assigned by
            hand, micrograd style; it then replaces ``local_grads``.
    """

    name: str
    forward: Callable[..., float] | None
    local_grads: Callable[..., tuple[Any, ...]] | None
    formula: str = ""
    derivatives: tuple[str, ...] = ()
    custom_backward: Callable[[], None] | None = None

    @property
    def arity(self) -> int:
        """How many inputs the primitive takes."""
        return len(self.derivatives)


# fmt: off
#                   name       forward             local derivatives d(out)/d(input)  formula       the derivatives in words
ADD     = Primitive("+",       lambda a, b: a + b, lambda a, b, out: (1.0, 1.0),            "a + b",      ("1", "1"))
MUL     = Primitive("*",       lambda a, b: a * b, lambda a, b, out: (b, a),                "a * b",      ("b", "a"))
POW     = Primitive("**",      _pow_forward,   _pow_local_grads,                            "a ** b",     ("b * a**(b-1)", "a**b * log(a)"))
EXP     = Primitive("exp",     _exp,           lambda a, out: (out,),                       "exp(a)",     ("exp(a)",))
LOG     = Primitive("log",     _log,           lambda a, out: (1 / a,),                     "log(a)",     ("1/a",))
TANH    = Primitive("tanh",    math.tanh,      lambda a, out: (1 - out * out,),             "tanh(a)",    ("1 - tanh(a)**2",))
SIGMOID = Primitive("sigmoid", _sigmoid,       lambda a, out: (out * (1 - out),),           "sigmoid(a)", ("sigmoid(a) * (1 - sigmoid(a))",))
RELU    = Primitive("ReLU",    _relu,          lambda a, out: (_step(a),),                  "max(0, a)",  ("1 if a > 0 else 0",))
# fmt: on


@functools.lru_cache(maxsize=1024, typed=True)  # typed: keep "**2" and "**2.0" apart
def _power_by(n: float) -> Primitive:
    """The primitive ``a ** n`` for a constant number n (micrograd's ``**n``)."""

    def forward(a: float) -> float:
        _check_pow_domain(a, n, exponent_is_value=False)
        return _float_pow(a, n)

    return Primitive(
        f"**{n}",
        forward,
        lambda a, out: (n * _pow(a, n - 1),),
        f"a ** {n}",
        (f"{n} * a**{n - 1}",),
    )


LEAF = Primitive("", None, None)


@functools.lru_cache(maxsize=256)
def _opaque(op: str) -> Primitive:
    """A node built by hand with ``Value(data, children, op)``: no rule until one is set."""
    return Primitive(op, None, None)


PRIMITIVES: tuple[Primitive, ...] = (ADD, MUL, POW, EXP, LOG, TANH, SIGMOID, RELU)
"""Every primitive with a built-in derivative, except ``** n`` (one per exponent)."""


# ---------------------------------------------------------------------------
# Grad mode and anomaly mode, per thread and per asyncio task.
# ---------------------------------------------------------------------------


class _Mode(NamedTuple):
    grad_enabled: bool
    anomaly: bool


# A NamedTuple is immutable, so sharing it as the default is safe.
_MODE: ContextVar[_Mode] = ContextVar(
    "micrograd_like_mode",
    default=_Mode(grad_enabled=True, anomaly=False),  # noqa: B039
)


def is_grad_enabled() -> bool:
    """Whether operations record the graph here (False inside `no_grad`)."""
    return _MODE.get().grad_enabled


def is_anomaly_enabled() -> bool:
    """Whether `detect_anomaly` is active here."""
    return _MODE.get().anomaly


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Within this block, operations record no graph: results are leaves.

    Use it for evaluation and for parameter updates. The setting is per thread
    (a `contextvars.ContextVar`), so other threads keep recording. Also works as
    a decorator.

    Example:
        >>> with no_grad():
        ...     y = Value(2.0) * 3
        >>> y._prev
        ()
    """
    token = _MODE.set(_MODE.get()._replace(grad_enabled=False))
    try:
        yield
    finally:
        _MODE.reset(token)


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Within this block, the first operation to produce NaN or inf raises.

    By default non-finite floats propagate as IEEE 754 prescribes (``exp(1000)``
    is inf), as in PyTorch. Inside this block the forward operation, or the
    backward step, that first yields a NaN or an infinity raises
    `FloatingPointError` naming the operation and its inputs.
    """
    token = _MODE.set(_MODE.get()._replace(anomaly=True))
    try:
        yield
    finally:
        _MODE.reset(token)


# ---------------------------------------------------------------------------
# The node.
# ---------------------------------------------------------------------------


_new_node = object.__new__


def _node(data: float, children: tuple[Value, ...], rule: Primitive) -> Value:
    """Creates the output node of ``rule`` applied to ``children``."""
    mode = _MODE.get()
    if mode.anomaly and not math.isfinite(data):
        inputs = ", ".join(repr(c.data) for c in children)
        raise FloatingPointError(f"{rule.name}: produced {data!r} from input(s) {inputs}")
    node: Value = _new_node(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    if mode.grad_enabled:
        node._prev = children
        node._rule = rule
    else:
        node._prev = ()
        node._rule = LEAF
    return node


def _constant(x: float) -> Value:
    node: Value = _new_node(Value)
    node.data = float(x)
    node.grad = 0.0
    node.label = ""
    node._prev = ()
    node._rule = LEAF
    return node


def _is_number(x: object) -> bool:
    return type(x) is float or type(x) is int or isinstance(x, numbers.Real)


def _as_value(x: object) -> Value | None:
    """A Value for x if it is a Value or a real number, else None."""
    if isinstance(x, Value):
        return x
    if _is_number(x):
        return _constant(x)  # type: ignore[arg-type]  # _is_number checked it is real
    return None


def _unary(rule: Primitive, a: Value) -> Value:
    assert rule.forward is not None
    return _node(rule.forward(a.data), (a,), rule)


def _binary(rule: Primitive, a: Value, b: Value) -> Value:
    assert rule.forward is not None
    return _node(rule.forward(a.data, b.data), (a, b), rule)


class Value:
    """A scalar in a computation graph: its value, its gradient and how it was made.

    Args:
        data: The value, a real number (stored as a float).
        _children: The inputs of the operation that produced this value. Only
            for code written for micrograd; operations fill it in themselves.
        _op: The name of that operation, as micrograd's third argument.
        label: A name shown in diagrams and reports.

    Attributes:
        data: The float value.
        grad: d(root)/d(self) once ``root.backward()`` has reached this node,
            0.0 before.
        label: The display name.
        _prev: The input nodes, in argument order; ``()`` for a leaf.
        _op: The operation that produced this node; ``""`` for a leaf.

    Raises:
        TypeError: If data is not a real number, or label is not a string.
    """

    __slots__ = ("_prev", "_rule", "data", "grad", "label")

    data: float
    grad: float
    label: str
    _prev: tuple[Value, ...]
    _rule: Primitive

    def __init__(
        self,
        data: float,
        _children: Iterable[Value] = (),
        _op: str = "",
        label: str = "",
    ) -> None:
        if not _is_number(data) or isinstance(data, Value):
            raise TypeError(
                f"Value() needs a real number (int or float), got {type(data).__name__}: {data!r}"
            )
        if not isinstance(label, str):
            raise TypeError(f"Value() label must be a str, got {type(label).__name__}: {label!r}")
        if not isinstance(_op, str):
            raise TypeError(f"Value() _op must be a str, got {type(_op).__name__}: {_op!r}")
        children = tuple(_children)
        for child in children:
            if not isinstance(child, Value):
                raise TypeError(
                    f"Value() children must be Values, got {type(child).__name__}: {child!r}"
                )
        try:
            self.data = float(data)
        except OverflowError:
            raise OverflowError(f"Value(): {data!r} is too large for a float") from None
        self.grad = 0.0
        self.label = label
        self._prev = children
        self._rule = _opaque(_op) if (children or _op) else LEAF

    # -- operations: each is one primitive from the table, or built from them --

    def __add__(self, other: Value | float) -> Value:
        o = _as_value(other)
        return NotImplemented if o is None else _binary(ADD, self, o)

    def __mul__(self, other: Value | float) -> Value:
        o = _as_value(other)
        return NotImplemented if o is None else _binary(MUL, self, o)

    def __pow__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return _binary(POW, self, other)
        if not _is_number(other):
            return NotImplemented
        n = other if type(other) is int else float(other)
        return _unary(_power_by(n), self)

    def exp(self) -> Value:
        """Euler's number to the power self."""
        return _unary(EXP, self)

    def log(self) -> Value:
        """Natural logarithm; raises ValueError for self <= 0."""
        return _unary(LOG, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent; exact to 1.0 at large inputs, never overflows."""
        return _unary(TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e ** -self), computed without overflow for any finite input."""
        return _unary(SIGMOID, self)

    def relu(self) -> Value:
        """max(0, self), with derivative 0 at 0 as in PyTorch."""
        return _unary(RELU, self)

    def __neg__(self) -> Value:  # -self
        return self * -1

    def __radd__(self, other: float) -> Value:  # other + self
        o = _as_value(other)
        return NotImplemented if o is None else _binary(ADD, o, self)

    def __sub__(self, other: Value | float) -> Value:  # self - other
        if not isinstance(other, Value) and not _is_number(other):
            return NotImplemented
        return self + (-other)

    def __rsub__(self, other: float) -> Value:  # other - self
        o = _as_value(other)
        return NotImplemented if o is None else o + (-self)

    def __rmul__(self, other: float) -> Value:  # other * self
        o = _as_value(other)
        return NotImplemented if o is None else _binary(MUL, o, self)

    def __truediv__(self, other: Value | float) -> Value:  # self * other**-1
        o = _as_value(other)
        if o is None:
            return NotImplemented
        if o.data == 0:
            raise ZeroDivisionError(f"division by zero: {self.data!r} / {o.data!r}")
        return self * o**-1

    def __rtruediv__(self, other: float) -> Value:  # other * self**-1
        o = _as_value(other)
        if o is None:
            return NotImplemented
        if self.data == 0:
            raise ZeroDivisionError(f"division by zero: {o.data!r} / {self.data!r}")
        return o * self**-1

    def __rpow__(self, other: float) -> Value:  # other ** self
        o = _as_value(other)
        return NotImplemented if o is None else _binary(POW, o, self)

    # -- graph utilities --

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this graph."""
        return Value(self.data, label=self.label)

    @property
    def _op(self) -> str:
        return self._rule.name

    @property
    def _backward(self) -> Callable[[], None]:
        """This node's chain-rule step, as micrograd's ``_backward`` closure.

        Calling it adds ``self.grad * d(self)/d(child)`` to every child's grad.
        Assigning a function instead makes backward() call that function for
        this node, which is how micrograd's lectures define new operations.
        """
        return functools.partial(_propagate, self)

    @_backward.setter
    def _backward(self, step: Callable[[], None]) -> None:
        self._rule = Primitive(self._rule.name, None, None, custom_backward=step)

    def backward(self, gradient: float = 1.0) -> None:
        """Computes d(self)/d(node) for every node of the graph below self.

        The graph is sorted topologically without recursion, so chains of
        millions of nodes work. Gradients follow PyTorch: a node used along
        several paths receives their sum, and leaves accumulate across calls
        (call ``zero_grad`` or set ``.grad = 0`` between steps). The grads of
        inner nodes are recomputed from zero on every call, so a second call
        gives each leaf exactly twice its gradient.

        Args:
            gradient: d(loss)/d(self), the seed of the chain rule.

        Raises:
            FloatingPointError: Inside `detect_anomaly`, when a gradient
                becomes NaN or infinite; the message names the operation.
        """
        if not _is_number(gradient):
            raise TypeError(
                f"backward(): gradient must be a real number, got {type(gradient).__name__}"
            )
        order = topological_order(self)
        for node in order:
            if node._prev:
                node.grad = 0.0
        self.grad += float(gradient)
        anomaly = _MODE.get().anomaly
        for node in reversed(order):
            _propagate(node)
            if anomaly:
                _check_grads_finite(node)

    # -- display --

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"


def _propagate(node: Value) -> None:
    """One chain-rule step: adds node.grad * d(node)/d(child) to each child."""
    rule = node._rule
    if rule.custom_backward is not None:
        rule.custom_backward()
        return
    children = node._prev
    if not children or rule.local_grads is None:
        return
    grad = node.grad
    local_grads = rule.local_grads(*[child.data for child in children], node.data)
    for child, local_grad in zip(children, local_grads, strict=True):
        child.grad += local_grad * grad


def _check_grads_finite(node: Value) -> None:
    for child in node._prev:
        if not math.isfinite(child.grad):
            raise FloatingPointError(
                f"backward of {node._op or 'a leaf'}: gradient {child.grad!r} reached an "
                f"input with data {child.data!r} (output data {node.data!r}, grad {node.grad!r})"
            )


def topological_order(root: Value) -> list[Value]:
    """Every node of root's graph, each after all of its inputs; root comes last.

    Iterative depth-first search, children in argument order, so the order is
    deterministic and deep graphs cannot overflow the stack.
    """
    order: list[Value] = []
    visited: set[Value] = {root}
    stack: list[tuple[Value, Iterator[Value]]] = [(root, iter(root._prev))]
    while stack:
        node, children = stack[-1]
        for child in children:
            if child not in visited:
                visited.add(child)
                stack.append((child, iter(child._prev)))
                break
        else:
            stack.pop()
            order.append(node)
    return order

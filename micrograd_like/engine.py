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
import inspect
import itertools
import math
import numbers
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

__all__ = [
    "PRIMITIVES",
    "Primitive",
    "Value",
    "detect_anomaly",
    "grad",
    "gradients",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "power_by",
    "topological_order",
    "weighted_sum",
]


# ---------------------------------------------------------------------------
# Math helpers. Each works on a float (the forward pass) and on a Value (so the
# same rule can build a derivative that is itself differentiable). On floats
# they give IEEE 754 results as PyTorch does (overflow is inf, not an error).
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
    # A complex result means no real one; forward passes refuse such inputs first.
    return math.nan if isinstance(result, complex) else float(result)


def _is_scalar(x: Any) -> bool:
    return isinstance(x, (int, float))


def _arrays() -> Any:
    """NumPy, for the batched replay of `micrograd_like.jit`; the eager engine never gets here."""
    import numpy

    return numpy


def _pow(base: Any, exponent: Any) -> Any:
    if isinstance(base, Value):
        return base**exponent
    if isinstance(exponent, Value):
        return Value(base) ** exponent
    if _is_scalar(base) and _is_scalar(exponent):
        return _float_pow(base, exponent)
    np = _arrays()
    with np.errstate(all="ignore"):
        return np.power(base, exponent)


def _exp(x: Any) -> Any:
    if isinstance(x, Value):
        return x.exp()
    if not _is_scalar(x):
        np = _arrays()
        with np.errstate(over="ignore"):
            return np.exp(x)
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _log(x: Any) -> Any:
    if isinstance(x, Value):
        return x.log()
    if not _is_scalar(x):
        np = _arrays()
        with np.errstate(all="ignore"):
            return np.log(x)
    return math.log(x)


def _tanh(x: Any) -> Any:
    if isinstance(x, Value):
        return x.tanh()
    return math.tanh(x) if _is_scalar(x) else _arrays().tanh(x)


def _sigmoid(x: Any) -> Any:
    if isinstance(x, Value):
        return x.sigmoid()
    if not _is_scalar(x):
        np = _arrays()
        e = np.exp(-np.abs(x))  # never overflows
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    # exp of a non-positive number never overflows, so branch on the sign.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _relu(x: Any) -> Any:
    if type(x) is not float:  # floats, the forward pass, skip two checks
        if isinstance(x, Value):
            return x.relu()
        if not _is_scalar(x):
            return _arrays().maximum(x, 0.0)  # propagates nan, as PyTorch
    return 0.0 if x <= 0 else x  # written so that relu(nan) is nan, as in PyTorch


def _step(x: Any) -> Any:
    """The derivative of relu: 1 for x > 0, and 0 at 0 as in PyTorch."""
    if type(x) is not float:
        x = x.data if isinstance(x, Value) else x
        if not _is_scalar(x):
            return _arrays().where(x > 0, 1.0, 0.0)
    return 1.0 if x > 0 else 0.0


def _pow_exponent_grad(power: Any, base: Any) -> Any:
    """d(a**b)/db = a**b * log(a); 0 at a == 0, where PyTorch reports 0 too."""
    base_data = base.data if isinstance(base, Value) else base
    if not _is_scalar(base_data):
        np = _arrays()
        with np.errstate(all="ignore"):
            return np.where(base_data == 0, 0.0, power * np.log(base_data))
    return 0.0 if base_data == 0 else power * _log(base)


# Domain checks, run on the input floats before any node is made.


def _check_log(a: float) -> None:
    if a <= 0:
        raise ValueError(f"log: input must be positive, got {a!r}")


def _check_power(base: float, exponent: float) -> None:
    if base < 0 and not _is_integer(exponent) and math.isfinite(exponent):
        raise ValueError(
            f"pow: ({base!r}) ** {exponent!r} has no real result "
            f"(negative base, non-integer exponent)"
        )
    if base == 0 and exponent < 0:
        raise ZeroDivisionError(f"pow: {base!r} ** {exponent!r} divides by zero")


def _check_pow(base: float, exponent: float) -> None:
    if base < 0:
        raise ValueError(
            f"pow: base {base!r} is negative and the exponent is a Value, but "
            f"d(a**b)/db = a**b * log(a) has no real value for a < 0; "
            f"use a plain number as the exponent (v ** 2) if it is a constant"
        )
    _check_power(base, exponent)


# ---------------------------------------------------------------------------
# The table of primitives.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Primitive:
    """One differentiable operation: its value and its local derivatives.

    Attributes:
        name: The operator, as shown in ``Value._op`` and in diagrams.
        apply: ``apply(*inputs)`` returns ``(value, d value/d input_1, ...)``,
            one derivative per input in argument order. It uses only arithmetic
            that works on floats and on Values alike, so the same rule gives
            numbers for ``backward()`` and differentiable expressions for
            derivatives of derivatives.
        check: Raises ValueError or ZeroDivisionError, naming the operation and
            the inputs, when the inputs are outside the domain.
        custom_backward: Set only on nodes whose ``_backward`` was assigned by
            hand, micrograd style; backward() then calls it for that node.
    """

    name: str
    apply: Callable[..., tuple[Any, ...]] | None = None
    check: Callable[..., None] | None = None
    custom_backward: Callable[[], None] | None = None

    @property
    def arity(self) -> int:
        """How many inputs the primitive takes (0 for leaves and hand-built nodes)."""
        if self.apply is None:
            return 0
        return len(inspect.signature(self.apply).parameters)


# fmt: off
#                   name       inputs       value                  d value / d a        d value / d b
ADD     = Primitive("+",       lambda a, b: (a + b,                1.0,                 1.0))
MUL     = Primitive("*",       lambda a, b: (a * b,                b,                   a))
POW     = Primitive("**",      lambda a, b: (p := _pow(a, b),      b * _pow(a, b - 1),  _pow_exponent_grad(p, a)), _check_pow)
EXP     = Primitive("exp",     lambda a:    (e := _exp(a),         e))
LOG     = Primitive("log",     lambda a:    (_log(a),              1 / a),              _check_log)
TANH    = Primitive("tanh",    lambda a:    (t := _tanh(a),        1 - t * t))
SIGMOID = Primitive("sigmoid", lambda a:    (s := _sigmoid(a),     s * (1 - s)))
RELU    = Primitive("ReLU",    lambda a:    (_relu(a),             _step(a)))
# fmt: on


@functools.lru_cache(maxsize=1024, typed=True)  # typed: keep "**2" and "**2.0" apart
def power_by(n: float) -> Primitive:
    """The primitive ``a ** n`` for a constant number n, named ``**n`` as in micrograd."""
    if n == 0:
        # d(a**0)/da is 0 everywhere, also at a == 0 where n * a**-1 would be 0 * inf.
        return Primitive("**0", lambda a: (_pow(a, 0), 0.0))
    return Primitive(
        f"**{n}",
        lambda a: (_pow(a, n), n * _pow(a, n - 1)),
        lambda a: _check_power(a, n),
    )


LEAF = Primitive("")
"""The rule of leaves: inputs, parameters, constants and no_grad results."""


def _pass_nothing() -> None:
    """The default ``_backward`` of micrograd: a hand-built node passes no gradient."""


# Whether any node has been given a backward step of its own, by Value(data, children, op) or
# by assigning _backward (micrograd's way to define an operation). Until one has, no graph can
# hold such a node, and backward() runs the chain rule without asking each node for one.
_hand_written_steps = False


@functools.lru_cache(maxsize=256)
def _hand_built(op: str) -> Primitive:
    """A node made by ``Value(data, children, op)``: no gradient flows until ``_backward`` is set."""
    return Primitive(op, custom_backward=_pass_nothing)


PRIMITIVES: tuple[Primitive, ...] = (ADD, MUL, POW, EXP, LOG, TANH, SIGMOID, RELU)
"""Every primitive with a built-in derivative; ``a ** n`` has one per n (see `power_by`)."""


# ---------------------------------------------------------------------------
# Grad mode and anomaly mode, per thread and per asyncio task.
# ---------------------------------------------------------------------------


class _Mode(NamedTuple):
    grad_enabled: bool
    anomaly: bool


# Recording, no anomaly checks: the common case, tested for by identity in the hot path.
# A NamedTuple is immutable, so sharing it as the default is safe.
_DEFAULT_MODE = _Mode(grad_enabled=True, anomaly=False)
_MODE: ContextVar[_Mode] = ContextVar("micrograd_like_mode", default=_DEFAULT_MODE)


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

# Every node starts with this very float object as its grad. It equals 0.0, but
# `is` tells it apart from any grad a backward pass (or a user) has written, so
# diagrams can say "not computed yet" instead of showing a misleading zero.
_GRAD_NOT_COMPUTED = float("0")


def _leaf(data: float) -> Value:
    node: Value = _new_node(Value)
    node.data = data
    node.grad = _GRAD_NOT_COMPUTED
    node.label = ""
    node._rule = LEAF
    node._a = node._b = None
    node._da = node._db = 0.0
    return node


def _result(
    rule: Primitive, a: Value, b: Value | None, data: float, d_a: Any, d_b: Any = 0.0
) -> Value:
    """The node ``data = rule(a[, b])``, remembering its inputs and local derivatives."""
    mode = _MODE.get()
    if mode is not _DEFAULT_MODE:  # inside no_grad or detect_anomaly
        if mode.anomaly and not math.isfinite(data):
            inputs = repr(a.data) if b is None else f"{a.data!r}, {b.data!r}"
            raise FloatingPointError(f"{rule.name}: produced {data!r} from input(s) {inputs}")
        if not mode.grad_enabled:
            return _leaf(data)
    node: Value = _new_node(Value)
    node.data = data
    node.grad = _GRAD_NOT_COMPUTED
    node.label = ""
    node._rule = rule
    node._a = a
    node._b = b
    node._da = d_a
    node._db = d_b
    return node


def _unary(rule: Primitive, a: Value) -> Value:
    x = a.data
    if rule.check is not None:
        rule.check(x)
    data, d_a = rule.apply(x)  # type: ignore[misc]  # every unary rule has apply
    return _result(rule, a, None, data, d_a)


def _binary(rule: Primitive, a: Value, b: Value) -> Value:
    x, y = a.data, b.data
    if rule.check is not None:
        rule.check(x, y)
    data, d_a, d_b = rule.apply(x, y)  # type: ignore[misc]  # every binary rule has apply
    return _result(rule, a, b, data, d_a, d_b)


def _is_number(x: object) -> bool:
    return type(x) is float or type(x) is int or isinstance(x, numbers.Real)


def _as_value(x: object) -> Value | None:
    """A Value for x if it is a Value or a real number (as a constant leaf), else None."""
    if isinstance(x, Value):
        return x
    if _is_number(x):
        return _leaf(float(x))  # type: ignore[arg-type]  # _is_number checked it is real
    return None


class Value:
    """A scalar in a computation graph: its value, its gradient and how it was made.

    Args:
        data: The value, a real number (stored as a float).
        _children: The inputs of the operation that produced this value, at
            most two. Only for code written for micrograd; operations fill it
            in themselves.
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

    # The inputs and their local derivatives live in slots, not in a closure:
    # no node refers back to itself, so a dropped graph is freed at once by
    # reference counting, and a node takes about 100 bytes.
    __slots__ = ("_a", "_b", "_da", "_db", "_rule", "data", "grad", "label")

    data: float
    grad: float
    label: str
    _rule: Primitive
    _a: Value | None  # first input
    _b: Value | None  # second input
    _da: float  # d self / d _a
    _db: float  # d self / d _b

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
        if len(children) > 2:
            raise ValueError(
                f"Value() takes at most two children (every primitive has one or two "
                f"inputs), got {len(children)}"
            )
        try:
            self.data = float(data)
        except OverflowError:
            raise OverflowError(f"Value(): {data!r} is too large for a float") from None
        self.grad = _GRAD_NOT_COMPUTED
        self.label = label
        self._rule = _hand_built(_op) if (children or _op) else LEAF
        if children:
            global _hand_written_steps
            _hand_written_steps = True
        self._a = children[0] if children else None
        self._b = children[1] if len(children) == 2 else None
        self._da = self._db = 0.0

    # -- operations: each is one primitive from the table, or built from them --

    # + and * make most of a network's nodes, so they build their node directly:
    # the same value and local derivatives as ADD and MUL in the table, minus two calls.

    def __add__(self, other: Value | float) -> Value:
        o = other if type(other) is Value else _as_value(other)
        if o is None:
            return NotImplemented
        return _result(ADD, self, o, self.data + o.data, 1.0, 1.0)  # d/da = 1, d/db = 1

    def __mul__(self, other: Value | float) -> Value:
        o = other if type(other) is Value else _as_value(other)
        if o is None:
            return NotImplemented
        a, b = self.data, o.data
        return _result(MUL, self, o, a * b, b, a)  # d/da = b, d/db = a

    def __pow__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return _binary(POW, self, other)
        if not _is_number(other):
            return NotImplemented
        return _unary(power_by(other if type(other) is int else float(other)), self)

    def exp(self) -> Value:
        """Euler's number to the power self; inf past about 709."""
        return _unary(EXP, self)

    def log(self) -> Value:
        """Natural logarithm; raises ValueError for self <= 0."""
        return _unary(LOG, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent; exactly 1.0 at large inputs, never overflows."""
        return _unary(TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e ** -self), computed without overflow for any finite input."""
        return _unary(SIGMOID, self)

    def relu(self) -> Value:
        """max(0, self), with derivative 0 at 0 as in PyTorch."""
        x = self.data  # a network's activation: RELU's rule built directly, as + and * do
        return _result(RELU, self, None, _relu(x), _step(x))

    def __neg__(self) -> Value:  # -self
        return self * -1

    def __radd__(self, other: float) -> Value:  # other + self
        o = _as_value(other)
        return NotImplemented if o is None else o + self

    def __sub__(self, other: Value | float) -> Value:  # self + (-other)
        if not isinstance(other, Value) and not _is_number(other):
            return NotImplemented
        return self + (-other)

    def __rsub__(self, other: float) -> Value:  # other + (-self)
        o = _as_value(other)
        return NotImplemented if o is None else o + (-self)

    def __rmul__(self, other: float) -> Value:  # other * self
        o = _as_value(other)
        return NotImplemented if o is None else o * self

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

    # -- the graph --

    @property
    def _prev(self) -> tuple[Value, ...]:
        if self._a is None:
            return ()
        return (self._a,) if self._b is None else (self._a, self._b)

    @property
    def _op(self) -> str:
        return self._rule.name

    @property
    def local_grads(self) -> tuple[float, ...]:
        """The derivative of self by each input in ``_prev``, as the chain rule uses them."""
        if self._a is None:
            return ()
        return (self._da,) if self._b is None else (self._da, self._db)

    @property
    def _backward(self) -> Callable[[], None]:
        """This node's chain-rule step, as micrograd's ``_backward`` closure.

        Calling it adds ``self.grad * d(self)/d(input)`` to every input's grad.
        Assigning a function instead makes backward() call that function for
        this node, which is how micrograd's lectures define new operations.
        """
        if self._a is None:
            return _pass_nothing  # a leaf has no inputs to pass to
        return functools.partial(_propagate_any, (self,))

    @_backward.setter
    def _backward(self, step: Callable[[], None]) -> None:
        global _hand_written_steps
        _hand_written_steps = True
        self._rule = Primitive(self._rule.name, custom_backward=step)

    @property
    def grad_computed(self) -> bool:
        """Whether a backward pass has reached this node (or its grad was set by hand)."""
        return self.grad is not _GRAD_NOT_COMPUTED

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this graph."""
        return Value(self.data, label=self.label)

    def backward(self, gradient: float = 1.0, *, create_graph: bool = False) -> None:
        """Computes d(self)/d(node) for every node of the graph below self.

        The graph is sorted topologically without recursion, so chains of
        millions of nodes work. Gradients follow PyTorch: a node used along
        several paths receives their sum, and leaves accumulate across calls
        (call ``zero_grad`` or set ``.grad = 0`` between steps). The grads of
        inner nodes are recomputed from zero on every call, so a second call
        gives each leaf exactly twice its gradient.

        Args:
            gradient: d(loss)/d(self), the seed of the chain rule.
            create_graph: Record the backward pass itself, as PyTorch does:
                every ``.grad`` becomes a Value with its own graph, which can
                be differentiated again (see also `grad`).

        Raises:
            FloatingPointError: Inside `detect_anomaly`, when a gradient
                becomes NaN or infinite; the message names the operation.
        """
        if not _is_number(gradient):
            raise TypeError(
                f"backward(): gradient must be a real number, got {type(gradient).__name__}"
            )
        if create_graph:
            self._backward_create_graph(float(gradient))
            return
        if self._a is None:  # a leaf is its own whole graph; leaves add up
            self.grad += float(gradient)
            return
        operations = _operations_below(self)
        self.grad += float(gradient)
        if not _MODE.get().anomaly:
            (_propagate_any if _hand_written_steps else _propagate)(reversed(operations))
            return
        for node in reversed(operations):
            _propagate_any((node,))
            _check_grads_finite(node)

    def _backward_create_graph(self, gradient: float) -> None:
        grads = gradients([self], create_graph=True)
        for node, g in grads.items():
            contribution = g if gradient == 1.0 else g * gradient
            # With create_graph the grads are Values, as they are tensors with a graph in PyTorch.
            if node._a is None and node.grad_computed:
                node.grad = node.grad + contribution  # type: ignore[assignment]  # leaves add up
            else:
                node.grad = contribution  # type: ignore[assignment]

    # -- display --

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, str]:
        """How Jupyter shows a Value: its diagram when the graph is small, else its repr."""
        # The diagrams need the optional viz extra, so they are looked up only
        # here, at display time; the engine itself uses nothing beyond the stdlib.
        try:
            from micrograd_like.viz import value_mimebundle
        except ImportError:
            return {"text/plain": repr(self)}
        return value_mimebundle(self, include, exclude)


def _propagate(nodes: Iterable[Value]) -> None:
    """The chain rule, node by node: adds node.grad * d(node)/d(input) to each input's grad.

    The nodes must be operations (not leaves) with built-in rules, each after
    every node that uses it.
    """
    for node in nodes:
        grad = node.grad
        node._a.grad += node._da * grad  # type: ignore[union-attr]  # operations have an input
        b = node._b
        if b is not None:
            b.grad += node._db * grad


_own_step = operator.attrgetter("_rule.custom_backward")


def _propagate_any(nodes: Iterable[Value]) -> None:
    """`_propagate`, except that a node with a backward step of its own runs that step."""
    # Runs of nodes with built-in rules go to _propagate whole: one call per run, not per node.
    for step, run in itertools.groupby(nodes, _own_step):
        if step is None:
            _propagate(run)
        else:
            for _ in run:
                step()


def _values(op: str, items: Iterable[Value | float]) -> list[Value]:
    """The items as a list of Values: numbers become constant leaves, anything else a TypeError."""
    values = items if type(items) is list else list(items)
    if all(map(isinstance, values, itertools.repeat(Value))):
        return cast("list[Value]", values)  # checked: every item is a Value
    converted = []
    for item in values:
        value = _as_value(item)
        if value is None:
            raise TypeError(
                f"{op}: expected Values or numbers, got {type(item).__name__}: {item!r}"
            )
        converted.append(value)
    return converted


def weighted_sum(
    weights: Iterable[Value | float], inputs: Iterable[Value | float], start: Value | float = 0.0
) -> Value:
    """``start + w0*x0 + w1*x1 + ...``, a neuron's weighted sum, built in one loop.

    The graph is node for node the one that expression builds, left to right:
    a ``*`` node per term, then a ``+`` node adding it to the sum so far, with
    the same floats, so gradients and diagrams are exactly those of the
    expression. Only the way there is shorter: no operator dispatch and no
    function call per node, which makes an MLP's forward pass about a third
    faster (`micrograd_like.nn.Neuron` uses it).

    Args:
        weights: Values or numbers (numbers become constant leaves).
        inputs: Values or numbers, as many as weights.
        start: The first term, usually the bias.

    Returns:
        The sum; a Value for start itself when there are no terms.

    Raises:
        ValueError: If weights and inputs differ in length.
        TypeError: If an item is neither a Value nor a real number.

    Example:
        >>> w, x, b = [Value(2.0), Value(3.0)], [Value(4.0), Value(5.0)], Value(1.0)
        >>> weighted_sum(w, x, b).data      # 1 + 2*4 + 3*5
        24.0
    """
    built = _weighted_sum_of_values(weights, inputs, start)
    if built is not None:
        return built
    ws, xs = _values("weighted_sum", weights), _values("weighted_sum", inputs)
    if len(ws) != len(xs):
        raise ValueError(f"weighted_sum: {len(ws)} weights but {len(xs)} inputs")
    (total,) = _values("weighted_sum", [start])
    # The expression itself: its operators handle no_grad, detect_anomaly and subclasses.
    for w, x in zip(ws, xs, strict=True):
        total = total + w * x
    return total


def _weighted_sum_of_values(weights: object, inputs: object, total: object) -> Value | None:
    """weighted_sum's nodes for lists of Values, the common case; None for anything else.

    Anything else is: not two lists of the same length, a start or an item that
    is not exactly a Value, or no_grad or detect_anomaly active. The loop checks
    each item's type as it goes (checking them all first would cost a tenth of
    a forward pass); at an item that is not a Value it gives up, and the nodes
    made so far are garbage: no existing Value has changed.
    """
    if not (
        type(weights) is list
        and type(inputs) is list
        and type(total) is Value
        and len(weights) == len(inputs)
        and _MODE.get() is _DEFAULT_MODE
    ):
        return None
    # The nodes are built here rather than by _result: a call per node would cost a third more.
    total_data = total.data
    for w, x in zip(weights, inputs, strict=True):
        if type(w) is not Value or type(x) is not Value:
            return None
        w_data, x_data = w.data, x.data
        product: Value = _new_node(Value)  # w * x: d/dw = x, d/dx = w
        product.data, product._da, product._db = w_data * x_data, x_data, w_data
        product.grad, product.label, product._rule = _GRAD_NOT_COMPUTED, "", MUL
        product._a, product._b = w, x
        node: Value = _new_node(Value)  # total + product: d/da = d/db = 1
        node.data, node._da, node._db = total_data + product.data, 1.0, 1.0
        node.grad, node.label, node._rule = _GRAD_NOT_COMPUTED, "", ADD
        node._a, node._b = total, product
        total, total_data = node, node.data
    return total


def _check_grads_finite(node: Value) -> None:
    for child in node._prev:
        if not math.isfinite(child.grad):
            raise FloatingPointError(
                f"backward of {node._op}: gradient {child.grad!r} reached an input with "
                f"data {child.data!r} (output data {node.data!r}, grad {node.grad!r})"
            )


def topological_order(root: Value, *more_roots: Value) -> list[Value]:
    """Every node of the roots' graph, each after all of its inputs.

    An iterative depth-first search, inputs in argument order, so the order is
    deterministic and deep graphs cannot overflow the stack. With one root, it
    comes last.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    seen, visit, finish = visited.__contains__, visited.add, order.append  # bound once: hot loop
    for start in (root, *more_roots):
        if seen(start):
            continue
        visit(start)
        stack: list[Value] = [start]
        push, pop = stack.append, stack.pop
        while stack:
            node = stack[-1]
            a = node._a
            if a is not None and not seen(a):
                visit(a)
                push(a)
                continue
            b = node._b
            if b is not None and not seen(b):
                visit(b)
                push(b)
                continue
            finish(pop())
    return order


def _operations_below(root: Value) -> list[Value]:
    """The operations of root's graph, each after its inputs, with their grads set to 0.

    `topological_order` for backward(), with two shortcuts. Leaves are left
    out: they pass nothing on. And the zeroed grad itself marks a node as
    visited: it is a float object made for this call, equal to 0.0 but told
    apart by ``is`` from every other grad, so no set of visited nodes is needed.
    """
    zero = float("0")  # a new object on every call: CPython does not intern floats
    root.grad = zero
    order: list[Value] = []
    waiting: list[Value] = []  # the nodes whose inputs are being walked, innermost last
    wait, resume, finish = waiting.append, waiting.pop, order.append  # bound once: hot loop
    node = root
    while True:
        # Down the chain of first inputs (a neuron's sum is one) to an operation whose first
        # input is a leaf or walked already.
        a: Value = node._a  # type: ignore[assignment]  # only operations are walked
        while a._a is not None and a.grad is not zero:
            a.grad = zero
            wait(node)
            node, a = a, a._a
        # node's first input is in order. A node waits only with that done, so on resuming it
        # only its second input is left to see to.
        while True:
            b = node._b
            if b is not None and b._a is not None and b.grad is not zero:
                b.grad = zero
                ba, bb = b._a, b._b
                if (ba._a is not None and ba.grad is not zero) or (
                    bb is not None and bb._a is not None and bb.grad is not zero
                ):
                    wait(node)
                    node = b
                    break  # walk b's inputs from the top
                # b's inputs are in order already (say w * x with x walked): no need to step in.
                finish(b)
            finish(node)  # every input is in order: so is node
            if not waiting:
                return order
            node = resume()


def _local_grad_values(node: Value) -> tuple[Any, ...]:
    """d(node)/d(input) as Value expressions, so that they can be differentiated again."""
    rule = node._rule
    if rule.apply is None:
        raise ValueError(
            f"create_graph: the node {node.label or node._op!r} was built by hand "
            f"(Value(data, children, op)); its derivative is a Python function, not a graph"
        )
    return rule.apply(*node._prev)[1:]


def _times(grad: Value, local: Any, seed: Value) -> Value:
    """The product grad * local as a Value, without the nodes a factor 1 would add."""
    if type(local) is float and local == 1.0:
        return grad
    if grad is seed:
        return local if isinstance(local, Value) else _leaf(float(local))
    product: Value = grad * local
    return product


def gradients(outputs: Sequence[Value], create_graph: bool = False) -> dict[Value, float | Value]:
    """d(sum of outputs)/d(node) for every node below the outputs, without touching .grad.

    This is the chain rule as a pure function: it returns the gradients in a
    dict instead of writing them into the nodes. With create_graph, every
    gradient is a Value whose own graph can be differentiated again.

    Raises:
        ValueError: With create_graph, if the graph holds a hand-built node.
    """
    order = topological_order(*outputs)
    grads: dict[Value, Any] = {}
    seed: Any = _leaf(1.0) if create_graph else 1.0
    for out in outputs:
        grads[out] = grads[out] + seed if out in grads else seed
    for node in reversed(order):
        grad = grads.get(node)
        if grad is None or node._a is None:
            continue
        if node._rule.custom_backward is not None:
            if node._rule.custom_backward is _pass_nothing:
                continue
            raise ValueError(
                f"gradients: the node {node.label or node._op!r} has a hand-written _backward, "
                f"which writes into .grad; use backward() for it"
            )
        local = _local_grad_values(node) if create_graph else node.local_grads
        for child, d in zip(node._prev, local, strict=True):
            contribution = _times(grad, d, seed) if create_graph else grad * d
            grads[child] = grads[child] + contribution if child in grads else contribution
    return grads


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
            is false, or (with create_graph) the graph holds a hand-built node.
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
    grads = gradients(outs, create_graph)
    result: list[Any] = []
    for i, v in enumerate(ins):
        if v in grads:
            result.append(grads[v])
        elif allow_unused:
            result.append(_leaf(0.0) if create_graph else 0.0)
        else:
            raise ValueError(
                f"grad: input {i} ({v.label or v!r}) is not used by the outputs; "
                f"pass allow_unused=True to get 0 for it"
            )
    return result

"""The scalar autograd engine, written to be read top to bottom.

A `Value` wraps one number. Every operation on Values returns a new Value that
remembers its inputs and the derivative of its result by each input, so a forward
pass builds a computation graph. ``backward()`` walks it from the output back to
the leaves, applying the chain rule. Six sections follow the algorithm in order.

Example:
    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x          # dy/dx = 2x + 3
    >>> y.backward()
    >>> x.grad
    7.0

To experiment, change a row of `PRIMITIVES`: every graph built afterwards uses it
(``backward()``, `micrograd_like.grad`, `micrograd_like.jit`, the diagrams, the worked
example). ``PRIMITIVES["*"] = Primitive("*", lambda a, b: (a * b, b, b))`` gives
``*`` a wrong derivative; put the old row back to undo it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from numbers import Real
from typing import Any, NamedTuple

from micrograd_like import operators as ops
from micrograd_like.grad_mode import MODE, RECORDING
from micrograd_like.jupyter import value_mimebundle

# fmt: off
__all__ = ["NOT_COMPUTED", "PRIMITIVES", "Primitive", "Value", "backpropagate", "chain_rule",
           "power_by", "record", "topological_order"]
_bare_node = object.__new__  # a Value without __init__'s checks: record() sets every field
# fmt: on

# -- 1. What a node stores --------------------------------------------------------------

NOT_COMPUTED: Any = 0
"""Every grad starts as this int, as in micrograd; a backward pass writes floats there."""


class Primitive(NamedTuple):
    """A row of `PRIMITIVES`: ``apply(a[, b])`` gives ``(value, d/da[, d/db])``, on floats or Values."""

    name: str
    apply: Callable[..., tuple[Any, ...]] | None  # None for a node built by hand (section 6)
    check: Callable[..., None] | None = None  # raises, naming the operation, outside its domain
    backward: Callable[[], None] | None = None  # the _backward of a node built by hand


class Value:
    """A number in a graph: ``data``, ``grad`` (d output/d self, 0 until computed), ``label``.

    Args:
        data: The number, stored as a float.
        _children: The inputs of a node built by hand, ``_op`` its name (section 6).
        label: A name for diagrams and reports.
    """

    # Fields, not a closure: no node refers back to itself, so a graph that nobody holds is
    # freed at once, and a node takes about 110 bytes.
    __slots__ = ("_a", "_b", "_da", "_db", "_rule", "data", "grad", "label")
    data: float
    grad: Any  # a float once a backward pass is here (a Value with create_graph)
    label: str
    _rule: Primitive | None  # the row of the table that made it; None for a leaf
    _a: Any  # its inputs, Values (a primitive has one or two); None for a leaf
    _b: Any
    _da: Any  # d(self)/d(a) and d(self)/d(b), floats; None for a node built by hand
    _db: Any

    def __init__(
        self, data: float, _children: Iterable[Value] = (), _op: str = "", label: str = ""
    ) -> None:
        children = tuple(_children)
        if type(data) is not float and not ops.is_real(data):
            raise TypeError(f"Value() takes a real number, got {type(data).__name__}: {data!r}")
        if not (isinstance(label, str) and isinstance(_op, str)):
            raise TypeError(f"Value(): label and _op must be str, got {label!r}, {_op!r}")
        if children and (len(children) > 2 or not all(isinstance(c, Value) for c in children)):
            raise TypeError(f"Value(): _children must be at most two Values, got {children!r}")
        self.data, self.grad, self.label = ops.as_float(data, "Value()"), NOT_COMPUTED, label
        self._rule = Primitive(_op, None) if children or _op else None
        self._a, self._b = (*children, None, None)[:2]
        self._da = self._db = None if children else 0.0  # built by hand: no local derivatives

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The Values this one was computed from, in argument order; ``()`` for a leaf."""
        return () if self._a is None else (self._a,) if self._b is None else (self._a, self._b)

    @property
    def op(self) -> str:
        """The operation that made this Value (``"*"``, ``"exp"``, ``"**2"``); ``""`` for a leaf."""
        return "" if self._rule is None else self._rule.name

    @property
    def local_grads(self) -> tuple[float, ...] | None:
        """d(self)/d(input) for each input, the chain rule's factors; None if built by hand."""
        known = self._da is not None or self._a is None  # a leaf's are (), always
        return (self._da, self._db)[: len(self.inputs)] if known else None

    # Whether a backward pass has set grad yet; then the operations, one per line: a row of
    # the table (section 2), or built from rows.
    # fmt: off
    @property
    def grad_computed(self) -> bool: return self.grad is not NOT_COMPUTED  # reached by backward?
    def __add__(self, other: Value | float) -> Value: return _apply("+", self, other)
    def __mul__(self, other: Value | float) -> Value: return _apply("*", self, other)
    def __truediv__(self, other: Value | float) -> Value: return _apply("/", self, other)
    def __pow__(self, other: Value | float) -> Value:  # a number exponent is a constant: "**2"
        return _apply(power_by(other), self) if isinstance(other, Real) else _apply("**", self, other)
    def exp(self) -> Value: return _apply("exp", self)          # e ** self; inf past about 709
    def log(self) -> Value: return _apply("log", self)          # ValueError for self <= 0
    def tanh(self) -> Value: return _apply("tanh", self)
    def sigmoid(self) -> Value: return _apply("sigmoid", self)  # 1 / (1 + e ** -self)
    def relu(self) -> Value: return _apply("ReLU", self)        # max(0, self); slope 0 at 0
    def __neg__(self) -> Value: return self * -1
    def __sub__(self, other: Value | float) -> Value:  # self + (-other)
        return self + (-other) if isinstance(other, (Value, Real)) else NotImplemented
    def __rsub__(self, other: float) -> Value: return other + (-self)
    def __rtruediv__(self, other: float) -> Value: return _apply("/", other, self)
    def __rpow__(self, other: float) -> Value: return _apply("**", other, self)
    __radd__, __rmul__ = __add__, __mul__  # other + self is self + other, as micrograd does
    def detach(self) -> Value: return Value(self.data, label=self.label)  # a leaf, cut off
    def __repr__(self) -> str: return f"Value(data={self.data}, grad={self.grad})"
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]: return value_mimebundle(self, include, exclude)  # Jupyter: a diagram
    # fmt: on

    def backward(self, gradient: float = 1, *, create_graph: bool = False) -> None:
        """Adds d(self)/d(node) x gradient to every node's grad; create_graph: see section 5."""
        backpropagate([self], [gradient], create_graph)

    _prev, _op = inputs, op  # micrograd's names (section 6)

    @property
    def _backward(self) -> Callable[[], None]:  # this node's chain-rule step, as micrograd's
        return lambda: chain_rule([self] if self._a is not None else [])

    @_backward.setter
    def _backward(self, step: Callable[[], None]) -> None:
        self._rule, self._da, self._db = Primitive(self.op, None, backward=step), None, None


# -- 2. The table of primitives ---------------------------------------------------------


# fmt: off
PRIMITIVES: dict[str, Primitive] = {
    #                  name       inputs       value                 d value / d a          d value / d b
    "+":       Primitive("+",       lambda a, b: (a + b,               1.0,                   1.0)),
    "*":       Primitive("*",       lambda a, b: (a * b,               b,                     a)),
    "/":       Primitive("/",       lambda a, b: (q := a / b,          1 / b,                 -q / b), ops.check_divide),
    "**":      Primitive("**",      lambda a, b: (p := ops.power(a, b), ops.d_power_base(a, b), ops.d_power_exponent(p, a, b)), ops.check_power),
    "exp":     Primitive("exp",     lambda a:    (e := ops.exp(a),     e)),
    "log":     Primitive("log",     lambda a:    (ops.log(a),          1 / a), ops.check_log),
    "tanh":    Primitive("tanh",    lambda a:    (t := ops.tanh(a),    1 - t * t)),
    "sigmoid": Primitive("sigmoid", lambda a:    (s := ops.sigmoid(a), s * (1 - s))),
    "ReLU":    Primitive("ReLU",    lambda a:    (ops.relu(a),         ops.relu_slope(a))),
}
# fmt: on
"""Every operation with a derivative, by name. ``**`` gives b a**(b-1) and a**b log(a)."""


def power_by(n: float) -> Primitive:
    """``a ** n`` for a constant n, named ``**n`` as micrograd: the ``"**"`` row at b = n."""
    rule: Callable[..., tuple[Any, ...]] = PRIMITIVES["**"].apply  # type: ignore[assignment]
    b = ops.as_float(n, "pow")  # refuses an int too large for a float, naming the operation
    n = int(n) if isinstance(n, int) else b  # an int stays one, as micrograd names it: "**2"
    # The constant gets no gradient: the row's last column is dropped.
    return Primitive(f"**{n}", lambda a: rule(a, n)[:2], lambda a: ops.check_constant_power(a, n))


# -- 3. How an operation makes a node ---------------------------------------------------


def _apply(op: str | Primitive, *operands: Value | float) -> Value:
    """Looks up op's rule, computes the value and local derivatives, and records the node."""
    rule = PRIMITIVES[op] if isinstance(op, str) else op
    inputs = [x if isinstance(x, Value) else _constant(x, rule.name) for x in operands]
    if None in inputs:
        return NotImplemented  # type: ignore[no-any-return]  # not a number: ask the other
    numbers = [x.data for x in inputs]  # type: ignore[union-attr]  # no None left
    if rule.check is not None:
        rule.check(*numbers)  # a domain error is raised before any node exists
    value, *local_grads = rule.apply(*numbers)  # type: ignore[misc]  # rows have apply
    if (mode := MODE.get()) is not RECORDING:  # inside no_grad or detect_anomaly
        if mode.check_finite and not math.isfinite(value):
            raise FloatingPointError(f"{rule.name}: produced {value!r} from input(s) {numbers}")
        if not mode.record:
            return Value(value)  # a leaf: no graph is recorded
    if len(inputs) == 1:
        return record(rule, value, inputs[0], local_grads[0])  # type: ignore[arg-type]
    return record(rule, value, inputs[0], local_grads[0], inputs[1], local_grads[1])  # type: ignore[arg-type]


def _constant(x: object, op: str) -> Value | None:
    """A number in an expression becomes a constant leaf; anything else gives None."""
    return Value(ops.as_float(x, op)) if type(x) is float or isinstance(x, Real) else None


def record(rule: Primitive, value: float, a: Value, da: Any, b: Any = None, db: Any = 0.0) -> Value:
    """The node ``value = rule(a[, b])``, whatever the mode: callers consult it first."""
    node: Value = _bare_node(Value)
    node.data, node.grad, node.label = value, NOT_COMPUTED, ""
    node._rule, node._a, node._da = rule, a, da
    node._b, node._db = b, db
    return node


# -- 4. The topological sort ------------------------------------------------------------


def topological_order(*roots: Value, leaves: bool = True) -> list[Value]:
    """Every node below the roots, each after all of its inputs (leaves=False: operations).

    A depth-first search in argument order, without recursion (a million-node chain is
    fine): a leaf is listed when it is met, an operation once all of its inputs are.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    for root in roots:
        if root not in visited and root._a is None and leaves:
            order.append(root)  # a leaf root has nothing below it
        stack = [root] if root not in visited and root._a is not None else []
        visited.add(root)
        while stack:
            node = stack[-1]
            a, b = node._a, node._b
            if a not in visited:
                visited.add(a)
                if a._a is not None:
                    stack.append(a)  # an operation: list its inputs first
                    continue
                if leaves:
                    order.append(a)  # a leaf: list it now
            if b is not None and b not in visited:
                visited.add(b)
                if b._a is not None:
                    stack.append(b)
                    continue
                if leaves:
                    order.append(b)
            order.append(stack.pop())  # every input is listed: so is node
    return order


# -- 5. The chain-rule loop -------------------------------------------------------------


def backpropagate(
    outputs: Sequence[Value], gradients: Sequence[Any], create_graph: bool = False
) -> list[Value]:
    """Adds d(sum of gradient x output)/d(node) to every grad below; returns the operations.

    Leaves accumulate, as in PyTorch, inner nodes start again from 0; create_graph: Values.
    """
    if not all(map(ops.is_real, gradients)):
        raise TypeError(f"backward(): gradient must be a real number, got {gradients!r}")
    operations = topological_order(*outputs, leaves=False)
    for node in operations:
        node.grad = NOT_COMPUTED
    for out, gradient in zip(outputs, gradients, strict=True):
        seed = Value(float(gradient)) if create_graph else gradient  # 1, as micrograd's seed
        out.grad = seed if out.grad is NOT_COMPUTED else out.grad + seed
    chain_rule(reversed(operations), create_graph)
    return operations


def chain_rule(operations: Iterable[Value], create_graph: bool = False) -> None:
    """For each operation in turn, outputs first, adds grad x d(node)/d(input) to each input."""
    check_finite, not_computed = MODE.get().check_finite, NOT_COMPUTED
    for node in operations:
        a, b, grad = node._a, node._b, node.grad
        da, db = node._da, node._db
        if da is None:  # built by hand, micrograd's way (section 6)
            _hand_written_step(node, create_graph)
        else:
            if create_graph:  # the local derivatives as Values: the rule applied to Values
                da, db = (*node._rule.apply(*node.inputs)[1:], 0.0)[:2]  # type: ignore[union-attr,misc]
            a.grad = grad * da if a.grad is not_computed else a.grad + grad * da  # no 0 + x
            if b is not None:
                b.grad = grad * db if b.grad is not_computed else b.grad + grad * db
        if check_finite and not all(math.isfinite(ops.number(x.grad)) for x in node.inputs):
            shown = [x.grad for x in node.inputs]
            raise FloatingPointError(f"backward of {node.op}: gradient {shown} (data {node.data})")


# -- 6. micrograd compatibility ---------------------------------------------------------


def _hand_written_step(node: Value, create_graph: bool) -> None:
    """Runs the ``_backward`` assigned to a node built by ``Value(data, (a, b), "op")``, if any."""
    step = node._rule.backward if node._rule is not None else None
    if step is not None and create_graph:
        raise ValueError(f"create_graph: {node.op!r} has a hand-written _backward, not a graph")
    if step is not None:
        step()

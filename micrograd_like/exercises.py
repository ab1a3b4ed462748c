"""Exercises that name the mistake: check a learner's rules, backward passes and numbers.

Learners' mistakes in backpropagation are few and well known. Each checker here
probes the learner's code with inputs and graphs chosen to tell those mistakes
apart, and answers with a `Report` that names the mistake from `CATALOGUE`, says
where it shows (the input, what was expected, what came out) and gives a hint
that does not give the answer away.

- `check_rule` checks one row of the table, written as the table writes it:
  ``lambda a: (math.tanh(a), 1 - math.tanh(a) ** 2)``.
- `check_backward` checks a whole backward pass, ``fn(root)``.
- `check_value` checks a number of the report's worked example, computed by hand.
- `bug` makes the engine itself commit one of the backward mistakes, and
  `first_wrong` finds the first node whose gradient is wrong, for a bug lab.
- `solution` and `expect` let an exercise notebook keep its blanks while CI
  runs it with reference solutions filled in, and fails if one does not pass.

The checkers run the learner's code with a time limit (in the main thread, where
the system has ``SIGALRM``): a rule or a pass that loops forever is stopped and
reported, as is one that raises or returns the wrong kind of thing.

Example:
    >>> import math
    >>> from micrograd_like.exercises import check_rule
    >>> report = check_rule("tanh", lambda a: (math.tanh(a), 1 - math.tanh(a)))
    >>> report.mistake
    'missing-square'
    >>> check_rule("tanh", lambda a: (math.tanh(a), 1 - math.tanh(a) ** 2)).passed
    True
"""

from __future__ import annotations

import contextlib
import dis
import importlib.util
import inspect
import math
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from micrograd_like import engine, worked_example
from micrograd_like.autograd import gradients
from micrograd_like.engine import PRIMITIVES, Value, power_by, topological_order
from micrograd_like.operators import is_real

__all__ = [
    "BACKWARD_MISTAKES",
    "CATALOGUE",
    "RULE_MISTAKES",
    "SOLUTIONS_VARIABLE",
    "TIME_LIMIT",
    "Report",
    "bug",
    "check_backward",
    "check_rule",
    "check_value",
    "expect",
    "first_wrong",
    "solution",
]

CATALOGUE: dict[str, str] = {
    # A rule's mistakes (check_rule).
    "forward-wrong": "the value itself, the first number of the rule, is wrong",
    "sign": "the derivative has the wrong sign",
    "missing-square": "a square is missing: 1 - t where tanh needs 1 - t**2, a/b for a/b**2",
    "input-for-output": "the derivative uses the input where the output belongs, or the "
    "other way round: exp's from a instead of exp(a), tanh's from 1 - a**2",
    "swapped-inputs": "the derivatives by the two inputs are swapped: d(a*b)/da = a",
    "off-by-one-power": "the power rule's exponent is off by one: n * a**n for a**n",
    # A backward pass's mistakes (check_backward, bug).
    "overwrites": "a gradient is assigned (=) where it must be added to (+=), so a value "
    "used twice keeps only its last contribution",
    "wrong-order": "the nodes are not visited in reverse topological order, so a node "
    "passes its gradient on before all of it has arrived",
    "not-seeded": "the root's gradient is not set to 1 before the pass",
    "no-upstream": "each input gets the local derivative alone, not multiplied by the "
    "gradient of the node it feeds (the upstream gradient)",
    "revisits": "a shared node is visited once per path instead of once (no visited "
    "set): its gradient is counted twice, and a chain of diamonds takes forever",
    "not-reset": "the inner nodes' gradients are not reset, so a second pass over the "
    "same graph adds to what the first one left",
    # Either.
    "raises": "the code raised an exception",
    "too-slow": "the code ran past the time limit",
    "wrong-type": "the code returned (or set) something of the wrong kind",
    "other": "a mistake outside the catalogue: compare with a central difference",
}
"""Every mistake a checker can name, by id, with what it means."""

RULE_MISTAKES = ("forward-wrong", "sign", "missing-square", "input-for-output",
                 "swapped-inputs", "off-by-one-power")  # fmt: skip
"""The mistakes `check_rule` tells apart (besides raises, too-slow, wrong-type, other)."""

BACKWARD_MISTAKES = ("overwrites", "wrong-order", "not-seeded", "no-upstream", "revisits",
                     "not-reset")  # fmt: skip
"""The mistakes `check_backward` tells apart, and `bug` can make the engine commit."""

TIME_LIMIT = 2.0
"""Seconds a learner's rule or backward pass may run, per call, before it is stopped."""


@dataclass(frozen=True)
class Report:
    """What a checker found.

    Attributes:
        passed: Whether the code (or number) is right.
        mistake: The mistake's id in `CATALOGUE`, or None when it passed.
        message: A sentence for the learner: what is wrong, where, expected vs
            got, and a hint.
        warnings: Ids and sentences of things that are right but fragile, such
            as ``recursion-limit``.

    Example:
        >>> from micrograd_like.exercises import check_value
        >>> report = check_value("dL/dw1(2)", "-0.2951")
        >>> report.passed, report.mistake
        (True, None)
    """

    passed: bool
    mistake: str | None
    message: str
    warnings: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        return "\n".join([self.message, *self.warnings])

    def _repr_markdown_(self) -> str:  # Jupyter shows the sentence, not the dataclass
        mark = "**passed**" if self.passed else f"**{self.mistake}**"
        return "\n\n".join([f"{mark}: {self.message}", *self.warnings])


class _TooSlowError(Exception):
    """Raised into learner code that ran past the time limit."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Stops the block with _TooSlowError after seconds, where signals allow (main thread)."""
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield  # no way to interrupt Python code here: run without a limit
        return

    def stop(signum: int, frame: Any) -> None:
        raise _TooSlowError

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _num(x: float) -> str:
    return f"{x:.6g}"


def _close(x: float, y: float, rel: float = 1e-6, abs_: float = 1e-9) -> bool:
    return math.isclose(x, y, rel_tol=rel, abs_tol=abs_)


def _is_blank(answer: Any) -> bool:
    """Whether an exercise's answer is still its blank: ..., None, or a def whose body is ..."""
    if answer is None or answer is Ellipsis:
        return True
    code = getattr(answer, "__code__", None)
    if code is None:
        return False
    ops = [(i.opname, i.argval) for i in dis.get_instructions(code)]
    ops = [op for op in ops if op[0] not in ("RESUME", "NOP")]  # what a body of ... compiles to
    return ops in ([("LOAD_CONST", None), ("RETURN_VALUE", None)], [("RETURN_CONST", None)])


_BLANK = "Write your answer in place of the ... and run the cell again."


# -- check_rule ---------------------------------------------------------------------------

# Probe points inside each primitive's domain, chosen so that the mistakes differ there.
_UNARY_PROBES = (-1.3, -0.4, 0.6, 1.7)
_PROBES: dict[str, tuple[tuple[float, ...], ...]] = {
    "log": ((0.3,), (1.5,), (2.7,), (4.2,)),
    "**": ((1.5, 2.0), (0.7, 3.0), (2.5, 0.5), (1.2, -1.5)),
    "/": ((1.5, -2.0), (0.7, 3.0), (-1.2, 0.5), (2.5, 1.25)),
}
_BINARY_PROBES = ((1.5, -2.0), (0.7, 3.0), (-1.2, 0.5), (2.5, 1.25))


def _probes(name: str, arity: int) -> tuple[tuple[float, ...], ...]:
    if name in _PROBES:
        return _PROBES[name]
    return _BINARY_PROBES if arity == 2 else tuple((a,) for a in _UNARY_PROBES)


def _wrong_derivatives(name: str) -> dict[str, Callable[..., tuple[float, ...]]]:
    """The derivatives each catalogued mistake gives, as functions of (inputs..., output)."""
    sign = {"sign": lambda *args: tuple(-d for d in _right(name, *args[:-1]))}
    table: dict[str, dict[str, Callable[..., tuple[float, ...]]]] = {
        "+": {},
        "*": {"swapped-inputs": lambda a, b, out: (a, b)},
        "/": {
            "swapped-inputs": lambda a, b, out: (-a / b**2, 1 / b),
            "missing-square": lambda a, b, out: (1 / b, -a / b),
        },
        "**": {
            "off-by-one-power": lambda a, b, out: (b * a**b, a**b * math.log(a)),
            "swapped-inputs": lambda a, b, out: (a**b * math.log(a), b * a ** (b - 1)),
            "input-for-output": lambda a, b, out: (b * a ** (b - 1), b * math.log(a)),
        },
        "exp": {"input-for-output": lambda a, out: (a,)},
        "log": {
            "input-for-output": lambda a, out: (1 / out,),
            "off-by-one-power": lambda a, out: (1 / a**2,),
        },
        "tanh": {
            "missing-square": lambda a, out: (1 - out,),
            "input-for-output": lambda a, out: (1 - a * a,),
        },
        "sigmoid": {
            "input-for-output": lambda a, out: (a * (1 - a),),
            "missing-square": lambda a, out: (1 - out * out,),
        },
        "ReLU": {"input-for-output": lambda a, out: (out,)},
    }
    return {**sign, **table.get(name, {})}


def _right(name: str, *args: float) -> tuple[float, ...]:
    """The table's own derivatives at args."""
    rule = PRIMITIVES[name].apply
    assert rule is not None  # every row of the table has a rule
    return tuple(float(d) for d in rule(*args)[1:])


_HINTS = {
    "forward-wrong": "The first number your rule returns is the operation's value itself; "
    "check it against Python's math module before the derivative.",
    "sign": "Your derivative points the wrong way: where the function rises, its "
    "derivative is positive.",
    "missing-square": "Your derivative is missing a square somewhere: differentiate the "
    "function again, term by term, and compare the powers.",
    "input-for-output": "Your derivative uses the wrong one of the input and the output: "
    "write the derivative in terms of the variable your formula names, and check which "
    "one that is.",
    "swapped-inputs": "The derivative by a and the derivative by b have traded places: "
    "which input stays fixed when you differentiate by the other?",
    "off-by-one-power": "The power rule lowers the exponent by one: check the exponent "
    "your derivative ends up with.",
    "other": "Compare with a central difference, (f(a + h) - f(a - h)) / 2h for a small h.",
}


def _call(rule: Callable[..., Any], args: Sequence[float]) -> tuple[Any, str | None, str]:
    """The rule's result, or why it has none: (result, mistake id, message)."""
    shown = ", ".join(_num(a) for a in args)
    try:
        with _time_limit(TIME_LIMIT):
            result = rule(*args)
    except _TooSlowError:
        return None, "too-slow", f"it ran for more than {TIME_LIMIT:g} s at ({shown}): " \
            "is there a loop that never ends?"  # fmt: skip
    except Exception as error:  # the learner's code: any exception is a finding
        return None, "raises", f"it raised {type(error).__name__}: {error} at ({shown})"
    return result, None, ""


def check_rule(name: str, rule: Callable[..., Any]) -> Report:
    """Checks a learner's rule for one primitive of the table, and names the mistake.

    The rule is written as the table writes it: it takes the inputs (one or two
    floats) and returns ``(value, d/da)`` or ``(value, d/da, d/db)``.

    Args:
        name: The primitive, a key of `micrograd_like.PRIMITIVES`: "tanh", "exp", "*"...
        rule: The learner's rule.

    Returns:
        The `Report`. Its mistake is one of `RULE_MISTAKES`, "raises",
        "too-slow", "wrong-type" or "other". A blank not yet filled in (``...``,
        None, or a def whose body is ``...``) is "wrong-type".

    Raises:
        ValueError: If name is not a primitive of the table.

    Example:
        >>> check_rule("*", lambda a, b: (a * b, a, b)).mistake
        'swapped-inputs'
    """
    if name not in PRIMITIVES:
        raise ValueError(f"check_rule: name must be one of {sorted(PRIMITIVES)}, got {name!r}")
    if _is_blank(rule):
        return Report(False, "wrong-type", f"{name}: your rule is still the blank. {_BLANK}")
    if not callable(rule):
        return Report(False, "wrong-type", f"{name}: a rule is a function, got {rule!r}.")
    right_rule = PRIMITIVES[name].apply
    assert right_rule is not None  # every row of the table has a rule
    arity = len(inspect.signature(right_rule).parameters)  # the row's inputs: a, or a and b
    probes = _probes(name, arity)
    expected = [tuple(float(x) for x in right_rule(*p)) for p in probes]
    got = []
    for p in probes:
        result, mistake, message = _call(rule, p)
        if mistake is not None:
            return Report(False, mistake, f"{name}: {message}.")
        shape = isinstance(result, (tuple, list)) and len(result) == arity + 1
        if not shape or not all(is_real(x) for x in result):
            return Report(
                False,
                "wrong-type",
                f"{name}: a rule returns a tuple of {arity + 1} numbers, (value, "
                f"{', '.join('d/d' + v for v in 'ab'[:arity])}), but yours returned "
                f"{result!r} for input(s) {', '.join(_num(x) for x in p)}.",
            )
        got.append(tuple(float(x) for x in result))
    # The value first: a derivative is only worth checking for the right function.
    for p, want, have in zip(probes, expected, got, strict=True):
        if not _close(want[0], have[0]):
            return Report(
                False,
                "forward-wrong",
                f"{name}: at {_args(p)} the value should be {_num(want[0])}, but your rule "
                f"gives {_num(have[0])}. {_HINTS['forward-wrong']}",
            )
    wrong = [
        (p, want, have)
        for p, want, have in zip(probes, expected, got, strict=True)
        if not all(_close(w, h) for w, h in zip(want[1:], have[1:], strict=True))
    ]
    if not wrong:
        return Report(True, None, f"{name}: right at all {len(probes)} probe points.")
    p, want, have = wrong[0]
    where = (
        f"{name}: at {_args(p)} the derivative should be {_shown(want[1:])}, but your rule "
        f"gives {_shown(have[1:])}."
    )
    for mistake, formula in _wrong_derivatives(name).items():
        try:
            matches = all(
                all(_close(f, h) for f, h in zip(formula(*q, w[0]), g[1:], strict=True))
                for q, w, g in zip(probes, expected, got, strict=True)
            )
        except (ArithmeticError, ValueError):
            matches = False
        if matches:
            return Report(False, mistake, f"{where} {_HINTS[mistake]}")
    step = 1e-6
    central = _central(right_rule, p, step)
    return Report(
        False,
        "other",
        f"{where} A central difference with h = {step:g} gives {_shown(central)}. "
        f"{_HINTS['other']}",
    )


def _args(p: Sequence[float]) -> str:
    return f"a = {_num(p[0])}" + (f", b = {_num(p[1])}" if len(p) > 1 else "")


def _shown(ds: Sequence[float]) -> str:
    return _num(ds[0]) if len(ds) == 1 else "(" + ", ".join(_num(d) for d in ds) + ")"


def _central(rule: Callable[..., Any], p: Sequence[float], h: float) -> tuple[float, ...]:
    """The derivative by each input, by central differences, from the table's forward values."""
    result = []
    for k in range(len(p)):
        up = [x + h if i == k else x for i, x in enumerate(p)]
        down = [x - h if i == k else x for i, x in enumerate(p)]
        result.append((rule(*up)[0] - rule(*down)[0]) / (2 * h))
    return tuple(result)


# -- the bug lab: the engine itself commits a backward mistake ------------------------------


class _Overwriting(float):
    """A gradient that keeps only what is added to it: the loop's += acts as =."""

    def __add__(self, other: Any) -> _Overwriting:
        return _Overwriting(other)

    def __radd__(self, other: Any) -> _Overwriting:  # old + new, with old a plain float
        return self

    def __mul__(self, other: Any) -> _Overwriting:
        return _Overwriting(float(self) * other)

    __rmul__ = __mul__


class _NoUpstream(float):
    """A gradient that, multiplied by a local derivative, gives the local derivative alone."""

    def __mul__(self, other: Any) -> _NoUpstream:
        return _NoUpstream(other)

    __rmul__ = __mul__

    def __add__(self, other: Any) -> _NoUpstream:
        return _NoUpstream(float(self) + float(other))

    __radd__ = __add__


def _preorder(root: Value, revisit: bool) -> list[Value]:
    """The operations in the order a depth-first walk first reaches them, root first.

    Not a topological order: a node shared by two paths is reached through the
    first before the second has passed it anything. With revisit, it is listed
    once per path, as a walk without a visited set goes.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if not node.inputs or (node in seen and not revisit):
            continue
        seen.add(node)
        order.append(node)
        stack.extend(reversed(node.inputs))
    return order


class _NoReset(list[Value]):
    """The operations, except that the loop that resets their grads sees none of them."""

    def __iter__(self) -> Iterator[Value]:
        return iter(())


@contextlib.contextmanager
def bug(name: str) -> Iterator[None]:
    """Within this block, ``backward()`` commits one of `BACKWARD_MISTAKES`.

    The engine's own chain-rule loop and table run; what changes is what they
    are given:

    - ``overwrites`` and ``no-upstream``: the root is seeded with a gradient
      whose arithmetic makes the loop's ``a.grad + grad * da`` keep only the
      last term, or drop the factor ``grad``;
    - ``not-seeded``: the root is seeded with 0 instead of 1;
    - ``wrong-order`` and ``revisits``: the loop gets the operations in the
      order a depth-first walk reaches them, once, or once per path;
    - ``not-reset``: the inner nodes' grads are not reset before the loop.

    Args:
        name: One of `BACKWARD_MISTAKES`.

    Raises:
        ValueError: If name is not one of them.

    Example:
        >>> from micrograd_like import Value
        >>> a = Value(3.0)
        >>> with bug("overwrites"):
        ...     (a + a).backward()
        >>> a.grad   # 2.0 without the bug
        1.0
    """
    if name not in BACKWARD_MISTAKES:
        raise ValueError(f"bug: name must be one of {BACKWARD_MISTAKES}, got {name!r}")
    real_backpropagate, real_order = engine.backpropagate, engine.topological_order

    def backpropagate(
        outputs: Sequence[Value], gradients: Sequence[Any], create_graph: bool = False
    ) -> list[Value]:
        seed = {"overwrites": _Overwriting, "no-upstream": _NoUpstream}.get(name)
        if seed is not None:
            gradients = [seed(g) for g in gradients]
        elif name == "not-seeded":
            gradients = [0.0 for _ in gradients]
        elif name == "not-reset":  # the root is seeded afresh, as micrograd's backward does
            for out in outputs:
                out.grad = engine.NOT_COMPUTED
        operations = real_backpropagate(outputs, gradients, create_graph)
        if seed is not None:  # the wrong numbers stay; their odd arithmetic must not
            for node in real_order(*outputs):
                node.grad = float(node.grad) if node.grad_computed else node.grad
        return operations

    def order(*roots: Value, leaves: bool = True) -> list[Value]:
        if leaves or len(roots) != 1:
            return real_order(*roots, leaves=leaves)
        if name == "not-reset":
            return _NoReset(real_order(*roots, leaves=False))
        if name in ("wrong-order", "revisits"):
            # The loop runs reversed(order): reversed here, it is the walk's order.
            return _preorder(roots[0], revisit=name == "revisits")[::-1]
        return real_order(*roots, leaves=False)

    engine.backpropagate, engine.topological_order = backpropagate, order
    try:
        yield
    finally:
        engine.backpropagate, engine.topological_order = real_backpropagate, real_order


def _recompute(node: Value, inputs: Sequence[float]) -> float:
    """The node's operation applied again, to other input numbers."""
    op = node.op
    if op.startswith("**") and op != "**":
        rule = power_by(float(op[2:])).apply
    else:
        rule = PRIMITIVES[op].apply
    assert rule is not None  # a row of the table
    return float(rule(*inputs)[0])


def _nudged(root: Value, order: Sequence[Value], node: Value, delta: float) -> float:
    """The root's number with node's number moved by delta, everything above it recomputed."""
    numbers = {v: v.data for v in order}
    numbers[node] += delta
    start = order.index(node) + 1
    for v in order[start:]:
        if v.inputs and v.local_grads is not None:
            numbers[v] = _recompute(v, [numbers[x] for x in v.inputs])
    return numbers[root]


def first_wrong(root: Value, rel: float = 1e-4, abs_: float = 1e-6) -> Value | None:
    """The first node, in backward order, whose grad disagrees with a central difference.

    Each node's grad, as the last backward pass left it, is compared with
    d(root)/d(node) by central differences: the node's number is nudged up and
    down and the graph above it recomputed. Nodes built by hand are skipped.

    Args:
        root: The value backpropagated from.
        rel: Relative tolerance.
        abs_: Absolute tolerance.

    Returns:
        The first wrong node, root first; None if every grad is right.

    Example:
        >>> from micrograd_like import Value
        >>> x = Value(2.0, label="x")
        >>> y = x * x + x
        >>> with bug("overwrites"):
        ...     y.backward()
        >>> first_wrong(y).label
        'x'
    """
    order = topological_order(root)
    for node in reversed(order):
        h = 1e-6 * max(1.0, abs(node.data))
        try:
            slope = (_nudged(root, order, node, h) - _nudged(root, order, node, -h)) / (2 * h)
        except (ArithmeticError, ValueError):
            continue  # at the edge of a domain: no central difference here
        grad = float(node.grad)
        if not math.isclose(grad, slope, rel_tol=rel, abs_tol=abs_):
            return node
    return None


# -- check_backward -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Probe:
    """A graph to run a learner's backward pass on, and what it exposes."""

    name: str
    shown: str  # the graph, as the message writes it
    build: Callable[[], Value]


def _diamond() -> Value:
    x = Value(2.0, label="x")
    u = x * x
    u.label = "u"
    v = u * 3
    v.label = "v"
    out = u + v
    out.label = "L"
    return out


def _diamonds(count: int) -> Value:
    x = Value(1.0, label="x")
    for _ in range(count):
        x = x * 0.5 + x * 0.5  # two paths through each: 2**count paths in all
    x.label = "out"
    return x


def _neuron() -> Value:
    x1, x2 = Value(2.0, label="x1"), Value(-1.0, label="x2")
    w1, w2 = Value(-0.5, label="w1"), Value(0.75, label="w2")
    b = Value(0.25, label="b")
    out = (x1 * w1 + x2 * w2 + b).tanh()
    out.label = "o"
    return out


def _doubled(a: Value, op: str) -> Value:
    out = a + a if op == "+" else a * a
    out.label = "out"
    return out


_DIAMONDS = 24  # 2**24 paths: a walk that revisits takes minutes, a correct one milliseconds
_DEEP = 5000  # deeper than Python's default recursion limit of 1000

_PROBES_BACKWARD = (
    _Probe("neuron", "o = tanh(x1*w1 + x2*w2 + b)", _neuron),
    _Probe("a + a", "out = a + a, a = 3", lambda: _doubled(Value(3.0, label="a"), "+")),
    _Probe("b * b", "out = b * b, b = -1.5", lambda: _doubled(Value(-1.5, label="b"), "*")),
    _Probe("diamond", "u = x*x, v = 3u, L = u + v, x = 2", _diamond),
)

_BACKWARD_HINTS = {
    "overwrites": "A value used by two operations gets a gradient from each: look at how "
    "your pass stores the second one.",
    "wrong-order": "A node may pass its gradient on only once every node it feeds has "
    "passed it theirs: in which order does your pass visit the nodes?",
    "not-seeded": "Every gradient came out 0: the chain rule starts from d(root)/d(root), "
    "and your pass never sets it.",
    "no-upstream": "Each input got the local derivative alone: the chain rule multiplies "
    "it by something the node already holds.",
    "revisits": "A node reached along two paths is handled twice: keep track of the nodes "
    "you have already done.",
    "not-reset": "Run twice on one graph, the inner gradients piled up: what does your "
    "pass assume about them before it starts?",
    "other": "Compare each node's gradient with a central difference "
    "(micrograd_like.exercises.first_wrong finds the first wrong one).",
}


def _grads_after(
    fn: Callable[[Value], Any], root: Value, fresh: bool = True
) -> tuple[list[Any] | None, str | None, str]:
    """Every node's grad after fn(root), in topological order; or why there are none."""
    order = topological_order(root)
    if fresh:
        for node in order:
            node.grad = 0.0
    try:
        with _time_limit(TIME_LIMIT):
            fn(root)
    except _TooSlowError:
        return None, "too-slow", f"it ran for more than {TIME_LIMIT:g} s"
    except RecursionError:
        raise  # the caller tells a deep graph's recursion apart
    except Exception as error:  # the learner's code: any exception is a finding
        return None, "raises", f"it raised {type(error).__name__}: {error}"
    grads = [node.grad for node in order]
    if not all(is_real(g) for g in grads):
        kinds = sorted({type(g).__name__ for g in grads if not is_real(g)})
        return None, "wrong-type", f"it left grads that are not numbers ({', '.join(kinds)})"
    return [float(g) for g in grads], None, ""


def _same(xs: Sequence[float], ys: Sequence[float]) -> bool:
    return all(math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-9) for x, y in zip(xs, ys, strict=True))


def _bugged(probe: _Probe, mistake: str) -> list[float]:
    """The grads the engine computes on probe while committing mistake."""
    root = probe.build()
    with bug(mistake):
        root.backward()
    return [float(node.grad) for node in topological_order(root)]


def _first_difference(root: Value, got: Sequence[float], want: Sequence[float]) -> str:
    for node, g, w in zip(topological_order(root), got, want, strict=True):
        if not math.isclose(g, w, rel_tol=1e-6, abs_tol=1e-9):
            name = node.label or f"the {node.op} node"
            return f"{name}.grad = {_num(g)}, but it should be {_num(w)}"
    return ""


def check_backward(fn: Callable[[Value], Any]) -> Report:
    """Checks a learner's whole backward pass, ``fn(root)``, and names the mistake.

    fn must set ``.grad`` on every node below root to d(root)/d(node), as
    ``root.backward()`` does, using ``v.inputs`` and ``v.local_grads`` (or
    ``_prev`` and the table). It is run on probe graphs built to expose each of
    `BACKWARD_MISTAKES`: a value used twice, a diamond where the order matters,
    a second pass over the same graph, a chain of 24 diamonds (2**24 paths), and
    a chain 5,000 deep. Before each run every grad is set to 0.

    Args:
        fn: The learner's backward pass.

    Returns:
        The `Report`. A pass that recurses (and so fails on the deep chain)
        passes with the warning ``recursion-limit`` when it is right otherwise.
        A blank not yet filled in (a def whose body is ``...``) is "wrong-type".

    Example:
        >>> def overwriting(root):
        ...     order = topological_order(root)
        ...     root.grad = 1.0
        ...     for node in reversed(order):
        ...         for child, local in zip(node.inputs, node.local_grads):
        ...             child.grad = node.grad * local
        >>> check_backward(overwriting).mistake
        'overwrites'
    """
    if _is_blank(fn):
        return Report(False, "wrong-type", f"Your backward pass is still the blank. {_BLANK}")
    if not callable(fn):
        return Report(False, "wrong-type", f"A backward pass is a function, got {fn!r}.")
    explained: dict[str, int] = {}
    failures: list[tuple[_Probe, Value, list[float], list[float]]] = []
    for probe in _PROBES_BACKWARD:
        root = probe.build()
        want = [float(gradients([root]).get(node, 0.0)) for node in topological_order(root)]
        try:
            got, mistake, message = _grads_after(fn, root)
        except RecursionError:
            got, mistake, message = None, "raises", "it raised RecursionError"
        if got is None:
            return Report(False, mistake, f"On {probe.shown}, {message}.")
        if not _same(got, want):
            failures.append((probe, root, got, want))
            for candidate in BACKWARD_MISTAKES:
                if candidate != "not-reset" and _same(got, _bugged(probe, candidate)):
                    explained[candidate] = explained.get(candidate, 0) + 1
    if failures:
        probe, root, got, want = failures[0]
        where = f"On {probe.shown}, {_first_difference(root, got, want)}."
        first = [m for m in BACKWARD_MISTAKES if m in explained and _same(got, _bugged(probe, m))]
        mistake = max(first, key=lambda m: explained[m]) if first else "other"
        return Report(False, mistake, f"{where} {_BACKWARD_HINTS[mistake]}")

    root = _diamonds(_DIAMONDS)
    try:
        got, mistake, message = _grads_after(fn, root)
    except RecursionError:
        got, mistake, message = None, "raises", "RecursionError"
    if mistake == "too-slow":
        return Report(
            False,
            "revisits",
            f"On a chain of {_DIAMONDS} diamonds, out = x*0.5 + x*0.5 over and over, "
            f"{message}: it has {2**_DIAMONDS:,} paths, and only {3 * _DIAMONDS + 1} nodes. "
            f"{_BACKWARD_HINTS['revisits']}",
        )
    if got is None:
        return Report(False, mistake, f"On a chain of {_DIAMONDS} diamonds, {message}.")
    want = [float(gradients([root]).get(node, 0.0)) for node in topological_order(root)]
    if not _same(got, want):
        where = f"On a chain of {_DIAMONDS} diamonds, {_first_difference(root, got, want)}."
        return Report(False, "other", f"{where} {_BACKWARD_HINTS['other']}")

    # A second pass over the same graph, the leaves zeroed between, as zero_grad() does.
    root = _diamond()
    _grads_after(fn, root)
    for node in topological_order(root):
        if not node.inputs:
            node.grad = 0.0
    got, mistake, message = _grads_after(fn, root, fresh=False)
    want = [float(gradients([root]).get(node, 0.0)) for node in topological_order(root)]
    if got is None:
        return Report(False, mistake, f"Run a second time on one graph, {message}.")
    if not _same(got, want):
        where = f"Run twice on {_PROBES_BACKWARD[3].shown}, {_first_difference(root, got, want)}"
        return Report(False, "not-reset", f"{where}. {_BACKWARD_HINTS['not-reset']}")

    warnings = _deep_chain_warnings(fn)
    return Report(
        True,
        None,
        "Right on every probe: a neuron, a value used twice, a diamond, a chain of "
        f"{_DIAMONDS} diamonds and a second pass.",
        warnings,
    )


def _deep_chain_warnings(fn: Callable[[Value], Any]) -> tuple[str, ...]:
    x = Value(0.5, label="x")
    out = x
    for _ in range(_DEEP):
        out = out + 0.001
    try:
        got, _, _ = _grads_after(fn, out)
    except RecursionError:
        return (
            f"recursion-limit: on a chain {_DEEP:,} operations deep, your pass raised "
            "RecursionError: a recursive walk needs one Python frame per level, and Python "
            "allows about 1,000. Walk the graph with a stack or a list of your own (as "
            "micrograd_like.topological_order does) and it has no depth limit.",
        )
    if got is not None and not math.isclose(got[0], 1.0):
        return (f"On a chain {_DEEP:,} deep, x.grad came out {_num(got[0])}, not 1.",)
    return ()


# -- check_value --------------------------------------------------------------------------


def _report_numbers() -> dict[str, float]:
    """Every number of the report's example a learner computes, by the name a learner uses."""
    example = worked_example.run()
    f, u = example.forward, example.upstream
    numbers = {
        "z1(1)": f["z1_1"], "z2(1)": f["z2_1"], "h1": f["h1"], "h2": f["h2"], "z(2)": f["z_2"],
        "y_pred": f["y_pred"], "L": f["loss"],
        "dL/dy_pred": u["dL/dy_pred"], "dL/dz(2)": u["dL/dz_2"], "dL/dh1": u["dL/dh1"],
        "dL/dh2": u["dL/dh2"], "dL/dz1(1)": u["dL/dz1_1"], "dL/dz2(1)": u["dL/dz2_1"],
    }  # fmt: skip
    for name, shown in worked_example.DISPLAY_NAMES.items():
        numbers[f"dL/d{shown}"] = example.grads[name]
        numbers[f"new {shown}"] = example.updated[name]
    return numbers


def _decimals(value: float | str) -> int:
    """How many decimals a number was written with: a string's as typed, a float's shortest."""
    text = value.strip() if isinstance(value, str) else repr(float(value))
    mantissa, _, exponent = text.lower().partition("e")
    digits = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return max(0, digits - int(exponent or 0))


def check_value(name: str, value: float | str) -> Report:
    """Checks a number of the report's worked example computed by hand, to its precision.

    The number is right if it rounds the true one to as many decimals as it was
    written with. A parameter's gradient that is wrong is traced to the factor of
    its chain-rule product (upstream gradient, sigma'(z), input) that is off,
    when one factor explains it.

    Args:
        name: The quantity, as the report writes it: "z1(1)", "h1", "y_pred", "L",
            "dL/dz(2)", "dL/dh1", "dL/dw1(2)", "new w1(2)" (after the update, with
            the default learning rate 0.5)...
        value: The learner's number; as a string ("-0.30") its trailing zeros
            count as decimals written.

    Returns:
        The `Report`; its mistake is "other" or "wrong-type" when it fails
        (a blank, ``...`` or None, is "wrong-type").

    Raises:
        ValueError: If name is not a quantity of the example (the message lists them).

    Example:
        >>> check_value("dL/dw1(2)", -0.2951).passed
        True
        >>> check_value("dL/dw1(2)", "-0.29").message.split(":")[0]
        'dL/dw1(2) = -0.29 is not right to 2 decimals'
    """
    numbers = _report_numbers()
    if name not in numbers:
        raise ValueError(f"check_value: name must be one of {', '.join(numbers)}; got {name!r}")
    if _is_blank(value):
        return Report(False, "wrong-type", f"{name}: expected a finite number, got {value!r}: "
                      f"the blank is not filled in yet. {_BLANK}")  # fmt: skip
    try:
        number = float(value) if isinstance(value, str) else value
    except ValueError:
        number = math.nan
    if not is_real(number) or not math.isfinite(number):
        return Report(False, "wrong-type", f"{name}: expected a finite number, got {value!r}.")
    true = numbers[name]
    places = min(_decimals(value), 12)  # past 12 decimals, a float is as close as it gets
    written = value.strip() if isinstance(value, str) else repr(number)
    decimals = f"{places} decimal{'s' if places != 1 else ''}"
    if abs(number - true) <= 0.5 * 10.0**-places * (1 + 1e-9):
        return Report(True, None, f"{name} = {written} is right to {decimals}.")
    message = f"{name} = {written} is not right to {decimals}: it rounds to " \
        f"{true:.{places}f}."  # fmt: skip
    factor = _off_factor(name, number, places)
    return Report(False, "other", f"{message} {factor}".strip())


def _off_factor(name: str, value: float, places: int) -> str:
    """Which factor of a parameter gradient's chain-rule product explains a wrong value."""
    example = worked_example.run()
    by_shown = {f"dL/d{worked_example.DISPLAY_NAMES[p.param]}": p for p in example.products}
    product = by_shown.get(name)
    if product is None:
        return ""
    numbers = _report_numbers()
    candidates = {
        "the upstream gradient": [numbers[n] for n in ("dL/dy_pred", "dL/dz(2)", "dL/dh1",
                                                        "dL/dh2")],
        "sigma'(z)": [numbers["h1"], numbers["h2"], 1 - numbers["h1"], 1 - numbers["h2"],
                      numbers["y_pred"], 1.0],
        "the input": [0.5, -0.5, numbers["h1"], numbers["h2"], 1.0],
    }  # fmt: skip
    factors = {
        "the upstream gradient": product.upstream,
        "sigma'(z)": product.activation_derivative,
        "the input": product.input,
    }
    # A learner rounds each factor: a product of rounded factors is off by a little more.
    tolerance = max(0.5 * 10.0**-places, 2e-3 * abs(value))
    for factor, options in candidates.items():
        rest = product.product / factors[factor] if factors[factor] else 0.0
        for option in options:
            for sign in (1, -1):
                if option != factors[factor] and abs(rest * sign * option - value) <= tolerance:
                    return (
                        f"The product's other factors look right, but {factor} does not: "
                        f"check which {factor.split(' ')[-1]} this parameter's gradient "
                        "multiplies."
                    )
    return "Work out the three factors of the product, upstream x sigma'(z) x input, one at a time."


# -- notebooks: blanks for learners, reference solutions for CI -----------------------------

SOLUTIONS_VARIABLE = "MICROGRAD_LIKE_SOLUTIONS"
"""The environment variable that names a solutions file for `solution` and `expect`."""


def _solutions_path() -> str | None:
    return os.environ.get(SOLUTIONS_VARIABLE) or None


def solution(name: str, default: Any) -> Any:
    """The learner's answer, or, when CI asks for it, the reference solution.

    An exercise cell ends with ``answer = solution("answer", answer)``: for a
    learner it changes nothing. When the environment variable
    ``MICROGRAD_LIKE_SOLUTIONS`` names a Python file, the answer is that file's
    attribute name instead, so one notebook keeps its blanks and CI still proves
    the reference solutions pass. Loading the file runs it, as an import does:
    point the variable only at a solutions file of your own. A relative path is
    taken from the current directory (a notebook's kernel runs in the notebook's).

    Args:
        name: The attribute of the solutions file, the answer's name in the notebook.
        default: The learner's answer.

    Returns:
        default; or, with the variable set, the solutions file's attribute name.

    Raises:
        FileNotFoundError: If the variable names no file.
        ImportError: If the file is not one Python can load (its name does not end in .py).
        AttributeError: If the solutions file defines no attribute name.

    Example:
        >>> import os
        >>> "MICROGRAD_LIKE_SOLUTIONS" in os.environ
        False
        >>> solution("h1", 0.63)
        0.63
    """
    path = _solutions_path()
    if path is None:
        return default
    if not os.path.isfile(path):
        raise FileNotFoundError(f"solution: {SOLUTIONS_VARIABLE}={path!r}: there is no such file")
    spec = importlib.util.spec_from_file_location("_exercise_solutions", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"solution: {SOLUTIONS_VARIABLE}={path!r} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, name):
        raise AttributeError(
            f"solution: the solutions file {path} ({SOLUTIONS_VARIABLE}) defines no {name!r}"
        )
    return getattr(module, name)


def expect(report: Report, mistake: str | None = None) -> None:
    """Prints a check's report; when CI runs the solutions, fails unless it is the expected one.

    A learner sees the report whatever it says. With ``MICROGRAD_LIKE_SOLUTIONS``
    set (see `solution`), a report other than the expected one raises, so the
    notebook's cell fails and CI with it.

    Args:
        report: What a checker found.
        mistake: The mistake the check should name; None (the default) when it
            should pass.

    Raises:
        AssertionError: With the variable set, if report.mistake is not mistake.

    Example:
        >>> expect(check_value("h1", 0.6283))
        passed: h1 = 0.6283 is right to 4 decimals.
    """
    print(f"{'passed' if report.passed else report.mistake}: {report}")
    if _solutions_path() is not None and report.mistake != mistake:
        wanted = "a pass" if mistake is None else f"the mistake {mistake!r}"
        raise AssertionError(f"expected {wanted}, got {report.mistake!r}: {report}")

"""Check backward() against central differences, input by input.

``gradcheck(f, inputs)`` differentiates ``f`` twice: once with the engine's
backward pass (analytic) and once numerically, with the central difference
``(f(x + eps) - f(x - eps)) / (2 * eps)`` for each input in turn. It reports
every input whose two gradients disagree, and by how much.

Example:
    >>> from micrograd_like import gradcheck
    >>> result = gradcheck(lambda x, y: (x * y).tanh(), [0.3, -1.2])
    >>> result.passed
    True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from micrograd_like import validate
from micrograd_like.engine import Value
from micrograd_like.grad_mode import no_grad

__all__ = ["GradcheckError", "GradcheckResult", "InputCheck", "gradcheck"]


@dataclass(frozen=True)
class InputCheck:
    """The two gradients of one input, and whether they agree.

    Attributes:
        name: The input's name: its key, its label, or ``inputs[i]``.
        value: The point at which the gradient was taken.
        analytic: d f / d input from ``backward()``.
        numeric: The central-difference estimate.
        abs_error: ``|analytic - numeric|``.
        passed: Whether ``abs_error <= atol + rtol * |numeric|``.

    Example:
        >>> from micrograd_like import gradcheck
        >>> check = gradcheck(lambda a, b: a * b, [0.5, -1.0]).checks[1]
        >>> check.name, check.analytic, check.passed  # d(ab)/db = a
        ('inputs[1]', 0.5, True)
    """

    name: str
    value: float
    analytic: float
    numeric: float
    abs_error: float
    passed: bool


@dataclass(frozen=True)
class GradcheckResult:
    """Everything `gradcheck` measured; truthy when every input agrees.

    Attributes:
        checks: One `InputCheck` per input, in order.

    Example:
        >>> from micrograd_like import gradcheck
        >>> result = gradcheck(lambda a: a.tanh(), [0.5])
        >>> bool(result), len(result.checks)
        (True, 1)
    """

    checks: tuple[InputCheck, ...]
    eps: float
    atol: float
    rtol: float

    @property
    def passed(self) -> bool:
        """Whether every input's gradients agree."""
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> tuple[InputCheck, ...]:
        """The inputs whose gradients disagree."""
        return tuple(check for check in self.checks if not check.passed)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "passed" if self.passed else f"FAILED for {len(self.failures)} input(s)"
        lines = [
            f"gradcheck {verdict} (eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g})",
            f"{'input':<16} {'value':>12} {'analytic':>22} {'numeric':>22} {'abs error':>10}",
        ]
        for c in self.checks:
            mark = "" if c.passed else "  <-- disagree"
            lines.append(
                f"{c.name:<16} {c.value:>12.6g} {c.analytic:>22.15g} {c.numeric:>22.15g} "
                f"{c.abs_error:>10.3g}{mark}"
            )
        return "\n".join(lines)


class GradcheckError(AssertionError):
    """Raised by `gradcheck` when gradients disagree; ``.result`` holds the report.

    Example:
        >>> from micrograd_like import GradcheckError, Value, gradcheck
        >>> def square(a):  # a node built by hand, with a wrong rule: 3a for 2a
        ...     out = Value(a.data**2, (a,), "square")
        ...     def _backward():
        ...         a.grad += 3 * a.data * out.grad
        ...     out._backward = _backward
        ...     return out
        >>> try:
        ...     gradcheck(square, [2.0])
        ... except GradcheckError as error:
        ...     print(error.result.checks[0].analytic, round(error.result.checks[0].numeric, 4))
        6.0 4.0
    """

    def __init__(self, result: GradcheckResult) -> None:
        super().__init__(str(result))
        self.result = result


_KIND = "a Value or a real number"


def _as_float(x: object, name: str) -> float:
    """The data of a Value, or a number as a float (infinities are let through: f decides)."""
    if isinstance(x, Value):
        return x.data
    return validate.real(x, name, "gradcheck", finite=False, kind=_KIND)


def gradcheck(
    f: Callable[..., Value | float],
    inputs: Sequence[float | Value] | Mapping[str, float | Value],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> GradcheckResult:
    """Compares backward() with central differences for every input of f.

    Args:
        f: Builds a scalar from Values: called as ``f(*values)`` for a sequence
            of inputs and as ``f(**values)`` for a mapping.
        inputs: The point to check at, as numbers or Values (only their data is
            used; their grads are not touched).
        eps: The step of the central difference.
        atol: Absolute tolerance.
        rtol: Tolerance relative to the numeric gradient.
        raise_exception: Raise `GradcheckError` when a gradient disagrees
            (as ``torch.autograd.gradcheck`` does) instead of returning a
            failed result.

    Returns:
        The report, one `InputCheck` per input; ``str()`` of it is a table.

    Raises:
        GradcheckError: If any input disagrees and raise_exception is true.
        TypeError: If an input, eps, atol or rtol is not a real number (a
            bool neither, as everywhere in the package), or f returns neither
            a Value nor a real number.
        ValueError: If eps, atol or rtol is not a finite number of the right
            sign, or an input is an int too large for a float.

    Example:
        >>> from micrograd_like import gradcheck
        >>> result = gradcheck(lambda x, w: (x * w).tanh(), [0.5, -1.0])
        >>> bool(result), [check.name for check in result.checks]
        (True, ['inputs[0]', 'inputs[1]'])
    """
    eps = validate.positive(eps, "eps", "gradcheck")
    atol = validate.non_negative(atol, "atol", "gradcheck")
    rtol = validate.non_negative(rtol, "rtol", "gradcheck")

    if isinstance(inputs, Mapping):
        names = [str(k) for k in inputs]
        keys: list[str] | None = names
        items = list(inputs.values())
    else:
        keys = None
        items = list(inputs)
        names = [
            x.label if isinstance(x, Value) and x.label else f"inputs[{i}]"
            for i, x in enumerate(items)
        ]
    point = [_as_float(x, f"input {name}") for x, name in zip(items, names, strict=True)]

    def call(values: list[Value]) -> Value | float:
        if keys is None:
            return f(*values)
        return f(**dict(zip(keys, values, strict=True)))

    def value_of(values: list[Value]) -> float:
        return _as_float(call(values), "the result of f")

    leaves = [Value(x, label=name) for x, name in zip(point, names, strict=True)]
    out = call(leaves)
    _as_float(out, "the result of f")  # refuses a result that is neither a Value nor a number
    if isinstance(out, Value):
        out.backward()

    checks = []
    for i, (name, leaf) in enumerate(zip(names, leaves, strict=True)):
        with no_grad():
            plus = [Value(x + eps) if j == i else Value(x) for j, x in enumerate(point)]
            minus = [Value(x - eps) if j == i else Value(x) for j, x in enumerate(point)]
            numeric = (value_of(plus) - value_of(minus)) / (2 * eps)
        analytic = leaf.grad
        abs_error = abs(analytic - numeric)
        passed = abs_error <= atol + rtol * abs(numeric)  # False for NaN, as it should be
        checks.append(InputCheck(name, point[i], analytic, numeric, abs_error, passed))

    result = GradcheckResult(tuple(checks), eps, atol, rtol)
    if raise_exception and not result.passed:
        raise GradcheckError(result)
    return result

"""The math the table of primitives is written in, on floats and on Values alike.

Given floats, each function gives the IEEE 754 result, as PyTorch does:
``exp(1000.0)`` is inf, not an OverflowError. Given a `micrograd_like.Value`,
it calls the Value's own operation instead, so a rule of the table applied to
Values builds its derivatives as a graph that can be differentiated again
(``create_graph=True``). The checks raise before any node exists, naming the
operation and its inputs.

This module imports nothing from the package: the engine builds on it.

Example:
    >>> from micrograd_like.operators import exp, sigmoid
    >>> exp(1000.0), sigmoid(-1000.0)
    (inf, 0.0)
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

__all__ = [
    "as_float",
    "check_constant_power",
    "check_divide",
    "check_log",
    "check_power",
    "d_power_base",
    "d_power_exponent",
    "exp",
    "is_real",
    "log",
    "long_int",
    "number",
    "power",
    "relu",
    "relu_slope",
    "sigmoid",
    "tanh",
]


# A number is an int or a float; anything else given to these functions is a Value.
_NUMBER = (int, float)


def is_real(x: object) -> bool:
    """Whether x is a real number by the package's rule: any ``numbers.Real`` but a bool.

    Args:
        x: Anything.

    Returns:
        True for an int, a float or another ``numbers.Real``, False for a bool.

    Example:
        >>> from micrograd_like.operators import is_real
        >>> is_real(2), is_real(1.5), is_real(True)
        (True, True, False)
    """
    return isinstance(x, Real) and not isinstance(x, bool)


def number(x: Any) -> float:
    """The float in x: x itself, or a Value's data.

    Args:
        x: A number or a Value.

    Returns:
        x, or x.data for a Value.

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.operators import number
        >>> number(Value(2.5)), number(3)
        (2.5, 3)
    """
    return x if isinstance(x, _NUMBER) else x.data


def as_float(x: Any, op: str) -> float:
    """The float of x, with an error naming op where an int is too large for a float.

    Args:
        x: A real number.
        op: The operation to name in the error.

    Returns:
        ``float(x)``.

    Raises:
        OverflowError: If x is an int too large for a float.

    Example:
        >>> from micrograd_like.operators import as_float
        >>> as_float(3, "exp")
        3.0
    """
    try:
        return float(x)
    except OverflowError:
        raise OverflowError(f"{op}: {long_int(x)} is too large for a float") from None


def long_int(x: int) -> str:
    """A long int as a message shows it: its first digits and how many there are.

    Args:
        x: The int.

    Returns:
        Its first 12 digits, then how many digits it has.

    Example:
        >>> from micrograd_like.operators import long_int
        >>> long_int(10**40)
        '100000000000... (41 digits)'
    """
    if x.bit_length() > 13_000:  # past 4,300 digits, Python refuses to print an int
        return f"an int of about {int(x.bit_length() * math.log10(2)) + 1} digits"
    text = str(x)
    return f"{text[:12]}... ({len(text.lstrip('-'))} digits)"


def exp(x: Any) -> Any:
    """The exponential e ** x; inf past about 709.

    Example:
        >>> from micrograd_like.operators import exp
        >>> exp(0.0), exp(1000.0)
        (1.0, inf)
    """
    if not isinstance(x, _NUMBER):
        return x.exp()
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def log(x: Any) -> Any:
    """The natural logarithm (x > 0: see `check_log`).

    Example:
        >>> from micrograd_like.operators import log
        >>> log(1.0)
        0.0
    """
    return math.log(x) if isinstance(x, _NUMBER) else x.log()


def tanh(x: Any) -> Any:
    """The hyperbolic tangent.

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.operators import tanh
        >>> tanh(0.0), tanh(Value(0.0))  # a Value gives a node of the graph
        (0.0, Value(data=0.0, grad=0))
    """
    return math.tanh(x) if isinstance(x, _NUMBER) else x.tanh()


def sigmoid(x: Any) -> Any:
    """The logistic function 1 / (1 + e ** -x), without overflow (exp of -|x| only).

    Example:
        >>> from micrograd_like.operators import sigmoid
        >>> sigmoid(0.0), sigmoid(-1000.0)
        (0.5, 0.0)
    """
    if not isinstance(x, _NUMBER):
        return x.sigmoid()
    e = math.exp(-abs(x))
    return 1 / (1 + e) if x >= 0 else e / (1 + e)


def relu(x: Any) -> Any:
    """The rectifier: x where x > 0, and 0 elsewhere; nan stays nan, as in PyTorch.

    Example:
        >>> from micrograd_like.operators import relu
        >>> relu(-2.0), relu(3.0)
        (0.0, 3.0)
    """
    if not isinstance(x, _NUMBER):
        return x.relu()
    return 0.0 if x <= 0 else x


def relu_slope(x: Any) -> float:
    """The slope of relu, a constant: 0 up to 0 (PyTorch's choice at 0), else 1, also at nan.

    Example:
        >>> from micrograd_like.operators import relu_slope
        >>> relu_slope(-1.0), relu_slope(0.0), relu_slope(2.0)
        (0.0, 0.0, 1.0)
    """
    return 0.0 if (x if isinstance(x, _NUMBER) else x.data) <= 0 else 1.0


def power(a: Any, b: Any) -> Any:
    """The power a ** b; overflow and 0 ** -n give inf; ``(±0) ** ±0.5`` as PyTorch's sqrt.

    PyTorch takes that square root for a number exponent, ``x ** 0.5``; with a tensor
    exponent it gives +0.0 at -0.0 where this gives -0.0, since a rule cannot tell them apart.

    Example:
        >>> from micrograd_like.operators import power
        >>> power(2.0, 3.0), power(0.0, -1.0)
        (8.0, inf)
    """
    if not (isinstance(a, _NUMBER) and isinstance(b, _NUMBER)):
        return a**b
    if a == 0 and b in (0.5, -0.5):  # sqrt(-0.0) is -0.0
        return math.sqrt(a) if b > 0 else math.copysign(math.inf, a)
    try:
        result = a**b
        return math.nan if isinstance(result, complex) else float(result)  # no real result
    except ZeroDivisionError:  # 0 ** -n: inf, with the sign of a for an odd n (IEEE 754's pow)
        return math.copysign(math.inf, a) if b % 2 == 1 else math.inf
    except OverflowError:
        return -math.inf if a < 0 and b % 2 == 1 else math.inf


def d_power_base(a: Any, b: Any) -> Any:
    """The derivative d(a ** b)/da = b * a ** (b - 1), and 0 where b == 0, as in PyTorch.

    At b == 0 the product is 0 * a ** -1, which is nan where a ** -1 overflows. A Value
    exponent keeps the product as a graph where it is finite, so that its own derivative
    by b survives (the third derivative of x ** x at 1 is 3).

    Example:
        >>> from micrograd_like.operators import d_power_base
        >>> d_power_base(2.0, 3.0)  # 3 * 2 ** 2
        12.0
    """
    if number(b) == 0 and (isinstance(b, _NUMBER) or not math.isfinite(power(number(a), -1.0))):
        return 0.0
    return b * power(a, b - 1)


def d_power_exponent(p: Any, a: Any, b: Any) -> Any:
    """The derivative d(a ** b)/db = a ** b * log(a), given p = a ** b; PyTorch's values at a == 0.

    NaN for a < 0, where only a constant exponent is allowed, and its derivative is dropped.

    Example:
        >>> from micrograd_like.operators import d_power_exponent
        >>> round(d_power_exponent(8.0, 2.0, 3.0), 6)  # 8 * log(2)
        5.545177
    """
    if isinstance(b, _NUMBER) and not isinstance(a, _NUMBER):
        return 0.0  # a constant exponent (x ** 2 with create_graph): its column is dropped
    if number(a) == 0:
        return 0.0 if number(b) >= 0 else -math.inf if number(b) < 0 else math.nan
    return p * log(a) if number(a) > 0 else math.nan


def check_log(a: float) -> None:
    """The domain of log: a > 0.

    Raises:
        ValueError: If a <= 0, naming log and a.

    Example:
        >>> from micrograd_like.operators import check_log
        >>> check_log(0.0)
        Traceback (most recent call last):
        ValueError: log: input must be positive, got 0.0
    """
    if a <= 0:
        raise ValueError(f"log: input must be positive, got {a!r}")


def check_divide(a: float, b: float) -> None:
    """The domain of division: b != 0.

    Raises:
        ZeroDivisionError: If b is 0, naming both numbers.

    Example:
        >>> from micrograd_like.operators import check_divide
        >>> check_divide(1.0, 0.0)
        Traceback (most recent call last):
        ZeroDivisionError: division by zero: 1.0 / 0.0
    """
    if b == 0:
        raise ZeroDivisionError(f"division by zero: {a!r} / {b!r}")


def check_power(a: float, b: float) -> None:
    """The domain of ``a ** b`` with b a Value: d/db = a ** b * log(a) needs a >= 0.

    Raises:
        ValueError: If a < 0, saying to use a plain number as a constant exponent.

    Example:
        >>> from micrograd_like.operators import check_power
        >>> check_power(2.0, 0.5)  # nothing to say
    """
    if a < 0:
        raise ValueError(
            f"pow: base {a!r} is negative and the exponent is a Value, but "
            f"d(a**b)/db = a**b * log(a) has no real value for a < 0; "
            f"use a plain number as the exponent (v ** 2) if it is a constant"
        )


def check_constant_power(a: float, n: Any) -> None:
    """The domain of ``a ** n`` for a constant n: a real result.

    Raises:
        ValueError: If a is negative and n is a finite fraction.

    Example:
        >>> from micrograd_like.operators import check_constant_power
        >>> check_constant_power(-8.0, 0.5)
        Traceback (most recent call last):
        ValueError: pow: (-8.0) ** 0.5 has no real result (negative base, fraction)
    """
    if a < 0 and math.isfinite(n) and n != int(n):
        raise ValueError(f"pow: ({a!r}) ** {n!r} has no real result (negative base, fraction)")

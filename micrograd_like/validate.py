"""The checks every public function runs on its arguments, in one place.

One rule for ``bool`` everywhere: a bool is never taken where the package asks
for a number or a count (``steps=True``, ``lr=False``, ``Value(True)``, a target
of ``True``). Python's arithmetic still treats it as the int it is, so
``Value(2.0) * True`` is 2.0, as in micrograd and PyTorch.

Each check returns the argument as the type the caller works with (a float, an
int, a list of floats) or raises an error that names the function, the
argument and the value it got.

Example:
    >>> count(3, "steps", "fit")
    3
    >>> count(True, "steps", "fit")
    Traceback (most recent call last):
    ...
    ValueError: fit: steps must be a whole number >= 1, got True
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

__all__ = ["count", "is_real", "non_negative", "positive", "real", "real_numbers"]


def is_real(x: object) -> bool:
    """Whether x is a real number by the package's rule: any ``numbers.Real`` but a bool."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def real(x: object, name: str, who: str, *, finite: bool = True) -> float:
    """x as a float: a real number (not a bool), finite unless finite is False.

    Raises:
        TypeError: If x is not a real number.
        ValueError: If finite is asked for and x is NaN, infinite or too large for a float.
    """
    if not is_real(x):
        raise TypeError(f"{who}: {name} must be a real number, got {type(x).__name__}: {x!r}")
    try:
        value = float(x)  # type: ignore[arg-type]  # is_real checked it
    except OverflowError:
        raise ValueError(f"{who}: {name} is too large for a float, got {str(x)[:12]}...") from None
    if finite and not math.isfinite(value):
        raise ValueError(f"{who}: {name} must be finite, got {x!r}")
    return value


def positive(x: object, name: str, who: str) -> float:
    """x as a float, finite and > 0."""
    value = real(x, name, who)
    if not value > 0:
        raise ValueError(f"{who}: {name} must be > 0, got {x!r}")
    return value


def non_negative(x: object, name: str, who: str) -> float:
    """x as a float, finite and >= 0."""
    value = real(x, name, who)
    if not value >= 0:
        raise ValueError(f"{who}: {name} must be >= 0, got {x!r}")
    return value


def count(x: object, name: str, who: str, minimum: int = 1) -> int:
    """x as an int: a whole number (an int, not a bool) of at least minimum."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral) or x < minimum:
        raise ValueError(f"{who}: {name} must be a whole number >= {minimum}, got {x!r}")
    return int(x)


def real_numbers(xs: object, name: str, who: str, *, finite: bool = True) -> list[float]:
    """xs as a non-empty list of floats, each checked by `real`."""
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence) or len(xs) == 0:
        raise ValueError(f"{who}: {name} must be a non-empty list of numbers, got {xs!r}")
    return [real(x, f"{name}[{i}]", who, finite=finite) for i, x in enumerate(xs)]

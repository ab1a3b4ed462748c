"""The checks the package runs on the numbers and counts it is given, in one place.

Every module checks its arguments with these functions, so the rules are the
same everywhere:

- **A bool is never a number or a count here.** ``fit(steps=True)``,
  ``SGD(lr=False)``, ``batch_size=True``, ``l2=True`` or a target of ``True``
  is refused, though Python counts True as 1: a bool in such a place is almost
  always a slip, a flag passed where a number belongs. ``Value(True)`` is
  refused by the engine by the same rule. Arithmetic is not a check: Python
  still treats a bool as the int it is, so ``Value(2.0) * True`` is 2.0, as in
  micrograd and PyTorch.
- **TypeError when the argument is not the kind of number asked for** (a str,
  None, a bool, a complex; a float where a whole number is asked for);
  **ValueError when it is, but the function cannot take it**: out of range,
  NaN or infinite where a finite number is needed, or an int too large for a
  float (``10**400``).
- **Documents are the exception**: whatever is wrong inside what was read
  from a file (the values of a state for
  `micrograd_like.nn.Module.load_state_dict`, a saved model for
  `micrograd_like.nn.mlp_from_dict`) is a ValueError, as in `json.loads`, so
  one ``except ValueError`` catches a bad file.
- **Every message names the function, the argument and the value**, as in
  ``fit: steps must be a whole number >= 1, got 0``, the value shown by
  `shown`, which cuts it short: a message is one line, whatever it was given.

Each check takes the argument ``x``, its ``name`` and the function ``who``
takes it, both as the message shows them, and returns the argument as the
type the caller computes with (a float, an int, a list of floats), so a caller
never converts it again.

Example:
    >>> count(3, "steps", "fit")
    3
    >>> count(True, "steps", "fit")
    Traceback (most recent call last):
    ...
    TypeError: fit: steps must be a whole number >= 1, got bool: True
    >>> non_negative(10**400, "l2", "fit")
    Traceback (most recent call last):
    ...
    ValueError: fit: l2 is too large for a float, got 100000000000... (401 digits)
    >>> from micrograd_like import Value
    >>> Value(2.0) * True
    Value(data=2.0, grad=0)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

from micrograd_like.operators import is_real, long_int

__all__ = [
    "count",
    "is_real",
    "non_negative",
    "number",
    "positive",
    "real",
    "real_numbers",
    "seed",
    "shown",
]


def shown(x: object, limit: int = 60) -> str:
    """The value as a one-line message shows it: its repr, cut short when long.

    Every value a message echoes goes through here, so a message stays a line
    long whatever it was given (a 1 MB name, a list of 200,000 sizes). A str
    is cut before it is quoted, so the quotes still pair up.

    Args:
        x: Any value.
        limit: How many characters of it to show at most.

    Example:
        >>> shown("x" * 300, limit=5)
        "'xxxxx'... (300 characters)"
        >>> shown([1] * 200_000, limit=9)
        '[1, 1, 1,... (200000 items)'
        >>> shown(10**400)
        '100000000000... (401 digits)'
    """
    if isinstance(x, int) and not isinstance(x, bool) and x.bit_length() > 128:
        return long_int(x)  # repr() refuses an int of more than 4,300 digits
    if isinstance(x, str):
        return repr(x) if len(x) <= limit else f"{x[:limit]!r}... ({len(x)} characters)"
    try:
        text = repr(x)
    except ValueError:  # a list holding an int of more than 4,300 digits
        return f"a {type(x).__name__} too long to show"
    if len(text) <= limit:
        return text
    size = f"{len(x)} items" if isinstance(x, (list, tuple, dict)) else f"{len(text)} characters"
    return f"{text[:limit]}... ({size})"


def _kind_of(x: object) -> str:
    """What a TypeError says it got: the type and the value, e.g. ``bool: True``."""
    return f"{type(x).__name__}: {shown(x)}"


def real(
    x: object, name: str, who: str, *, finite: bool = True, kind: str = "a real number"
) -> float:
    """Checks that x is a real number (not a bool) and returns it as a float.

    NaN and infinities are refused unless finite is False. kind is what the
    TypeError says was expected, e.g. ``"a Value or a real number"`` for a
    caller that takes Values too.

    Returns:
        x as a float.

    Raises:
        TypeError: If x is not a real number, or is a bool.
        ValueError: If x is an int too large for a float, or finite is asked
            for and x is NaN or infinite.

    Example:
        >>> from micrograd_like import validate
        >>> validate.real(2, "x", "f")
        2.0
        >>> validate.real(True, "x", "f")
        Traceback (most recent call last):
        TypeError: f: x must be a real number, got bool: True
    """
    if not is_real(x):
        raise TypeError(f"{who}: {name} must be {kind}, got {_kind_of(x)}")
    try:
        value = float(x)  # type: ignore[arg-type]  # is_real checked it
    except OverflowError:
        raise ValueError(f"{who}: {name} is too large for a float, got {shown(x)}") from None
    if finite and not math.isfinite(value):
        raise ValueError(f"{who}: {name} must be a finite number, got {shown(x)}")
    return value


def _range_text(
    low: float | None, high: float | None, low_open: bool, high_open: bool, *, whole: bool
) -> str:
    """The range in words: ``>= 0``, ``> 0``, ``in [0, 1)``, or ``from 0 to 2`` for counts."""
    if high is None:
        return f"{'>' if low_open else '>='} {low!r}" if low is not None else ""
    if low is None:
        return f"{'<' if high_open else '<='} {high!r}"
    if whole:
        return f"from {low!r} to {high!r}"
    return f"in {'(' if low_open else '['}{low!r}, {high!r}{')' if high_open else ']'}"


def number(
    x: object,
    name: str,
    who: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Checks that x is a finite real number within a range and returns it as a float.

    low and high bound the range (None for no bound); low_open and high_open
    refuse the bound itself.

    Returns:
        x as a float.

    Raises:
        TypeError: If x is not a real number, or is a bool.
        ValueError: If x is NaN, infinite, too large for a float, or out of range.

    Example:
        >>> from micrograd_like import validate
        >>> validate.number(2.0, "p", "f", low=0, high=1)
        Traceback (most recent call last):
        ValueError: f: p must be a finite number in [0, 1], got 2.0
    """
    wanted = f"a finite number {_range_text(low, high, low_open, high_open, whole=False)}"
    value = real(x, name, who, kind=wanted.rstrip())
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if below or above:
        raise ValueError(f"{who}: {name} must be {wanted}, got {shown(x)}")
    return value


def positive(x: object, name: str, who: str) -> float:
    """`number` > 0, as a float.

    Raises:
        TypeError: If x is not a real number, or is a bool.
        ValueError: If x is not a finite number > 0.

    Example:
        >>> from micrograd_like import validate
        >>> validate.positive(0, "lr", "SGD")
        Traceback (most recent call last):
        ValueError: SGD: lr must be a finite number > 0, got 0
    """
    return number(x, name, who, low=0, low_open=True)


def non_negative(x: object, name: str, who: str) -> float:
    """`number` >= 0, as a float.

    Raises:
        TypeError: If x is not a real number, or is a bool.
        ValueError: If x is not a finite number >= 0.

    Example:
        >>> from micrograd_like import validate
        >>> validate.non_negative(0, "eps", "Adam")
        0.0
    """
    return number(x, name, who, low=0)


def count(x: object, name: str, who: str, minimum: int = 1, maximum: int | None = None) -> int:
    """Checks that x is a whole number (an int, not a bool) from minimum to maximum.

    maximum None means no upper bound.

    Returns:
        x.

    Raises:
        TypeError: If x is not an int (a float such as 3.0 neither), or is a bool.
        ValueError: If x is out of range.

    Example:
        >>> from micrograd_like import validate
        >>> validate.count(3, "n", "make_moons")
        3
        >>> validate.count(3.0, "n", "make_moons")
        Traceback (most recent call last):
        TypeError: make_moons: n must be a whole number >= 1, got float: 3.0
    """
    wanted = f"a whole number {_range_text(minimum, maximum, False, False, whole=True)}"
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{who}: {name} must be {wanted}, got {_kind_of(x)}")
    value = int(x)
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{who}: {name} must be {wanted}, got {shown(x)}")
    return value


def seed(x: object, name: str, who: str) -> int | None:
    """Checks a seed for `random.Random`: None (fresh randomness) or any whole number.

    Returns:
        x.

    Raises:
        TypeError: If x is neither None nor an int, or is a bool.

    Example:
        >>> from micrograd_like import validate
        >>> validate.seed(None, "seed", "fit") is None
        True
    """
    if x is None:
        return None
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{who}: {name} must be None or a whole number, got {_kind_of(x)}")
    return int(x)


def real_numbers(xs: object, name: str, who: str, *, finite: bool = True) -> list[float]:
    """Checks that xs is a non-empty list of real numbers, each by `real`; returns floats.

    Returns:
        The items as floats, in a new list.

    Raises:
        ValueError: If xs is not a non-empty sequence, or an item is refused by
            `real` for its value.
        TypeError: If an item is not a real number, or is a bool.

    Example:
        >>> from micrograd_like import validate
        >>> validate.real_numbers([1, 2.5], "xs", "hessian")
        [1.0, 2.5]
    """
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence) or len(xs) == 0:
        raise ValueError(f"{who}: {name} must be a non-empty list of numbers, got {shown(xs)}")
    return [real(x, f"{name}[{i}]", who, finite=finite) for i, x in enumerate(xs)]

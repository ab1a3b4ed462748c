"""Grad modes: whether operations record the graph, and whether they check for NaN.

- ``with no_grad():`` records no graph: every result is a leaf. Use it for
  evaluation and for parameter updates.
- ``with detect_anomaly():`` makes the first operation, forward or backward,
  that produces NaN or an infinity raise `FloatingPointError`, naming it.

Both are per thread and per asyncio task (a `contextvars.ContextVar`), and
work as decorators too. The engine reads the current `Mode` as it makes each
node and as it runs the chain rule.

Example:
    >>> from micrograd_like import Value, no_grad
    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y.inputs
    ()
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import NamedTuple

__all__ = [
    "MODE",
    "RECORDING",
    "Mode",
    "detect_anomaly",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
]


class Mode(NamedTuple):
    """What operations do here.

    Attributes:
        record: Record the graph (False inside `no_grad`: every result is a leaf).
        check_finite: Raise FloatingPointError at the first NaN or infinity
            (inside `detect_anomaly`).

    Example:
        >>> from micrograd_like import no_grad
        >>> from micrograd_like.grad_mode import MODE
        >>> MODE.get()
        Mode(record=True, check_finite=False)
        >>> with no_grad():
        ...     MODE.get()
        Mode(record=False, check_finite=False)
    """

    record: bool = True
    check_finite: bool = False


RECORDING = Mode()
"""The default mode: record the graph, no checks. The engine tests for it by identity."""

MODE: ContextVar[Mode] = ContextVar("micrograd_like_mode", default=RECORDING)
"""The current `Mode`, per thread and per asyncio task."""


def is_grad_enabled() -> bool:
    """Whether operations record the graph here (False inside `no_grad`).

    Returns:
        True unless a `no_grad` block is active in this thread or task.

    Example:
        >>> from micrograd_like import is_grad_enabled, no_grad
        >>> is_grad_enabled()
        True
        >>> with no_grad():
        ...     is_grad_enabled()
        False
    """
    return MODE.get().record


def is_anomaly_enabled() -> bool:
    """Whether `detect_anomaly` is active here.

    Returns:
        True inside a `detect_anomaly` block in this thread or task.

    Example:
        >>> from micrograd_like import detect_anomaly, is_anomaly_enabled
        >>> with detect_anomaly():
        ...     is_anomaly_enabled()
        True
    """
    return MODE.get().check_finite


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Within this block, operations record no graph: their results are leaves.

    Use it for evaluation and for updating parameters, where no gradient is needed.

    Returns:
        A context manager; the previous mode comes back when the block ends, even on error.

    Example:
        >>> from micrograd_like import Value, no_grad
        >>> x = Value(2.0)
        >>> with no_grad():
        ...     y = x * x
        >>> y.data, y.inputs
        (4.0, ())
    """
    token = MODE.set(MODE.get()._replace(record=False))
    try:
        yield
    finally:
        MODE.reset(token)


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Within this block, the first operation to produce NaN or inf raises.

    Outside it, non-finite floats propagate as IEEE 754 prescribes (``exp(1000)``
    is inf), as in PyTorch. Inside it, the forward operation or the backward step
    that first yields a NaN or an infinity raises `FloatingPointError` naming
    the operation and its inputs.

    Returns:
        A context manager; the previous mode comes back when the block ends.

    Raises:
        FloatingPointError: Inside the block, at the first NaN or infinity.

    Example:
        >>> from micrograd_like import Value, detect_anomaly
        >>> Value(1000.0).exp().data
        inf
        >>> with detect_anomaly():
        ...     Value(1000.0).exp()
        Traceback (most recent call last):
        FloatingPointError: exp: produced inf from input(s) [1000.0]
    """
    token = MODE.set(MODE.get()._replace(check_finite=True))
    try:
        yield
    finally:
        MODE.reset(token)

"""Recording the calls of modules and losses, so diagrams can group a graph by module.

A graph of Values knows its operations but not which neuron, layer or loss
made them. Inside ``with record_calls() as calls:``, every `Module` call
(`micrograd_like.nn`) and every loss (`micrograd_like.losses`) appends a
`ModuleCall` with the Values it took and gave, and
``micrograd_like.viz.draw_dot(loss, model=model, calls=calls)`` draws boxes
from them. Outside such a block nothing is recorded and nothing is kept.

The record is a `contextvars.ContextVar`, so each thread (and each asyncio
task) records only its own calls.

Example:
    >>> from micrograd_like.nn import MLP
    >>> from micrograd_like.recording import record_calls
    >>> model = MLP(2, [3, 1], seed=0)
    >>> with record_calls() as calls:
    ...     out = model([1.0, 2.0])
    >>> [c.name for c in calls][:2]
    ['Neuron', 'Neuron']
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from micrograd_like.engine import Value

if TYPE_CHECKING:  # typing only: nn imports this module to record its calls
    from micrograd_like.nn import Module

__all__ = ["CALL_LOG", "ModuleCall", "record_calls", "record_function_call"]


@dataclass(frozen=True)
class ModuleCall:
    """One call of a module or of a loss function, as `record_calls` saw it.

    Attributes:
        module: The module called, or None for a function such as a loss.
        name: The function's name (for a module, its class name).
        inputs: The Values it was given (numbers had been wrapped as Values).
        outputs: The Values it returned.

    Example:
        >>> from micrograd_like.losses import mse
        >>> from micrograd_like.nn import MLP
        >>> from micrograd_like.recording import record_calls
        >>> model = MLP(2, [1], seed=0)
        >>> with record_calls() as calls:
        ...     loss = mse(model([1.0, 2.0]), 1.0)
        >>> [(call.name, call.module is None) for call in calls]
        [('Neuron', False), ('Layer', False), ('MLP', False), ('mse', True)]
    """

    module: Module | None
    name: str
    inputs: tuple[Value, ...]
    outputs: tuple[Value, ...]


CALL_LOG: ContextVar[list[ModuleCall] | None] = ContextVar("micrograd_like_calls", default=None)
"""The list `record_calls` is filling in this context, or None when nothing is recorded.

`micrograd_like.nn.Module` reads it on every call, so a call costs one lookup
when nothing is recorded; set it only through `record_calls`.
"""


def record_function_call(name: str, inputs: Sequence[Value], outputs: Sequence[Value]) -> None:
    """Tells an active `record_calls` that a function (e.g. a loss) made outputs from inputs.

    Args:
        name: The function's name, as the diagram shows it.
        inputs: The Values it took.
        outputs: The Values it returned.

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.recording import record_calls, record_function_call
        >>> x = Value(1.0)
        >>> with record_calls() as calls:
        ...     y = x * 2
        ...     record_function_call("double", [x], [y])
        >>> [(call.name, len(call.inputs), len(call.outputs)) for call in calls]
        [('double', 1, 1)]
    """
    log = CALL_LOG.get()
    if log is not None:
        log.append(ModuleCall(None, name, tuple(inputs), tuple(outputs)))


@contextlib.contextmanager
def record_calls() -> Iterator[list[ModuleCall]]:
    """Records every module and loss call made in this block, in the order they return.

    Yields:
        The list the calls are appended to; it keeps them after the block.

    Example:
        >>> from micrograd_like.nn import MLP
        >>> from micrograd_like.recording import record_calls
        >>> with record_calls() as calls:
        ...     out = MLP(2, [3, 1], seed=0)([1.0, 2.0])
        >>> calls[-1].name
        'MLP'
    """
    calls: list[ModuleCall] = []
    token = CALL_LOG.set(calls)
    try:
        yield calls
    finally:
        CALL_LOG.reset(token)

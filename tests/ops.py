"""The op table every engine test shares: each operation once, with its domain.

Each ``fn`` is written so that it runs unchanged on micrograd_like Values and on
PyTorch tensors, so one table drives both oracles: central differences
(hypothesis draws the inputs) and PyTorch in float64.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


ANY = floats(-4.0, 4.0)
POSITIVE = floats(0.1, 4.0)
# Away from the kinks and poles at 0 (relu, 1/x, x**-2), where derivatives jump.
NONZERO = st.one_of(floats(-4.0, -0.1), floats(0.1, 4.0))


@dataclass(frozen=True)
class Op:
    name: str
    fn: Callable[..., Any]
    domains: tuple[st.SearchStrategy[float], ...]

    def __str__(self) -> str:
        return self.name


OPS: tuple[Op, ...] = (
    Op("add", lambda a, b: a + b, (ANY, ANY)),
    Op("mul", lambda a, b: a * b, (ANY, ANY)),
    Op("sub", lambda a, b: a - b, (ANY, ANY)),
    Op("truediv", lambda a, b: a / b, (ANY, NONZERO)),
    Op("neg", lambda a: -a, (ANY,)),
    Op("pow_int", lambda a: a**3, (ANY,)),
    Op("pow_negative", lambda a: a**-2, (NONZERO,)),
    Op("pow_fraction", lambda a: a**0.5, (POSITIVE,)),
    Op("pow_value", lambda a, b: a**b, (POSITIVE, ANY)),
    Op("exp", lambda a: a.exp(), (ANY,)),
    Op("log", lambda a: a.log(), (POSITIVE,)),
    Op("tanh", lambda a: a.tanh(), (ANY,)),
    Op("sigmoid", lambda a: a.sigmoid(), (ANY,)),
    Op("relu", lambda a: a.relu(), (NONZERO,)),
    Op("radd", lambda a: 2.5 + a, (ANY,)),
    Op("rsub", lambda a: 2.5 - a, (ANY,)),
    Op("rmul", lambda a: 2.5 * a, (ANY,)),
    Op("rtruediv", lambda a: 2.5 / a, (NONZERO,)),
    Op("rpow", lambda a: 2.5**a, (ANY,)),
    Op("add_number", lambda a: a + 1.5, (ANY,)),
    Op("sub_number", lambda a: a - 1.5, (ANY,)),
    Op("mul_number", lambda a: a * 1.5, (ANY,)),
    Op("truediv_number", lambda a: a / 1.5, (ANY,)),
)


@dataclass(frozen=True)
class Expression:
    name: str
    fn: Callable[..., Any]
    domains: tuple[st.SearchStrategy[float], ...]

    def __str__(self) -> str:
        return self.name


def _bce(z: Any, y: Any) -> Any:
    p = z.sigmoid()
    return -(y * p.log() + (1 - y) * (1 - p).log())


# Compound expressions: reuse of nodes, every primitive mixed with the others.
EXPRESSIONS: tuple[Expression, ...] = (
    Expression("neuron", lambda x1, x2, w1, w2, b: (w1 * x1 + w2 * x2 + b).tanh(), (ANY,) * 5),
    Expression("bce_of_sigmoid", _bce, (ANY, floats(0.05, 0.95))),
    Expression("softmax_first", lambda a, b: a.exp() / (a.exp() + b.exp()), (ANY, ANY)),
    Expression("norm", lambda a, b: (a**2 + b**2) ** 0.5, (NONZERO, NONZERO)),
    Expression("reuse_sum", lambda a: (a + a) * (a + a), (ANY,)),
    Expression(
        "mixed",
        lambda a, b: (
            (a * b).relu() + (a - b).sigmoid() * a.exp() - (b**2 + 1).log() / (2 + a.tanh())
        ),
        (NONZERO, NONZERO),
    ),
    Expression("power_tower", lambda a, b: (a.exp() ** b.sigmoid()) * (2 ** (a * b)), (ANY, ANY)),
)

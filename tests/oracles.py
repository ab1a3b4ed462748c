"""The two oracles every derivative is checked against, as helpers the test modules share.

``engine_grads`` runs a function on Values and ``backward()``; ``torch_grads``
runs the same function on PyTorch float64 tensors. ``assert_close`` compares.
"""

from __future__ import annotations

import math

from hypothesis import strategies as st

from micrograd_like import Value


def draw_point(data: st.DataObject, domains: tuple[st.SearchStrategy[float], ...]) -> list[float]:
    return [data.draw(domain) for domain in domains]


def engine_grads(fn, point: list[float]) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in point]
    out = fn(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def torch_grads(torch, fn, point: list[float]) -> tuple[float, list[float]]:
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    out = fn(*leaves)
    out.backward()
    return out.item(), [0.0 if leaf.grad is None else leaf.grad.item() for leaf in leaves]


def assert_close(actual: float, expected: float, rel: float = 1e-12, abs_: float = 1e-12) -> None:
    assert math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_), (actual, expected)

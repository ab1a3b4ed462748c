"""The table of primitives is the one source of derivatives: edit a row and everything follows.

A learner can replace a row of `micrograd_like.PRIMITIVES` to see what a wrong
derivative does. Every graph built afterwards uses the new row: ``backward()``,
`grad` (floats and ``create_graph``), `hessian`, `jit`, the diagrams' edge
labels and the worked example's chain-rule products. Putting the old row back
puts everything back. Each test here does exactly that for a row, and for two
different rows.
"""

from __future__ import annotations

import re

import pytest

from micrograd_like import PRIMITIVES, Primitive, Value, grad, hessian, jit
from micrograd_like import operators as ops
from micrograd_like.worked_example import run

WRONG_ROWS = {
    # d(a*b)/db should be a, not b.
    "*": Primitive("*", lambda a, b: (a * b, b, b)),
    # sigmoid's derivative should be s(1 - s), not s.
    "sigmoid": Primitive("sigmoid", lambda a: (s := ops.sigmoid(a), s)),
}


def everything_the_package_computes() -> dict[str, object]:
    """The derivatives of one small program, as each part of the package gives them."""
    x, w = Value(0.7, label="x"), Value(-1.3, label="w")

    def f(a: Value, b: Value) -> Value:
        return (a * b).sigmoid() * b

    out = f(x, w)
    out.backward()
    from_backward = (x.grad, w.grad)
    a, b = Value(0.7), Value(-1.3)
    from_grad = tuple(grad(f(a, b), [a, b]))
    a, b = Value(0.7), Value(-1.3)
    from_create_graph = tuple(g.data for g in grad(f(a, b), [a, b], create_graph=True))
    from_hessian = hessian(f, [0.7, -1.3])
    p = Value(-1.3)
    step = jit(lambda xs, y: f(xs[0], p), [p])
    step([[0.7], [0.7]], [0.0, 0.0])
    from_jit = p.grad
    pytest.importorskip("graphviz")
    from micrograd_like.viz import draw_dot

    labels = re.findall(r'label="local ([^"\\]+)', draw_dot(f(Value(0.7), Value(-1.3))).source)
    example = run(lr=0.5)
    return {
        "backward": from_backward,
        "grad": from_grad,
        "create_graph": from_create_graph,
        "hessian": from_hessian,
        "jit": from_jit,
        "diagram labels": labels,
        "worked example grads": example.grads,
        "worked example products": [p.product for p in example.products],
    }


@pytest.mark.parametrize("row", list(WRONG_ROWS))
def test_editing_a_row_changes_every_derivative_and_restoring_it_restores_them(row):
    pytest.importorskip("numpy")
    before = everything_the_package_computes()
    original = PRIMITIVES[row]
    PRIMITIVES[row] = WRONG_ROWS[row]
    try:
        edited = everything_the_package_computes()
    finally:
        PRIMITIVES[row] = original
    after = everything_the_package_computes()
    assert after == before
    for part in before:
        assert edited[part] != before[part], f"{part} did not follow the edited {row!r} row"


def test_the_two_rows_change_different_things():
    pytest.importorskip("numpy")
    before = everything_the_package_computes()
    results = {}
    for row, wrong in WRONG_ROWS.items():
        original = PRIMITIVES[row]
        PRIMITIVES[row] = wrong
        try:
            results[row] = everything_the_package_computes()
        finally:
            PRIMITIVES[row] = original
    assert results["*"]["backward"] != results["sigmoid"]["backward"] != before["backward"]


def test_an_edited_row_is_used_by_what_is_built_after_it_not_before():
    x = Value(0.7)
    built_before = x * x
    original = PRIMITIVES["*"]
    PRIMITIVES["*"] = Primitive("*", lambda a, b: (a * b, 10.0, 10.0))
    try:
        built_after = x * x
    finally:
        PRIMITIVES["*"] = original
    assert built_before.local_grads == (0.7, 0.7)
    assert built_after.local_grads == (10.0, 10.0)

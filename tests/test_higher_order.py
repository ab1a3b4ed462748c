"""Gradients of gradients: orders 1 to 4 against PyTorch and central differences; Hessians."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_like import Value, grad, hessian, hvp

# Chains of exp, log, tanh, sigmoid, pow, mul and div; every fn runs on Values and tensors.
CHAINS = {
    "tanh": lambda x: x.tanh(),
    "sigmoid_times_cube": lambda x: x.sigmoid() * x**3,
    "log_over_one_plus_exp": lambda x: x.log() / (1 + x.exp()),
    "power_times_exp": lambda x: x**2.5 * (-x).exp(),
    "x_to_the_x": lambda x: x**x,
    "nested": lambda x: ((x * x + 1).log() * x.tanh()).exp() / (x + 2),
}
POSITIVE = st.floats(0.2, 3.0, allow_nan=False)


def derivatives(fn, x: float, order: int) -> list[float]:
    """The first `order` derivatives of fn at x, by differentiating the graph again and again."""
    leaf = Value(x)
    current = fn(leaf)
    out = []
    for _ in range(order):
        (current,) = grad(current, leaf, create_graph=True)
        out.append(current.data)
    return out


def torch_derivatives(torch, fn, x: float, order: int) -> list[float]:
    leaf = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    current = fn(leaf)
    out = []
    for _ in range(order):
        (current,) = torch.autograd.grad(current, leaf, create_graph=True)
        out.append(current.item())
    return out


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(CHAINS))
@given(x=POSITIVE)
def test_orders_one_to_four_match_torch(name, x):
    torch = pytest.importorskip("torch")
    if name == "x_to_the_x" and x == int(x):
        # At whole x, a power inside the derivatives of x**x (x**(x-1), x**(x-2), ...) has
        # exponent 0, and PyTorch's double backward zeroes that power's exponent gradient
        # there: it gives 2 for the third derivative at 1 and 63.50 for the fourth at 2,
        # where the formula, the central differences below and mpmath give 3 and 64.50.
        return
    ours = derivatives(CHAINS[name], x, 4)
    theirs = torch_derivatives(torch, CHAINS[name], x, 4)
    for order, (a, b) in enumerate(zip(ours, theirs, strict=True), start=1):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (order, a, b)


@pytest.mark.parametrize("name", sorted(CHAINS))
@given(x=POSITIVE)
def test_each_order_is_the_central_difference_of_the_order_below(name, x):
    h = 1e-5
    plus = derivatives(CHAINS[name], x + h, 3)
    minus = derivatives(CHAINS[name], x - h, 3)
    exact = derivatives(CHAINS[name], x, 4)
    for k in range(1, 4):  # order k+1 against the slope of order k
        numeric = (plus[k - 1] - minus[k - 1]) / (2 * h)
        assert math.isclose(exact[k], numeric, rel_tol=1e-4, abs_tol=1e-4), (k + 1, exact, numeric)


def test_fourth_derivative_of_x_to_the_x_at_two_matches_mpmath():
    # mpmath.diff(lambda x: x**x, 2, 4) at 40 digits: 64.501341827368487910...
    assert derivatives(CHAINS["x_to_the_x"], 2.0, 4)[3] == pytest.approx(
        64.5013418273684879, rel=1e-12
    )


def test_third_derivative_of_x_to_the_x_at_one_is_three():
    # x**x: f''' = x**x ((ln x + 1)**3 + 3 (ln x + 1) / x - 1 / x**2), which is 3 at x = 1.
    assert derivatives(CHAINS["x_to_the_x"], 1.0, 3)[2] == pytest.approx(3.0, rel=1e-12)


def test_first_order_of_the_zeroth_is_the_central_difference_too():
    f = CHAINS["nested"]
    h = 1e-6
    numeric = (f(Value(1.3 + h)).data - f(Value(1.3 - h)).data) / (2 * h)
    assert derivatives(f, 1.3, 1)[0] == pytest.approx(numeric, rel=1e-6)


def test_second_derivative_of_tanh_by_hand():
    x = 0.5
    t = math.tanh(x)
    assert derivatives(CHAINS["tanh"], x, 2)[1] == pytest.approx(-2 * t * (1 - t * t), rel=1e-14)


def test_backward_with_create_graph_leaves_differentiable_grads():
    x = Value(3.0)
    y = x * x * x
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert x.grad.data == 27.0
    (second,) = grad(x.grad, x)
    assert second == 18.0


def test_create_graph_leaves_accumulate_like_torch():
    x = Value(2.0)
    (x * x).backward(create_graph=True)
    (x * x * x).backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert x.grad.data == 4.0 + 12.0
    (second,) = grad(x.grad, x)
    assert second == 2.0 + 12.0


def test_grad_leaves_dot_grad_alone_and_sums_outputs():
    x, y = Value(1.5), Value(-2.0)
    a, b = x * y, x + y
    assert grad([a, b], [x, y]) == [-2.0 + 1.0, 1.5 + 1.0]
    assert not x.grad_computed
    assert not y.grad_computed


def test_grad_without_create_graph_gives_floats_equal_to_backward():
    x = Value(0.4)
    f = (x * 3).sigmoid() * x.exp()
    (g,) = grad(f, x)
    f.backward()
    assert isinstance(g, float)
    assert g == x.grad


def test_unused_inputs_raise_unless_allowed():
    x, z = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match=r"input 1 .* not used"):
        grad(x * 2, [x, z])
    assert grad(x * 2, [x, z], allow_unused=True) == [2.0, 0.0]


def test_hand_built_nodes_give_first_derivatives_but_cannot_be_differentiated_twice():
    x = Value(2.0)
    y = Value(4.0, (x,), "square")

    def _backward():
        x.grad += 2 * x.data * y.grad

    y._backward = _backward
    assert grad(y, x) == [4.0]  # the hand-written step runs on borrowed grads
    assert x.grad == 0
    assert not x.grad_computed
    with pytest.raises(ValueError, match="hand-written _backward"):
        grad(y, x, create_graph=True)


def test_power_zero_has_zero_derivative_everywhere():
    x = Value(0.0)
    # d4/dx4 of x**3 passes through x**0, whose derivative at 0 is 0, not 0 * inf.
    assert derivatives(lambda v: v**3, 0.0, 4) == [0.0, 0.0, 6.0, 0.0]
    assert x.data == 0.0


# -- Hessians and Hessian-vector products --


def two_d(a, b):
    return (a * b).tanh() + a**2 * b.exp() + (a + 2) / (b * b + 1)


@pytest.mark.torch
@given(a=st.floats(-2, 2), b=st.floats(-2, 2))
def test_hessian_and_hvp_match_torch_functional(a, b):
    torch = pytest.importorskip("torch")
    point = (torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64))
    theirs = torch.autograd.functional.hessian(two_d, point)
    ours = hessian(two_d, [a, b])
    for i in range(2):
        for j in range(2):
            assert ours[i][j] == pytest.approx(theirs[i][j].item(), rel=1e-9, abs=1e-9)
    v = (torch.tensor(0.3, dtype=torch.float64), torch.tensor(-1.1, dtype=torch.float64))
    _, their_hvp = torch.autograd.functional.hvp(two_d, point, v)
    assert hvp(two_d, [a, b], [0.3, -1.1]) == pytest.approx(
        [t.item() for t in their_hvp], rel=1e-9, abs=1e-9
    )


def test_hessian_of_a_quadratic_is_its_matrix():
    assert hessian(lambda x, y: 3 * x * x + 2 * x * y + y * y, [0.7, -0.3]) == [
        [6.0, 2.0],
        [2.0, 2.0],
    ]
    assert hessian(lambda x, y: x * 2, [1.0, 1.0]) == [[0.0, 0.0], [0.0, 0.0]]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: hessian(lambda x: x * x, []), ValueError, "non-empty list"),
        (lambda: hessian(lambda x: x * x, [math.nan]), ValueError, "finite number"),
        (lambda: hessian(lambda x: 1.0, [1.0]), TypeError, "must return a Value"),  # type: ignore[arg-type,return-value]
        (lambda: hvp(lambda x: x * x, [1.0], [1.0, 2.0]), ValueError, "v has 2 entries"),
    ],
)
def test_bad_calls_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_diagram_draws_the_backward_graph_apart_from_the_forward_graph():
    pytest.importorskip("graphviz")
    from micrograd_like.viz import draw_dot

    x = Value(0.5, label="x")
    y = x.tanh() * x
    y.label = "y"
    (dy,) = grad(y, x, create_graph=True)
    source = draw_dot(dy, forward=y).source
    assert 'label="forward pass"' in source
    assert "backward pass, recorded by create_graph=True" in source
    assert "dashed" in source
    backward = source.split("subgraph cluster_backward {")[1].split("subgraph")[0]
    assert "<b>x</b>" not in backward  # x belongs to the forward pass

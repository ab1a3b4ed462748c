"""Code written for micrograd runs on micrograd_like with only its imports changed.

The expressions below are micrograd's own tests and the patterns of its
lecture. They run on our Value, on micrograd itself when it is installed, and on
PyTorch in float64.
"""

from __future__ import annotations

import math

import pytest

from micrograd_like.engine import Value


def sanity_check(value_cls):
    """micrograd's test_sanity_check expression."""
    x = value_cls(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return y.data, [x.grad]


def more_ops(value_cls):
    """micrograd's test_more_ops expression."""
    a = value_cls(-4.0)
    b = value_cls(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g.data, [a.grad, b.grad]


def torch_scalar(torch):
    def make(x):
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    return make


EXPRESSIONS = [sanity_check, more_ops]


@pytest.mark.parametrize("expression", EXPRESSIONS, ids=lambda f: f.__name__)
def test_micrograd_expression_gives_micrograds_documented_numbers(expression):
    data, grads = expression(Value)
    expected = {
        "sanity_check": (-20.0, [46.0]),
        "more_ops": (24.70408163265306, [138.83381924198252, 645.5772594752186]),
    }[expression.__name__]
    assert math.isclose(data, expected[0], rel_tol=1e-12)
    for g, e in zip(grads, expected[1], strict=True):
        assert math.isclose(g, e, rel_tol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("expression", EXPRESSIONS, ids=lambda f: f.__name__)
def test_micrograd_expression_matches_torch(expression):
    torch = pytest.importorskip("torch")
    data, grads = expression(Value)
    t_data, t_grads = expression(torch_scalar(torch))
    assert math.isclose(data, t_data.item() if hasattr(t_data, "item") else t_data, rel_tol=1e-12)
    for g, t in zip(grads, t_grads, strict=True):
        assert math.isclose(g, t.item(), rel_tol=1e-12)


@pytest.mark.parametrize("expression", EXPRESSIONS, ids=lambda f: f.__name__)
def test_micrograd_expression_matches_micrograd_itself(expression):
    micrograd_engine = pytest.importorskip("micrograd.engine")
    data, grads = expression(Value)
    m_data, m_grads = expression(micrograd_engine.Value)
    assert data == pytest.approx(m_data, rel=1e-12)
    assert grads == pytest.approx(m_grads, rel=1e-12)


def test_positional_constructor_and_fields_match_micrograd():
    a = Value(2.0)
    b = Value(3.0)
    c = Value(5.0, (a, b), "+")
    assert c.data == 5.0
    assert c.grad == 0.0
    assert c._prev == (a, b)
    assert c._op == "+"
    assert set(c._prev) == {a, b}  # micrograd stores a set; membership code still works


def test_hand_built_node_passes_no_gradient_until_backward_is_set():
    a = Value(2.0)
    c = Value(4.0, (a,), "square")
    c.backward()
    assert a.grad == 0.0  # as in micrograd, whose default _backward does nothing


def lecture_tanh(self):
    """The lecture's way of adding an operation: a node plus a _backward closure."""
    x = self.data
    t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
    out = Value(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def neuron(activation):
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = activation(x1 * w1 + x2 * w2 + b)
    return o, [x1, x2, w1, w2, b]


def test_lecture_style_custom_backward_matches_the_builtin_tanh():
    o, leaves = neuron(lecture_tanh)
    o.backward()
    o2, leaves2 = neuron(Value.tanh)
    o2.backward()
    assert o.data == pytest.approx(o2.data, rel=1e-12)
    assert [v.grad for v in leaves] == pytest.approx([v.grad for v in leaves2], rel=1e-12)
    assert leaves[0].grad == pytest.approx(-1.5, rel=1e-6)  # the lecture's number


def test_lecture_manual_topological_sort_and_backward_calls_work():
    o, leaves = neuron(Value.tanh)
    topo, visited = [], set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(o)
    o.grad = 1.0
    for node in reversed(topo):
        node._backward()
    x1, x2, w1, w2, _ = leaves
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0), rel=1e-6)

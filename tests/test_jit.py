"""jit: the replayed batch step equals the eager engine; broken traces are caught."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")

from micrograd_like import Value, jit  # noqa: E402
from micrograd_like.datasets import make_moons, make_spiral  # noqa: E402
from micrograd_like.jit import TraceError  # noqa: E402
from micrograd_like.losses import cross_entropy  # noqa: E402
from micrograd_like.nn import MLP  # noqa: E402


def eager_mean(fn, params, X, Y):
    for p in params:
        p.grad = 0.0
    losses = [fn([Value(v) for v in row], Value(t)) for row, t in zip(X, Y, strict=True)]
    mean = sum(losses[1:], losses[0]) * (1.0 / len(losses))
    mean.backward()
    return mean.data, [p.grad for p in params]


def assert_matches_eager(fn, params, X, Y):
    step = jit(fn, params)
    loss = step(X, Y)
    grads = [p.grad for p in params]
    eager_loss, eager_grads = eager_mean(fn, params, X, Y)
    assert loss == pytest.approx(eager_loss, rel=1e-9)
    assert grads == pytest.approx(eager_grads, rel=1e-9, abs=1e-12)
    return step


def test_moons_step_with_hinge_and_l2_equals_eager():
    X, y = make_moons(n=40, noise=0.1, seed=0)
    targets = [2.0 * t - 1 for t in y]
    model = MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()

    def sample_loss(x, t):
        return (1 + -t * model(x)).relu() + 1e-4 * sum(p * p for p in params)

    assert_matches_eager(sample_loss, params, X, targets)


def test_every_primitive_replays_like_the_eager_engine():
    w = [Value(0.3), Value(-0.8), Value(1.1)]

    def sample_loss(x, t):
        a = (x[0] * w[0]).tanh() + (x[1] * w[1]).sigmoid()
        b = (a * a + 1).log() * (w[2] * x[0]).exp() / (2 + x[1] ** 2)
        c = (
            (b - t).relu()
            + (a + 3) ** w[2]
            + 2 ** (x[0] * w[0])
            + (x[1] * x[1] * w[1] * w[1] + 1) ** 0.5
        )
        return c + b**2

    X = [[0.5, 1.0], [-0.3, 2.0], [1.2, -0.7], [0.0, 0.4]]
    assert_matches_eager(sample_loss, w, X, [0.1, -0.2, 0.3, 0.0])


def test_three_class_cross_entropy_equals_eager_and_trains():
    X, y = make_spiral(n=30, noise=0.1, seed=0, classes=3)
    model = MLP(2, [8, 3], seed=0)
    params = model.parameters()

    def sample_loss(x, t):
        # The class is the target's value: a one-hot mask of Value operations, no branching.
        logits = model(x)
        assert isinstance(logits, list)
        shift = sum(logits) * (1 / 3)
        total = sum(((z - shift).exp() for z in logits[1:]), (logits[0] - shift).exp())
        picked = sum(
            z * (1 - (t - k) * (t - k)) * (1 - (t - k) * (t - k) / 4) for k, z in enumerate(logits)
        )
        return total.log() + shift - picked

    logits = model([0.1, 0.2])
    assert isinstance(logits, list)
    assert sample_loss([Value(0.1), Value(0.2)], Value(1.0)).data == pytest.approx(
        cross_entropy(logits, 1).data, rel=1e-12
    )
    step = assert_matches_eager(sample_loss, params, X, [float(t) for t in y])
    first = step(X, [float(t) for t in y])
    for _ in range(30):
        step(X, [float(t) for t in y])
        for p in params:
            p.data -= 0.5 * p.grad
    assert step(X, [float(t) for t in y]) < first


def test_python_control_flow_on_data_is_caught():
    w = Value(1.0)

    def branchy(x, t):
        z = x[0] * w
        return z * 2 if z.data > 0 else z * 3  # the trace keeps only one branch

    step = jit(branchy, [w])
    with pytest.raises(TraceError, match=r"control flow on \.data"):
        step([[1.0], [-1.0], [-2.0]], [0.0, 0.0, 0.0])


def test_bad_batches_are_refused():
    w = Value(1.0)
    step = jit(lambda x, t: x[0] * w, [w])
    with pytest.raises(ValueError, match="non-empty list of rows"):
        step([], [])
    with pytest.raises(ValueError, match="2 rows but Y has shape"):
        step([[1.0], [2.0]], [1.0])
    step([[1.0]], [0.0])
    with pytest.raises(ValueError, match="traced for 1 inputs, got 2"):
        step([[1.0, 2.0]], [0.0])


def test_hand_built_nodes_cannot_be_replayed():
    w = Value(1.0)

    def custom(x, t):
        out = Value(x[0].data * w.data, (x[0], w), "mystery")
        return out + 0

    with pytest.raises(TraceError, match="built by hand"):
        jit(custom, [w])([[1.0]], [0.0])


def test_parameters_outside_the_loss_get_zero_grad():
    w, unused = Value(2.0), Value(5.0)
    step = jit(lambda x, t: x[0] * w, [w, unused])
    step([[1.0], [3.0]], [0.0, 0.0])
    assert w.grad == 2.0
    assert unused.grad == 0.0

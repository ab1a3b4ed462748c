"""jit: the replayed batch step equals the eager engine; broken traces are caught."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

np = pytest.importorskip("numpy")

from micrograd_like import PRIMITIVES, Primitive, Value, jit  # noqa: E402
from micrograd_like.datasets import make_moons, make_spiral  # noqa: E402
from micrograd_like.engine import power_by  # noqa: E402
from micrograd_like.jit import ARRAY_RULES, TraceError, array_rule  # noqa: E402
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


# -- the array rules are the table's rows --

DOMAINS = {
    "+": (ANY_FLOAT := st.floats(-50, 50, allow_nan=False), ANY_FLOAT),
    "*": (ANY_FLOAT, ANY_FLOAT),
    "/": (ANY_FLOAT, st.floats(0.01, 50) | st.floats(-50, -0.01)),
    "**": (st.floats(0.0, 5.0) | st.just(-0.0), st.floats(-3, 3) | st.sampled_from([0.5, -0.5])),
    "exp": (ANY_FLOAT,),
    "log": (st.floats(1e-3, 50),),
    "tanh": (ANY_FLOAT,),
    "sigmoid": (st.floats(-800, 800),),
    "ReLU": (ANY_FLOAT | st.just(0.0) | st.just(math.nan),),
    "**2": (ANY_FLOAT,),
    "**-1": (st.floats(0.01, 50),),
    "**0.5": (st.floats(0.0, 50) | st.just(-0.0),),
    "**-0.5": (st.floats(0.01, 50) | st.just(0.0) | st.just(-0.0),),
    "**0": (ANY_FLOAT,),
}


def same(a: float, b: float) -> bool:
    # NumPy's tanh and exp may differ from libm's in the last bit, and 1 - t*t magnifies that.
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    close = math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return close and (a != 0 or math.copysign(1, a) == math.copysign(1, b))  # -0.0 is not 0.0


@pytest.mark.parametrize("op", list(DOMAINS))
@given(data=st.data())
def test_array_rules_give_the_tables_numbers_on_random_inputs(op, data):
    columns = [data.draw(st.lists(domain, min_size=1, max_size=8)) for domain in DOMAINS[op]]
    rows = min(len(c) for c in columns)
    columns = [c[:rows] for c in columns]
    rule = PRIMITIVES[op] if op in PRIMITIVES else power_by(float(op[2:]))
    assert rule.apply is not None
    with np.errstate(all="ignore"):  # as in the replay: inf and nan are IEEE's answers here
        on_arrays = array_rule(op, len(columns))(*[np.array(c) for c in columns])
    for i in range(rows):
        expected = rule.apply(*[c[i] for c in columns])
        got = [float(np.broadcast_to(out, (rows,))[i]) for out in on_arrays]
        assert all(same(g, e) for g, e in zip(got, expected, strict=True)), (op, i, got, expected)


def test_an_edited_row_is_replayed_element_by_element(monkeypatch):
    assert array_rule("tanh", 1) is ARRAY_RULES["tanh"]
    monkeypatch.setitem(PRIMITIVES, "tanh", Primitive("tanh", lambda a: (a, 5.0)))
    value, slope = array_rule("tanh", 1)(np.array([0.5, 2.0]))
    assert value.tolist() == [0.5, 2.0]
    assert slope.tolist() == [5.0, 5.0]


def test_a_column_the_loss_never_reads_is_left_alone():
    w = Value(0.5)
    step = jit(lambda x, y: (x[0] * w - y).relu(), [w])  # x[1] is never read
    assert step([[1.0, 2.0], [2.0, 3.0]], [1.0, 0.0]) == 0.5  # relu(-0.5) and relu(1), averaged
    assert w.grad == 1.0  # only the second row passes a gradient: x[0] = 2, halved

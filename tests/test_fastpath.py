"""The fast path builds the plain engine's graph, node for node, while the table is built in.

`micrograd_like.fastpath` builds a neuron's weighted sum and its ReLU without
operator dispatch. These tests build random programs with the fast path on
and off and compare every node, value and local derivative; they check that
an edited row of the table turns the fast path off, and the bad-input rules
of `weighted_sum`.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_like import (
    PRIMITIVES,
    Primitive,
    Value,
    detect_anomaly,
    engine,
    fast_paths,
    fastpath,
    gradcheck,
    no_grad,
    topological_order,
    weighted_sum,
)
from micrograd_like.engine import record
from micrograd_like.fastpath import fast_paths_enabled, is_built_in
from micrograd_like.nn import MLP
from tests.oracles import assert_close, engine_grads, torch_grads


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


# -- weighted_sum: the expression's graph, built in one loop --


def expression_sum(ws, xs, start):
    total = start
    for w, x in zip(ws, xs, strict=True):
        total = total + w * x
    return total


def graph_facts(root: Value) -> list[tuple]:
    """Every node's op, data, local derivatives and input positions: the whole graph."""
    order = topological_order(root)
    position = {node: i for i, node in enumerate(order)}
    return [(n.op, n.data, n.local_grads, tuple(position[c] for c in n.inputs)) for n in order]


TERM = st.floats(-5, 5, allow_nan=False)
TERMS = st.lists(st.tuples(TERM, TERM), max_size=6)


@given(terms=TERMS, start=st.floats(-5, 5, allow_nan=False))
def test_weighted_sum_builds_the_graph_of_the_expression_bit_for_bit(terms, start):
    def run(builder):
        ws = [Value(w) for w, _ in terms]
        xs = [Value(x) for _, x in terms]
        b = Value(start)
        out = builder(ws, xs, b)
        out.backward()
        return graph_facts(out), [v.grad for v in (*ws, *xs, b)]

    assert run(weighted_sum) == run(expression_sum)


@given(terms=TERMS.filter(bool), start=st.floats(-5, 5, allow_nan=False))
def test_weighted_sum_gradient_matches_central_differences(terms, start):
    point = [w for w, _ in terms] + [x for _, x in terms] + [start]
    n = len(terms)
    result = gradcheck(
        lambda *v: weighted_sum(v[:n], v[n : 2 * n], v[-1]), point, raise_exception=False
    )
    assert result, str(result)


@pytest.mark.torch
@given(terms=TERMS.filter(bool), start=st.floats(-5, 5, allow_nan=False))
def test_weighted_sum_matches_torch(torch, terms, start):
    point = [w for w, _ in terms] + [x for _, x in terms] + [start]
    n = len(terms)

    def with_torch(*v):
        return torch.dot(torch.stack(v[:n]), torch.stack(v[n : 2 * n])) + v[-1]

    value, grads = engine_grads(lambda *v: weighted_sum(v[:n], v[n : 2 * n], v[-1]), point)
    expected_value, expected_grads = torch_grads(torch, with_torch, point)
    assert_close(value, expected_value, abs_=1e-12 * (1 + sum(abs(w * x) for w, x in terms)))
    for g, expected in zip(grads, expected_grads, strict=True):
        assert_close(g, expected)


def test_weighted_sum_takes_numbers_as_constants_and_starts_at_zero():
    w = Value(2.0)
    out = weighted_sum([w, 3], [4.0, Value(5.0)])
    assert out.data == 0.0 + 2.0 * 4.0 + 3.0 * 5.0
    out.backward()
    assert w.grad == 4.0
    assert weighted_sum([], []).data == 0.0


@pytest.mark.parametrize(
    ("weights", "inputs", "error", "message"),
    [
        ([Value(1.0)], [Value(1.0), Value(2.0)], ValueError, r"weighted_sum: 1 weights but 2"),
        ([Value(1.0)], ["x"], TypeError, r"weighted_sum: expected Values or numbers, got str"),
        ([None], [Value(1.0)], TypeError, r"weighted_sum: .*got NoneType"),
    ],
)
def test_weighted_sum_refuses_bad_input_before_building_anything(
    weights, inputs, error, message, monkeypatch
):
    built = []

    def counting_record(rule, *args):
        built.append(rule.name)
        return record(rule, *args)

    # Every node is made by the engine's record(), whichever path builds it.
    monkeypatch.setattr(engine, "record", counting_record)
    monkeypatch.setattr(fastpath, "record", counting_record)
    with pytest.raises(error, match=message):
        weighted_sum(weights, inputs, Value(0.0))
    assert built == []
    weighted_sum([Value(1.0)], [Value(2.0)], Value(0.0))  # the spy's positive control
    assert built == ["*", "+"]


def test_weighted_sum_records_nothing_under_no_grad_and_checks_under_anomaly():
    with no_grad():
        assert weighted_sum([Value(2.0)], [Value(3.0)], Value(1.0)).inputs == ()
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"\*.*inf"):
        weighted_sum([Value(1e200)], [Value(1e200)], Value(0.0))


def test_weighted_sum_names_a_bad_item_that_follows_good_ones():
    w = [Value(1.0), Value(2.0)]
    x3 = Value(3.0)
    with pytest.raises(TypeError, match=r"weighted_sum: expected Values or numbers, got str: '4'"):
        weighted_sum(w, [x3, "4"], Value(0.0))  # type: ignore[list-item]
    assert [v.grad_computed for v in (*w, x3)] == [False, False, False]


def test_weighted_sum_refuses_objects_that_merely_have_a_data_attribute():
    class LooksLikeAValue:
        data = 1.0

    with pytest.raises(TypeError, match=r"weighted_sum: .*got LooksLikeAValue"):
        weighted_sum([Value(1.0)], [LooksLikeAValue()], Value(0.0))  # type: ignore[list-item]


def test_weighted_sum_takes_numpy_scalars_as_numbers():
    np = pytest.importorskip("numpy")
    w = Value(2.0)
    out = weighted_sum([w], [np.float64(3.0)], Value(1.0))
    assert out.data == 7.0
    out.backward()
    assert w.grad == 3.0


def test_weighted_sum_builds_through_value_subclasses_with_their_operators():
    class Tagged(Value):
        __slots__ = ()

    w, x = Tagged(2.0), Value(3.0)
    out = weighted_sum([w], [x], Value(1.0))
    out.backward()
    assert (out.data, w.grad, x.grad) == (7.0, 3.0, 2.0)


# -- the fast path against the plain engine, on random programs --


def program_graph(seed: int, sizes: list[int], activation: str, fast: bool):
    """A random MLP's loss on a random sample, built with the fast path on or off."""
    rng = random.Random(seed)
    with fast_paths(fast):
        model = MLP(sizes[0], sizes[1:], activation=activation, seed=seed)
        x = [Value(rng.uniform(-2, 2), label=f"x{i}") for i in range(sizes[0])]
        out = model(x)
        outs = [out] if isinstance(out, Value) else out
        loss = sum(((o - rng.uniform(-1, 1)) ** 2 for o in outs), Value(0.0))
        loss.backward()
    params = model.parameters()
    return graph_facts(loss), [p.grad for p in params]


@given(
    seed=st.integers(0, 10_000),
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=4),
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "linear"]),
)
def test_fast_path_builds_the_plain_engines_graph_node_for_node(seed, sizes, activation):
    fast = program_graph(seed, sizes, activation, fast=True)
    plain = program_graph(seed, sizes, activation, fast=False)
    assert fast == plain  # every op, value, local derivative, input and gradient


@given(data=st.floats(-3, 3, allow_nan=False) | st.just(0.0) | st.just(-0.0))
def test_fast_relu_is_the_tables_relu(data):
    x = Value(data)
    fast = fastpath.relu(x)
    with fast_paths(False):
        plain = fastpath.relu(x)
    assert (fast.op, fast.data, fast.local_grads, fast.inputs) == (
        plain.op,
        plain.data,
        plain.local_grads,
        plain.inputs,
    )


def test_the_fast_paths_switch_applies_at_once_and_undoes_itself_in_a_with_block():
    assert fast_paths_enabled()
    with fast_paths(False):
        assert not fast_paths_enabled()
    assert fast_paths_enabled()
    previous = fast_paths(False)
    try:
        assert not fast_paths_enabled()
    finally:
        fast_paths(previous.previous)
    assert fast_paths_enabled()
    with pytest.raises(TypeError, match="True or False"):
        fast_paths("no")  # type: ignore[arg-type]


def test_the_plain_engine_makes_each_node_through_the_table(monkeypatch):
    looked_up: list[str] = []

    class Table(dict):
        def __getitem__(self, name):
            looked_up.append(name)
            return super().__getitem__(name)

    monkeypatch.setattr(engine, "PRIMITIVES", Table(PRIMITIVES))
    ws, xs = [Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]
    with fast_paths(False):
        weighted_sum(ws, xs, Value(0.0))
    assert looked_up == ["*", "+", "*", "+"]


@pytest.mark.parametrize("row", ["*", "+"])
def test_an_edited_row_turns_the_fast_path_off_and_its_derivative_is_used(monkeypatch, row):
    assert is_built_in(row)
    wrong = {
        "*": Primitive("*", lambda a, b: (a * b, b, b)),  # d/db should be a
        "+": Primitive("+", lambda a, b: (a + b, 1.0, 2.0)),  # d/db should be 1
    }[row]
    monkeypatch.setitem(PRIMITIVES, row, wrong)
    assert not is_built_in(row)
    w, x = Value(2.0), Value(3.0)
    out = weighted_sum([w], [x], Value(1.0))
    out.backward()
    if row == "*":
        assert (w.grad, x.grad) == (3.0, 3.0)  # the wrong row's d/dx = b = 3, not a = 2
    else:
        assert (w.grad, x.grad) == (6.0, 4.0)  # the product passes through 2.0, not 1.0


def test_an_edited_relu_row_turns_the_fast_relu_off(monkeypatch):
    monkeypatch.setitem(PRIMITIVES, "ReLU", Primitive("ReLU", lambda a: (max(a, 0.0), 7.0)))
    x = Value(2.0)
    fastpath.relu(x).backward()
    assert x.grad == 7.0


def test_fast_paths_off_under_no_grad_and_detect_anomaly():
    w, x = [Value(2.0)], [Value(3.0)]
    with no_grad():
        assert fastpath.relu(weighted_sum(w, x, Value(1.0))).inputs == ()
    with detect_anomaly():
        out = fastpath.relu(weighted_sum(w, x, Value(1.0)))
    assert (out.data, out.op, out.local_grads) == (7.0, "ReLU", (1.0,))  # made by the operator


def test_fast_relu_refuses_a_number():
    with pytest.raises(TypeError, match="relu: expected a Value, got float"):
        fastpath.relu(1.0)  # type: ignore[arg-type]


def test_graph_facts_sees_every_node():
    a = Value(1.0)
    out = (a * 2.0).relu() + a
    assert len(graph_facts(out)) == len(topological_order(out)) == 5


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)), min_size=1, max_size=12),
    st.floats(-1e6, 1e6),
)
def test_weighted_sum_under_no_grad_is_the_expressions_number_bit_for_bit(terms, start):
    weights = [Value(w) for w, _ in terms]
    inputs = [Value(x) for _, x in terms]
    expected = Value(start)
    with no_grad():
        for w, x in zip(weights, inputs, strict=True):
            expected = expected + w * x
        got = weighted_sum(weights, inputs, Value(start))
        with fast_paths(False):
            slow = weighted_sum(weights, inputs, Value(start))
    assert got.inputs == slow.inputs == ()
    assert math.copysign(1, got.data) == math.copysign(1, expected.data)
    assert got.data == expected.data == slow.data

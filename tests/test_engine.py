"""The Value graph and backward(), checked against two oracles.

Every op of ``tests/ops.py`` is differentiated by central differences on
hypothesis-drawn inputs and by PyTorch in float64.
"""

from __future__ import annotations

import gc
import math
import subprocess
import sys
import threading
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_like import (
    PRIMITIVES,
    Primitive,
    Value,
    detect_anomaly,
    engine,
    gradcheck,
    is_grad_enabled,
    no_grad,
    topological_order,
)
from micrograd_like.engine import power_by, record
from tests.ops import EXPRESSIONS, OPS, Expression, Op
from tests.oracles import assert_close, draw_point, engine_grads, torch_grads

# -- the op table covers the engine --


def test_op_table_exercises_every_primitive():
    seen: set[str] = set()
    for op in OPS:
        out = op.fn(*[Value(1.0) for _ in op.domains])
        seen |= {node.op for node in topological_order(out)}
    assert set(PRIMITIVES) <= seen
    assert any(name.startswith("**") and name != "**" for name in seen)


def test_the_table_is_a_dict_keyed_by_the_operator_each_row_names():
    assert list(PRIMITIVES) == ["+", "*", "/", "**", "exp", "log", "tanh", "sigmoid", "ReLU"]
    assert all(row.name == name for name, row in PRIMITIVES.items())


def arity(rule: Primitive) -> int:
    return 1 if rule.name not in ("+", "*", "/", "**") else 2


@pytest.mark.parametrize(
    "rule",
    [*PRIMITIVES.values(), power_by(2), power_by(-1), power_by(0.5)],
    ids=lambda r: r.name,
)
def test_primitive_rule_gives_the_same_numbers_on_values_as_on_floats(rule: Primitive):
    # The rules must work on Values too: that is what makes derivatives of
    # derivatives possible.
    assert rule.apply is not None
    inputs = [0.7, 1.3][: arity(rule)]
    on_floats = rule.apply(*inputs)
    on_values = rule.apply(*[Value(x) for x in inputs])
    assert len(on_floats) == len(on_values) == arity(rule) + 1
    for f, v in zip(on_floats, on_values, strict=True):
        assert_close(v.data if isinstance(v, Value) else v, f)


@pytest.mark.parametrize("name", list(PRIMITIVES))
def test_every_operation_stores_what_its_row_computes(name):
    a, b = Value(0.7), Value(1.3)
    make = {
        "+": lambda: a + b,
        "*": lambda: a * b,
        "/": lambda: a / b,
        "**": lambda: a**b,
        "exp": a.exp,
        "log": a.log,
        "tanh": a.tanh,
        "sigmoid": a.sigmoid,
        "ReLU": a.relu,
    }[name]
    node = make()
    assert node.op == name
    assert node.inputs == ((a, b) if arity(PRIMITIVES[name]) == 2 else (a,))
    row = PRIMITIVES[name].apply
    assert row is not None
    assert node.local_grads is not None
    assert (node.data, *node.local_grads) == row(*[x.data for x in node.inputs])


# -- oracle 1: central differences on generated inputs --


@pytest.mark.parametrize("op", OPS, ids=str)
@given(data=st.data())
def test_op_gradient_matches_central_differences(op: Op, data: st.DataObject):
    point = draw_point(data, op.domains)
    assert gradcheck(op.fn, point, raise_exception=False), gradcheck(
        op.fn, point, raise_exception=False
    )


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=str)
@given(data=st.data())
def test_expression_gradient_matches_central_differences(expr: Expression, data: st.DataObject):
    point = draw_point(data, expr.domains)
    result = gradcheck(expr.fn, point, raise_exception=False)
    assert result, str(result)


# -- oracle 2: PyTorch in float64 --


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.mark.torch
@pytest.mark.parametrize("op", OPS, ids=str)
@given(data=st.data())
def test_op_matches_torch(torch, op: Op, data: st.DataObject):
    point = draw_point(data, op.domains)
    value, grads = engine_grads(op.fn, point)
    t_value, t_grads = torch_grads(torch, op.fn, point)
    assert_close(value, t_value)
    for g, t in zip(grads, t_grads, strict=True):
        assert_close(g, t)


@pytest.mark.torch
@pytest.mark.parametrize("expr", EXPRESSIONS, ids=str)
@given(data=st.data())
def test_expression_matches_torch(torch, expr: Expression, data: st.DataObject):
    point = draw_point(data, expr.domains)
    value, grads = engine_grads(expr.fn, point)
    t_value, t_grads = torch_grads(torch, expr.fn, point)
    assert_close(value, t_value, rel=1e-11)
    for g, t in zip(grads, t_grads, strict=True):
        assert_close(g, t, rel=1e-11, abs_=1e-11)


def chain(x, depth: int):
    for _ in range(depth):
        x = 0.0001 + 1.0001 * x
    return x


@pytest.mark.torch
def test_deep_chain_matches_torch(torch):
    value, grads = engine_grads(lambda x: chain(x, 2000), [0.5])
    t_value, t_grads = torch_grads(torch, lambda x: chain(x, 2000), [0.5])
    assert_close(value, t_value)
    assert_close(grads[0], t_grads[0])


def reused(a, b):
    c = a * b  # used on three paths below
    d = c + c
    return d * c + (c * a).tanh()


@pytest.mark.torch
def test_backward_twice_accumulates_like_torch_with_retain_graph(torch):
    a, b = Value(0.3), Value(-1.7)
    out = reused(a, b)
    out.backward()
    out.backward()
    ta = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-1.7, dtype=torch.float64, requires_grad=True)
    t_out = reused(ta, tb)
    t_out.backward(retain_graph=True)
    t_out.backward()
    assert_close(a.grad, ta.grad.item())
    assert_close(b.grad, tb.grad.item())


@pytest.mark.torch
def test_relu_derivative_at_zero_is_zero_like_torch(torch):
    x = Value(0.0)
    x.relu().backward()
    tx = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    tx.relu().backward()
    assert x.grad == tx.grad.item() == 0.0


# -- gradient semantics --


def test_node_reused_on_several_paths_gets_the_sum():
    a = Value(3.0)
    b = a + a  # db/da = 2
    c = b * b  # dc/da = 2b * 2 = 8a
    c.backward()
    assert a.grad == 24.0
    assert b.grad == 12.0


def test_backward_twice_doubles_every_leaf_exactly():
    a, b = Value(0.3), Value(-1.7)
    out = reused(a, b)
    out.backward()
    once = (a.grad, b.grad)
    out.backward()
    assert (a.grad, b.grad) == (2 * once[0], 2 * once[1])


def test_micrograd_overcount_case_gives_two_not_three():
    # micrograd's tracker: calling backward() twice took a leaf from 1 to 3.
    a = Value(1.0)
    b = a + 1
    c = b + 1
    c.backward()
    assert a.grad == 1.0
    c.backward()
    assert a.grad == 2.0


def test_grad_is_zero_before_backward_and_leaf_grads_accumulate_across_graphs():
    x = Value(2.0)
    assert x.grad == 0.0
    (x * 3).backward()
    (x * x).backward()
    assert x.grad == 3.0 + 4.0


def test_backward_on_a_leaf_seeds_its_own_grad():
    x = Value(5.0)
    x.backward()
    assert x.grad == 1.0


def test_backward_takes_a_seed_gradient():
    x = Value(2.0)
    (x * x).backward(0.5)
    assert x.grad == 2.0


def test_children_are_recorded_in_argument_order():
    a, b = Value(1.0), Value(2.0)
    assert (a * b)._prev == (a, b)
    assert (a - b)._prev[0] is a
    assert (2**a)._prev[1] is a
    assert (a**2)._prev == (a,)
    assert (a**2)._op == "**2"
    assert (a * b)._op == "*"
    assert a._op == ""
    assert a._prev == ()


def test_chain_of_a_million_nodes_backward_without_recursion():
    x = Value(1.0)
    step = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + step
    y.backward()
    assert y.data == 1_000_001.0
    assert x.grad == 1.0
    assert step.grad == 1_000_000.0


def test_topological_order_puts_every_input_before_its_output():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert len(order) == len({id(n) for n in order}) == 5
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for child in node._prev:
            assert position[id(child)] < position[id(node)]
    assert order[-1] is e


def test_dropped_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        x = Value(0.5)
        y = x
        for _ in range(20_000):
            y = (y * 1.0001).tanh() + 0.1
        y.backward()
        built = tracemalloc.get_traced_memory()[0]
        del x, y
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    finally:
        gc.enable()
    # What stays behind is CPython's bounded free lists of small tuples, not the graph.
    assert built - before > 10_000_000
    assert after - before < 0.03 * (built - before)


def test_values_have_slots_and_no_dict():
    v = Value(1.0)
    assert not hasattr(v, "__dict__")
    with pytest.raises(AttributeError):
        v.not_a_field = 1  # type: ignore[attr-defined]


# -- numerically stable functions --


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (lambda: Value(1000).tanh(), 1.0),
        (lambda: Value(-1000).tanh(), -1.0),
        (lambda: Value(-1000).sigmoid(), 0.0),
        (lambda: Value(1000).sigmoid(), 1.0),
        (lambda: Value(-1e308).sigmoid(), 0.0),
        (lambda: Value(1e308).sigmoid(), 1.0),
    ],
)
def test_saturating_functions_never_overflow(expression, expected):
    out = expression()
    assert out.data == expected
    out.backward()
    assert out._prev[0].grad == 0.0


@given(x=st.floats(allow_nan=False, allow_infinity=False))
def test_sigmoid_and_tanh_are_finite_and_bounded_for_any_finite_input(x: float):
    s = Value(x).sigmoid().data
    t = Value(x).tanh().data
    assert 0.0 <= s <= 1.0
    assert -1.0 <= t <= 1.0


def test_exp_overflows_to_inf_like_torch_by_default():
    assert Value(1000).exp().data == math.inf
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf


# -- bad input: a clear error that names the operation and the value --


@pytest.mark.parametrize(
    ("bad", "type_name"),
    [("abc", "str"), (None, "NoneType"), ([1.0], "list"), (1 + 2j, "complex")],
)
def test_value_of_a_non_number_raises_type_error_naming_the_type(bad, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(bad)


def test_value_rejects_a_non_string_label_and_non_value_children():
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="children"):
        Value(1.0, (1.0,), "+")  # type: ignore[arg-type]


@pytest.fixture
def node_spy(monkeypatch):
    """Counts the nodes that operations create: engine.record makes every one of them."""
    created = []

    def spy(rule, *args):
        node = record(rule, *args)
        created.append(rule.name)
        return node

    monkeypatch.setattr(engine, "record", spy)
    return created


@pytest.mark.parametrize(
    ("expression", "error", "message"),
    [
        (lambda: Value(0).log(), ValueError, r"log.*0\.0"),
        (lambda: Value(-1).log(), ValueError, r"log.*-1\.0"),
        (lambda: Value(-8) ** 0.5, ValueError, r"pow.*-8\.0.*0\.5.*no real result"),
        (lambda: 10**400 * Value(1.0), OverflowError, r"\*: 1000.*\(401 digits\).*float"),
        (lambda: Value(-8) ** Value(2.0), ValueError, r"pow.*-8\.0.*negative"),
        (lambda: Value(1) / 0, ZeroDivisionError, r"division by zero: 1\.0 / 0\.0"),
        (lambda: 1 / Value(0), ZeroDivisionError, r"division by zero: 1\.0 / 0\.0"),
        (lambda: Value(3) / Value(0), ZeroDivisionError, r"division by zero: 3\.0 / 0\.0"),
    ],
)
def test_domain_errors_name_the_operation_and_create_no_node(node_spy, expression, error, message):
    with pytest.raises(error, match=message):
        expression()
    assert node_spy == []


@pytest.mark.parametrize(
    "expression",
    [
        lambda: Value(1) + "a",  # type: ignore[operator]
        lambda: "a" + Value(1),  # type: ignore[operator]
        lambda: Value(1) * None,  # type: ignore[operator]
        lambda: Value(1) - [1],  # type: ignore[operator]
        lambda: Value(1) / "x",  # type: ignore[operator]
        lambda: Value(1) ** "x",  # type: ignore[operator]
        lambda: "x" ** Value(1),  # type: ignore[operator]
        lambda: 1j * Value(1),  # type: ignore[operator]
    ],
)
def test_operations_with_non_numbers_raise_type_error(expression):
    # str + Value fails inside str itself, with str's own message.
    with pytest.raises(TypeError, match=r"unsupported operand|can only concatenate"):
        expression()


def test_anomaly_mode_raises_at_the_first_op_producing_inf(node_spy):
    x = Value(1000.0)
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"exp.*inf.*1000\.0"):
        x.exp()
    assert node_spy == []


def test_anomaly_mode_raises_in_backward_naming_the_op():
    x = Value(0.0)
    y = x**0.5  # d/dx = 0.5 * x**-0.5 = inf at 0
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"\*\*0\.5.*inf"):
        y.backward()


def test_non_finite_values_propagate_outside_anomaly_mode():
    y = Value(math.inf) - Value(math.inf)
    assert math.isnan(y.data)
    assert math.isnan(Value(math.nan).relu().data)


# -- no_grad and detach --


def test_no_grad_records_no_children_and_restores_the_mode():
    a = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        b = a * 3 + 1
    assert is_grad_enabled()
    assert b._prev == ()
    assert b._op == ""
    assert b.data == 7.0
    c = a * 3
    assert c._prev[0] is a


def test_no_grad_works_as_a_decorator_and_restores_after_an_error():
    @no_grad()
    def evaluate(v: Value) -> Value:
        return v * 2

    assert evaluate(Value(1.0))._prev == ()
    with pytest.raises(ZeroDivisionError), no_grad():
        Value(1.0) / 0
    assert is_grad_enabled()


def test_no_grad_is_per_thread():
    recorded_in_thread = []
    ready = threading.Event()
    release = threading.Event()

    def worker():
        ready.wait()
        recorded_in_thread.append((Value(1.0) * 2)._prev != ())
        release.set()

    thread = threading.Thread(target=worker)
    thread.start()
    with no_grad():
        ready.set()
        release.wait(timeout=10)
        assert (Value(1.0) * 2)._prev == ()
    thread.join()
    assert recorded_in_thread == [True]


def test_detach_cuts_the_graph():
    a = Value(2.0, label="a")
    b = (a * a).detach()
    c = b * a
    c.backward()
    assert b._prev == ()
    assert b.data == 4.0
    assert a.grad == 4.0  # only through c = b * a, b held constant


def test_repr_matches_micrograd():
    v = Value(2.0)
    assert repr(v) == "Value(data=2.0, grad=0)"  # micrograd's grad starts as the int 0


def test_node_spy_sees_nodes_that_operations_create(node_spy):
    # The positive control for the "creates no node" assertions above.
    Value(2.0).log()
    assert node_spy == ["log"]


# -- backward() sorts only the operations: a leaf has nothing to pass on --


def test_backward_resets_inner_grads_but_lets_leaves_accumulate():
    x = Value(3.0)
    y = x * x  # inner node
    z = y + x
    z.backward()
    z.backward()
    assert (x.grad, y.grad, z.grad) == (2 * 7.0, 1.0, 1.0)


def test_backward_walks_each_operation_once_and_no_leaf():
    x = Value(1.5)
    shared = x * 2.0  # one * node, used by all 50 + nodes
    sums = [shared]
    for _ in range(50):
        sums.append(sums[-1] + shared)
    walked = topological_order(sums[-1], leaves=False)
    assert walked == [shared, *sums[1:]]  # inputs first, each once
    assert topological_order(sums[-1]) == [x, shared.inputs[1], *walked]
    sums[-1].backward()
    assert (shared.grad, x.grad) == (51.0, 102.0)


def test_backward_through_a_hand_built_node_reaches_only_what_its_step_passes():
    # micrograd's lecture pattern: a node made by hand with its own _backward.
    a = Value(2.0)
    inner = a * 3.0
    custom = Value(inner.data**2, (inner,), "square")

    def step():
        inner.grad += 2 * inner.data * custom.grad

    custom._backward = step
    custom.backward()
    assert inner.grad == 12.0
    assert a.grad == 36.0


FIRST_HAND_BUILT_NODE = """
from micrograd_like import Value
x = Value(2.0)
(x * x).backward()  # plain graphs first, then the first hand-built node of the process
assert x.grad == 4.0
a = Value(3.0)
double = Value(2 * a.data, (a,), "double")
def step():
    a.grad += 2.0 * double.grad
double._backward = step
(double * double).backward()  # d(4a**2)/da = 8a
assert a.grad == 24.0, a.grad
b = Value(1.0)
silent = Value(b.data, (b,), "silent")  # micrograd's default _backward passes nothing
(silent * float("inf")).backward()
assert b.grad == 0.0, b.grad  # not 0 * inf = nan
print("ok")
"""


def test_the_first_hand_built_node_of_a_process_gets_its_own_step():
    # A fresh process: no state left by the many hand-built nodes this suite has made.
    done = subprocess.run(
        [sys.executable, "-c", FIRST_HAND_BUILT_NODE], capture_output=True, text=True, check=False
    )
    assert done.stdout.strip() == "ok", done.stderr

"""Forward mode on the recorded graph: jvp, jacobian and path sums, against two oracles.

The programs are the engine tests' (tests/ops.py), drawn by hypothesis. Oracle one
is central differences; oracle two is PyTorch in float64: ``torch.func.jvp`` and
``torch.autograd.functional.jacobian``.
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_like import Value, jacobian, jvp
from micrograd_like.autograd import path_sum, tangents
from tests.ops import ANY, EXPRESSIONS, OPS, Expression


def draw(data: st.DataObject, domains) -> list[float]:
    return [data.draw(domain) for domain in domains]


def central_jvp(fn, point, direction, h=1e-6):
    up = fn(*[Value(x + h * d) for x, d in zip(point, direction, strict=True)]).data
    down = fn(*[Value(x - h * d) for x, d in zip(point, direction, strict=True)]).data
    return (up - down) / (2 * h)


def close(x, y, rel, abs_):
    return math.isclose(x, y, rel_tol=rel, abs_tol=abs_)


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=str)
@given(data=st.data())
def test_jvp_matches_central_differences(expr: Expression, data: st.DataObject):
    point = draw(data, expr.domains)
    direction = draw(data, [ANY] * len(point))
    leaves = [Value(x) for x in point]
    (got,) = jvp(expr.fn(*leaves), leaves, direction)
    want = central_jvp(expr.fn, point, direction)
    assert close(got, want, 1e-4, 1e-5 * (1 + sum(abs(d) for d in direction)))


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.mark.torch
# torch.func.jvp scripts a helper with torch.jit.script, which torch 2.13 marks deprecated.
@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
@pytest.mark.parametrize("program", [*OPS, *EXPRESSIONS], ids=str)
@given(data=st.data())
def test_jvp_matches_torch_func_jvp(torch, program, data: st.DataObject):
    point = draw(data, program.domains)
    direction = draw(data, [ANY] * len(point))
    leaves = [Value(x) for x in point]
    (got,) = jvp(program.fn(*leaves), leaves, direction)
    primals = tuple(torch.tensor(x, dtype=torch.float64) for x in point)
    speeds = tuple(torch.tensor(d, dtype=torch.float64) for d in direction)
    _, want = torch.func.jvp(program.fn, primals, speeds)
    assert close(got, want.item(), 1e-12, 1e-12)


def several_outputs(*xs):
    """R^n -> R^m from the engine's programs: each expression's value, and their product."""
    outs = [expr.fn(*xs[: len(expr.domains)]) for expr in EXPRESSIONS[:4]]
    return [*outs, outs[0] * outs[2]]


DOMAINS = (ANY, st.floats(0.05, 0.95), st.floats(0.1, 3.0), st.floats(0.1, 3.0), ANY)


@pytest.mark.torch
@pytest.mark.parametrize("mode", ["forward", "reverse"])
@given(data=st.data())
@settings(max_examples=30)
def test_jacobian_matches_torch_either_way(torch, mode, data: st.DataObject):
    point = draw(data, DOMAINS)
    got = jacobian(several_outputs, point, mode=mode)

    def f(*xs):
        return torch.stack(several_outputs(*xs))

    want = torch.autograd.functional.jacobian(
        f, tuple(torch.tensor(x, dtype=torch.float64) for x in point)
    )
    for i, row in enumerate(got.matrix):
        for j, value in enumerate(row):
            assert close(value, want[j][i].item(), 1e-12, 1e-12), (i, j)


def test_forward_takes_n_passes_and_reverse_m():
    def f(a, b, c):  # R^3 -> R^2
        return [a * b + c, (a - c).tanh()]

    forward, reverse = jacobian(f, [1.0, 2.0, 3.0], "forward"), jacobian(f, [1.0, 2.0, 3.0])
    assert (forward.passes, reverse.passes) == (3, 2)
    assert forward.matrix == reverse.matrix  # the same products, in the other order
    many_in = jacobian(lambda *xs: sum(xs[1:], xs[0]), [1.0] * 6, "forward")
    assert many_in.passes == 6
    assert jacobian(lambda *xs: sum(xs[1:], xs[0]), [1.0] * 6).passes == 1


def test_tangents_give_every_nodes_derivative_by_the_input():
    x = Value(2.0, label="x")
    u = x * x
    out = u + x
    found = tangents(out, x, [1.0])
    assert found == {x: 1.0, u: 4.0, out: 5.0}
    assert tangents(out, u, [1.0]) == {u: 1.0, out: 1.0}  # from an inner node too


def test_path_sums_list_every_path_and_add_up_to_the_derivative():
    x = Value(2.0, label="x")
    u = x * x
    u.label = "u"
    v = u * 3
    v.label = "v"
    out = u + v
    out.label = "L"
    paths = path_sum(out, x)
    assert [[n.label for n in nodes] for nodes, _ in paths.paths] == [
        ["x", "u", "L"],
        ["x", "u", "L"],
        ["x", "u", "v", "L"],
        ["x", "u", "v", "L"],
    ]
    assert [p for _, p in paths.paths] == [2.0, 2.0, 6.0, 6.0]
    assert paths.total == 16.0 == jvp(out, x, [1.0])[0]
    assert "sum over 4 paths: 16" in str(paths)


def test_path_sums_are_refused_past_the_limit_and_empty_off_the_graph():
    x = Value(1.0)
    y = x
    for _ in range(20):
        y = y * 0.5 + y * 0.5  # 2**20 paths
    with pytest.raises(ValueError, match="more than 10,000 paths"):
        path_sum(y, x)
    assert path_sum(y, Value(3.0)).paths == []


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: jvp(Value(1.0), [Value(1.0)], [1.0, 2.0]), ValueError, "1 inputs but 2 tangents"),
        (lambda: jvp(1.0, [Value(1.0)], [1.0]), TypeError, "must be Values"),  # type: ignore[arg-type]
        (lambda: jacobian(lambda x: x, [1.0], mode="sideways"), ValueError, "mode must be"),
        (lambda: jacobian(lambda x: 3, [1.0]), TypeError, "must return a Value"),  # type: ignore
        (lambda: jacobian(lambda: Value(1.0), []), ValueError, "non-empty list of numbers"),
        (lambda: jvp(Value(2.0, (Value(1.0),), "f"), [Value(1.0)], [1.0]), None, None),
    ],
)
def test_bad_calls_are_refused(call, error, message):
    if error is None:  # an input the hand-built node does not use: nothing to push
        assert call() == [0.0]
        return
    with pytest.raises(error, match=message):
        call()


def test_a_hand_built_node_on_the_way_is_refused_by_name():
    x = Value(1.0)
    y = Value(2.0, (x,), "double")
    with pytest.raises(ValueError, match="jvp: the node 'double' was built by hand"):
        jvp(y, x, [1.0])


@pytest.mark.parametrize("compact", [False, True], ids=["full", "compact"])
def test_draw_dot_shows_each_nodes_tangent_beside_its_grad(compact):
    from micrograd_like.viz import TANGENT_COLOUR, draw_dot

    x1, x2 = Value(0.5, label="x1"), Value(-1.0, label="x2")
    h = x1 * x2
    h.label = "h"
    out = h.tanh() + h * 2
    out.label = "L"
    out.backward()
    source = draw_dot(out, tangents=x1, compact=compact).source

    def box(name):
        (line,) = [line for line in source.splitlines() if f"<b>{name}</b>" in line]
        return line

    cell = f'bgcolor="{TANGENT_COLOUR}">d/dx1'
    assert f"{cell} -1<" in box("h")  # dh/dx1 = x2
    assert f"{cell} 0<" in box("x2")  # x2 does not move with x1
    assert f"{cell} 1<" in box("x1")
    want = tangents(out, x1, [1.0])[out]
    assert f"{cell} {want:.4g}<" in box("L")
    assert f"{want:.4g}" == f"{x1.grad:.4g}"  # the two modes meet at the ends
    mine = draw_dot(out, tangents={x1: 7.0}, compact=compact).source
    assert ">tangent 7<" in mine
    assert ">tangent 0<" in mine

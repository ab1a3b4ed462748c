"""Notebook 05's example numbers, recomputed without the engine and against PyTorch.

Notebook 05 (gradients of gradients) prints the first four derivatives of sigmoid(x) x**3 at
0.8, a Newton run in one dimension, and three runs on the banana
f(a, b) = (1 - a)**2 + c (b - a**2)**2 with c = 10 (Rosenbrock's function has c = 100):
pure Newton, damped Newton and gradient descent, from (-1.2, 1) until f < 1e-10. Here each is
recomputed from hand-derived derivatives in plain floats and compared with the engine; the
derivatives and Hessians are compared with PyTorch in float64; and the lines the notebook
prints are compared with the plain-float runs, so its prose and outputs cannot drift apart.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
from pathlib import Path

import pytest

from micrograd_like import Value, grad, hessian, hvp

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "05_higher_order.ipynb"
TOLERANCE = 1e-10
START = (-1.2, 1.0)
MAX_STEPS = 10_000


# -- Hand-derived formulas, in plain floats --------------------------------------------


def sigmoid_times_cube_derivatives(x: float) -> list[float]:
    """d^n/dx^n of s(x) x**3 for n = 1..4, by Leibniz's rule.

    With s = sigmoid(x), s' = s(1-s), and each further derivative is d/ds (previous) * s(1-s):
    s'' = s - 3s^2 + 2s^3, s''' = s - 7s^2 + 12s^3 - 6s^4,
    s'''' = s - 15s^2 + 50s^3 - 60s^4 + 24s^5.
    """
    s = 1 / (1 + math.exp(-x))
    ds = [
        s,
        s - s**2,
        s - 3 * s**2 + 2 * s**3,
        s - 7 * s**2 + 12 * s**3 - 6 * s**4,
        s - 15 * s**2 + 50 * s**3 - 60 * s**4 + 24 * s**5,
    ]
    cube = [x**3, 3 * x**2, 6 * x, 6.0, 0.0]
    return [sum(math.comb(n, k) * ds[k] * cube[n - k] for k in range(n + 1)) for n in range(1, 5)]


def banana(a: float, b: float, c: float = 10) -> float:
    return (1 - a) ** 2 + c * (b - a * a) ** 2


def banana_gradient(a: float, b: float, c: float = 10) -> tuple[float, float]:
    return -2 * (1 - a) - 4 * c * a * (b - a * a), 2 * c * (b - a * a)


def banana_hessian(a: float, b: float, c: float = 10) -> list[list[float]]:
    return [[2 - 4 * c * b + 12 * c * a * a, -4 * c * a], [-4 * c * a, 2 * c]]


def solve(h: list[list[float]], g: tuple[float, float] | list[float]) -> tuple[float, float]:
    """delta with h delta = -g (Cramer's rule)."""
    det = h[0][0] * h[1][1] - h[0][1] * h[1][0]
    return (-g[0] * h[1][1] + g[1] * h[0][1]) / det, (g[0] * h[1][0] - g[1] * h[0][0]) / det


def eigenvalues(h: list[list[float]]) -> tuple[float, float]:
    half_trace = (h[0][0] + h[1][1]) / 2
    det = h[0][0] * h[1][1] - h[0][1] * h[1][0]
    root = math.sqrt(half_trace**2 - det)
    return half_trace + root, half_trace - root


def plain_newton(damped: bool) -> list[dict]:
    """Every point of a (damped) Newton run from START, with f, the slope g.delta and t."""
    point, rows = START, []
    while True:
        value = banana(*point)
        if value < TOLERANCE:
            rows.append({"point": point, "f": value})
            return rows
        g = banana_gradient(*point)
        delta = solve(banana_hessian(*point), g)
        slope = g[0] * delta[0] + g[1] * delta[1]
        t = 1.0
        while damped:
            trial = (point[0] + t * delta[0], point[1] + t * delta[1])
            if banana(*trial) <= value + 1e-4 * t * slope:
                break
            t /= 2
        rows.append({"point": point, "f": value, "slope": slope, "t": t})
        point = (point[0] + t * delta[0], point[1] + t * delta[1])


def plain_descent(eta: float, max_steps: int = MAX_STEPS) -> tuple[int | None, list[tuple]]:
    """The step at which f < TOLERANCE (None if never), and every point on the way."""
    point, points = START, []
    for step in range(max_steps + 1):
        points.append(point)
        if banana(*point) < TOLERANCE:
            return step, points
        g = banana_gradient(*point)
        point = (point[0] - eta * g[0], point[1] - eta * g[1])
    return None, points


def newton_1d() -> list[tuple[float, float, float]]:
    """(x, f'(x), f''(x)) for seven Newton steps on x**4/4 - x + exp(-x) from 2."""
    x, rows = 2.0, []
    for _ in range(7):
        d1, d2 = x**3 - 1 - math.exp(-x), 3 * x * x + math.exp(-x)
        rows.append((x, d1, d2))
        x -= d1 / d2
    return rows


# -- The same with the engine, as the notebook computes them ---------------------------


def engine_banana(a, b, c=10):
    return (1 - a) ** 2 + c * (b - a * a) ** 2


def engine_derivatives(fn, x: float, order: int) -> list[float]:
    leaf, out = Value(x), []
    current = fn(leaf)
    for _ in range(order):
        (current,) = grad(current, leaf, create_graph=True)
        out.append(current.data)
    return out


def engine_newton_step(point):
    a, b = Value(point[0]), Value(point[1])
    value = engine_banana(a, b)
    g = grad(value, [a, b])
    return value.data, g, solve(hessian(engine_banana, list(point)), g)


# -- Tests --------------------------------------------------------------------------------


def test_four_derivatives_at_0_8_match_the_closed_form():
    ours = engine_derivatives(lambda x: x.sigmoid() * x**3, 0.8, 4)
    assert ours == pytest.approx(sigmoid_times_cube_derivatives(0.8), rel=1e-12)


def test_one_dimensional_newton_matches_the_closed_form():
    x_now = 2.0
    for x, d1, d2 in newton_1d():
        leaf = Value(x_now)
        (first,) = grad(leaf**4 / 4 - leaf + (-leaf).exp(), leaf, create_graph=True)
        (second,) = grad(first, leaf)
        assert x_now == pytest.approx(x, rel=1e-13)
        assert first.data == pytest.approx(d1, rel=1e-9, abs=1e-14)
        assert second == pytest.approx(d2, rel=1e-13)
        x_now -= first.data / second
    # The notebook's prose: about 7 at the start, below 1e-15 six steps later.
    assert round(newton_1d()[0][1]) == 7
    assert abs(newton_1d()[6][1]) < 1e-15


def test_banana_gradient_and_hessian_by_hand():
    # At the start, by hand: b - a^2 = 1 - 1.44 = -0.44, so
    # df/da = -2 (2.2) - 40 (-1.2)(-0.44) = -25.52 and df/db = 20 (-0.44) = -8.8;
    # H = [[2 - 40 + 120 (1.44), 48], [48, 20]] = [[134.8, 48], [48, 20]].
    a, b = Value(START[0]), Value(START[1])
    assert grad(engine_banana(a, b), [a, b]) == pytest.approx([-25.52, -8.8], rel=1e-13)
    assert hessian(engine_banana, list(START)) == [
        pytest.approx([134.8, 48.0], rel=1e-13),
        pytest.approx([48.0, 20.0], rel=1e-13),
    ]
    for point in [(1.0, 1.0), (0.5, 0.5), (0.008352, -0.967915), (2.5, -3.0)]:
        for c in (10, 100):
            ours = hessian(lambda a, b, c=c: engine_banana(a, b, c), list(point))
            assert ours == [pytest.approx(row, rel=1e-12) for row in banana_hessian(*point, c)]
    assert hessian(engine_banana, [1.0, 1.0]) == [[82.0, -40.0], [-40.0, 20.0]]
    assert hvp(engine_banana, [0.5, 0.5], [1.0, 0.0]) == [12.0, -20.0]


def test_the_runs_match_a_closed_form_computation():
    # Pure Newton, with the engine as in the notebook, against the plain-float run.
    pure = plain_newton(damped=False)
    point = START
    for row in pure:
        value, g, delta = engine_newton_step(point)
        assert point == pytest.approx(row["point"], rel=1e-9, abs=1e-12)
        assert value == pytest.approx(row["f"], rel=1e-8, abs=1e-25)
        point = (point[0] + delta[0], point[1] + delta[1])
    losses = [row["f"] for row in pure]
    assert len(pure) - 1 == 7
    assert [i for i in range(1, len(losses)) if losses[i] > losses[i - 1]] == [2, 4]
    assert all(row["slope"] < 0 for row in pure[:-1])  # every step points downhill

    damped = plain_newton(damped=True)
    losses = [row["f"] for row in damped]
    assert len(damped) - 1 == 12
    assert all(later < earlier for earlier, later in itertools.pairwise(losses))
    assert [i for i, row in enumerate(damped[:-1]) if row["t"] != 1] == [1, 3]
    assert {damped[1]["t"], damped[3]["t"]} == {0.5}
    assert max(abs(b - a * a) for a, b in (row["point"] for row in damped[1:])) < 0.2673

    # Gradient descent: the engine's run at eta = 0.019, step by step, then the step counts.
    steps, points = plain_descent(0.019)
    point = START
    for expected in points:
        assert point == pytest.approx(expected, rel=1e-9, abs=1e-12)
        a, b = Value(point[0]), Value(point[1])
        g = grad(engine_banana(a, b), [a, b])
        point = (point[0] - 0.019 * g[0], point[1] - 0.019 * g[1])
    assert steps == 1412
    assert banana(*points[1]) > banana(*points[0])  # the first step overshoots
    counts = {eta: plain_descent(eta)[0] for eta in (0.005, 0.01, 0.02)}
    assert counts == {0.005: 5390, 0.01: 2692, 0.02: None}

    # The curvature at the minimum, by hand: H = [[2 + 8c, -4c], [-4c, 2c]].
    for c, ratio, limit in [(10, 258, 0.01968), (100, 2508, 0.00200)]:
        big, small = eigenvalues(banana_hessian(1.0, 1.0, c))
        assert (big + small, big * small) == pytest.approx((10 * c + 2, 4 * c))  # trace, det
        assert round(big / small) == ratio
        assert round(2 / big, 5) == limit
    assert 0.019 < 2 / eigenvalues(banana_hessian(1.0, 1.0))[0] < 0.02
    # At the start the walls are steeper: the limit there is below 0.019 (the first step rises).
    assert round(eigenvalues(banana_hessian(*START))[0], 2) == 152.22
    assert round(2 / eigenvalues(banana_hessian(*START))[0], 5) == 0.01314 < 0.019
    assert round(1 - 0.019 * eigenvalues(banana_hessian(1.0, 1.0))[1], 4) == 0.9925


@pytest.mark.torch
def test_the_examples_match_torch():
    torch = pytest.importorskip("torch")

    def torch_derivatives(fn, x, order):
        leaf = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        current, out = fn(leaf), []
        for _ in range(order):
            (current,) = torch.autograd.grad(current, leaf, create_graph=True)
            out.append(current.item())
        return out

    for fn, x, order in [
        (lambda v: v.tanh(), 0.5, 2),
        (lambda v: v.sigmoid() * v**3, 0.8, 4),
        (lambda v: v**4 / 4 - v + (-v).exp(), 2.0, 2),
    ]:
        assert engine_derivatives(fn, x, order) == pytest.approx(
            torch_derivatives(fn, x, order), rel=1e-12
        )

    # The banana's gradient, Hessian and Hessian-vector product at the points the notebook uses
    # and at every point of the pure Newton run.
    points = [START, (1.0, 1.0), (0.5, 0.5)] + [row["point"] for row in plain_newton(False)]
    for point in points:
        for c in (10, 100):

            def f(a, b, c=c):
                return engine_banana(a, b, c)

            tensors = tuple(torch.tensor(p, dtype=torch.float64) for p in point)
            theirs = torch.autograd.functional.hessian(f, tensors)
            expected = [[theirs[i][j].item() for j in range(2)] for i in range(2)]
            ours = hessian(f, list(point))
            assert ours == [pytest.approx(row, rel=1e-12, abs=1e-12) for row in expected]
            leaves = [t.clone().requires_grad_(True) for t in tensors]
            their_grad = torch.autograd.grad(f(*leaves), leaves)
            a, b = Value(point[0]), Value(point[1])
            assert grad(f(a, b), [a, b]) == pytest.approx(
                [t.item() for t in their_grad], rel=1e-12, abs=1e-12
            )
            v = (torch.tensor(1.0, dtype=torch.float64), torch.tensor(0.0, dtype=torch.float64))
            _, their_hvp = torch.autograd.functional.hvp(f, tensors, v)
            assert hvp(f, list(point), [1.0, 0.0]) == pytest.approx(
                [t.item() for t in their_hvp], rel=1e-12, abs=1e-12
            )


def graph_sizes(order: int) -> tuple[int, int]:
    """The Values in the graph of the order-th derivative of sigmoid(x) x**3 at 0.8, counted
    by a search of its own, and the nodes of that graph unfolded into a tree (one per path)."""
    x = Value(0.8)
    current = x.sigmoid() * x**3
    for _ in range(order):
        (current,) = grad(current, x, create_graph=True)
    seen, stack = {id(current): current}, [current]
    while stack:
        for parent in stack.pop().inputs:
            if id(parent) not in seen:
                seen[id(parent)] = parent
                stack.append(parent)

    @functools.cache
    def paths(node_id: int) -> int:
        return 1 + sum(paths(id(parent)) for parent in seen[node_id].inputs)

    return len(seen), paths(id(current))


def printed() -> str:
    """Everything the executed notebook's code cells printed."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    return "".join(
        "".join(output.get("text", ""))
        for cell in cells
        if cell["cell_type"] == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    )


def test_the_notebook_prints_the_closed_form_numbers():
    text = printed()
    expected = []
    for order, value in enumerate(sigmoid_times_cube_derivatives(0.8), start=1):
        nodes, tree = graph_sizes(order)
        expected.append(f"{order:5}  {value:+.12f}   {nodes:19}   {tree:9}")
    for step, row in enumerate(plain_newton(damped=False)[:-1]):
        a, b = row["point"]
        expected.append(
            f"{step:4}  {a:+.6f}  {b:+.6f}  {b - a * a:+.4f}  {row['f']:.4e}  {row['slope']:+.3e}"
        )
    expected.append("pure Newton: f < 1e-10 after 7 steps")
    for step, row in enumerate(plain_newton(damped=True)[:-1]):
        a, b = row["point"]
        expected.append(
            f"{step:4}  {a:+.6f}  {b:+.6f}  {b - a * a:+.4f}  {row['f']:.4e}  {row['t']:.3g}"
        )
    expected.append("damped Newton: f < 1e-10 after 12 steps")
    _, points = plain_descent(0.019)
    for step in (0, 1, 10, 100, 500, 1000):
        a, b = points[step]
        expected.append(f"{step:4}  {a:+.6f}  {b:+.6f}  {b - a * a:+.4f}  {banana(a, b):.4e}")
    for c, point in [(10, (1.0, 1.0)), (100, (1.0, 1.0)), (10, START)]:
        h = banana_hessian(*point, c)
        big, small = eigenvalues(h)
        matrix = f"[[{h[0][0]:g}, {h[0][1]:g}], [{h[1][0]:g}, {h[1][1]:g}]]"
        expected.append(f"{matrix:27} {big:7.2f} {small:7.4f} {big / small:13.0f} {2 / big:9.5f}")
    expected += [
        "gradient descent, η = 0.019: f < 1e-10 after 1412 steps",
        "1 - η λ_min = 0.9925",
        "η = 0.005: f < 1e-10 after 5390 steps",
        "η = 0.01 : f < 1e-10 after 2692 steps",
        "η = 0.019: f < 1e-10 after 1412 steps",
        "η = 0.02 : f not below 1e-10 after 10000 steps",
        "[12.0, -20.0] = the first column of H: [12.0, -20.0]",
    ]
    missing = [line for line in expected if line not in text]
    assert not missing, "lines the notebook does not print:\n" + "\n".join(missing)

    # The one-dimensional run prints 15 digits, where the last one or two are rounding.
    rows = re.findall(r"step (\d): x = (\S+), f'\(x\) = (\S+), f''\(x\) = (\S+)", text)
    assert len(rows) == 7
    for (step, x, d1, d2), (x_hand, d1_hand, d2_hand) in zip(rows, newton_1d(), strict=True):
        assert float(x) == pytest.approx(x_hand, rel=1e-14), step
        assert float(d1) == pytest.approx(d1_hand, rel=1e-3, abs=1e-15), step
        assert float(d2) == pytest.approx(d2_hand, rel=1e-6), step

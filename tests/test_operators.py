"""The edge cases of the table's math, each against PyTorch in float64.

`micrograd_like.operators` gives IEEE 754 results where PyTorch does: division
is a quotient of its own (not ``a * b**-1``, which overflows where the quotient
does not), ``0 ** y`` and ``0 ** 0`` take PyTorch's derivatives, ``relu(nan)``
passes the gradient on, and ``(-0.0) ** 0.5`` is PyTorch's square root.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from micrograd_like import Value, detect_anomaly, grad, hessian, topological_order
from micrograd_like import operators as ops


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def torch_value_and_grads(torch, fn, point):
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    out = fn(*leaves)
    out.backward()
    return out.item(), [leaf.grad.item() for leaf in leaves]


def engine_value_and_grads(fn, point):
    leaves = [Value(x) for x in point]
    out = fn(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def same_float(a: float, b: float) -> bool:
    """Equal bit for bit, with NaN equal to NaN and the sign of zero kept."""
    return (math.isnan(a) and math.isnan(b)) or (
        a == b and math.copysign(1, a) == math.copysign(1, b)
    )


EDGE_CASES = [
    pytest.param(lambda a, b: a / b, [1e-300, 1e-310], id="quotient-of-tiny-numbers"),
    pytest.param(lambda a, b: a / b, [5e-324, 5e-324], id="quotient-of-subnormals"),
    pytest.param(lambda a, b: a / b, [1e-300, 1e-200], id="quotient-gradient-by-divisor"),
    pytest.param(lambda a, b: a**b, [0.0, 0.0], id="zero-to-the-zero"),
    pytest.param(lambda a, b: a**b, [0.0, 0.5], id="zero-to-a-fraction"),
    pytest.param(lambda a, b: a**b, [0.0, -1.0], id="zero-to-minus-one"),
    pytest.param(lambda a: a.relu(), [math.nan], id="relu-of-nan"),
    pytest.param(lambda a: a**0.5, [-0.0], id="minus-zero-to-one-half"),
    pytest.param(lambda a: a**-0.5, [0.0], id="zero-to-minus-one-half"),
    pytest.param(lambda a: a**2, [-0.0], id="minus-zero-squared"),
    pytest.param(lambda a: a**-1.0, [-0.0], id="minus-zero-to-minus-one"),
]


@pytest.mark.torch
@pytest.mark.parametrize(("fn", "point"), EDGE_CASES)
def test_edge_case_value_and_gradients_are_pytorchs_bit_for_bit(torch, fn, point):
    value, grads = engine_value_and_grads(fn, point)
    expected_value, expected_grads = torch_value_and_grads(torch, fn, point)
    assert same_float(value, expected_value), (value, expected_value)
    for got, expected in zip(grads, expected_grads, strict=True):
        assert same_float(got, expected), (grads, expected_grads)


def test_division_is_a_quotient_not_a_product_with_an_overflowing_inverse():
    assert (Value(1e-300) / Value(1e-310)).data == 1e-300 / 1e-310  # about 1e10, not inf
    assert (Value(5e-324) / Value(5e-324)).data == 1.0
    q = Value(1.0) / Value(4.0)
    assert q.op == "/"
    assert q.local_grads == (0.25, -0.0625)  # 1/b and -q/b


nonzero = st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x != 0)
HALF_MAX = Fraction(1.7976931348623157e308) / 2  # clear of rounding at the float maximum


@given(a=st.floats(allow_nan=False, allow_infinity=False), b=nonzero)
@example(a=5e-324, b=1e-308)  # a/b**2 about 5e292: b**2 would underflow to 0
@example(a=1e-300, b=1e-160)  # a/b**2 = 1e20: b**2 underflows, q/b does not
@example(a=1e300, b=1e-5)  # q = 1e305 is finite, -q/b = -1e310 is truly beyond the range
@example(a=1.0, b=1e-308)  # 1/b = 1e308, at the edge but inside
def test_the_division_rule_overflows_only_where_its_exact_result_does(a, b):
    # q = a/b, d/da = 1/b and d/db = -q/b: no intermediate beyond the results themselves,
    # so each is finite wherever its exact value is well inside the float range.
    q = Value(a) / Value(b)
    assert q.local_grads is not None
    d_a, d_b = q.local_grads
    quotient = q.data
    exact_q, exact_d_a = Fraction(a) / Fraction(b), 1 / Fraction(b)
    exact_d_b = -Fraction(a) / Fraction(b) ** 2
    for got, exact in [(quotient, exact_q), (d_a, exact_d_a), (d_b, exact_d_b)]:
        if abs(exact) <= HALF_MAX:
            assert math.isfinite(got), (a, b, got, exact)


def test_a_finite_quotient_does_not_trip_anomaly_mode():
    with detect_anomaly():
        assert (Value(1e-300) / Value(1e-310)).data > 1e9


@pytest.mark.torch
def test_first_derivative_of_zero_to_a_fraction_with_create_graph_is_pytorchs(torch):
    # d(0 ** y)/dy at 0 < y < 1: the base's own derivative is inf there, which must not raise.
    y = Value(0.5)
    (by_grad,) = grad(Value(0.0) ** y, y, create_graph=True)
    base, exponent = Value(0.0), Value(0.5)
    (base**exponent).backward(create_graph=True)
    t_base = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    t_y = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    t_base_grad, t_y_grad = torch.autograd.grad(t_base**t_y, [t_base, t_y], create_graph=True)
    assert by_grad.data == exponent.grad.data == t_y_grad.item() == 0.0
    assert base.grad.data == t_base_grad.item() == math.inf
    assert hessian(lambda b: Value(0.0) ** b, [0.5]) == [[0.0]]


def test_anomaly_mode_covers_the_float_path_of_grad_and_hessian():
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"\*\*-2.*inf"):
        hessian(lambda a: a**-1, [1e-120])
    x = Value(0.0)
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"\*\*0\.5.*nan"):
        grad((x**0.5) * 0.0, x)
    (silent,) = grad((x**0.5) * 0.0, x)
    assert math.isnan(silent)  # outside anomaly mode: nan, silently, as IEEE 754 says


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (lambda: Value(2) + 10**400, r"^\+: 1000000000.*\(401 digits\) is too large for a float"),
        (lambda: Value(2) ** 10**400, r"^pow: 1000000000.*\(401 digits\) is too large for a float"),
        (lambda: Value(10**400), r"^Value\(\): 1000000000.*\(401 digits\)"),
        (lambda: 10**400 / Value(2), r"^/: 1000000000.*\(401 digits\)"),
    ],
)
def test_a_huge_int_operand_names_the_operation_and_the_value(expression, message):
    with pytest.raises(OverflowError, match=message):
        expression()


def test_the_float_math_gives_ieee_results_instead_of_python_errors():
    assert ops.exp(1000.0) == math.inf
    assert ops.power(1e300, 2.0) == math.inf
    assert ops.power(-1e300, 3.0) == -math.inf
    assert ops.power(0.0, -1.0) == math.inf
    assert ops.sigmoid(-1000.0) == 0.0
    assert ops.sigmoid(1000.0) == 1.0
    assert math.isnan(ops.relu(math.nan))
    assert ops.relu_slope(math.nan) == 1.0
    assert ops.relu_slope(0.0) == 0.0


@pytest.mark.parametrize(
    ("check", "args", "error", "message"),
    [
        (ops.check_log, (0.0,), ValueError, r"log: input must be positive, got 0\.0"),
        (ops.check_divide, (1.0, 0.0), ZeroDivisionError, r"division by zero: 1\.0 / 0\.0"),
        (ops.check_power, (-2.0, 2.0), ValueError, r"pow: base -2\.0 is negative"),
        (ops.check_constant_power, (-8.0, 0.5), ValueError, r"no real result"),
    ],
)
def test_each_domain_check_names_the_operation_and_the_inputs(check, args, error, message):
    with pytest.raises(error, match=message):
        check(*args)


def test_repr_before_backward_is_micrographs():
    micrograd = pytest.importorskip("micrograd.engine")
    ours, theirs = Value(0.8958441028683222), micrograd.Value(0.8958441028683222)
    assert repr(ours) == repr(theirs) == "Value(data=0.8958441028683222, grad=0)"
    ours.backward()
    theirs.backward()
    assert repr(ours) == repr(theirs) == "Value(data=0.8958441028683222, grad=1)"


def test_a_constant_exponent_builds_no_derivative_by_itself_under_create_graph():
    # d(a ** n)/dn is dropped for a constant n: with create_graph it must not be built
    # either, or its overflow would trip anomaly mode although the result is finite.
    x = Value(1e300)
    with detect_anomaly():
        (first,) = grad(x**1.02, x, create_graph=True)
    assert math.isfinite(first.data)
    assert all(node.op != "log" for node in topological_order(first))


@pytest.mark.parametrize(
    ("exponent", "name"),
    [(Fraction(1, 2), "**0.5"), (2, "**2"), (2.0, "**2.0"), (True, "**1")],
)
def test_a_constant_exponent_of_any_number_type_is_an_int_or_a_float(exponent, name):
    x = Value(4.0)
    y = x**exponent
    assert y.op == name
    assert type(y.data) is float
    assert y.data == 4.0 ** float(exponent)


def test_a_float32_exponent_leaves_the_value_a_float():
    np = pytest.importorskip("numpy")
    y = Value(4.0) ** np.float32(0.5)
    assert (type(y.data), y.data, y.op) == (float, 2.0, "**0.5")


def test_an_int_too_long_to_print_still_gets_a_message_naming_the_operation():
    with pytest.raises(OverflowError, match=r"^\+: an int of about 5001 digits is too large"):
        Value(2.0) + 10**5000

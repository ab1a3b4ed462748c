"""Losses: values and gradients against PyTorch and central differences; stability; shapes."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_like import Value, gradcheck, topological_order
from micrograd_like.losses import (
    LOG_CLAMP,
    bce,
    bce_with_logits,
    clamped_log,
    cross_entropy,
    hinge,
    l2,
    mse,
    sum_overflows,
)

finite = st.floats(-6.0, 6.0, allow_nan=False, allow_infinity=False)


@given(z=finite, t=st.sampled_from([0.0, 1.0, 0.3]))
def test_bce_with_logits_gradient_is_sigmoid_minus_target(z, t):
    x = Value(z)
    bce_with_logits(x, t).backward()
    assert x.grad == pytest.approx(1 / (1 + math.exp(-z)) - t, abs=1e-12)


@given(zs=st.lists(finite, min_size=2, max_size=5), data=st.data())
def test_cross_entropy_matches_central_differences(zs, data):
    target = data.draw(st.integers(0, len(zs) - 1))
    result = gradcheck(lambda *v: cross_entropy(list(v), target), zs, raise_exception=False)
    assert result, str(result)


@given(p=st.floats(0.05, 0.95), t=st.floats(0.0, 1.0), s=finite, y=finite)
def test_bce_mse_hinge_match_central_differences(p, t, s, y):
    for f, x in [(lambda v: bce(v, t), p), (lambda v: mse(v, y), s), (lambda v: hinge(v, 1.0), s)]:
        if f is not None and abs(1 - x) > 1e-3:  # the hinge's kink at score 1
            result = gradcheck(f, [x], raise_exception=False)
            assert result, str(result)


def test_bce_with_logits_is_stable_at_extreme_logits():
    for z, t, expected in [(1000.0, 1.0, 0.0), (-1000.0, 0.0, 0.0), (-1000.0, 1.0, 1000.0)]:
        x = Value(z)
        loss = bce_with_logits(x, t)
        assert loss.data == pytest.approx(expected, abs=1e-12)
        loss.backward()
        assert math.isfinite(x.grad)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = [Value(1000.0), Value(0.0), Value(-1000.0)]
    loss = cross_entropy(logits, 0)
    assert loss.data == pytest.approx(0.0, abs=1e-12)
    loss.backward()
    assert [v.grad for v in logits] == pytest.approx([0.0, 0.0, 0.0], abs=1e-12)


def test_batch_losses_are_means():
    scores = [Value(2.0), Value(0.5), Value(-1.0)]
    assert hinge(scores, [1, 1, 1]).data == pytest.approx((0 + 0.5 + 2.0) / 3)
    assert mse([1.0, 3.0], [0.0, 0.0]).data == pytest.approx(5.0)
    batch = cross_entropy([[1.0, 2.0], [3.0, 0.0]], [1, 0])
    single = [cross_entropy([1.0, 2.0], 1).data, cross_entropy([3.0, 0.0], 0).data]
    assert batch.data == pytest.approx(sum(single) / 2)


def test_l2_is_the_sum_of_squares():
    params = [Value(1.0), Value(-2.0)]
    penalty = l2(params)
    penalty.backward()
    assert penalty.data == 5.0
    assert [p.grad for p in params] == [2.0, -4.0]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: mse([1.0, 2.0], [1.0]), ValueError, "2 predictions but 1 targets"),
        (lambda: mse(1.0, [1.0, 2.0]), ValueError, "one prediction but 2 targets"),
        (lambda: mse([], []), ValueError, "empty batch"),
        (lambda: bce(0.5, 2.0), ValueError, r"bce: target must be a finite number in \[0, 1\]"),
        (lambda: bce(Value(-0.5), 1.0), ValueError, r"bce: prediction must be .*, got -0.5$"),
        (lambda: bce(Value(1.5), 0.0), ValueError, r"bce: prediction must be .*, got 1.5$"),
        (
            lambda: cross_entropy([1.0, 2.0], 2),
            ValueError,
            "cross_entropy: target class must be a whole number from 0 to 1, got 2",
        ),
        (lambda: cross_entropy([1.0], 0), ValueError, "at least 2 class logits"),
        (
            lambda: mse("a", 1.0),  # type: ignore[arg-type]
            TypeError,
            "mse: prediction must be a Value or a real number, got str",
        ),
        (lambda: mse(1.0, math.inf), ValueError, "mse: target must be a finite number, got inf"),
    ],
)
def test_bad_input_is_refused_clearly(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: hinge(Value(0.5), True),
            "hinge: target must be a Value or a real number, got bool",
        ),
        (lambda: mse([1.0, 2.0], [0.0, False]), r"mse: target\[1\] must be .*, got bool"),
        (lambda: bce(True, 1.0), "bce: prediction must be a Value or a real number, got bool"),
        (lambda: cross_entropy([1.0, 2.0], True), "cross_entropy: target class .* got bool"),
        (lambda: cross_entropy([1.0, 2.0], 1.0), "target class .* got float"),  # type: ignore[arg-type]
        (lambda: cross_entropy([[1.0, True]], [0]), r"cross_entropy: logit\[1\] .* got bool"),
    ],
)
def test_a_bool_is_never_a_prediction_a_target_or_a_class(call, message):
    with pytest.raises(TypeError, match=message):
        call()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mse(10**400, 1.0), "mse: prediction is too large for a float, got 1000"),
        (lambda: hinge([1.0], [10**400]), r"hinge: target\[0\] is too large for a float"),
        (lambda: cross_entropy([1.0, -(10**400)], 0), r"logit\[1\] is too large for a float"),
    ],
)
def test_an_int_too_large_for_a_float_is_a_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.torch
@given(
    zs=st.lists(finite, min_size=3, max_size=3),
    ts=st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3),
    classes=st.lists(st.integers(0, 2), min_size=2, max_size=2),
)
def test_losses_match_torch_float64(zs, ts, classes):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional

    def compare(ours, theirs, inputs):
        values = [Value(x) for x in inputs]
        tensor = torch.tensor(inputs, dtype=torch.float64, requires_grad=True)
        out = ours(values)
        out.backward()
        expected = theirs(tensor)
        expected.backward()
        assert out.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-12)
        assert [v.grad for v in values] == pytest.approx(tensor.grad.tolist(), rel=1e-10, abs=1e-12)

    target = torch.tensor(ts, dtype=torch.float64)
    compare(
        lambda v: bce_with_logits(v, ts),
        lambda t: functional.binary_cross_entropy_with_logits(t, target),
        zs,
    )
    compare(lambda v: mse(v, ts), lambda t: functional.mse_loss(t, target), zs)
    probabilities = [0.05 + 0.9 * (math.tanh(z) + 1) / 2 for z in zs]
    compare(
        lambda v: bce(v, ts), lambda t: functional.binary_cross_entropy(t, target), probabilities
    )
    compare(
        lambda v: cross_entropy([v, v[::-1]], classes),
        lambda t: functional.cross_entropy(torch.stack([t, t.flip(0)]), torch.tensor(classes)),
        zs,
    )


# -- the clamped log of binary cross-entropy --


@pytest.mark.parametrize("p", [math.exp(-100.0), 1e-43, 0.25, 1.0, 7.0])
def test_clamped_log_is_the_plain_log_node_where_log_is_at_least_minus_100(p):
    x = Value(p)
    out = clamped_log(x)
    assert out.op == "log"
    assert out.inputs == (x,)
    assert out.data == math.log(p) >= LOG_CLAMP
    out.backward()
    assert x.grad == 1 / p


@pytest.mark.parametrize("p", [0.0, -0.0, 5e-324, 1e-50, 1e-44])
def test_clamped_log_below_minus_100_is_a_constant_that_passes_no_gradient(p):
    x = Value(p)
    out = clamped_log(x)
    assert out.data == LOG_CLAMP == -100.0
    assert out.inputs == ()
    out.backward()
    assert not x.grad_computed  # d max(log p, -100)/dp is 0 where the clamp is flat


def test_clamped_log_of_a_negative_number_raises_as_log_does():
    with pytest.raises(ValueError, match="log: input must be positive, got -1e-300"):
        clamped_log(Value(-1e-300))


@pytest.mark.torch
@pytest.mark.parametrize("p", [0.0, 1.0, 1e-50, 1e-13, 0.3, 0.5, 0.999])
@pytest.mark.parametrize("t", [0.0, 1.0, 0.3])
def test_bce_is_finite_where_torch_is_and_has_its_value(p, t):
    torch = pytest.importorskip("torch")
    prob = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.binary_cross_entropy(prob, torch.tensor(t, dtype=torch.float64))
    expected.backward()
    x = Value(p)
    loss = bce(x, t)
    assert loss.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-12)
    loss.backward()
    if p * (1 - p) >= 1e-12:
        # Only here is PyTorch's backward the exact derivative: elsewhere it divides by
        # max(p(1-p), 1e-12) (see clamped_log).
        assert x.grad == pytest.approx(prob.grad.item(), rel=1e-12)


@pytest.mark.parametrize("t", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("p", [1.0000001, -1e-300, math.nan, math.inf, -math.inf])
def test_bce_refuses_a_probability_outside_0_1_naming_bce_and_the_value(p, t):
    # bce(1.0000001, 1) was -1e-7: a negative loss. PyTorch refuses such a p too (NaN as well).
    with pytest.raises(
        ValueError, match=rf"^bce: prediction must be a finite number.*, got {p!r}$"
    ):
        bce(Value(p), t)
    with pytest.raises(ValueError, match=rf"^bce: prediction\[1\] must be .*, got {p!r}$"):
        bce([0.5, p], [t, t])


@pytest.mark.parametrize("p", [0.0, -0.0, 1.0])
def test_bce_takes_a_probability_of_exactly_0_or_1(p):
    assert bce(Value(p), 0.5).data == 50.0  # half of each clamped log, as in PyTorch


def test_bce_at_a_saturated_probability_costs_100_and_differentiates_the_other_term():
    x = Value(1.0)
    loss = bce(x, 0.3)  # -(0.3 log 1 + 0.7 max(log 0, -100)) = 70
    assert loss.data == pytest.approx(70.0, rel=1e-15)
    loss.backward()
    assert x.grad == pytest.approx(-0.3)  # d(-0.3 log p)/dp at 1; the clamped term gives 0
    batch = bce([Value(0.0), Value(1.0), Value(0.5)], [1, 0, 1])
    assert batch.data == pytest.approx((100 + 100 + math.log(2)) / 3, rel=1e-15)


# -- batch means whose sum would overflow --


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        (lambda: hinge([Value(-1e308), Value(-1e308)], [1, 1]), 1e308),  # relu(1 + 1e308) each
        (lambda: mse([Value(1.2e154), Value(-1.2e154)], [0, 0]), 1.2e154**2),
        (lambda: bce_with_logits([Value(-1.5e308), Value(-1.5e308)], [1, 1]), 1.5e308),
        (lambda: cross_entropy([[0.0, -1.5e308], [0.0, -1.5e308]], [1, 1]), 1.5e308),
    ],
)
def test_a_batch_mean_is_finite_where_the_sum_of_its_terms_would_overflow(loss, expected):
    out = loss()
    assert out.data == pytest.approx(expected, rel=1e-15)
    out.backward()  # and every term still gets its gradient 1/n
    assert all(math.isfinite(x.grad) for x in topological_order(out) if x.grad_computed)


def test_a_batch_mean_that_overflows_still_gives_each_term_the_gradient_one_over_n():
    scores = [Value(-1e308), Value(-1.7e308), Value(-1e308)]
    out = hinge(scores, [1, 1, 1])
    assert out.data == pytest.approx(1e308 / 3 + 1.7e308 / 3 + 1e308 / 3, rel=1e-15)
    out.backward()
    assert [s.grad for s in scores] == [-1 / 3] * 3


def test_a_batch_mean_whose_sum_is_finite_keeps_the_plain_graph_and_its_bits():
    scores = [Value(2.0), Value(0.5), Value(-1.0)]
    out = hinge(scores, [1, 1, 1])
    total, scale = out.inputs
    assert out.op == "*"
    assert scale.data == 1 / 3
    assert total.data == 0.0 + 0.5 + 2.0
    assert out.data == (0.0 + 0.5 + 2.0) * (1 / 3)  # bit for bit: sum, then * (1/n)


def test_sum_overflows_only_when_finite_numbers_add_up_past_the_float_maximum():
    assert sum_overflows([1e308, 1e308])
    assert sum_overflows([-1e308, 1.0, -1e308])
    assert not sum_overflows([1e308, -1e308, 1e308])  # never past the maximum on the way
    assert not sum_overflows([math.inf, 1.0])  # the mean itself is infinite: nothing to save
    assert not sum_overflows([math.nan, 1e308, 1e308])
    assert not sum_overflows([0.5, 0.25])

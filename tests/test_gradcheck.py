"""gradcheck: it passes correct derivatives and pinpoints wrong ones."""

from __future__ import annotations

import math

import pytest

from micrograd_like import GradcheckError, Value, gradcheck


def wrong_square(x: Value) -> Value:
    """x**2 with a deliberately wrong derivative (3x instead of 2x)."""
    out = Value(x.data**2, (x,), "bad_square")

    def _backward() -> None:
        x.grad += 3 * x.data * out.grad

    out._backward = _backward
    return out


def test_passes_on_correct_derivatives_and_reports_every_input():
    result = gradcheck(lambda x, y: (x * y).tanh() + x.exp() / y, [0.3, -1.2])
    assert result.passed
    assert bool(result)
    assert [c.name for c in result.checks] == ["inputs[0]", "inputs[1]"]
    for check in result.checks:
        assert check.abs_error < 1e-7
    x, y = 0.3, -1.2
    expected_dx = (1 - math.tanh(x * y) ** 2) * y + math.exp(x) / y
    assert result.checks[0].analytic == pytest.approx(expected_dx, rel=1e-12)


def test_names_the_input_whose_gradients_disagree_and_by_how_much():
    result = gradcheck(lambda x, y: wrong_square(x) + y * y, [2.0, 1.0], raise_exception=False)
    assert not result.passed
    assert [c.name for c in result.failures] == ["inputs[0]"]
    failure = result.failures[0]
    assert failure.analytic == 6.0
    assert failure.numeric == pytest.approx(4.0, rel=1e-6)
    assert failure.abs_error == pytest.approx(2.0, rel=1e-6)
    report = str(result)
    assert "FAILED for 1 input(s)" in report
    assert "inputs[0]" in report
    assert "disagree" in report


def test_raises_with_the_report_by_default():
    with pytest.raises(GradcheckError, match=r"inputs\[0\]") as info:
        gradcheck(wrong_square, [2.0])
    assert not info.value.result.passed


def test_mapping_inputs_are_passed_by_name_and_named_in_the_report():
    result = gradcheck(
        lambda w, b: wrong_square(w) * b, {"w": 1.5, "b": 2.0}, raise_exception=False
    )
    assert [c.name for c in result.checks] == ["w", "b"]
    assert [c.name for c in result.failures] == ["w"]


def test_value_inputs_keep_their_labels_and_their_grads_untouched():
    x = Value(0.5, label="x")
    result = gradcheck(lambda v: v.sigmoid(), [x])
    assert result.checks[0].name == "x"
    assert x.grad == 0.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"eps": 0.0}, "eps"),
        ({"eps": math.nan}, "eps"),
        ({"atol": -1.0}, "atol"),
        ({"rtol": math.inf}, "rtol"),
    ],
)
def test_rejects_bad_tolerances(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gradcheck(lambda x: x * x, [1.0], **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"eps": True}, TypeError, "gradcheck: eps must be a finite number > 0, got bool"),
        ({"atol": False}, TypeError, "gradcheck: atol must be a finite number >= 0, got bool"),
        ({"rtol": 10**400}, ValueError, "gradcheck: rtol is too large for a float"),
        ({"inputs": [True]}, TypeError, r"gradcheck: input inputs\[0\] must be .* got bool"),
        ({"inputs": [10**400]}, ValueError, r"input inputs\[0\] is too large for a float"),
    ],
)
def test_bools_and_huge_ints_are_refused_naming_the_argument(kwargs, error, message):
    arguments = {"inputs": [1.0], **kwargs}
    with pytest.raises(error, match=message):
        gradcheck(lambda x: x * x, **arguments)


def test_rejects_non_numeric_inputs_and_outputs():
    with pytest.raises(TypeError, match="input inputs\\[0\\]"):
        gradcheck(lambda x: x, ["a"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="gradcheck: the result of f must be a Value or a real"):
        gradcheck(lambda x: "no", [1.0])  # type: ignore[arg-type,return-value]

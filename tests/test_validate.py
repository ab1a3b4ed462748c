"""The shared validators: one rule for bool, TypeError for kind, ValueError for value."""

from __future__ import annotations

import fractions
import math

import pytest

from micrograd_like import Value, validate


@pytest.mark.parametrize(
    "check",
    [
        lambda x: validate.real(x, "arg", "f"),
        lambda x: validate.number(x, "arg", "f", low=-1, high=2),
        lambda x: validate.positive(x, "arg", "f"),
        lambda x: validate.non_negative(x, "arg", "f"),
        lambda x: validate.count(x, "arg", "f", minimum=0),
        lambda x: validate.seed(x, "arg", "f"),
        lambda x: validate.real_numbers([0.5, x], "arg", "f"),
    ],
    ids=["real", "number", "positive", "non_negative", "count", "seed", "real_numbers"],
)
@pytest.mark.parametrize("flag", [True, False])
def test_every_validator_refuses_a_bool_with_a_type_error_naming_it(check, flag):
    with pytest.raises(TypeError, match=rf"^f: arg(\[1\])? must be .*, got bool: {flag}$"):
        check(flag)


def test_arithmetic_still_treats_a_bool_as_an_int():
    assert (Value(2.0) * True).data == 2.0
    assert (Value(2.0) + False).data == 2.0


@pytest.mark.parametrize(
    "check",
    [
        lambda x: validate.real(x, "arg", "f"),
        lambda x: validate.real(x, "arg", "f", finite=False),
        lambda x: validate.number(x, "arg", "f", low=0),
        lambda x: validate.positive(x, "arg", "f"),
        lambda x: validate.non_negative(x, "arg", "f"),
    ],
)
@pytest.mark.parametrize("sign", [1, -1])
def test_an_int_too_large_for_a_float_is_a_value_error_with_its_digits(check, sign):
    with pytest.raises(
        ValueError, match=r"^f: arg is too large for a float, got -?1000+\.\.\. \(401 digits\)$"
    ):
        check(sign * 10**400)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: validate.real("1.5", "lr", "SGD"),
            "SGD: lr must be a real number, got str: '1.5'",
        ),
        (
            lambda: validate.real(None, "lr", "SGD"),
            "SGD: lr must be a real number, got NoneType: None",
        ),
        (lambda: validate.real(1j, "lr", "SGD"), r"SGD: lr must be a real number, got complex: 1j"),
        (lambda: validate.count(2.0, "n", "f"), "f: n must be a whole number >= 1, got float: 2.0"),
        (
            lambda: validate.seed(1.5, "seed", "f"),
            "f: seed must be None or a whole number, got float",
        ),
        (
            lambda: validate.real([1.0] * 50, "x", "f", kind="a Value or a real number"),
            r"f: x must be a Value or a real number, got list: \[1\.0, 1\.0, .{40,60}\.\.\. "
            r"\(50 items\)$",
        ),
    ],
)
def test_what_is_not_a_number_of_the_kind_asked_for_is_a_type_error(call, message):
    with pytest.raises(TypeError, match=message):
        call()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: validate.real(math.nan, "x", "f"), "f: x must be a finite number, got nan"),
        (lambda: validate.positive(0, "eps", "f"), "f: eps must be a finite number > 0, got 0"),
        (lambda: validate.non_negative(-0.5, "l2", "fit"), "fit: l2 must be a finite number >= 0"),
        (
            lambda: validate.number(1.0, "beta", "Adam", low=0, high=1, high_open=True),
            r"Adam: beta must be a finite number in \[0, 1\), got 1.0",
        ),
        (
            lambda: validate.number(0.0, "f", "g", low=0, high=1, low_open=True, high_open=True),
            r"g: f must be a finite number in \(0, 1\), got 0.0",
        ),
        (
            lambda: validate.count(0, "steps", "fit"),
            "fit: steps must be a whole number >= 1, got 0",
        ),
        (
            lambda: validate.count(3, "target", "ce", minimum=0, maximum=2),
            "ce: target must be a whole number from 0 to 2, got 3",
        ),
        (lambda: validate.real_numbers([], "xs", "f"), "f: xs must be a non-empty list of numbers"),
    ],
)
def test_a_number_out_of_range_is_a_value_error_naming_function_argument_and_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_accepted_arguments_come_back_as_the_type_the_caller_computes_with():
    assert validate.real(3, "x", "f") == 3.0
    assert type(validate.real(3, "x", "f")) is float
    assert validate.real(fractions.Fraction(1, 4), "x", "f") == 0.25
    assert validate.real(math.inf, "x", "f", finite=False) == math.inf
    assert validate.number(1, "x", "f", low=0, high=1) == 1.0
    assert validate.count(5, "n", "f") == 5
    assert validate.seed(None, "seed", "f") is None
    assert validate.seed(-3, "seed", "f") == -3
    assert validate.real_numbers((1, 2.5), "xs", "f") == [1.0, 2.5]
    assert validate.is_real(1.5)
    assert not validate.is_real(True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("short", "'short'"),
        ("x" * 1_000_000, "'" + "x" * 60 + "'... (1000000 characters)"),  # the quotes pair up
        (
            [1] * 200_000,
            "[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,... (200000 items)",
        ),
        (10**5000, "an int of about 5001 digits"),  # repr() would refuse it
        ([10**5000], "a list too long to show"),
        (True, "True"),
    ],
    ids=["str", "long str", "long list", "long int", "list of a long int", "bool"],
)
def test_shown_keeps_every_echoed_value_to_one_short_line(value, expected):
    assert validate.shown(value) == expected

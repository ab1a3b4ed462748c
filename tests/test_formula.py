"""The formula parser: whitelisted ast only, never evaluated, refusals say what and where."""

from __future__ import annotations

import math

import pytest

from micrograd_like import topological_order
from micrograd_like.formula import (
    MAX_LENGTH,
    FormulaError,
    build_formula,
    parse_formula,
)


def test_builds_the_graph_and_differentiates_it():
    out, leaves = build_formula("tanh(x * w + b)", {"x": 0.5, "w": -3.0, "b": 1.0})
    out.backward()
    t = math.tanh(0.5 * -3.0 + 1.0)
    assert out.data == pytest.approx(t, rel=1e-15)
    assert leaves["w"].grad == pytest.approx(0.5 * (1 - t * t), rel=1e-12)
    assert leaves["x"].grad == pytest.approx(-3.0 * (1 - t * t), rel=1e-12)


def test_every_allowed_construct():
    formula = "-x + (+y) * 2 - x / y + y ** 2 + 2 ** x + exp(x) + log(y) + sigmoid(x) + relu(-x)"
    out, leaves = build_formula(formula, {"x": 0.3, "y": 1.7})
    x, y = 0.3, 1.7
    expected = (
        -x + y * 2 - x / y + y**2 + 2**x + math.exp(x) + math.log(y) + 1 / (1 + math.exp(-x)) + 0
    )
    assert out.data == pytest.approx(expected, rel=1e-14)
    assert set(leaves) == {"x", "y"}


def test_a_variable_used_twice_is_one_leaf_and_gets_both_paths():
    out, leaves = build_formula("x * x", {"x": 3.0})
    out.backward()
    assert leaves["x"].grad == 6.0


def test_constant_exponent_is_micrograds_power_node():
    out, _ = build_formula("x ** 2 + x ** (1/2)", {"x": 4.0})
    ops = {node._op for node in topological_order(out)}
    assert {"**2", "**0.5"} <= ops


def test_subexpressions_are_labelled_with_their_text():
    out, _ = build_formula("tanh(x*w + b)", {"x": 1.0, "w": 2.0, "b": 3.0})
    labels = {node.label for node in topological_order(out)}
    assert {"x*w", "x*w + b", "tanh(x*w + b)", "x", "w", "b"} <= labels


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("x.__class__", r"attribute access \(a\.b\) is not allowed at column 1"),
        ("x[0]", r"subscripts \(a\[i\]\) are not allowed"),
        ("'abc'", "strings are not allowed"),
        ("lambda: x", "lambdas are not allowed"),
        ("__import__('os').system('echo hi')", "unknown function"),
        ("__import__('os')", "unknown function '__import__'"),
        ("open('f')", "unknown function 'open'"),
        ("exp.__globals__", "attribute access"),
        ("x if x else 1", "if-expressions are not allowed"),
        ("x < 1", "comparisons are not allowed"),
        ("x and 1", "and/or are not allowed"),
        ("[x]", "lists are not allowed"),
        ("(x, 1)", "tuples are not allowed"),
        ("f'{x}'", "f-strings are not allowed"),
        ("(y := 2)", "assignments are not allowed"),
        ("exp(x, 1)", r"exp\(\) takes exactly one argument"),
        ("exp(x=1)", r"exp\(\) takes exactly one argument"),
        ("x // 2", "the operator FloorDiv is not allowed"),
        ("x % 2", "the operator Mod is not allowed"),
        ("x @ x", "the operator MatMult is not allowed"),
        ("~x", "the operator Invert is not allowed"),
        ("not x", "the operator Not is not allowed"),
        ("1j * x", r"the constant 1j is not allowed"),
        ("True * x", r"the constant True is not allowed"),
        ("y", "no value for 'y'"),
        ("exp", "exp is a function"),
        ("9**9**9", "the exponent 387420489 at column 4 is too large"),
        ("1e999 * x", "the number 1e999 is too large"),
        (
            "1" + "0" * 400 + " * x",
            r"the number 1000+\.\.\. \(401 characters\) is too large at col",
        ),
        ("x +", "not a valid formula"),
        ("import os", "not a valid formula"),
        ("", "empty"),
        ("(" * 300 + "x" + ")" * 300, "not a valid formula|nested too deeply"),
        ("x" + "+x" * 1000, "the limit is"),
    ],
)
def test_refusals_name_what_is_not_allowed(formula, message):
    with pytest.raises(FormulaError, match=message):
        build_formula(formula, {"x": 1.0})


def test_exponents_that_depend_on_variables_are_computed_in_floats_not_refused():
    out, _ = build_formula("2 ** (x * 0 + 5000)", {"x": 1.0})
    assert out.data == math.inf  # float overflow, at once: no big-integer arithmetic


def test_too_long_formula_is_refused_before_parsing():
    with pytest.raises(FormulaError, match=f"the limit is {MAX_LENGTH}"):
        parse_formula("x+" * MAX_LENGTH + "x")


def test_variable_values_are_real_numbers_not_bools_nor_ints_too_large_for_a_float():
    with pytest.raises(TypeError, match=r"build_formula: values\['x'\] must be a real number"):
        build_formula("x", {"x": True})
    with pytest.raises(ValueError, match=r"values\['x'\] is too large for a float"):
        build_formula("x", {"x": 10**400})


def test_bad_variable_names_are_refused():
    with pytest.raises(FormulaError, match="cannot be a variable name"):
        build_formula("x", {"x": 1.0, "exp": 2.0})
    with pytest.raises(FormulaError, match="cannot be a variable name"):
        build_formula("x", {"x": 1.0, "1a": 2.0})


def test_domain_errors_come_from_the_engine_naming_the_operation():
    with pytest.raises(ValueError, match="log: input must be positive"):
        build_formula("log(x)", {"x": 0.0})
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        build_formula("1 / x", {"x": 0.0})


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        # A constant exponent too large for a float (was an IndexError).
        ("x**1e400", "the number 1e400 is too large at column 4"),
        ("x**(2*1e400)", "the number 1e400 is too large at column 7"),
        # Columns count characters of the text as typed, from 1, leading spaces included.
        ("x*", "invalid syntax at the end"),
        ("  x y", "invalid syntax at column 5"),
        (" \uff58*(2", r"'\(' was never closed at column 4"),
        ("\uff58\uff58 + x.a", r"attribute access \(a\.b\) is not allowed at column 6"),
        ("(x +\n exp(x).a)", r"attribute access \(a\.b\) is not allowed at line 2, column 2"),
    ],
)
def test_positions_are_characters_counted_from_one(formula, message):
    with pytest.raises(FormulaError, match=message):
        build_formula(formula, {"x": 2.0})


def test_full_width_names_are_read_as_python_reads_them_in_the_formula_and_the_values():
    out, leaves = build_formula("\uff58*2", {"\uff58": 1.5})
    assert out.data == 3.0
    assert list(leaves) == ["x"]


def test_a_name_given_twice_is_refused_naming_both_values():
    with pytest.raises(FormulaError, match=r"'x' is given two values: 1.0 and 2.0"):
        build_formula("x*2", {"x": 1.0, "\uff58": 2.0})


def test_labels_are_the_text_as_typed_even_after_wide_characters():
    out, _ = build_formula("\uff58\uff58 + exp(x)", {"x": 0.0, "\uff58\uff58": 1.0})
    assert sorted(child.label for child in out.inputs) == ["exp(x)", "xx"]

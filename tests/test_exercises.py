"""The exercise checkers name each catalogued mistake, on two wrong solutions at least.

Every wrong rule and wrong backward pass below is one a learner could write; each
is diagnosed with its catalogue id. Right ones, in three styles, pass.
"""

import math
from typing import Any

import pytest

from micrograd_like import Value, gradients, topological_order
from micrograd_like.exercises import (
    BACKWARD_MISTAKES,
    CATALOGUE,
    RULE_MISTAKES,
    bug,
    check_backward,
    check_rule,
    check_value,
    first_wrong,
)


def sigmoid(a):
    return 1 / (1 + math.exp(-a))


# -- rules --------------------------------------------------------------------------------

WRONG_RULES: dict[str, list[tuple[str, Any]]] = {
    "forward-wrong": [
        ("tanh", lambda a: (math.sinh(a), 1 - math.tanh(a) ** 2)),
        ("exp", lambda a: (math.exp(a) - 1, math.exp(a))),
        ("*", lambda a, b: (a + b, b, a)),
    ],
    "sign": [
        ("tanh", lambda a: (math.tanh(a), math.tanh(a) ** 2 - 1)),
        ("log", lambda a: (math.log(a), -1 / a)),
        ("sigmoid", lambda a: (sigmoid(a), sigmoid(a) * (sigmoid(a) - 1))),
    ],
    "missing-square": [
        ("tanh", lambda a: (math.tanh(a), 1 - math.tanh(a))),
        ("/", lambda a, b: (a / b, 1 / b, -a / b)),
    ],
    "input-for-output": [
        ("exp", lambda a: (math.exp(a), a)),
        ("tanh", lambda a: (math.tanh(a), 1 - a**2)),
        ("sigmoid", lambda a: (sigmoid(a), a * (1 - a))),
        ("log", lambda a: (math.log(a), 1 / math.log(a))),
    ],
    "swapped-inputs": [
        ("*", lambda a, b: (a * b, a, b)),
        ("/", lambda a, b: (a / b, -a / b**2, 1 / b)),
    ],
    "off-by-one-power": [
        ("**", lambda a, b: (a**b, b * a**b, a**b * math.log(a))),
        ("log", lambda a: (math.log(a), 1 / a**2)),
    ],
}


def test_every_rule_mistake_of_the_catalogue_is_exercised_twice():
    assert set(WRONG_RULES) == set(RULE_MISTAKES)
    assert all(len(rules) >= 2 for rules in WRONG_RULES.values())
    assert set(RULE_MISTAKES) <= set(CATALOGUE)


@pytest.mark.parametrize(
    ("mistake", "name", "rule"),
    [(m, name, rule) for m, rules in WRONG_RULES.items() for name, rule in rules],
)
def test_a_wrong_rule_is_named_by_its_mistake(mistake, name, rule):
    report = check_rule(name, rule)
    assert not report.passed
    assert report.mistake == mistake, report.message
    assert report.message.startswith(f"{name}: at a = ")  # where it shows
    assert "should be" in report.message
    assert "but your rule gives" in report.message


def tanh_by_hand(a):
    t = (math.exp(2 * a) - 1) / (math.exp(2 * a) + 1)
    return t, 1 - t * t


def product_rule(a, b):
    return a * b, b, a


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("tanh", lambda a: (math.tanh(a), 1 - math.tanh(a) ** 2)),  # a lambda
        ("tanh", tanh_by_hand),  # a def, the formula by hand
        ("*", product_rule),
        ("exp", lambda a: (e := math.exp(a), e)),  # a walrus, the output reused
        ("sigmoid", lambda a: (s := sigmoid(a), s - s * s)),  # an equal form
        ("ReLU", lambda a: (max(0.0, a), 1.0 if a > 0 else 0.0)),
        ("**", lambda a, b: (a**b, b * a ** (b - 1), a**b * math.log(a))),
        ("+", lambda a, b: (a + b, 1, 1)),  # ints are numbers too
    ],
)
def test_right_rules_in_any_style_pass(name, rule):
    report = check_rule(name, rule)
    assert report.passed, report.message
    assert report.mistake is None


def looping(a):
    while True:
        a += 1


@pytest.mark.parametrize(
    ("rule", "mistake", "said"),
    [
        (lambda a: 1 / 0, "raises", "raised ZeroDivisionError: division by zero"),
        (looping, "too-slow", "ran for more than"),
        (lambda a: math.tanh(a), "wrong-type", "a tuple of 2 numbers"),
        (lambda a: (math.tanh(a), "0.5"), "wrong-type", "a tuple of 2 numbers"),
        (lambda a: (math.tanh(a), 1, 2), "wrong-type", "a tuple of 2 numbers"),
        (lambda a: (math.tanh(a), 2.0), "other", "central difference"),
    ],
)
def test_a_rule_that_raises_loops_or_returns_the_wrong_thing_gets_its_own_message(
    rule, mistake, said
):
    report = check_rule("tanh", rule)
    assert report.mistake == mistake
    assert said in report.message


def test_the_hint_does_not_give_the_answer_away():
    message = check_rule("tanh", lambda a: (math.tanh(a), 1 - math.tanh(a))).message
    hint = message.split(". ", 1)[1]
    assert "1 - t" not in hint
    assert "**2" not in hint
    assert "square" in hint


def test_an_unknown_primitive_is_refused():
    with pytest.raises(ValueError, match=r"check_rule: name must be one of"):
        check_rule("cosh", lambda a: (a, a))


# -- backward passes ----------------------------------------------------------------------


def topo(root):
    """A learner's own topological sort, recursive, with a visited set."""
    order, seen = [], set()

    def build(v):
        if v not in seen:
            seen.add(v)
            for child in v.inputs:
                build(child)
            order.append(v)

    build(root)
    return order


def iterative(root):
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        for child, local in zip(node.inputs, node.local_grads or (), strict=True):
            child.grad += node.grad * local


def recursive(root):
    order = topo(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        for child, local in zip(node.inputs, node.local_grads or (), strict=True):
            child.grad += node.grad * local


def micrograd_style(root):
    """micrograd's own: _prev and each node's _backward."""
    order = topo(root)
    for node in order:
        node.grad = 0
    root.grad = 1
    for node in reversed(order):
        node._backward()


def kahn(root):
    """Counting parents first: a node goes once every node it feeds has gone."""
    order = topological_order(root)
    parents = dict.fromkeys(order, 0)
    for node in order:
        for child in node.inputs:
            parents[child] += 1
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    ready = [root]
    while ready:
        node = ready.pop()
        for child, local in zip(node.inputs, node.local_grads or (), strict=True):
            child.grad += node.grad * local
            parents[child] -= 1
            if parents[child] == 0:
                ready.append(child)


@pytest.mark.parametrize("fn", [iterative, recursive, micrograd_style, kahn])
def test_right_backward_passes_in_any_style_pass(fn):
    report = check_backward(fn)
    assert report.passed, report.message
    assert report.mistake is None


def test_a_recursive_pass_passes_with_a_recursion_limit_warning():
    assert check_backward(recursive).warnings[0].startswith("recursion-limit: ")
    assert check_backward(iterative).warnings == ()
    assert "a stack" in check_backward(recursive).warnings[0]  # and how to avoid it


def overwrites_iterative(root):
    order = topological_order(root)
    root.grad = 1.0
    for node in reversed(order):
        for child, local in zip(node.inputs, node.local_grads or (), strict=True):
            child.grad = node.grad * local


def overwrites_dict(root):
    grads = {root: 1.0}
    for node in reversed(topological_order(root)):
        for child, local in zip(node.inputs, node.local_grads or (), strict=True):
            grads[child] = grads.get(node, 0.0) * local
    for node, grad in grads.items():
        node.grad = grad


def wrong_order_bfs(root):
    root.grad = 1.0
    queue, seen = [root], {root}
    while queue:
        node = queue.pop(0)
        for child, local in zip(node.inputs, node.local_grads or (), strict=True):
            child.grad += node.grad * local
            if child not in seen:
                seen.add(child)
                queue.append(child)


def wrong_order_depth_first(root):
    root.grad = 1.0
    seen = set()

    def visit(node):
        seen.add(node)
        for child, local in zip(node.inputs, node.local_grads or (), strict=True):
            child.grad += node.grad * local
        for child in node.inputs:
            if child not in seen:
                visit(child)

    visit(root)


def not_seeded(root):
    for node in reversed(topological_order(root)):
        for child, local in zip(node.inputs, node.local_grads or (), strict=True):
            child.grad += node.grad * local


def not_seeded_zero(root):
    root.grad = 0.0  # "start from nothing"
    recursive_accumulate(root, seed=False)


def recursive_accumulate(root, seed=True):
    order = topo(root)
    if seed:
        root.grad = 1.0
    for node in reversed(order):
        for child, local in zip(node.inputs, node.local_grads or (), strict=True):
            child.grad += node.grad * local


def no_upstream(root):
    order = topological_order(root)
    root.grad = 1.0
    for node in reversed(order):
        for child, local in zip(node.inputs, node.local_grads or (), strict=True):
            child.grad += local


def no_upstream_micrograd(root):
    order = topo(root)
    root.grad = 1.0
    for node in reversed(order):
        for child, local in zip(node._prev, node.local_grads or (), strict=True):
            child.grad = child.grad + local * 1.0


def revisits_recursive(root):
    root.grad = 1.0

    def walk(node):
        for child, local in zip(node.inputs, node.local_grads or (), strict=True):
            child.grad += node.grad * local
            walk(child)

    walk(root)


def revisits_paths(root):
    """Every path from the root, its product of local derivatives: right, but exponential."""

    def walk(node, product):
        node.grad += product
        for child, local in zip(node.inputs, node.local_grads or (), strict=True):
            walk(child, product * local)

    walk(root, 1.0)


def not_reset(root):
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        for child, local in zip(node.inputs, node.local_grads or (), strict=True):
            child.grad += node.grad * local


def not_reset_recursive(root):
    recursive_accumulate(root)


WRONG_PASSES = {
    "overwrites": [overwrites_iterative, overwrites_dict],
    "wrong-order": [wrong_order_bfs, wrong_order_depth_first],
    "not-seeded": [not_seeded, not_seeded_zero],
    "no-upstream": [no_upstream, no_upstream_micrograd],
    "revisits": [revisits_recursive, revisits_paths],
    "not-reset": [not_reset, not_reset_recursive],
}


def test_every_backward_mistake_of_the_catalogue_is_exercised_twice():
    assert set(WRONG_PASSES) == set(BACKWARD_MISTAKES)
    assert all(len(passes) >= 2 for passes in WRONG_PASSES.values())


@pytest.mark.parametrize(
    ("mistake", "fn"), [(m, fn) for m, passes in WRONG_PASSES.items() for fn in passes]
)
def test_a_wrong_backward_pass_is_named_by_its_mistake(mistake, fn):
    report = check_backward(fn)
    assert not report.passed
    assert report.mistake == mistake, report.message
    assert report.message.startswith(("On ", "Run twice on "))  # which graph shows it


def endless(root):
    while True:
        pass


def leaves_strings(root):
    for node in topological_order(root):
        node.grad = "0"


@pytest.mark.parametrize(
    ("fn", "mistake", "said"),
    [
        (lambda root: root.nope, "raises", "raised AttributeError"),
        (endless, "too-slow", "ran for more than"),
        (leaves_strings, "wrong-type", "grads that are not numbers (str)"),
    ],
)
def test_a_pass_that_raises_loops_or_sets_the_wrong_thing_gets_its_own_message(fn, mistake, said):
    report = check_backward(fn)
    assert report.mistake == mistake
    assert said in report.message


# -- the bug lab --------------------------------------------------------------------------


def diamond():
    x = Value(2.0, label="x")
    u = x * x
    u.label = "u"
    v = u * 3
    v.label = "v"
    loss = u + v
    loss.label = "L"
    return x, u, v, loss


@pytest.mark.parametrize(
    ("mistake", "x_grad"),
    [("overwrites", 6.0), ("wrong-order", 4.0), ("not-seeded", 0.0), ("no-upstream", 4.0),
     ("revisits", 20.0)],
)  # fmt: skip
def test_the_engine_commits_each_mistake_inside_bug_and_not_outside(mistake, x_grad):
    x, _, _, loss = diamond()
    with bug(mistake):
        loss.backward()
    assert x.grad == x_grad  # d(4x**2)/dx = 16 at x = 2
    x, _, _, loss = diamond()
    loss.backward()
    assert x.grad == 16.0


def test_without_the_reset_a_second_backward_counts_the_inner_grads_again():
    x, u, _, loss = diamond()
    loss.backward()
    x.grad = 0.0
    with bug("not-reset"):
        loss.backward()
    # As micrograd's second backward: L is seeded with 1 again, v keeps its 1 and adds 1,
    # u keeps its 4 and adds 1 + 2 x 3.
    assert u.grad == 11.0
    x.grad = 0.0
    loss.backward()
    assert (u.grad, x.grad) == (4.0, 16.0)


@pytest.mark.parametrize("mistake", ["overwrites", "no-upstream"])
def test_the_wrong_grads_a_bug_leaves_are_plain_floats(mistake):
    *_, loss = diamond()
    with bug(mistake):
        loss.backward()
    grads = [node.grad for node in topological_order(loss)]
    assert all(type(g) is float for g in grads)
    total = sum(grads)  # they add up as numbers do
    assert total == sum(float(g) for g in grads)


def test_bug_puts_the_engine_back_even_when_the_block_raises():
    with pytest.raises(RuntimeError), bug("overwrites"):
        raise RuntimeError
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0


def test_first_wrong_finds_where_the_wrong_numbers_start():
    _, u, _, loss = diamond()
    with bug("overwrites"):
        loss.backward()
    # L's and v's grads are right; u keeps only v's contribution, 3 of 4.
    assert first_wrong(loss) is u
    *_, loss = diamond()
    loss.backward()
    assert first_wrong(loss) is None


def test_first_wrong_agrees_with_the_engine_on_a_right_pass_through_every_primitive():
    a, b = Value(0.7, label="a"), Value(1.3, label="b")
    out = ((a * b).tanh() + (a / b).exp() + (b**a).sigmoid() + (a + b).log() + (a - b).relu()) ** 2
    out.backward()
    assert first_wrong(out) is None
    assert gradients([out])[a] == a.grad


def test_bug_refuses_an_unknown_mistake():
    with pytest.raises(ValueError, match="bug: name must be one of"), bug("typo"):
        pass


# -- the worked example's numbers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "passed"),
    [
        ("dL/dw1(2)", -0.2951, True),
        ("dL/dw1(2)", "-0.30", True),
        ("dL/dw1(2)", "-0.29", False),
        ("h1", 0.6283, True),
        ("h1", 0.628, True),
        ("h1", 0.6284, False),
        ("L", 0.6344, True),
        ("new w1(2)", -0.1524, True),
        ("dL/dz1(1)", 0.0329, True),
    ],
)
def test_a_hand_computed_number_is_right_to_the_decimals_it_is_written_with(name, value, passed):
    assert check_value(name, value).passed is passed


@pytest.mark.parametrize(
    ("name", "value", "factor"),
    [
        # dL/dw2(2) = dL/dy_pred x sigma'(z(2)) x h2, with h1 for h2:
        ("dL/dw2(2)", -1.886 * 0.2491 * 0.6283, "the input"),
        # ... with dL/dz(2) for the upstream dL/dy_pred (sigma' counted twice):
        ("dL/dw2(2)", -0.4697 * 0.2491 * 0.4195, "the upstream gradient"),
        # dL/dw11(1) = dL/dh1 x sigma'(z1(1)) x x1, with h1 for sigma'(z1(1)):
        ("dL/dw11(1)", 0.1409 * 0.6283 * 0.5, "sigma'(z)"),
        # ... with x2 for x1:
        ("dL/dw11(1)", 0.1409 * 0.2335 * -0.5, "the input"),
    ],
)
def test_a_wrong_gradient_is_traced_to_its_off_factor(name, value, factor):
    report = check_value(name, round(value, 5))
    assert not report.passed
    assert f"but {factor} does not" in report.message


@pytest.mark.parametrize("value", [float("nan"), "abc", None, ...])
def test_a_value_that_is_not_a_number_gets_its_own_message(value):
    report = check_value("h1", value)
    assert report.mistake == "wrong-type"
    assert "expected a finite number" in report.message


def test_an_unknown_quantity_is_refused_with_the_list():
    with pytest.raises(ValueError, match=r"check_value: name must be one of z1\(1\), "):
        check_value("w99", 1.0)


def test_every_mistake_id_is_documented():
    ids = {*RULE_MISTAKES, *BACKWARD_MISTAKES, "raises", "too-slow", "wrong-type", "other"}
    assert ids == set(CATALOGUE)
    assert all(CATALOGUE[i] for i in ids)


def test_a_right_pass_leaves_the_same_grads_as_backward():
    *_, loss = diamond()
    iterative(loss)
    *_, fresh = diamond()
    fresh.backward()
    grads = [n.grad for n in topological_order(fresh)]
    assert [n.grad for n in topological_order(loss)] == grads

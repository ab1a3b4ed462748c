"""Reference solutions to notebook 06's exercises. Spoilers: do the exercises first.

CI runs notebook 06 with ``MICROGRAD_LIKE_SOLUTIONS`` naming this file: each exercise cell's
last line, ``answer = solution("answer", answer)``, then takes the answer from here, and each
check cell fails unless its check passes (`micrograd_like.exercises.expect`). The notebook in
the repository keeps its blanks. ``tests/test_exercise_notebook.py`` runs every check on these
answers directly.
"""

import math

# Exercise 1: the report's worked example by hand, each number to the decimals written.
forward = {"z1(1)": 0.525, "h1": 0.6283, "y_pred": 0.5303, "L": 0.6344}
backward = {"dL/dz(2)": -0.4697, "dL/dw1(2)": -0.2951, "dL/dw11(1)": 0.01645}
update = {"new w1(2)": -0.1524}


# Exercise 2: three rows of the table, (value, d value / d a).
def exp_rule(a):
    out = math.exp(a)
    return out, out  # exp is its own derivative: the output, not the input


def tanh_rule(a):
    t = math.tanh(a)
    return t, 1 - t**2


def sigmoid_rule(a):
    s = 1 / (1 + math.exp(-a))
    return s, s * (1 - s)


# Exercise 3: a whole backward pass, with a topological sort of its own.
def my_backward(root):
    # Depth first with a stack of our own (no recursion, so no depth limit): a node is
    # appended once all its inputs have been, the second time it comes off the stack.
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((child, False) for child in node.inputs)
    for node in order:
        if node.inputs:  # inner nodes start from 0; leaves accumulate, as backward()'s do
            node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):  # every node after all the nodes it feeds
        for child, local in zip(node.inputs, node.local_grads):
            child.grad += node.grad * local


# Exercise 4: a pass that commits wrong-order on purpose: depth first, each node passing its
# gradient on as soon as the walk reaches it, before every node it feeds has passed it theirs.
def wrong_order_backward(root):
    seen, stack = set(), [root]
    root.grad = 1.0
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for child, local in zip(node.inputs, node.local_grads):
            child.grad += node.grad * local
        stack.extend(reversed(node.inputs))  # the first input is walked first

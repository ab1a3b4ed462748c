"""Graphs several test files draw and step through."""

from micrograd_like import Value


def lecture_neuron() -> tuple[Value, list[Value]]:
    """Karpathy's neuron, o = tanh(x1*w1 + x2*w2 + b), not yet backpropagated; its parameters."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, [w1, w2, b]

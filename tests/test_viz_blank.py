"""draw_dot's worksheet and marking options: ``blank=True`` and ``highlight=``."""

from __future__ import annotations

import re

import pytest

from micrograd_like import Value
from micrograd_like.viz import HIGHLIGHT_COLOUR, draw_dot, number_text, render

STYLES = [pytest.param(False, id="full"), pytest.param(True, id="compact")]


def neuron() -> tuple[list[Value], Value]:
    """o = tanh(x*w + b), every value labelled, after backward: grads are there to leak."""
    x, w, b = Value(0.5, label="x"), Value(-1.25, label="w"), Value(0.75, label="b")
    xw = x * w
    xw.label = "xw"
    n = xw + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return [x, w, b, xw, n, o], o


def shown_data(source: str) -> set[str]:
    return set(re.findall(r"data (-?[\d.e+-]+)", source))


def shown_grads(source: str) -> list[str]:
    return re.findall(r"grad (-?[\d.e+-]+)", source)


@pytest.mark.parametrize("compact", STYLES)
def test_blank_shows_the_inputs_data_and_nothing_computed(compact):
    values, o = neuron()
    source = draw_dot(o, compact=compact, blank=True).source
    leaves = {number_text(v.data) for v in values if not v.inputs}
    assert shown_data(source) == leaves
    assert shown_grads(source) == []
    for v in values:
        assert f"<b>{v.label}</b>" in source  # the structure: every label is drawn
    # Positive control: the same graph drawn normally shows every data and grad.
    full = draw_dot(o, compact=compact).source
    assert shown_data(full) == {number_text(v.data) for v in values}
    assert len(shown_grads(full)) == len(values)


@pytest.mark.parametrize("compact", STYLES)
def test_blank_leaves_an_empty_data_cell_per_operation_and_a_grad_cell_per_value(compact):
    values, o = neuron()
    source = draw_dot(o, compact=compact, blank=True).source
    operations = sum(1 for v in values if v.inputs)
    assert source.count('point-size="8">data</font>') == operations
    assert source.count('point-size="8">grad</font>') == len(values)


@pytest.mark.parametrize("compact", STYLES)
def test_blank_edges_carry_no_local_derivatives_and_no_tints(compact):
    _values, o = neuron()
    blank = draw_dot(o, compact=compact, blank=True).source
    edges = [line for line in blank.splitlines() if "->" in line]
    assert edges
    assert not any("label" in edge for edge in edges)
    assert "local" not in blank
    assert "passes" not in blank
    for tint in ("#60a5fa", "#93c5fd", "#dbeafe", "#f87171", "#fca5a5", "#fee2e2"):
        assert tint not in blank
    # Positive control: drawn normally, the edges say their local derivatives.
    normal = draw_dot(o, compact=compact).source
    local = 1 - o.data**2  # d tanh(n)/dn
    assert number_text(local) in normal
    assert number_text(local) not in blank


def test_blank_before_backward_is_the_same_diagram_as_after():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = x * w
    y.label = "y"
    before = draw_dot(y, compact=True, blank=True).source
    y.backward()
    assert draw_dot(y, compact=True, blank=True).source == before


@pytest.mark.parametrize("compact", STYLES)
def test_a_blank_diagram_renders(compact):
    _, o = neuron()
    svg = render(draw_dot(o, compact=compact, blank=True).source, "svg").decode("utf-8")
    assert "<svg" in svg
    assert ">grad<" in svg


@pytest.mark.parametrize("compact", STYLES)
def test_highlight_outlines_that_values_box_only(compact):
    values, o = neuron()
    xw = values[3]
    plain = draw_dot(o, compact=compact).source
    marked = draw_dot(o, compact=compact, highlight=xw).source
    assert HIGHLIGHT_COLOUR not in plain
    lines = [line for line in marked.splitlines() if HIGHLIGHT_COLOUR in line]
    assert len(lines) == 1  # one node, no edge
    assert "->" not in lines[0]
    assert "<b>xw</b>" in lines[0]
    assert "penwidth=2.5" in lines[0]


def test_highlight_of_a_leaf_and_of_the_output():
    values, o = neuron()
    for value in (values[1], o):
        lines = [
            line
            for line in draw_dot(o, highlight=value).source.splitlines()
            if HIGHLIGHT_COLOUR in line
        ]
        assert len(lines) == 1
        assert f"<b>{value.label}</b>" in lines[0]


def test_highlight_works_with_blank():
    values, o = neuron()
    source = draw_dot(o, compact=True, blank=True, highlight=values[4]).source
    lines = [line for line in source.splitlines() if HIGHLIGHT_COLOUR in line]
    assert len(lines) == 1
    assert "<b>n</b>" in lines[0]
    assert shown_grads(source) == []


def test_highlight_refuses_a_value_outside_the_graph_and_a_non_value():
    _, o = neuron()
    with pytest.raises(ValueError, match="not in root's graph"):
        draw_dot(o, highlight=Value(1.0))
    with pytest.raises(TypeError, match="highlight must be a Value"):
        draw_dot(o, highlight=1.0)  # type: ignore[arg-type]

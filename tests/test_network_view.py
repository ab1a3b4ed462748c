"""draw_network: the classic picture of an MLP, checked on its DOT source and rendered SVG."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from typing import Any

import pytest

pytest.importorskip("graphviz")

from micrograd_like import Value, no_grad
from micrograd_like.losses import cross_entropy
from micrograd_like.network_view import draw_network
from micrograd_like.nn import MLP, Layer, record_calls
from micrograd_like.viz import NEGATIVE_TINTS, POSITIVE_TINTS, draw_dot, find_renderer

SVG = "{http://www.w3.org/2000/svg}"
BLUE, RED = POSITIVE_TINTS[3], NEGATIVE_TINTS[3]

needs_renderer = pytest.mark.skipif(find_renderer() is None, reason="no dot or graphviz-pure")


def rendered(diagram) -> Any:  # an ElementTree root, read loosely
    return ET.fromstring(diagram.pipe(format="svg"))


def node_positions(svg):
    """Each circle's centre by node name, y growing downwards as on the page."""
    found: dict[Any, Any] = {}
    for group in svg.iter(f"{SVG}g"):
        if group.get("class") != "node":
            continue
        ellipse = next(group.iter(f"{SVG}ellipse"), None)  # inside the tooltip's <a>
        if ellipse is not None:
            title = group.findtext(f"{SVG}title")
            found[title] = (float(ellipse.get("cx")), float(ellipse.get("cy")))
    return found


def text_positions(svg):
    """Where each node's first line of text sits, by node name (for the "N more" marker)."""
    found: dict[Any, Any] = {}
    for group in svg.iter(f"{SVG}g"):
        if group.get("class") == "node":
            text = next(group.iter(f"{SVG}text"))
            found[group.findtext(f"{SVG}title")] = (float(text.get("x")), float(text.get("y")))
    return found


def edge_attrs(source: str) -> dict[tuple[str, str], str]:
    """Each edge's attribute text in the DOT source, by (tail, head)."""
    return {(a, b): attrs for a, b, attrs in re.findall(r"(\w+) -> (\w+) \[(.*)\]", source)}


def width(attrs: str) -> float:
    found = re.search(r"penwidth=([\d.]+)", attrs)
    assert found is not None, attrs
    return float(found.group(1))


def model_with(weights: list[list[float]], nin: int) -> MLP:
    """A one-layer MLP with the given weights, neuron by neuron."""
    model = MLP(nin, [len(weights)], seed=0)
    for neuron, row in zip(model.layers[0].neurons, weights, strict=True):
        for w, value in zip(neuron.w, row, strict=True):
            w.data = value
    return model


@needs_renderer
def test_columns_run_left_to_right_and_neurons_top_to_bottom_in_index_order():
    model = MLP(2, [4, 4, 1], seed=0)
    positions = node_positions(rendered(draw_network(model)))
    columns = [["x1", "x2"], [f"l0n{i}" for i in range(4)], [f"l1n{i}" for i in range(4)]]
    columns.append(["l2n0"])
    assert sorted(positions) == sorted(name for column in columns for name in column)
    xs = [{positions[name][0] for name in column} for column in columns]
    assert all(len(x) == 1 for x in xs), "each column is one x"
    lefts = [positions[column[0]][0] for column in columns]
    assert lefts == sorted(lefts)
    assert len(set(lefts)) == 4
    for column in columns:
        ys = [positions[name][1] for name in column]
        # SVG's y grows downwards: neuron 0 has the smallest y, at the top.
        assert ys == sorted(ys)
        assert len(set(ys)) == len(ys)


@needs_renderer
def test_a_wide_layer_keeps_index_order_past_ten():
    model = MLP(1, [12, 1], seed=0)
    positions = node_positions(rendered(draw_network(model)))
    ys = [positions[f"l0n{i}"][1] for i in range(12)]
    assert ys == sorted(ys)  # l0n10 and l0n11 below l0n9, not after l0n1


def test_edges_are_coloured_by_the_sign_of_the_weight_and_sized_by_it():
    model = model_with([[0.5, -1.0], [0.0, 0.25]], nin=2)
    edges = edge_attrs(draw_network(model).source)
    assert set(edges) == {("x1", "l0n0"), ("x2", "l0n0"), ("x1", "l0n1"), ("x2", "l0n1")}
    assert BLUE in edges["x1", "l0n0"]
    assert BLUE in edges["x2", "l0n1"]
    assert RED in edges["x2", "l0n0"]
    assert BLUE not in edges["x1", "l0n1"]
    assert RED not in edges["x1", "l0n1"]
    # Width grows with |w|, and the largest, -1.0, is the widest whatever its sign.
    assert width(edges["x2", "l0n0"]) > width(edges["x1", "l0n0"]) > width(edges["x2", "l0n1"])
    assert width(edges["x2", "l0n0"]) == 4.0


@needs_renderer
def test_rendered_edges_keep_their_colour_and_width():
    model = model_with([[0.5, -1.0]], nin=2)
    svg = rendered(draw_network(model))
    strokes = {}
    for group in svg.iter(f"{SVG}g"):
        if group.get("class") == "edge":
            path = group.find(f"{SVG}path")
            strokes[group.findtext(f"{SVG}title")] = (path.get("stroke"), path.get("stroke-width"))
    assert strokes["x1->l0n0"][0] == BLUE
    assert strokes["x2->l0n0"] == (RED, "4")


def test_given_x_the_circles_show_x_and_each_neurons_activation():
    model = MLP(2, [3, 2], seed=3)
    x = [0.5, -1.25]
    with no_grad():
        hidden = [n(x).data for n in model.layers[0].neurons]
        outputs = model(x)
        assert isinstance(outputs, list)
        out = [v.data for v in outputs]
    source = draw_network(model, x=x).source
    assert 'x1 [label="x1\n0.5"' in source
    assert 'x2 [label="x2\n-1.25"' in source
    for name, value in [
        *zip(["l0n0", "l0n1", "l0n2"], hidden, strict=True),
        *zip(["l1n0", "l1n1"], out, strict=True),
    ]:
        shown = re.escape(f"{value + 0.0:.3g}")
        assert re.search(rf'\t{name} \[label="?{shown}"? ', source), name
    assert "circles: each neuron's output for x = [0.5, -1.25]" in source


def test_a_hidden_neuron_that_outputs_zero_is_grey():
    model = MLP(1, [2, 1], seed=0)
    model.layers[0].neurons[0].w[0].data = -1.0  # relu(-1 * 1) = 0
    model.layers[0].neurons[1].w[0].data = 1.0
    source = draw_network(model, x=[1.0]).source
    assert re.search(r"\tl0n0 \[label=0 fillcolor=\"#f3f4f6\"", source)
    assert re.search(r"\tl0n1 \[label=1 fillcolor=\"#ffffff\"", source)
    assert "grey: exactly 0" in source


def test_drawing_with_x_builds_no_graph_and_leaves_the_grads_alone():
    model = MLP(2, [3, 1], seed=0)
    y = model([1.0, 2.0])
    assert isinstance(y, Value)
    y.backward()
    before = [(p.grad, p.grad_computed) for p in model.parameters()]
    draw_network(model, x=[1.0, 2.0])
    assert [(p.grad, p.grad_computed) for p in model.parameters()] == before


def test_grads_mode_draws_the_gradients_and_says_so():
    model = model_with([[0.5, -1.0]], nin=2)
    y = model([2.0, 3.0])
    assert isinstance(y, Value)
    y.backward()  # dy/dw = x: 2 and 3, both positive though w2 is negative
    source = draw_network(model, show="grads").source
    edges = edge_attrs(source)
    assert BLUE in edges["x1", "l0n0"]
    assert BLUE in edges["x2", "l0n0"]
    assert width(edges["x2", "l0n0"]) == 4.0 > width(edges["x1", "l0n0"])
    assert "gradients dL/dw" in source
    assert "largest 3" in source


def test_grads_mode_before_backward_shows_dashed_edges_and_says_what_to_do():
    model = MLP(2, [2, 1], seed=0)
    source = draw_network(model, show="grads").source
    assert source.count("style=dashed") == 6
    assert "6 of 6 gradients not computed" in source
    assert "run backward()" in source


def test_a_wide_layer_collapses_around_a_marker_and_hides_its_edges():
    model = MLP(2, [64, 64, 3], seed=0)
    source = draw_network(model).source
    shown = [f"l0n{i}" for i in [*range(6), *range(59, 64)]]
    for name in shown:
        assert f"\t{name} [" in source
    assert "\tl0n6 [" not in source
    assert "\tl0n58 [" not in source
    assert "l0more" in source
    assert "53 more" in source
    assert "layers.0: 53 of 64 hidden, with their edges" in source
    # Edges only between drawn circles: 2x11 + 11x11 + 11x3.
    assert source.count(" -> ") == 22 + 121 + 33
    assert "l0n30" not in source


@needs_renderer
def test_the_marker_sits_between_the_first_and_last_neurons():
    svg = rendered(draw_network(MLP(1, [20, 1], seed=0), max_neurons=5))
    circles, texts = node_positions(svg), text_positions(svg)
    assert circles["l0n1"][1] < texts["l0more"][1] < circles["l0n18"][1]
    assert circles["l0n0"][0] == texts["l0more"][0]


def test_many_inputs_collapse_too():
    source = draw_network(MLP(20, [2], seed=0), x=[0.5] * 20).source
    assert "the inputs: 9 of 20 hidden, with their edges" in source
    assert "\txmore [" in source
    assert source.count(" -> ") == 11 * 2
    assert "x7 ->" not in source


def test_max_neurons_none_draws_every_neuron():
    source = draw_network(MLP(2, [16, 16, 1], seed=0), max_neurons=None).source
    assert "more" not in source
    assert source.count(" -> ") == 32 + 256 + 16


@pytest.mark.parametrize(
    ("nin", "sizes", "activation"),
    [
        (1, [1], "relu"),
        (2, [1, 1], ["tanh", "sigmoid"]),
        (2, [1, 4, 3], ["relu", "tanh", "linear"]),
        (2, [16, 16, 3], "relu"),
    ],
)
def test_every_mlp_shape_draws_with_its_headers(nin, sizes, activation):
    model = MLP(nin, sizes, activation=activation, seed=0)
    source = draw_network(model, x=[0.1] * nin).source
    for i, (size, kind) in enumerate(zip(sizes, model.activations, strict=True)):
        name = "ReLU" if kind == "relu" else kind.capitalize()
        assert f"layers.{i}{' (output)' if i == len(sizes) - 1 else ''}\n{size} {name}" in source


@needs_renderer
def test_a_three_class_output_is_a_column_of_three_in_order():
    positions = node_positions(rendered(draw_network(MLP(2, [4, 3], seed=0))))
    ys = [positions[f"l1n{i}"][1] for i in range(3)]
    assert ys == sorted(ys)
    assert len({positions[f"l1n{i}"][0] for i in range(3)}) == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"model": Layer(2, 3)}, TypeError, "draw_network: model must be an MLP.*Layer"),
        (
            {"model": "MLP"},
            TypeError,
            r"model must be an MLP \(micrograd_like.nn.MLP\), got str: 'MLP'",
        ),
        ({"x": [1.0]}, ValueError, r"x must hold 2 number\(s\).*got 1: \[1.0\]"),
        ({"x": [1.0, "a"]}, TypeError, r"draw_network: x\[1\] must be a real number"),
        ({"x": [1.0, float("nan")]}, ValueError, r"x\[1\] must be a finite number, got nan"),
        ({"x": "ab"}, ValueError, "x must be a non-empty list of numbers, got 'ab'"),
        ({"x": [Value(1.0), 2.0]}, TypeError, "x must be a list of 2 numbers, not Values"),
        ({"show": "grad"}, ValueError, "show must be 'weights' or 'grads', got 'grad'"),
        ({"max_neurons": 2}, ValueError, "max_neurons must be a whole number >= 3, got 2"),
        ({"max_neurons": 12.0}, TypeError, "max_neurons must be a whole number"),
    ],
)
def test_bad_arguments_are_refused_naming_draw_network_and_the_value(kwargs, error, message):
    arguments = {"model": MLP(2, [3, 1], seed=0), **kwargs}
    with pytest.raises(error, match=message):
        draw_network(**arguments)


def test_the_source_is_the_same_on_every_run():
    def draw():
        model = MLP(2, [16, 16, 3], seed=4)
        logits = model([0.5, 0.5])
        assert isinstance(logits, list)
        logits[0].backward()
        return draw_network(model, x=[0.5, 0.5], show="grads").source

    assert draw() == draw()


def test_viz_re_exports_draw_network():
    from micrograd_like import viz

    assert viz.draw_network is draw_network
    assert "draw_network" in viz.__all__


@needs_renderer
@pytest.mark.parametrize("sizes", [[4, 4, 1], [16, 16, 1], [64, 64, 3]])
def test_it_renders_in_well_under_a_second(sizes):
    diagram = draw_network(MLP(2, sizes, seed=0), x=[0.5, 0.5])
    start = time.perf_counter()
    diagram.pipe(format="svg")
    assert time.perf_counter() - start < 2.0  # measured: 0.03 to 0.1 s with graphviz-pure


# The module view of draw_dot, which draw_network replaces for the classic picture: its boxes
# should read in index order too. Graphviz's dot places the boxes of a cluster by its crossing
# minimisation, which rank=same, invisible edges, ordering= and newrank do not steer inside a
# cluster with graphviz-pure (measured); so with collapse="neuron", draw_dot draws each layer as
# one node, a table with a row (a port) per neuron in index order, and the edges meet the rows.


def spiral_module_view(collapse: str | None) -> Any:
    model = MLP(2, [24, 3], seed=0)
    with record_calls() as calls:
        logits = model([0.1, -0.5])
        assert isinstance(logits, list)
        loss = cross_entropy(logits, 1)
    loss.backward()
    return draw_dot(loss, model=model, calls=calls, collapse=collapse, max_nodes=None)


def layer_rows(source: str) -> dict[str, list[tuple[str, str]]]:
    """Each layer node's rows in the DOT source, as (port, text), by node name."""
    return {
        name: re.findall(r'<td port="(n\d+)"[^>]*>([^<]*)</td>', label)
        for name, label in re.findall(r"\t(m_layers_\d+) \[label=<(.*)>", source)
    }


def test_the_module_view_draws_each_layer_as_one_node_with_a_row_per_neuron_in_index_order():
    source = spiral_module_view("neuron").source
    rows = layer_rows(source)
    assert list(rows) == ["m_layers_0", "m_layers_1"]
    assert rows["m_layers_0"] == [(f"n{i}", f"neurons.{i}: ReLUNeuron(2)") for i in range(24)]
    assert rows["m_layers_1"] == [(f"n{i}", f"neurons.{i}: LinearNeuron(24)") for i in range(3)]
    assert "<b>layers.0: Layer</b>" in source
    assert "m_layers_0_neurons" not in source  # no separate neuron boxes, no neuron clusters
    # edges enter a row on its west side and leave it on its east side, each once
    edges = re.findall(r"^\t(\S+) -> (\S+)$", source, re.M)
    assert len(edges) == len(set(edges))
    assert ("m_inputs", "m_layers_0:n10:w") in edges
    assert ("m_layers_0:n10:e", "m_layers_1:n2:w") in edges
    assert ("m_layers_1:n2:e", "m_cross_entropy__") in edges
    assert len(edges) == 24 + 24 * 3 + 3


def test_the_module_view_dot_source_is_the_same_every_time():
    assert spiral_module_view("neuron").source == spiral_module_view("neuron").source


def test_the_module_view_nests_neuron_clusters_in_numeric_order():
    clusters = re.findall(
        r"subgraph cluster_layers_0_neurons_(\d+)", spiral_module_view(None).source
    )
    assert clusters == [str(i) for i in range(24)]


@needs_renderer
def test_the_module_view_draws_the_neuron_boxes_top_to_bottom_in_index_order():
    svg = rendered(spiral_module_view("neuron"))
    for layer, size in [(0, 24), (1, 3)]:
        group = next(
            g
            for g in svg.iter(f"{SVG}g")
            if g.get("class") == "node" and g.findtext(f"{SVG}title") == f"m_layers_{layer}"
        )
        ys = {text.text: float(text.get("y")) for text in group.iter(f"{SVG}text")}
        title = ys.pop(f"layers.{layer}: Layer")
        column = [
            ys[f"neurons.{i}: {'ReLUNeuron(2)' if layer == 0 else 'LinearNeuron(24)'}"]
            for i in range(size)
        ]
        assert len(ys) == size
        assert title < column[0]
        assert column == sorted(column)
        assert len(set(column)) == size

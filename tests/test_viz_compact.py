"""Diagrams for a slide: the compact style, unmistakable edge labels, bounded rendering.

Sizes, fonts and label positions are read from SVG rendered by graphviz-pure, the
renderer a pip-only install has, so the checks hold where the slowest layout runs.
"""

from __future__ import annotations

import html
import os
import random
import re
import stat
import time
from pathlib import Path

import pytest

pytest.importorskip("graphviz")

from micrograd_like import Value, topological_order, viz
from micrograd_like.viz import RenderError, draw_dot, render


@pytest.fixture
def pure(monkeypatch):
    """graphviz-pure as the renderer, even where a system dot is on PATH."""
    paths = [p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "dot").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join(paths))
    monkeypatch.delenv("MICROGRAD_LIKE_DOT", raising=False)
    monkeypatch.delenv("MICROGRAD_LIKE_RENDER_TIMEOUT", raising=False)
    renderer = viz.find_renderer()
    assert renderer is not None
    assert Path(renderer[0]).name == "graphviz-pure"


def sum_of_copies(terms: int) -> Value:
    """x + x + ... + x: one leaf feeding every operation, Graphviz's slowest case."""
    x = Value(1.0, label="x")
    total = x
    for _ in range(terms - 1):
        total = total + x
    return total


# -- bounded rendering --


def test_a_value_feeding_many_operations_is_drawn_once_per_use():
    total = sum_of_copies(10)
    total.backward()
    source = draw_dot(total).source
    copies = re.findall(r"^\t(v0_use\d+) \[label=<", source, re.M)
    assert len(copies) == 10  # x + x, then 8 more: 10 uses
    assert not re.search(r"^\tv0 \[", source, re.M)  # the leaf itself is not drawn apart
    assert source.count("same value, 10 uses") == 10
    assert "style=dashed" in source


def test_a_value_with_few_uses_is_drawn_once():
    total = sum_of_copies(viz.FANOUT_LIMIT)
    assert "_use" not in draw_dot(total).source


def test_an_operation_feeding_many_is_drawn_with_its_inputs_and_copied_at_each_use():
    x = Value(0.5, label="x")
    h = x.tanh()
    h.label = "h"
    total = h
    for _ in range(9):
        total = total + h
    source = draw_dot(total).source
    assert re.search(r"^\tv1 \[label=<.*<b>h</b>.*10 uses: dashed copies", source, re.M)
    assert len(re.findall(r"^\tv1_use\d+ \[", source, re.M)) == 10
    assert re.search(r"^\tv0 -> v1_op", source, re.M)  # x still feeds tanh


def test_the_largest_fan_out_the_size_guard_admits_renders_within_5_s(pure):
    total = sum_of_copies(viz.DEFAULT_MAX_NODES)  # x and 249 sums: 250 values
    diagram = draw_dot(total)
    start = time.perf_counter()
    svg = render(diagram.source).decode()
    assert time.perf_counter() - start < 5
    assert "<svg" in svg


def tangled_graph(seed: int) -> Value:
    """Up to 245 values wired at random: long edges everywhere, each value used a few times.

    Without copies, seed 9 took 38 s and seed 11 52 s to render with graphviz-pure.
    """
    rng = random.Random(seed)
    pool = [Value(rng.random(), label=f"a{i}") for i in range(rng.choice([10, 30, 60]))]
    window = rng.choice([5, 20, 1000])
    while len(pool) < 249:
        a, b = rng.choice(pool[-window:]), rng.choice(pool)
        pool.append(a * b if rng.random() < 0.5 else a + b)
    root = pool[-1]
    for value in pool[-60:-1]:
        if len(topological_order(root)) < 245:
            root = root + value
    return root


def test_a_small_graph_keeps_every_value_in_one_box():
    from micrograd_like.worked_example import build_network

    net = build_network()
    assert "_use" not in draw_dot(net.loss).source
    assert "_use" not in draw_dot(net.loss, compact=True).source


def test_in_a_big_tangled_graph_long_edges_start_at_copies():
    root = tangled_graph(11)
    source = draw_dot(root).source
    assert re.search(r"^\tv\d+_use\d+ \[", source, re.M)
    assert ": dashed copies" in source


@pytest.mark.parametrize("compact", [False, True], ids=["full", "compact"])
@pytest.mark.parametrize("seed", [9, 11])
def test_a_big_tangled_graph_renders_within_5_s(pure, seed, compact):
    root = tangled_graph(seed)
    diagram = draw_dot(root, compact=compact)
    start = time.perf_counter()
    render(diagram.source)
    assert time.perf_counter() - start < 5


@pytest.fixture
def slow_renderer(tmp_path, monkeypatch):
    script = tmp_path / "slow-dot"
    script.write_text("#!/bin/sh\ncat > /dev/null\nsleep 30\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("MICROGRAD_LIKE_DOT", str(script))
    return script


def test_a_render_past_the_timeout_stops_and_says_what_to_do(slow_renderer, monkeypatch):
    monkeypatch.setenv("MICROGRAD_LIKE_RENDER_TIMEOUT", "0.5")
    start = time.perf_counter()
    with pytest.raises(RenderError) as caught:
        draw_dot(Value(1.0, label="x")).pipe(format="svg")
    assert time.perf_counter() - start < 10
    message = str(caught.value)
    assert "longer than 0.5 s" in message
    assert "MICROGRAD_LIKE_RENDER_TIMEOUT" in message
    assert "apt install graphviz" in message
    assert "smaller part" in message
    assert "compact=True" in message


def test_the_timeout_defaults_to_the_module_constant(slow_renderer, monkeypatch):
    monkeypatch.delenv("MICROGRAD_LIKE_RENDER_TIMEOUT", raising=False)
    monkeypatch.setattr(viz, "RENDER_TIMEOUT", 0.5)
    with pytest.raises(RenderError, match=r"longer than 0\.5 s"):
        render("digraph { a }")


@pytest.mark.parametrize("raw", ["soon", "0", "-1", "nan", "inf"])
def test_a_timeout_that_is_not_a_positive_number_is_refused(monkeypatch, raw):
    monkeypatch.setenv("MICROGRAD_LIKE_RENDER_TIMEOUT", raw)
    expected = rf"MICROGRAD_LIKE_RENDER_TIMEOUT.*{re.escape(repr(raw))}"
    with pytest.raises(RenderError, match=expected):
        render("digraph { a }")


# -- reading rendered SVG --


def svg_size(svg: str) -> tuple[float, float]:
    """The natural size, in pt, from the root element's width and height."""
    match = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert match is not None, svg[:300]
    return float(match[1]), float(match[2])


def font_sizes(svg: str) -> list[float]:
    return [float(size) for size in re.findall(r'font-size="([\d.]+)"', svg)]


Box = tuple[float, float, float, float]  # left, top, right, bottom


def em_width(char: str) -> float:
    """A character's width in Helvetica, in em: digits and most letters are 0.556."""
    if char in ".,:;'|il ":
        return 0.278
    if char in "-()":
        return 0.333
    return 0.667 if char.isupper() else 0.556


def edge_label_boxes(svg: str) -> list[tuple[int, str, Box]]:
    """Each edge label line's estimated box, with the edge it belongs to.

    Graphviz writes an edge's label lines as <text> elements of its <g class="edge">:
    x is the anchor, y the baseline.
    """
    boxes = []
    groups = re.findall(r'<g id="[^"]*" class="edge">(.*?)</g>', svg, re.S)
    for edge, group in enumerate(groups):
        for anchor, x, y, size, text in re.findall(
            r'<text[^>]*text-anchor="(\w+)" x="([-\d.]+)" y="([-\d.]+)"[^>]*'
            r'font-size="([\d.]+)">([^<]*)</text>',
            group,
        ):
            shown = html.unescape(text)
            width, height = float(size) * sum(map(em_width, shown)), float(size)
            left = float(x) - {"start": 0.0, "middle": width / 2, "end": width}[anchor]
            top = float(y) - 0.8 * height
            boxes.append((edge, shown, (left, top, left + width, top + height)))
    return boxes


def overlapping_labels(svg: str) -> list[tuple[str, str]]:
    """Pairs of labels of different edges whose boxes overlap."""
    boxes = edge_label_boxes(svg)
    pairs = []
    for i, (edge_a, text_a, a) in enumerate(boxes):
        for edge_b, text_b, b in boxes[i + 1 :]:
            if edge_a != edge_b and a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                pairs.append((text_a, text_b))
    return pairs


def worked_example_loss() -> tuple[Value, dict[str, Value]]:
    from micrograd_like.worked_example import build_network

    net = build_network()
    net.loss.backward()
    return net.loss, net.params


def readme_neuron() -> tuple[Value, list[Value]]:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    o.backward()
    return o, [w1, w2, b]


def test_the_label_box_estimate_sees_an_overlap_it_is_shown():
    text = '<text text-anchor="middle" x="{}" y="0" font-size="9.00">{}</text>'
    svg = "".join(
        f'<g id="edge{i}" class="edge">{text.format(x, label)}</g>'
        for i, (x, label) in enumerate([(0, "local 1"), (20, "local 2"), (200, "local 3")])
    )
    assert overlapping_labels(svg) == [("local 1", "local 2")]


# -- the compact style --


def node_id(source: str, name: str) -> str:
    """The id of the value drawn with this name in bold."""
    match = re.search(rf"^\t(v\d+) \[label=<.*<b>{re.escape(name)}</b>", source, re.M)
    assert match is not None, name
    return match[1]


def edge_label(source: str, tail: str, head: str) -> str:
    match = re.search(rf'^\t{tail} -> {head} \[.*label=(?:"([^"]*)"|([^ \]]+))', source, re.M)
    assert match is not None, (tail, head)
    return match[1] or match[2]


def test_the_worked_example_in_compact_style_fits_a_16_9_slide_at_natural_size(pure):
    loss, params = worked_example_loss()
    svg = render(draw_dot(loss, params=params, compact=True).source).decode()
    width, height = svg_size(svg)
    assert width <= 1280
    assert height <= 720
    assert min(font_sizes(svg)) >= 9


def test_a_weighted_sum_is_one_sigma_node_whose_edges_carry_its_local_derivatives():
    loss, params = worked_example_loss()
    source = draw_dot(loss, params=params, compact=True).source
    z1 = node_id(source, "z1(1)")
    assert re.search(rf"^\t{z1} \[label=<.*<b>Σ</b>", source, re.M)
    # z1(1) = w11(1)*x1 + w21(1)*x2 + b1(1): d/dw = x, d/dx = w, d/db = 1
    assert edge_label(source, node_id(source, "w11(1)"), z1) == "0.5"
    assert edge_label(source, node_id(source, "x1"), z1) == "0.15"
    assert edge_label(source, node_id(source, "w21(1)"), z1) == "-0.5"
    assert edge_label(source, node_id(source, "x2"), z1) == "-0.2"
    assert edge_label(source, node_id(source, "b1(1)"), z1) == "1"
    assert len(re.findall(rf"^\tv\d+ -> {z1} ", source, re.M)) == 5
    # No operation circles, and the sum's inner + and * nodes are not drawn.
    assert "shape=circle" not in source
    assert source.count("<b>Σ</b>") == 4  # z1(1), z2(1), z(2), and the loss's y*log + (1-y)*log


def test_weighted_sum_and_a_neurons_sum_are_one_sigma_node_too():
    from micrograd_like import weighted_sum
    from micrograd_like.nn import Neuron

    w = [Value(0.5, label="w0"), Value(-1.0, label="w1")]
    x = [Value(2.0, label="x0"), Value(3.0, label="x1")]
    total = weighted_sum(w, x, Value(0.1, label="b"))
    source = draw_dot(total, compact=True).source
    assert source.count("<b>Σ</b>") == 1
    assert len(re.findall(r"^\tv\d+ -> v\d+ ", source, re.M)) == 5
    assert edge_label(source, node_id(source, "w1"), node_id(source, "Σ")) == "3"
    neuron = Neuron(3)
    out = neuron([Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0, label="c")])
    assert isinstance(out, Value)
    source = draw_dot(out, model=neuron, compact=True).source
    assert source.count("<b>Σ</b>") == 1
    assert "<b>w0</b>" in source  # the parameter's path, shortened: w.0 -> w0


def test_each_operation_is_a_badge_in_the_box_of_the_value_it_makes():
    loss, params = worked_example_loss()
    source = draw_dot(loss, params=params, compact=True).source
    sigma, times = "\u03c3", "\u00d7"
    assert re.search(rf"<b>{sigma}</b></td><td[^>]*><b>h1</b>", source)
    assert re.search(rf"<b>{times} -1</b></td><td[^>]*><b>L</b>", source)  # a constant folded
    assert "<b>+ 1</b>" in source  # 1 - y_pred = (y_pred times -1) + 1
    assert "<b>const</b>" not in source
    h1 = re.search(r"^\tv\d+ \[label=<(.*<b>h1</b>.*)> ", source, re.M)
    assert h1 is not None
    rows = re.findall(r"<tr>(.*?)</tr>", h1[1])
    assert len(rows) == 3  # the label on top, then data, then grad
    assert rows[1].endswith(">data 0.6283</td>")
    assert re.search(r">grad 0.1409</td>$", rows[2])


def test_compact_grads_show_as_no_grad_yet_before_backward():
    from micrograd_like.worked_example import build_network

    net = build_network()
    source = draw_dot(net.loss, compact=True).source
    assert "no grad yet" in source
    assert "grad " not in source.replace("no grad yet", "")


def test_the_compact_source_is_the_same_on_every_run():
    sources = {draw_dot(worked_example_loss()[0], compact=True).source for _ in range(3)}
    assert len(sources) == 1


def test_compact_direction_is_chosen_to_fit_or_given():
    loss, _ = worked_example_loss()
    assert draw_dot(loss, compact=True).graph_attr["rankdir"] == "LR"
    assert draw_dot(loss, compact=True, rankdir="TB").graph_attr["rankdir"] == "TB"
    assert draw_dot(loss).graph_attr["rankdir"] == "LR"


def test_compact_refuses_clusters():
    from micrograd_like.nn import MLP, record_calls

    model = MLP(2, [2, 1])
    with record_calls() as calls:
        out = model([1.0, 2.0])
    assert isinstance(out, Value)
    with pytest.raises(ValueError, match="draw_dot: compact=True draws no clusters"):
        draw_dot(out, model=model, calls=calls, compact=True)


def test_compact_copies_a_value_feeding_many_operations():
    total = sum_of_copies(10)
    source = draw_dot(total, compact=True).source
    assert len(re.findall(r"^\tv0_use\d+ \[", source, re.M)) == 10
    assert source.count("same value, 10 uses") == 10


def test_compact_backprop_steps_highlight_the_sigma_node_of_each_step_inside_it():
    o, params = readme_neuron()
    frames = list(viz.backprop_steps(o, params=params, compact=True))
    assert len(frames) == 6  # the seed, then tanh, two +, two *: a frame each
    highlighted = f'color="{viz.HIGHLIGHT_COLOUR}"'
    assert re.search(rf"<b>tanh</b>.*{highlighted}", frames[1].source)
    for frame in frames[2:]:  # each step inside the sum highlights the Σ node
        assert re.search(rf"<b>Σ</b>.*{highlighted}", frame.source)
        assert not re.search(rf"<b>tanh</b>.*{highlighted}", frame.source)
    # Only the edges the step passes grad along are red (none in the seed frame: no operation
    # has run yet): b's for the outer +, none for
    # the inner + (it passes to the products inside the Σ), w1's and x1's for x1 * w1.
    red = f'color="{viz.HIGHLIGHT_COLOUR}"'
    names = dict(re.findall(r"^\t(v\d+) \[label=<.*?<b>(\w+)</b>", frames[0].source, re.M))
    red_tails = [
        sorted(names[tail] for tail in re.findall(rf"^\t(v\d+) -> .*{red}", frame.source, re.M))
        for frame in frames
    ]
    assert red_tails == [[], ["Σ"], ["b"], [], ["w2", "x2"], ["w1", "x1"]]
    assert "no grad yet" in frames[0].source


# -- edge labels --


@pytest.mark.parametrize("compact", [False, True], ids=["full", "compact"])
@pytest.mark.parametrize("graph", ["worked example", "README neuron", "2-4-4-1 MLP"])
def test_no_two_edge_labels_overlap(pure, graph, compact):
    if graph == "worked example":
        root, params = worked_example_loss()
        diagram = draw_dot(root, params=params, compact=compact)
    elif graph == "README neuron":
        o, neuron_params = readme_neuron()
        diagram = draw_dot(o, params=neuron_params, compact=compact)
    else:
        from micrograd_like.nn import MLP

        model = MLP(2, [4, 4, 1])
        out = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
        assert isinstance(out, Value)
        out.backward()
        diagram = draw_dot(out, model=model, compact=compact)
    svg = render(diagram.source).decode()
    assert edge_label_boxes(svg), "the diagram has edge labels"
    assert overlapping_labels(svg) == []
    assert 'class="edge"' in svg


def test_every_edge_label_is_tied_to_its_edge_by_a_line():
    o, params = readme_neuron()
    for compact in (False, True):
        source = draw_dot(o, params=params, compact=compact).source
        assert re.search(r"^\tedge \[.*decorate=true", source, re.M)
        assert re.search(r"^\t\S+ -> \S+ \[.*label=", source, re.M)


@pytest.mark.parametrize(
    ("expression", "badge", "edges"),
    [
        (lambda a: 2**a, "2 **", 1),
        (lambda a: 1 / a, "1 /", 1),
        (lambda a: a**2, "**2", 1),
        (lambda a: Value(2.0) * 3, "\u00d7", 2),  # two constants: both stay boxes
        (lambda a: Value(4.0, (a,), "square"), "square", 1),
    ],
)
def test_a_constant_used_once_is_folded_into_the_badge_beside_a_value(expression, badge, edges):
    source = draw_dot(expression(Value(2.0, label="a")), compact=True).source
    assert re.findall(r'<td bgcolor="#ede9fe"><b>([^<]*)</b>', source) == [badge]
    assert len(re.findall(r"^\t\S+ -> \S+ ", source, re.M)) == edges


def test_a_node_built_by_hand_has_no_local_derivative_to_show():
    a = Value(2.0, label="a")
    source = draw_dot(Value(4.0, (a,), "square"), compact=True).source
    assert 'label="?"' in source

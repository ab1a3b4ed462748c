"""Diagrams: checked on the DOT source (never pixels), plus both rendering paths."""

from __future__ import annotations

import math
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("graphviz")

from micrograd_like import Value, no_grad, topological_order, viz
from micrograd_like.viz import (
    Diagram,
    GraphTooLargeError,
    RenderError,
    backprop_slider,
    backprop_steps,
    draw_dot,
    find_renderer,
    value_mimebundle,
)

SNAPSHOTS = Path(__file__).parent / "snapshots"


def neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, {"w1": w1, "w2": w2, "b": b}, (x1, x2)


def value_rows(source: str) -> list[str]:
    return [line for line in source.splitlines() if "<table" in line]


def value_tables(source: str) -> list[str]:
    """Each value's label table, without the node's outline attributes."""
    return re.findall(r"<table.*?</table>", source)


def edges_passing(source: str) -> int:
    return len(re.findall(r"-> v\d+_op \[label=\"[^\"]*passes", source))


def test_every_value_is_a_record_with_label_data_and_grad():
    o, _, _ = neuron()
    o.backward()
    source = draw_dot(o).source
    rows = value_rows(source)
    assert len(rows) == 10  # 5 leaves and 5 results (x1*w1, x2*w2, sum, n, o)
    assert any("<b>w1</b>" in r and "data -3" in r and "grad 1" in r for r in rows)
    assert any("<b>o</b>" in r and "data 0.7071" in r and "grad 1<" in r for r in rows)


def test_operations_are_separate_nodes_with_inputs_in_argument_order():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = b - a  # b + (a * -1)
    source = draw_dot(c).source
    ops = dict(re.findall(r'^\t(v\d+_op) \[label="([^"]+)"', source, re.M))
    assert sorted(ops.values()) == ["*", "+"]
    # topological order: b (v0), a (v1), the constant -1 (v2), a * -1 (v3), c (v4)
    assert re.search(r"^\tv0 \[label=<.*<b>b</b>", source, re.M)
    assert ops["v4_op"] == "+"
    assert re.findall(r"^\t(v\d+) -> v4_op", source, re.M) == ["v0", "v3"]  # b first, then -a
    assert re.findall(r"^\t(v\d+) -> v3_op", source, re.M) == ["v1", "v2"]  # a first, then -1


def test_grads_show_as_not_computed_until_backward_reaches_them():
    o, _, _ = neuron()
    before = draw_dot(o).source
    assert before.count("grad not computed") == 10
    o.backward()
    after = draw_dot(o).source
    assert "grad not computed" not in after


def test_hand_built_nodes_pass_nothing_so_their_inputs_stay_not_computed():
    a = Value(2.0, label="a")
    c = Value(4.0, (a,), "square")
    c.label = "c"
    c.backward()
    source = draw_dot(c).source
    assert re.search(r"<b>a</b>.*grad not computed", source)
    assert 'label="local ?"' in source
    assert "passes" not in source


def test_edges_show_the_local_derivative_and_what_backward_passed():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    before = draw_dot(c).source
    assert 'label="local -3"' in before  # dc/da = b
    assert "passes" not in before
    c.backward()
    after = draw_dot(c).source
    assert 'label="local -3\npasses -3"' in after
    assert 'label="local 2\npasses 2"' in after
    assert "penwidth" in after
    plain = draw_dot(c, local_grads=False).source
    assert "local" not in plain


def test_roles_are_coloured_apart_and_grad_sign_is_tinted():
    o, params, _ = neuron()
    o.backward()
    source = draw_dot(o, params=params).source
    parameter, data_input = viz.ROLE_COLOURS["parameter"], viz.ROLE_COLOURS["input"]
    assert re.search(rf'bgcolor="{parameter}"><b>w1</b>', source)
    assert re.search(rf'bgcolor="{data_input}"><b>x1</b>', source)
    # x1's grad is w1 * (1 - o^2) = -1.5, the largest in size: the darkest negative tint
    assert re.search(rf'<b>x1</b>.*bgcolor="{viz.NEGATIVE_TINTS[3]}">grad -1.5<', source)
    # w1's grad is x1 * (1 - o^2) = 1, two thirds of the largest: the third tint
    assert re.search(rf'<b>w1</b>.*bgcolor="{viz.POSITIVE_TINTS[2]}">grad 1<', source)


def test_grads_near_the_float_maximum_get_tints_and_pen_widths_without_overflow():
    # |grad| / largest first: 4 * 1.7e308 would overflow to inf (int(inf) raised).
    a, b = Value(1.7e308, label="a"), Value(1.0, label="b")
    c = a * b
    c.label = "c"
    c.backward()
    assert b.grad == 1.7e308
    source = draw_dot(c).source
    assert re.search(rf'<b>b</b>.*bgcolor="{viz.POSITIVE_TINTS[3]}">grad 1.7e\+308<', source)
    assert re.search(rf'<b>a</b>.*bgcolor="{viz.POSITIVE_TINTS[0]}">grad 1<', source)
    widths = re.findall(r'passes ([^"]*)" penwidth=([\d.]+)', source)
    # b's edge passes the largest gradient: 1 + 3 * 1; a's passes 1: 1 + 3 * (1 / 1.7e308)
    assert sorted(widths) == [("1", "1.00"), ("1.7e+308", "4.00")]


def test_infinite_and_nan_grads_are_drawn_untinted():
    x = Value(1e308, label="x")
    y = x * x  # inf; d/dx = 2x overflows too
    y.label = "y"
    zero = Value(0.0, label="zero")
    z = zero * math.inf * 0.0  # d/d(zero) = 0 * inf = nan
    z.label = "z"
    total = y + z
    total.backward()
    assert math.isinf(x.grad)
    assert math.isnan(zero.grad)
    source = draw_dot(total).source
    assert re.search(r'<b>x</b>.*bgcolor="#ffffff">grad inf<', source)
    assert re.search(r'<b>zero</b>.*bgcolor="#ffffff">grad nan<', source)
    assert "penwidth=inf" not in source
    assert 'penwidth="inf"' not in source


def test_constants_are_drawn_as_const():
    x = Value(3.0, label="x")
    y = 2 * x
    assert "<b>const</b>" in draw_dot(y).source


def test_source_is_byte_identical_across_processes_and_matches_the_snapshot():
    script = (
        "from tests.test_viz import neuron\n"
        "from micrograd_like.viz import draw_dot\n"
        "o, params, _ = neuron(); o.backward()\n"
        "print(draw_dot(o, params=params).source, end='')\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent.parent,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in (1, 2)
    ]
    assert runs[0] == runs[1]
    o, params, _ = neuron()
    o.backward()
    assert draw_dot(o, params=params).source == runs[0]
    snapshot = SNAPSHOTS / "neuron.dot"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        snapshot.write_text(runs[0], encoding="utf-8")
    assert runs[0] == snapshot.read_text(encoding="utf-8")


def test_node_limit_refuses_big_graphs_with_a_clear_message():
    x = Value(1.0, label="x")
    y = x
    for _ in range(200):
        y = y * 1.01
    # x, then 200 times a constant and a product
    with pytest.raises(GraphTooLargeError, match=r"401 values to draw, more than max_nodes=250"):
        draw_dot(y)
    assert len(value_rows(draw_dot(y, max_nodes=None).source)) == 401


@pytest.mark.parametrize(
    ("kwargs", "message"), [({"rankdir": "XY"}, "rankdir"), ({"precision": 0}, "precision")]
)
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        draw_dot(Value(1.0), **kwargs)
    with pytest.raises(TypeError, match="root must be a Value"):
        draw_dot(1.0)  # type: ignore[arg-type]


# -- step-through backprop --


def test_backprop_steps_yield_one_frame_per_operation_and_end_at_backwards_grads():
    o, params, inputs = neuron()
    frames = list(backprop_steps(o))
    operations = 5  # two products, two sums, tanh
    assert len(frames) == operations + 1
    assert "step 0 of 5: seed do/do = 1" in frames[0].source
    assert frames[0].source.count("grad not computed") == 9
    assert frames[-1].source.count("grad not computed") == 0
    # the frames leave the real grads alone ...
    assert not any(v.grad_computed for v in [*params.values(), *inputs])
    # ... and the last frame shows what backward() then computes
    o.backward()
    assert value_tables(frames[-1].source) == value_tables(draw_dot(o).source)


def test_each_frame_highlights_the_operation_being_processed():
    o, _, _ = neuron()
    frames = list(backprop_steps(o))
    assert "step 1 of 5: o = tanh(...)" in frames[1].source
    highlighted = [line for line in frames[1].source.splitlines() if viz.HIGHLIGHT_COLOUR in line]
    assert any("<b>o</b>" in line for line in highlighted)


def test_the_seed_frame_outlines_the_root_but_shows_no_operation_as_run():
    o, _, _ = neuron()
    seed, first = list(backprop_steps(o))[:2]
    red = f'"{viz.HIGHLIGHT_COLOUR}"'
    running = 'fillcolor="#fecaca"'  # an operation's circle while it runs
    assert any("<b>o</b>" in line and red in line for line in seed.source.splitlines())
    assert seed.source.count(red) == 1  # the box, and no edge
    assert running not in seed.source
    assert first.source.count(red) == 2  # the box, and tanh's edge to n
    assert running in first.source


def test_backprop_steps_show_passes_only_for_processed_operations():
    o, _, _ = neuron()
    frames = list(backprop_steps(o))
    assert edges_passing(frames[0].source) == 0
    assert edges_passing(frames[1].source) == 1  # only tanh has passed its grad on
    assert edges_passing(frames[-1].source) == 9  # 2 products, 2 sums: 2 inputs each; tanh: 1


# -- rendering: system dot, graphviz-pure, neither --


@pytest.fixture
def fake_dot(tmp_path, monkeypatch):
    """A `dot` on PATH that answers with a marker, standing in for system Graphviz."""
    script = tmp_path / "bin" / "dot"
    script.parent.mkdir()
    script.write_text('#!/bin/sh\ncat > /dev/null\necho "<svg>system dot $1</svg>"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("MICROGRAD_LIKE_DOT", raising=False)
    return script


def test_system_dot_is_preferred_when_on_path(fake_dot):
    assert find_renderer() == [str(fake_dot)]
    svg = draw_dot(Value(1.0, label="x")).pipe(format="svg", encoding="utf-8")
    assert svg.strip() == "<svg>system dot -Tsvg</svg>"


@pytest.fixture
def no_system_dot(monkeypatch):
    paths = [p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "dot").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join(paths))
    monkeypatch.delenv("MICROGRAD_LIKE_DOT", raising=False)


def test_graphviz_pure_renders_without_a_system_dot(no_system_dot):
    renderer = find_renderer()
    assert renderer is not None, "the viz extra installs graphviz-pure"
    assert Path(renderer[0]).name == "graphviz-pure"
    o, _, _ = neuron()
    o.backward()
    diagram = draw_dot(o)
    svg = diagram.pipe(format="svg", encoding="utf-8")
    assert isinstance(svg, str)
    assert svg.lstrip().startswith("<?xml")
    assert "<svg" in svg
    assert "data 0.7071" in svg
    bundle = diagram._repr_mimebundle_()
    assert bundle["image/svg+xml"] == svg


def test_save_writes_each_format_by_suffix(no_system_dot, tmp_path):
    diagram = draw_dot(Value(1.0, label="x") * 2)
    assert diagram.save(tmp_path / "g.svg").read_text().lstrip().startswith("<?xml")
    assert diagram.save(tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert diagram.save(tmp_path / "g.dot").read_text() == diagram.source
    assert diagram.save(tmp_path / "g.html").read_text().startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf, \.dot or \.html"):
        diagram.save(tmp_path / "g.xml")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("suffix", [".dot", ".svg"])
def test_save_to_a_missing_directory_or_a_directory_is_an_os_error_and_writes_nothing(
    no_system_dot, tmp_path, suffix
):
    diagram = draw_dot(Value(1.0, label="x") * 2)
    with pytest.raises(FileNotFoundError, match="save: no such directory"):
        diagram.save(tmp_path / "missing" / f"g{suffix}")
    (tmp_path / f"d{suffix}").mkdir()
    with pytest.raises(IsADirectoryError, match="save: the path is a directory"):
        diagram.save(tmp_path / f"d{suffix}")
    assert leftovers(tmp_path) == [f"d{suffix}"]
    assert leftovers(tmp_path / f"d{suffix}") == []


@pytest.mark.parametrize("suffix", [".dot", ".png"])
def test_save_into_a_read_only_directory_is_an_os_error_and_writes_nothing(
    no_system_dot, tmp_path, monkeypatch, suffix
):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    system_open = os.open

    def refuse(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        # Whatever makes the temporary file (os.open, or mkstemp, which calls it) is refused.
        if flags & os.O_CREAT and os.path.dirname(os.fspath(path)) == str(folder):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return system_open(path, flags, *args, **kwargs)

    if os.access(folder, os.W_OK):  # root writes anyway: refuse as the system refuses others
        monkeypatch.setattr(os, "open", refuse)
    try:
        with pytest.raises(PermissionError):
            draw_dot(Value(1.0) * 2).save(folder / f"g{suffix}")
        assert leftovers(folder) == []
    finally:
        folder.chmod(0o755)


def test_a_failed_save_leaves_the_old_file_whole(no_system_dot, tmp_path, monkeypatch):
    target = tmp_path / "g.svg"
    target.write_text("<svg>the old diagram</svg>")

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        draw_dot(Value(1.0) * 2).save(target)
    assert target.read_text() == "<svg>the old diagram</svg>"
    assert leftovers(tmp_path) == ["g.svg"]  # and no temporary file


def test_without_any_renderer_the_error_names_both_fixes(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("MICROGRAD_LIKE_DOT", raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    assert find_renderer() is None
    with pytest.raises(RenderError, match=r"apt install graphviz.*micrograd_like\[viz\]"):
        draw_dot(Value(1.0)).pipe(format="svg")


def test_renderer_failure_is_reported(monkeypatch, tmp_path):
    broken = tmp_path / "broken-dot"
    broken.write_text("#!/bin/sh\necho 'syntax error in line 1' >&2\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setenv("MICROGRAD_LIKE_DOT", str(broken))
    with pytest.raises(RenderError, match="syntax error in line 1"):
        viz.render("digraph {", "svg")


# -- Jupyter display of a Value --


def test_small_value_displays_as_its_diagram_and_keeps_its_repr(no_system_dot):
    a = Value(2.0, label="a")
    b = a * a
    bundle = b._repr_mimebundle_()
    assert bundle["text/plain"] == "Value(data=4.0, grad=0)"
    assert "<svg" in bundle["image/svg+xml"]
    assert repr(b) == "Value(data=4.0, grad=0)"


def test_big_value_or_no_renderer_displays_as_text_only(monkeypatch, tmp_path):
    x = Value(1.0)
    for _ in range(50):
        x = x + 1
    assert set(value_mimebundle(x)) == {"text/plain"}
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    assert set((Value(1.0) * 2)._repr_mimebundle_()) == {"text/plain"}


def test_diagram_is_a_graphviz_digraph():
    import graphviz

    assert isinstance(draw_dot(Value(1.0)), graphviz.Digraph)
    assert isinstance(draw_dot(Value(1.0)), Diagram)


def test_no_grad_results_are_leaves_in_the_diagram():
    with no_grad():
        y = Value(2.0, label="x") * 3
    y.label = "y"
    assert "_op" not in draw_dot(y).source


# -- grouping by module, collapsing --


def small_model_loss():
    from micrograd_like.losses import l2, mse
    from micrograd_like.nn import MLP, record_calls

    model = MLP(2, [3, 1], seed=0)
    with record_calls() as calls:
        out = model([0.5, -1.0])
        loss = mse(out, 1.0) + 0.01 * l2(model.parameters())
    loss.label = "loss"
    loss.backward()
    return model, calls, loss


def test_model_graph_is_clustered_by_layer_and_neuron_with_short_parameter_names():
    model, calls, loss = small_model_loss()
    source = draw_dot(loss, model=model, calls=calls).source
    for cluster in (
        "cluster_model",
        "cluster_layers_0",
        "cluster_layers_0_neurons_2",
        "cluster_layers_1_neurons_0",
        "cluster_mse__",
    ):
        assert f"subgraph {cluster} " in source, cluster
    assert "layers.0.neurons.1: ReLUNeuron(2)" in source
    assert "<b>w.0</b>" in source  # inside its neuron's cluster, not layers.0.neurons.0.w.0
    # a parameter's record sits inside its neuron's cluster
    neuron = source.split("subgraph cluster_layers_0_neurons_0 {")[1].split("}")[0]
    assert "<b>b</b>" in neuron


def test_collapsed_neurons_become_boxes_and_edges_are_kept_once():
    model, calls, loss = small_model_loss()
    source = draw_dot(loss, model=model, calls=calls, collapse="neuron").source
    boxes = re.findall(r'^\s*(m_\S+) \[label="([^"]+)"', source, re.M)
    titles = sorted(title for _, title in boxes)
    assert "l2(...)" in titles
    # the neurons are rows of their layer's node, each with a port the edges meet
    layers = dict(re.findall(r"^\s*(m_layers_\d) \[label=<(.*)>", source, re.M))
    assert (
        '<td port="n0" bgcolor="#ede9fe" align="left">neurons.0: ReLUNeuron(2)</td>'
        in (layers["m_layers_0"])
    )
    assert "neurons.0: LinearNeuron(3)" in layers["m_layers_1"]
    edges = re.findall(r"^\s*(\S+) -> (\S+)$", source, re.M)
    assert ("m_layers_0:n0:e", "m_layers_1:n0:w") in edges
    assert len(edges) == len(set(edges))
    assert "<b>w.0</b>" not in source  # the weights are inside the boxes
    layer_boxes = draw_dot(loss, model=model, calls=calls, collapse="layer").source
    assert "layers.0: Layer" in layer_boxes
    assert "ReLUNeuron(2)" not in layer_boxes


def test_a_batch_loss_collapses_to_a_handful_of_boxes():
    from micrograd_like.losses import hinge, l2
    from micrograd_like.nn import MLP, record_calls

    model = MLP(2, [16, 16, 1], seed=0)
    with record_calls() as calls:
        scores = []
        for i in range(40):
            score = model([0.1 * i, -0.05 * i])
            assert isinstance(score, Value)
            scores.append(score)
        loss = hinge(scores, [1 if i % 2 else -1 for i in range(40)]) + 1e-4 * l2(
            model.parameters()
        )
    loss.backward()
    with pytest.raises(GraphTooLargeError, match="collapse"):
        draw_dot(loss)
    source = draw_dot(loss, model=model, calls=calls, collapse="layer").source
    assert "80 input values" in source
    assert "layers.1: Layer, 40 calls" in source
    assert len(value_rows(source)) < 10


def micrograds_demo_loss():
    """micrograd's demo loss, pasted unchanged, on 100 moons points and MLP(2, [16, 16, 1])."""
    from micrograd_like.datasets import make_moons, to_plus_minus_one
    from micrograd_like.engine import Value
    from micrograd_like.nn import MLP, record_calls

    X, labels = make_moons(n=100, noise=0.1, seed=0)
    y = to_plus_minus_one(labels)
    model = MLP(2, [16, 16, 1], seed=0)
    with record_calls() as calls:
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores: list[Any] = list(map(model, inputs))  # one Value each: one output
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss: Any = data_loss + reg_loss
    total_loss.backward()
    return model, calls, total_loss


def box_titles(source: str) -> list[str]:
    return sorted(re.findall(r'^\s*m_\S+ \[label="([^"]+)"', source, re.M))


def test_micrograds_demo_loss_pasted_unchanged_collapses_to_a_handful_of_boxes():
    model, calls, loss = micrograds_demo_loss()
    assert len(topological_order(loss)) > 65_000
    source = draw_dot(loss, model=model, calls=calls, collapse="layer").source  # max_nodes 250
    # The hinge terms, their mean and the L2 penalty, written by hand around the model:
    # 5 nodes per sample, 101 for the sum and mean, 337 squares, 338 for their sum, 2 for alpha.
    outside = "1,280 values outside the model: 1,076 operations, 204 constants"
    assert box_titles(source) == sorted(
        [
            "200 input values",
            "layers.0: Layer, 100 calls",
            "layers.1: Layer, 100 calls",
            "layers.2: Layer, 100 calls",
            outside,
        ]
    )
    assert len(value_rows(source)) == 1  # only the loss itself is drawn as a value
    assert re.search(r"m_layers_2 -> m_outside", source)
    assert re.search(r"m_outside -> v\d+_op", source)


def test_a_small_loss_written_by_hand_stays_drawn_node_by_node():
    from micrograd_like.nn import MLP, record_calls

    model = MLP(2, [3, 1], seed=0)
    with record_calls() as calls:
        out: Any = model([0.5, -1.0])
        loss = (out - 1) ** 2 + 0.01 * sum(p * p for p in model.parameters())
    source = draw_dot(loss, model=model, calls=calls, collapse="layer").source
    assert not any("outside the model" in title for title in box_titles(source))
    assert len(value_rows(source)) > 20  # the squares of the 13 parameters and their sum


def test_too_large_a_graph_suggests_record_calls_and_collapse_when_not_in_use():
    model, _, loss = micrograds_demo_loss()
    for kwargs in ({}, {"model": model}):
        with pytest.raises(GraphTooLargeError) as error:
            draw_dot(loss, **kwargs)
        message = str(error.value)
        assert message.startswith("draw_dot: the graph has 65,818 values to draw, more than ")
        assert "nn.record_calls()" in message
        assert "collapse='layer'" in message
        assert "larger max_nodes" in message


def test_with_calls_but_no_collapse_it_names_the_values_outside_and_suggests_collapse():
    model, calls, loss = micrograds_demo_loss()
    with pytest.raises(GraphTooLargeError) as error:
        draw_dot(loss, model=model, calls=calls)
    message = str(error.value)
    assert "1,481 of them are outside any recorded call" in message  # 1,280 + 200 inputs + loss
    assert "collapse='layer'" in message
    assert "record_calls" not in message


@pytest.mark.parametrize(
    ("collapse", "max_nodes", "what", "coarser"),
    [("neuron", 20, "35 neuron rows", True), ("layer", 4, "5 boxes", False)],
)
def test_collapsed_and_still_too_large_it_says_so_and_suggests_only_what_is_left(
    collapse, max_nodes, what, coarser
):
    model, calls, loss = micrograds_demo_loss()
    with pytest.raises(GraphTooLargeError) as error:
        draw_dot(loss, model=model, calls=calls, collapse=collapse, max_nodes=max_nodes)
    message = str(error.value)
    assert f"Collapsed, it still has {what}:" in message
    assert ("collapse='layer' draws fewer" in message) == coarser
    assert "pass a larger max_nodes" in message
    assert "record_calls" not in message


def test_the_size_limits_are_public_and_backprop_steps_names_itself():
    assert viz.DEFAULT_MAX_NODES == 250
    assert {"DEFAULT_MAX_NODES", "DISPLAY_MAX_NODES"} <= set(viz.__all__)
    x = Value(1.0)
    for _ in range(200):
        x = x + 1
    with pytest.raises(GraphTooLargeError, match=r"^backprop_steps: the graph has 401 values"):
        next(backprop_steps(x))
    assert "step 0 of 200" in next(backprop_steps(x, max_nodes=None)).source


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"calls": []}, "calls need the model"),
        ({"collapse": "neuron"}, "collapse needs the recorded calls"),
    ],
)
def test_grouping_arguments_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        draw_dot(Value(1.0), **kwargs)


def test_unknown_collapse_kind_is_refused():
    model, calls, loss = small_model_loss()
    with pytest.raises(ValueError, match="collapse must be 'neuron', 'layer'"):
        draw_dot(loss, model=model, calls=calls, collapse="everything")


def test_backprop_slider_has_one_position_per_frame(no_system_dot):
    pytest.importorskip("ipywidgets")
    o, _, _ = neuron()
    widget = backprop_slider(o)
    slider = widget.widget.children[0]
    assert (slider.min, slider.max, slider.value) == (0, 5, 0)
    frame = widget.widget.result
    assert "<svg" in frame._repr_svg_()

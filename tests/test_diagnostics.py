import re
import warnings

import pytest

from micrograd_like import Value, diagnostics, topological_order
from micrograd_like.datasets import make_moons
from micrograd_like.diagnostics import (
    EXPLODING_GRAD,
    SATURATION_Z,
    VANISHING_GRAD,
    GradientHealthWarning,
    Health,
    HealthWarnings,
    LayerHealth,
    health,
)
from micrograd_like.nn import MLP, Neuron
from micrograd_like.train import fit
from micrograd_like.viz import MAGNITUDE_COLOURS, MAGNITUDE_ZERO_COLOUR, draw_dot

X_LINE = [[-1.0], [0.0], [1.0]]


def set_neuron(neuron, weights, bias):
    for w, value in zip(neuron.w, weights, strict=True):
        w.data = value
    neuron.b.data = bias


# -- dead ReLUs and saturated units, on models where the answer is known --------------------


def test_a_relu_is_dead_when_its_output_is_zero_on_every_sample():
    model = MLP(1, [5, 1], seed=0)
    first = model.layers[0].neurons
    set_neuron(first[0], [1.0], -10.0)  # z <= -9: dead
    set_neuron(first[1], [0.0], 0.0)  # z = 0 everywhere: relu(0) = 0, dead
    set_neuron(first[2], [1.0], 0.0)  # z = 1 at x = 1: alive on one sample
    set_neuron(first[3], [-1.0], 0.0)  # alive at x = -1
    set_neuron(first[4], [0.0], -1e-12)  # dead, however close to 0
    report = health(model, X_LINE)
    layer = report.layers[0]
    assert (layer.activation, layer.units, layer.dead) == ("relu", 5, 3)
    assert layer.dead_share == pytest.approx(3 / 5)
    assert layer.saturated is None
    assert layer.saturated_share is None
    assert report.layers[1].dead is None  # the linear output has no ReLUs
    assert report.samples == 3


def test_one_sample_that_switches_a_relu_on_keeps_it_alive():
    model = MLP(1, [1, 1], seed=0)
    set_neuron(model.layers[0].neurons[0], [1.0], -0.5)  # on only at x = 1
    assert health(model, X_LINE).layers[0].dead == 0
    assert health(model, X_LINE[:2]).layers[0].dead == 1


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_a_unit_is_saturated_when_abs_z_passes_the_threshold_on_most_samples(activation):
    model = MLP(1, [4, 1], activation=activation, seed=0)
    units = model.layers[0].neurons
    set_neuron(units[0], [10.0], 0.0)  # |z| = 10, 0, 10: 2 of 3 samples
    set_neuron(units[1], [SATURATION_Z], 0.0)  # |z| = 4 is not past 4
    set_neuron(units[2], [0.0], -5.0)  # |z| = 5 on all 3
    set_neuron(units[3], [10.0], 10.0)  # z = 0, 10, 20: 2 of 3
    layer = health(model, X_LINE).layers[0]
    assert (layer.saturated, layer.dead) == (3, None)
    assert layer.saturated_share == pytest.approx(3 / 4)


def test_saturated_on_exactly_half_the_samples_is_not_most():
    model = MLP(1, [1, 1], activation="sigmoid", seed=0)
    set_neuron(model.layers[0].neurons[0], [10.0], 0.0)
    assert health(model, [[0.0], [1.0]]).layers[0].saturated == 0  # 1 of 2
    assert health(model, [[0.0], [1.0], [-1.0]]).layers[0].saturated == 1  # 2 of 3


def test_later_layers_see_the_earlier_layers_activations():
    # Layer 0 has z = +-100 and outputs 1 or 0; layer 1's z = 0.05 * that is far from
    # saturated, as it would not be if layer 0's z were fed on.
    model = MLP(1, [1, 1, 1], activation="sigmoid", seed=0)
    set_neuron(model.layers[0].neurons[0], [100.0], 0.0)
    set_neuron(model.layers[1].neurons[0], [0.05], 0.0)
    report = health(model, [[1.0], [1.0], [-1.0]])
    assert [layer.saturated for layer in report.layers[:2]] == [1, 0]
    set_neuron(model.layers[1].neurons[0], [5.0], -0.5)  # z = 4.5 at x = 1, -0.5 at x = -1
    assert health(model, [[1.0], [1.0], [-1.0]]).layers[1].saturated == 1
    assert health(model, [[1.0], [-1.0], [-1.0]]).layers[1].saturated == 0


def test_dead_units_agree_with_the_models_own_forward_pass():
    model = MLP(2, [8, 8, 1], seed=5)
    X, _ = make_moons(n=40, noise=0.1, seed=2)
    for neuron in model.layers[1].neurons[::2]:
        neuron.b.data -= 2.0  # some of layer 1 dead, some not
    outputs = []
    for x in X:
        hidden = model.layers[0](x)
        outputs.append([v.data for v in model.layers[1](hidden)])  # type: ignore[union-attr]
    dead = sum(all(row[j] == 0 for row in outputs) for j in range(8))
    assert 0 < dead < 8
    assert health(model, X).layers[1].dead == dead


# -- gradients ---------------------------------------------------------------------------------


def test_grad_stats_read_the_weights_grads_and_leave_out_biases():
    model = MLP(2, [2, 1], seed=0)
    report = health(model, [[0.0, 0.0]])
    assert [layer.grad_mean for layer in report.layers] == [None, None]
    first = model.layers[0].neurons
    first[0].w[0].grad, first[0].w[1].grad = 0.5, -2.0
    first[1].w[0].grad, first[1].w[1].grad = 0.0, 1.5
    first[0].b.grad = 100.0  # a bias: not counted
    layer = health(model, [[0.0, 0.0]]).layers[0]
    assert layer.grad_mean == pytest.approx((0.5 + 2.0 + 0.0 + 1.5) / 4)
    assert layer.grad_max == 2.0
    model.zero_grad()
    assert health(model, [[0.0, 0.0]]).layers[0].grad_max is None


def test_grads_after_a_backward_pass():
    model = MLP(2, [3, 1], seed=1)
    out = model([0.5, -1.0])
    assert isinstance(out, Value)
    out.backward()
    layer = health(model, [[0.5, -1.0]]).layers[1]
    expected = [abs(w.grad) for w in model.layers[1].neurons[0].w]
    assert layer.grad_max == max(expected)
    assert layer.grad_mean == pytest.approx(sum(expected) / 3)


# -- the thresholds ------------------------------------------------------------------------------


def layer(index, activation="relu", units=4, dead=None, saturated=None, grad=None):
    return LayerHealth(index, activation, units, dead, saturated, grad, grad)


def kinds(*layers):
    return [(index, kind) for index, kind, _ in Health(layers, 10).problems()]


def test_more_than_half_dead_or_saturated_is_a_problem_and_half_is_not():
    assert kinds(layer(0, dead=2), layer(1, "linear", 1)) == []
    assert kinds(layer(0, dead=3), layer(1, "linear", 1)) == [(0, "dead")]
    assert kinds(layer(0, "tanh", saturated=2), layer(1, "linear", 1)) == []
    assert kinds(layer(0, "sigmoid", saturated=3), layer(1, "linear", 1)) == [(0, "saturated")]


def test_vanishing_means_small_here_while_the_output_layer_is_not():
    small, fine = VANISHING_GRAD / 2, 0.1
    assert kinds(layer(0, grad=small), layer(1, "linear", 1, grad=fine)) == [(0, "vanishing")]
    assert kinds(layer(0, grad=VANISHING_GRAD), layer(1, "linear", 1, grad=fine)) == []
    # A loss of exactly 0 passes no gradient anywhere: that is no vanishing.
    assert kinds(layer(0, grad=0.0), layer(1, "linear", 1, grad=0.0)) == []


def test_exploding_means_above_the_threshold_or_not_finite():
    assert kinds(layer(0, grad=EXPLODING_GRAD), layer(1, "linear", 1, grad=1.0)) == []
    assert kinds(layer(0, grad=EXPLODING_GRAD * 2), layer(1, "linear", 1, grad=1.0)) == [
        (0, "exploding")
    ]
    assert kinds(layer(0, grad=1.0), layer(1, "linear", 1, grad=float("nan"))) == [(1, "exploding")]


# -- how a report reads ------------------------------------------------------------------------


def test_the_report_prints_as_an_aligned_table_and_as_html():
    model = MLP(1, [2, 1], seed=0)
    set_neuron(model.layers[0].neurons[0], [1.0], -10.0)
    set_neuron(model.layers[0].neurons[1], [0.0], -10.0)
    text = str(health(model, X_LINE))
    lines = text.splitlines()
    assert lines[0] == "health on 3 samples"
    assert lines[1].split()[:3] == ["layer", "activation", "units"]
    assert "2 (100%)" in lines[2]
    assert "not computed" in lines[2]
    assert lines[2].endswith("dead")
    # Every column starts at the same place on every line.
    start = lines[1].index("activation")
    assert lines[2][start : start + 4] == "relu"
    assert lines[3][start : start + 6] == "linear"
    html = health(model, X_LINE)._repr_html_()
    assert html.count("<tr>") == 3
    assert "<th>dead ReLUs</th>" in html


# -- bad input -----------------------------------------------------------------------------------


def test_health_refuses_what_it_cannot_read():
    model = MLP(2, [2, 1], seed=0)
    with pytest.raises(TypeError, match=r"health: model must be an MLP, got Neuron"):
        health(Neuron(2), [[0.0, 0.0]])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"health: X is empty"):
        health(model, [])
    with pytest.raises(ValueError, match=r"health: the model takes 2 inputs, but X\[1\] has 3"):
        health(model, [[0.0, 0.0], [1.0, 2.0, 3.0]])
    with pytest.raises(TypeError, match=r"health: X must be a list of input rows, got str"):
        health(model, "xy")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"health: X\[0\] must be a row of 2 numbers"):
        health(model, [1.0, 2.0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"X\[0\]"):
        health(model, [[float("nan"), 0.0]])


# -- fit's warnings --------------------------------------------------------------------------------


def dead_model():
    """Layers 0 and 1 off for every input in [-1, 1]: all their ReLUs dead."""
    model = MLP(2, [4, 4, 1], seed=0)
    for hidden in model.layers[:2]:
        for neuron in hidden.neurons:
            neuron.b.data = -10.0
    return model


X_SMALL = [[0.5, -0.5], [-1.0, 1.0], [0.2, 0.3], [1.0, 1.0]]
Y_SMALL = [1, -1, 1, -1]


def caught(run):
    with warnings.catch_warnings(record=True) as found:
        warnings.simplefilter("always")
        run()
    return [w for w in found if issubclass(w.category, GradientHealthWarning)], found


def test_fit_warns_once_per_layer_and_kind_however_often_it_checks():
    check = HealthWarnings(X_SMALL, every=1, budget=None)
    found, _ = caught(
        lambda: fit(
            dead_model(), X_SMALL, Y_SMALL, steps=6, progress=False, warn=False, callbacks=[check]
        )
    )
    assert check.checks == 6
    assert check.warned == {(0, "dead"), (1, "dead")}
    # One warning for the kind, naming both layers; none at the 5 later checks.
    assert [str(w.message) for w in found] == [
        "fit, step 1: more than 50% of the ReLUs dead (0 on every sample: no gradient passes "
        "them) in layer 0 (4 of 4), layer 1 (4 of 4). fit(..., warn=False) turns these "
        "warnings off"
    ]


def test_the_warning_points_at_the_line_that_called_fit():
    with pytest.warns(GradientHealthWarning, match="ReLUs dead") as found:
        fit(dead_model(), X_SMALL, Y_SMALL, steps=2, progress=False)
    assert {w.filename for w in found} == {__file__}


def test_fit_warns_in_every_run_not_once_per_session():
    for _ in range(2):
        with pytest.warns(GradientHealthWarning):
            fit(dead_model(), X_SMALL, Y_SMALL, steps=1, progress=False)


def test_warn_false_checks_nothing():
    found, everything = caught(
        lambda: fit(dead_model(), X_SMALL, Y_SMALL, steps=12, progress=False, warn=False)
    )
    assert found == []
    assert everything == []


def test_a_saturated_sigmoid_network_is_warned_about():
    model = MLP(2, [4, 1], activation="sigmoid", seed=0)
    for neuron in model.layers[0].neurons:
        set_neuron(neuron, [0.0, 0.0], 10.0)  # z = 10 on every sample
    with pytest.warns(GradientHealthWarning, match=r"units saturated .* in layer 0 \(4 of 4\)\."):
        fit(model, X_SMALL, Y_SMALL, steps=1, progress=False)


def test_checks_run_at_step_one_then_every_few_steps():
    check = HealthWarnings(X_SMALL, every=5, budget=None)
    fit(MLP(2, [4, 1], seed=0), X_SMALL, Y_SMALL, steps=11, progress=False, callbacks=[check])
    assert check.checks == 3  # steps 1, 6 and 11


def test_a_check_looks_at_a_bounded_number_of_rows():
    X = [[i / 1000, 0.0] for i in range(1000)]
    assert len(HealthWarnings(X).X) <= diagnostics.WARN_SAMPLES


def test_a_healthy_training_run_warns_about_nothing():
    # micrograd's moons recipe: 100 points, MLP(2, [16, 16, 1]), hinge, l2 = 1e-4.
    X, y = make_moons(n=100, noise=0.1, seed=1)
    check = HealthWarnings(X, every=5, budget=None)
    found, _ = caught(
        lambda: fit(
            MLP(2, [16, 16, 1], seed=1),
            X,
            y,
            loss="hinge",
            l2=1e-4,
            steps=30,
            progress=False,
            warn=False,
            callbacks=[check],
        )
    )
    assert check.checks == 6
    assert found == []


def test_fit_refuses_a_warn_that_is_not_a_bool():
    with pytest.raises(TypeError, match="fit: warn must be True or False"):
        fit(MLP(2, [1], seed=0), X_SMALL, Y_SMALL, steps=1, progress=False, warn=1)  # type: ignore[arg-type]


# -- draw_dot(color="magnitude") ---------------------------------------------------------------


def edge_attrs(source):
    """Each edge line of DOT source, 'a -> b', with its attributes as a dict."""
    found = {}
    for line in source.splitlines():
        match = re.match(r"\s*(\S+ -> \S+) \[(.*)\]$", line)
        if match:
            found[match[1]] = dict(re.findall(r'(\w+)="?([^" ]*)"?', match[2]))
    return found


def level(attrs):
    return MAGNITUDE_COLOURS.index(attrs["color"])


def sigmoid_chain(depth):
    x = Value(1.0, label="x")
    h = x
    for _ in range(depth):
        h = h.sigmoid()
    return x, h


def test_each_edge_is_coloured_by_the_decade_of_what_it_passes_back():
    a, b = Value(2.0, label="a"), Value(0.003, label="b")
    root = a * b
    ids = {node: f"v{i}" for i, node in enumerate(topological_order(root))}
    edges = edge_attrs(draw_dot(root, color="magnitude").source)
    # a's edge passes |d root/d root| * |b| = 0.003, three decades below b's, which passes 2.
    assert level(edges[f"{ids[a]} -> {ids[root]}_op"]) == 3
    assert level(edges[f"{ids[b]} -> {ids[root]}_op"]) == 0


def test_the_colour_order_follows_the_products_down_a_sigmoid_chain():
    _, root = sigmoid_chain(12)
    order = topological_order(root)
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    edges = edge_attrs(draw_dot(root, color="magnitude").source)
    chain = [node for node in order if node.inputs]  # from x's sigmoid up to the root
    levels = [level(edges[f"{ids[node.inputs[0]]} -> {ids[node]}_op"]) for node in chain]
    assert levels[-1] == 0  # the root's own edge: the largest
    assert levels == sorted(levels, reverse=True)  # each edge further from root: no darker
    assert levels[0] == len(MAGNITUDE_COLOURS) - 1  # the far end: the faint colour
    widths = [float(edges[f"{ids[n.inputs[0]]} -> {ids[n]}_op"]["penwidth"]) for n in chain]
    assert widths == sorted(widths)


def test_the_compact_style_colours_its_edges_too():
    _, root = sigmoid_chain(12)
    dot = draw_dot(root, color="magnitude", compact=True)
    colours = re.findall(r'color="(#\w+)" id=v(\d+)_in0', dot.source)
    by_id = sorted(colours, key=lambda found: int(found[1]))  # ids in topological order
    levels = [MAGNITUDE_COLOURS.index(colour) for colour, _ in by_id]
    assert len(levels) == 12
    assert levels[0] == len(MAGNITUDE_COLOURS) - 1
    assert levels[-1] == 0


def test_an_edge_that_passes_nothing_is_dashed_grey():
    off = Value(-1.0, label="x").relu()
    root = off * 2.0
    source = draw_dot(root, color="magnitude").source
    assert re.search(rf'color="{MAGNITUDE_ZERO_COLOUR}"[^\]]*style=dashed', source)


def test_the_caption_lists_the_decades_and_no_grad_is_touched():
    _, root = sigmoid_chain(3)
    source = draw_dot(root, color="magnitude").source
    assert ">1e-1<" in source  # the largest edge, sigmoid'(z) at most 0.25: decade -1
    assert ">below 1e-7<" in source
    assert [node.grad_computed for node in topological_order(root)] == [False] * 4
    assert "color=" not in draw_dot(root).source.split("->", 1)[1].split("]", 1)[0]


def test_color_takes_only_magnitude_and_not_with_a_blank_sheet():
    _, root = sigmoid_chain(2)
    with pytest.raises(ValueError, match="draw_dot: color must be None or 'magnitude'"):
        draw_dot(root, color="loud")
    with pytest.raises(ValueError, match="give color or blank"):
        draw_dot(root, color="magnitude", blank=True)


def test_health_reads_numpy_rows_as_fit_does():
    np = pytest.importorskip("numpy")
    model = MLP(2, [3, 1], seed=0)
    X = [[0.5, -1.0], [1.0, 2.0]]
    assert health(model, np.array(X)) == health(model, X)
    fit(model, np.array(X), [1, -1], steps=1, progress=False)  # warn=True: no TypeError


def test_inputs_health_refuses_stop_the_checks_not_the_training():
    X = [[float("nan"), 0.0], [1.0, 1.0]]
    check = HealthWarnings(X, every=1, budget=None)
    history = fit(MLP(2, [3, 1], seed=0), X, [1, -1], steps=3, progress=False, callbacks=[check])
    assert len(history.loss) == 3
    assert check.checks == 0

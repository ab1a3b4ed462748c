"""The bridge to PyTorch: models both ways, graphs replayed node by node, training side by side.

Every agreement is measured against PyTorch in float64: outputs and parameter gradients of
`to_torch` models on hypothesis-drawn networks, inputs and losses; `replay_in_torch` on
random programs built from the op table of ``tests/ops.py``; and the same SGD training in
both. The tests at the end run without torch, as a learner's machine may.
"""

from __future__ import annotations

import html
import math
import re
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_like import PRIMITIVES, Primitive, Value, grad
from micrograd_like.datasets import make_moons, to_plus_minus_one
from micrograd_like.engine import record
from micrograd_like.losses import cross_entropy, hinge, l2
from micrograd_like.nn import ACTIVATIONS, MLP
from micrograd_like.torch_bridge import (
    TORCH_ACTIVATIONS,
    ReplayTable,
    compare_training,
    from_torch,
    replay_in_torch,
    to_torch,
)
from micrograd_like.worked_example import build_network
from tests.ops import ANY, EXPRESSIONS, NONZERO, OPS, POSITIVE
from tests.oracles import assert_close


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


# -- strategies --------------------------------------------------------------------------


@st.composite
def networks(draw, outputs=None):
    """An MLP of 1 to 3 layers of 1 to 4 units, any activation per layer, any seed."""
    nin = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, 4), min_size=0, max_size=2))
    out = outputs if outputs is not None else draw(st.integers(1, 3))
    sizes = [*hidden, out]
    activations = draw(st.lists(st.sampled_from(ACTIVATIONS), min_size=len(sizes)))
    seed = draw(st.integers(0, 2**32 - 1))
    return MLP(nin, sizes, activation=activations[: len(sizes)], seed=seed)


def inputs_for(model: MLP):
    return st.lists(
        st.floats(-3, 3, allow_nan=False), min_size=model.sizes[0], max_size=model.sizes[0]
    )


def torch_parameter_grads(seq, torch):
    """Every parameter's grad, in our `parameters()` order: layer, neuron, weights, bias."""
    grads = []
    for linear in (m for m in seq if isinstance(m, torch.nn.Linear)):
        for row, bias in zip(linear.weight.grad.tolist(), linear.bias.grad.tolist(), strict=True):
            grads += [*row, bias]
    return grads


def as_list(out):
    return [out] if isinstance(out, Value) else list(out)


# -- to_torch: the same function, the same gradients --------------------------------------


@pytest.mark.torch
@given(data=st.data())
def test_to_torch_gives_our_outputs_and_parameter_gradients_on_random_inputs_and_losses(
    torch, data
):
    model = data.draw(networks())
    x = data.draw(inputs_for(model))
    outputs = len(as_list(model(x)))
    weights = data.draw(st.lists(st.floats(-2, 2), min_size=outputs, max_size=outputs))

    ours = as_list(model(x))
    loss = sum((w * o for w, o in zip(weights, ours, strict=True)), Value(0.0))
    our_grads = grad(loss, model.parameters())

    seq = to_torch(model)
    theirs = seq(torch.tensor([x], dtype=torch.float64))[0]
    (theirs * torch.tensor(weights, dtype=torch.float64)).sum().backward()

    assert theirs.dtype == torch.float64
    for o, t in zip(ours, theirs.tolist(), strict=True):
        assert_close(o.data, t)
    for g, t in zip(our_grads, torch_parameter_grads(seq, torch), strict=True):
        assert_close(g, t)


@pytest.mark.torch
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_to_torch_builds_linear_layers_and_the_named_activation(torch, activation):
    seq = to_torch(MLP(3, [1, 2], activation=activation, output_activation=activation, seed=1))
    expected = TORCH_ACTIVATIONS[activation]
    names = [type(m).__name__ for m in seq]
    linear_only = ["Linear", "Linear"]
    assert names == (linear_only if expected is None else ["Linear", expected] * 2)
    assert all(p.dtype == torch.float64 and p.requires_grad for p in seq.parameters())


@pytest.mark.torch
@given(seed=st.integers(0, 2**32 - 1), x=st.lists(st.floats(-3, 3), min_size=2, max_size=2))
def test_a_three_class_mlp_has_torchs_cross_entropy_and_gradients(torch, seed, x):
    model = MLP(2, [4, 1, 3], activation=["tanh", "relu", "linear"], seed=seed)
    for target in range(3):
        loss = cross_entropy(as_list(model(x)), target)
        our_grads = grad(loss, model.parameters())
        seq = to_torch(model)
        logits = seq(torch.tensor([x], dtype=torch.float64))
        t_loss = torch.nn.functional.cross_entropy(logits, torch.tensor([target]))
        t_loss.backward()
        assert_close(loss.data, t_loss.item())
        for g, t in zip(our_grads, torch_parameter_grads(seq, torch), strict=True):
            assert_close(g, t)


@pytest.mark.torch
def test_to_torch_copies_the_weights_and_leaves_the_model_alone(torch):
    model = MLP(2, [3, 1], seed=4)
    before = model.state_dict()
    seq = to_torch(model)
    with torch.no_grad():
        for p in seq.parameters():
            p.add_(1.0)
    assert model.state_dict() == before


@pytest.mark.torch
def test_to_torch_refuses_what_is_not_an_mlp(torch):
    with pytest.raises(TypeError, match=r"to_torch: expected a micrograd_like\.nn\.MLP, got Value"):
        to_torch(Value(1.0))  # type: ignore[arg-type]


# -- from_torch: the reverse, exactly ------------------------------------------------------


@pytest.mark.torch
@given(model=networks())
def test_a_round_trip_through_torch_is_exact(torch, model):
    back = from_torch(to_torch(model))
    assert back.sizes == model.sizes
    assert back.activations == model.activations
    assert back.state_dict() == model.state_dict()  # bit for bit: == on every float


@pytest.mark.torch
def test_a_torch_built_sequential_comes_back_the_same(torch):
    torch.manual_seed(0)
    seq = torch.nn.Sequential(
        torch.nn.Linear(3, 5, dtype=torch.float64),
        torch.nn.Tanh(),
        torch.nn.Linear(5, 2, dtype=torch.float64),
        torch.nn.Linear(2, 4, dtype=torch.float64),
        torch.nn.Identity(),
        torch.nn.Linear(4, 1, dtype=torch.float64),
        torch.nn.Sigmoid(),
    )
    model = from_torch(seq)
    assert model.sizes == [3, 5, 2, 4, 1]
    assert model.activations == ["tanh", "linear", "linear", "sigmoid"]
    again = to_torch(model)
    ours = list(again.parameters())
    theirs = list(seq.parameters())
    assert len(ours) == len(theirs)
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs, strict=True))
    x = torch.randn(7, 3, dtype=torch.float64)
    assert torch.equal(again(x), seq(x))


@pytest.mark.torch
def test_float32_weights_are_read_exactly(torch):
    torch.manual_seed(1)
    seq = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    linears = [seq[0], seq[2]]
    expected: dict[str, float] = {}
    for i, linear in enumerate(linears):
        rows = zip(linear.weight.tolist(), linear.bias.tolist(), strict=True)
        for j, (row, b) in enumerate(rows):
            expected |= {f"layers.{i}.neurons.{j}.w.{k}": w for k, w in enumerate(row)}
            expected[f"layers.{i}.neurons.{j}.b"] = b
    assert from_torch(seq).state_dict() == expected


def refused(torch):
    nn, f64 = torch.nn, torch.float64

    my_linear = type("MyLinear", (nn.Linear,), {})  # a subclass may compute something else
    bad_weight = nn.Linear(2, 1, dtype=f64)
    with torch.no_grad():
        bad_weight.weight[0, 1] = math.inf
    return [
        (nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.1), nn.Linear(3, 1)), r"module 1 \(Dropout"),
        (nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(), nn.Linear(3, 1)), r"module 1 \(LeakyReLU"),
        (nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Tanh()), r"2 \(Tanh\(\)\) follows another"),
        (nn.Sequential(nn.ReLU(), nn.Linear(2, 1)), r"module 0 \(ReLU\(\)\) follows no Linear"),
        (nn.Sequential(nn.Linear(2, 1, bias=False)), "module 0 .*has no bias"),
        (nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1)), "module 1 .*takes 4 inputs.*gives 3"),
        (nn.Sequential(nn.Sequential(nn.Linear(2, 1))), r"module 0 \(Sequential"),
        (nn.Sequential(my_linear(2, 1)), r"module 0 \(MyLinear"),
        (nn.Sequential(bad_weight), "module 0 .*not finite"),
        (nn.Sequential(nn.Linear(2, 1, dtype=torch.complex128)), "module 0 .*complex128"),
        (nn.Sequential(), "no Linear layer"),
        (nn.Sequential(nn.Linear(1000, 1001)), "1,002,001 parameters, more than MAX_PARAMETERS"),
    ]


@pytest.mark.torch
def test_from_torch_refuses_what_an_mlp_cannot_compute_naming_the_module(torch):
    for seq, message in refused(torch):
        with pytest.raises(ValueError, match=message):
            from_torch(seq)


@pytest.mark.torch
def test_from_torch_refuses_what_is_not_a_sequential(torch):
    with pytest.raises(TypeError, match=r"expected a torch\.nn\.Sequential, got Linear"):
        from_torch(torch.nn.Linear(2, 1))


# -- replay_in_torch: every node's gradient -------------------------------------------------

FITS = {
    id(ANY): lambda x: -4 <= x <= 4,
    id(POSITIVE): lambda x: 0.1 <= x <= 4,
    id(NONZERO): lambda x: 0.1 <= abs(x) <= 4,
}
STEPS = OPS + EXPRESSIONS


@st.composite
def programs(draw):
    """A random program: leaves, then steps from the op table on earlier results, summed.

    Each operand is an earlier value inside the step's domain (or a fresh leaf drawn from
    it), so values are reused across steps, and every value feeds the root.
    """
    nodes = [Value(draw(ANY), label=f"x{i}") for i in range(draw(st.integers(1, 3)))]
    for _ in range(draw(st.integers(1, 8))):
        step = draw(st.sampled_from(STEPS))
        operands = []
        for domain in step.domains:
            check = FITS.get(id(domain), lambda x: False)  # another domain: a fresh leaf
            fits = [node for node in nodes if check(node.data)]
            if fits and draw(st.integers(0, 3)) > 0:  # mostly reuse an earlier value
                operands.append(draw(st.sampled_from(fits)))
            else:
                operands.append(Value(draw(domain), label=f"x{len(nodes)}"))
                nodes.append(operands[-1])
        nodes.append(step.fn(*operands))
    root = nodes[0]
    for node in nodes[1:]:
        root = root + node
    return root


def assert_replay_agrees(table: ReplayTable) -> None:
    for row in table:
        assert row.difference <= 1e-12 * max(1.0, abs(row.grad), abs(row.data)), row
        assert row.agrees, row


@pytest.mark.torch
@given(root=programs())
def test_replay_agrees_with_torch_on_every_node_of_random_programs(torch, root):
    table = replay_in_torch(root)
    assert_replay_agrees(table)
    for row in table:
        assert (row.grad_fn is None) == (row.op == ""), row
        if row.grad_fn is not None:
            assert re.fullmatch(r"\w+Backward\d", row.grad_fn), row
    assert table[-1].grad == table[-1].torch_grad == 1.0


@pytest.mark.torch
def test_the_worked_example_agrees_to_1e_16_and_maps_each_op_to_its_grad_fn(torch):
    net = build_network()
    table = replay_in_torch(net.loss)
    assert len(table) == 42
    assert table.largest_difference <= 1e-16
    assert table.largest_difference == max(row.difference for row in table)
    assert table.grad_fns() == {
        "*": "MulBackward0",
        "+": "AddBackward0",
        "sigmoid": "SigmoidBackward0",
        "log": "LogBackward0",
    }
    by_label = {row.label: row for row in table if row.label}
    assert by_label["L"].op == "*"
    assert by_label["h1"].grad_fn == "SigmoidBackward0"
    assert by_label["w11(1)"].grad_fn is None


@pytest.mark.torch
def test_every_primitive_has_its_grad_fn(torch):
    a, b = Value(0.7, label="a"), Value(1.3, label="b")
    parts = [a + b, a * b, a / b, a**b, a**3, a.exp(), a.log(), a.tanh(), a.sigmoid(), a.relu()]
    root = parts[0]
    for part in parts[1:]:
        root = root + part
    table = replay_in_torch(root)
    assert table.grad_fns() == {
        "+": "AddBackward0",
        "*": "MulBackward0",
        "/": "DivBackward0",
        "**": "PowBackward1",
        "**3": "PowBackward0",
        "exp": "ExpBackward0",
        "log": "LogBackward0",
        "tanh": "TanhBackward0",
        "sigmoid": "SigmoidBackward0",
        "ReLU": "ReluBackward0",
    }
    assert table.largest_difference <= 1e-15


@pytest.mark.torch
@pytest.mark.parametrize("power", [2, -1, 0.5, -1.5, 1e-05, 3.0])
def test_constant_powers_are_replayed_with_their_exponent(torch, power):
    x = Value(1.7)
    table = replay_in_torch(x**power)
    assert table[-1].op == f"**{power}"
    assert table[-1].grad_fn == "PowBackward0"
    assert_replay_agrees(table)


@pytest.mark.torch
def test_the_moons_mlp_loss_agrees_node_by_node(torch):
    X, y = make_moons(n=8, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    scores = [as_list(model(x))[0] for x in X]
    loss = hinge(scores, to_plus_minus_one(y)) + 1e-4 * l2(model.parameters())
    table = replay_in_torch(loss)
    assert len(table) > 5000
    assert table.largest_difference <= 1e-12
    assert set(table.grad_fns()) == {"*", "+", "ReLU"}


@pytest.mark.torch
def test_replay_leaves_every_grad_as_it_was(torch):
    net = build_network()
    net.loss.backward()
    net.loss.backward()  # leaves now hold twice their gradient
    nodes = [net.loss, net.h1, net.z_2, *net.params.values(), net.x1]
    before = [node.grad for node in nodes]
    fresh = Value(2.0) * net.h1  # a node no backward pass reached: grad still the int 0
    replay_in_torch(fresh)
    replay_in_torch(net.loss)
    assert [node.grad for node in nodes] == before
    assert fresh.grad == 0
    assert type(fresh.grad) is int


@pytest.mark.torch
def test_an_edited_row_of_the_table_shows_as_a_difference(torch, monkeypatch):
    # d(a*b)/db should be a, not b: the replay finds every node the wrong rule reaches.
    monkeypatch.setitem(PRIMITIVES, "*", Primitive("*", lambda a, b: (a * b, b, b)))
    a, b = Value(0.3, label="a"), Value(-0.2, label="b")
    table = replay_in_torch((a * b).tanh())  # d/db is a * tanh' = 0.3 * 0.996, not b * ...
    rows = {row.label: row for row in table}
    assert rows["a"].difference < 1e-15
    assert rows["b"].difference > 0.4
    assert table.largest_difference == rows["b"].difference
    assert table.largest(1)[0].label == "b"
    assert [row.label for row in table if not row.agrees] == ["b"]
    assert len(table.largest(0)) == 0
    with pytest.raises(ValueError, match=r"ReplayTable\.largest: n must be"):
        table.largest(-1)
    assert 'style="background' in table._repr_html_()


@pytest.mark.torch
def test_replay_refuses_a_hand_built_node_and_an_unknown_op(torch):
    a, b = Value(1.0), Value(2.0)
    by_hand = Value(3.0, (a, b), "myop", label="c")
    with pytest.raises(ValueError, match=r"node #2 c\('myop'.*built by hand"):
        replay_in_torch(by_hand * 2)
    sin = Primitive("sin", lambda x: (math.sin(x), math.cos(x)))
    new = record(sin, math.sin(1.0), a, math.cos(1.0))
    with pytest.raises(ValueError, match="no counterpart here for 'sin'; replay_in_torch knows"):
        replay_in_torch(new)
    with pytest.raises(TypeError, match="root must be a Value, got float"):
        replay_in_torch(1.0)  # type: ignore[arg-type]


@pytest.mark.torch
def test_a_leaf_root_and_infinite_and_nan_values(torch):
    table = replay_in_torch(Value(2.5, label="x"))
    assert [(row.label, row.grad, row.torch_grad, row.difference) for row in table] == [
        ("x", 1.0, 1.0, 0.0)
    ]
    table = replay_in_torch(Value(1000.0).exp() * Value(0.0))  # inf * 0 = nan, in both
    assert table[-1].data != table[-1].data
    assert table[-1].difference == 0.0


# -- rendering --------------------------------------------------------------------------


@pytest.mark.torch
def test_the_text_table_is_aligned_with_one_line_per_node(torch):
    table = replay_in_torch(build_network().loss)
    lines = str(table).splitlines()
    assert len(lines) == len(table) + 2
    header, *rows, summary = lines
    assert header.split() == [
        "node",
        "op",
        "data",
        "torch",
        "data",
        "grad",
        "torch",
        "grad",
        "|difference|",
        "grad_fn",
    ]
    column = header.index("grad_fn")
    assert all(line[column - 2 : column] == "  " and line[column] != " " for line in rows)
    end = header.index("|difference|") + len("|difference|")
    assert all(line[end - 1] != " " and line[end : end + 2] == "  " for line in rows)
    assert rows[-1].startswith("L ")
    assert rows[-1].endswith("MulBackward0")
    assert summary == f"largest difference: {table.largest_difference:.3g} over 42 nodes"


@pytest.mark.torch
def test_the_html_table_escapes_labels_and_has_a_row_per_node(torch):
    x = Value(2.0, label="<b>x & y</b>")
    table = replay_in_torch(x * x)
    page = table._repr_html_()
    assert "<b>x" not in page
    assert html.escape("<b>x & y</b>") in page
    assert page.count("<tr") == len(table) + 1  # the header row, then one per node
    assert "MulBackward0" in page
    assert "background" not in page


# -- the same training in both -----------------------------------------------------------


@pytest.mark.torch
def test_the_moons_training_has_torchs_losses_to_1e_10_for_20_steps(torch):
    # The comparison notebook 08 shows: micrograd's moons MLP, full batch, hinge + L2.
    X, y = make_moons(n=100, noise=0.1, seed=1)
    model = MLP(2, [16, 16, 1], seed=1)
    before = model.state_dict()
    result = compare_training(model, X, to_plus_minus_one(y), steps=20, lr=0.1, alpha=1e-4)
    assert len(result.ours) == len(result.torch) == 20
    assert result.largest_difference <= 1e-10
    assert result.largest_weight_difference <= 1e-10
    assert result.ours[-1] < 0.8 * result.ours[0]  # it did train
    assert model.state_dict() == before
    assert str(result).splitlines()[-1].startswith("largest loss difference")


@pytest.mark.torch
def test_training_with_momentum_agrees_too(torch):
    X, y = make_moons(n=30, noise=0.1, seed=2)
    model = MLP(2, [6, 1], activation="tanh", seed=2)
    result = compare_training(model, X, to_plus_minus_one(y), steps=20, lr=0.05, momentum=0.9)
    assert result.largest_difference <= 1e-10
    assert result.largest_weight_difference <= 1e-10


@pytest.mark.torch
def test_compare_training_refuses_several_outputs_and_mismatched_data(torch):
    with pytest.raises(ValueError, match="takes one score, but the model has 2 outputs"):
        compare_training(MLP(2, [2]), [[0.0, 0.0]], [1])
    with pytest.raises(ValueError, match="2 samples but 1 labels"):
        compare_training(MLP(2, [1]), [[0.0, 0.0], [1.0, 1.0]], [1])


# -- without torch -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "argument"),
    [
        (to_torch, MLP(2, [1], seed=0)),
        (from_torch, None),
        (replay_in_torch, Value(1.0)),
        (lambda model: compare_training(model, [[0.0, 0.0]], [1]), MLP(2, [1], seed=0)),
    ],
    ids=["to_torch", "from_torch", "replay_in_torch", "compare_training"],
)
def test_without_torch_every_function_names_the_extra(monkeypatch, function, argument):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    with pytest.raises(ImportError) as error:
        function(argument)
    message = str(error.value)
    assert 'pip install "micrograd_like[torch]"' in message
    assert "CPU build" in message
    assert "torch==2.13.0" in message


def test_importing_the_bridge_does_not_import_torch():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import micrograd_like.torch_bridge as bridge\n"
        "try:\n"
        "    bridge.to_torch(None)\n"
        "except ImportError as error:\n"
        "    print('ImportError', 'micrograd_like[torch]' in str(error))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout == "ImportError True\n"

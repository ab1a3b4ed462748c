"""The nn layer: micrograd compatibility, initialisation, naming, all-or-nothing loading."""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Sequence
from typing import Any

import pytest

from micrograd_like import Value, no_grad, topological_order
from micrograd_like.files import write_json
from micrograd_like.nn import (
    MAX_PARAMETERS,
    MLP,
    Layer,
    Neuron,
    mlp_from_dict,
    mlp_to_dict,
    parameter_count,
    record_calls,
)


def test_mlp_2_16_16_1_has_337_parameters_in_micrograds_order():
    model = MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()
    assert len(params) == 337
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert names[-1] == "layers.2.neurons.0.b"
    assert [p for _, p in model.named_parameters()] == params


def test_defaults_are_micrograds_relu_hidden_linear_output_uniform_weights_zero_bias():
    model = MLP(2, [16, 16, 1], seed=0)
    assert model.activations == ["relu", "relu", "linear"]
    for layer in model.layers:
        for neuron in layer.neurons:
            assert neuron.b.data == 0.0
            assert all(-1.0 <= w.data <= 1.0 for w in neuron.w)
    assert repr(model.layers[2].neurons[0]) == "LinearNeuron(16)"
    assert repr(model.layers[0]).startswith("Layer of [ReLUNeuron(2), ReLUNeuron(2)")
    assert repr(model).startswith("MLP of [Layer of [ReLUNeuron(2)")


def test_same_global_seed_gives_micrograds_exact_weights_and_outputs():
    micrograd_nn = pytest.importorskip("micrograd.nn")
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert repr(ours) == repr(theirs)
    out = ours([0.5, -1.5])
    assert isinstance(out, Value)
    assert out.data == theirs([0.5, -1.5]).data


def micrograd_demo_step(nn_module, engine_module, steps: int = 3) -> list[float]:
    """micrograd's demo training loop, unchanged except for the modules passed in."""
    random.seed(1337)
    X = [[random.uniform(-1.5, 2.5), random.uniform(-1, 1.5)] for _ in range(30)]
    y = [1 if random.random() < 0.5 else -1 for _ in range(30)]
    model = nn_module.MLP(2, [16, 16, 1])
    history = []
    for k in range(steps):
        inputs = [list(map(engine_module.Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append(total_loss.data)
    return history


def test_micrograd_demo_runs_with_changed_imports_and_matches_micrograd():
    from micrograd_like import engine, nn

    ours = micrograd_demo_step(nn, engine)
    assert ours[-1] < ours[0]
    micrograd_nn = pytest.importorskip("micrograd.nn")
    micrograd_engine = pytest.importorskip("micrograd.engine")
    theirs = micrograd_demo_step(micrograd_nn, micrograd_engine)
    assert ours == pytest.approx(theirs, rel=1e-12)


def test_one_unit_hidden_layers_work():
    model = MLP(2, [16, 1, 1], seed=0)  # micrograd: TypeError, a bare Value is not iterable
    out = model([0.5, -0.5])
    assert isinstance(out, Value)
    out.backward()
    assert len(model.parameters()) == 16 * 3 + 17 + 2


def test_layer_returns_a_list_or_a_bare_value_like_micrograd():
    assert isinstance(Layer(2, 3, seed=0)([1.0, 2.0]), list)
    assert isinstance(Layer(2, 1, seed=0)([1.0, 2.0]), Value)


@pytest.mark.parametrize(
    ("activation", "expected"),
    [
        ("relu", lambda z: max(z, 0.0)),
        ("tanh", math.tanh),
        ("sigmoid", lambda z: 1 / (1 + math.exp(-z))),
        ("linear", lambda z: z),
    ],
)
def test_each_activation(activation, expected):
    neuron = Neuron(2, activation=activation, seed=3)
    z = neuron.w[0].data * 0.7 + neuron.w[1].data * -0.2 + neuron.b.data
    assert neuron([0.7, -0.2]).data == pytest.approx(expected(z), rel=1e-15, abs=1e-15)


def test_activation_per_layer_and_seeds_reproduce():
    a = MLP(3, [4, 4, 2], activation=["tanh", "sigmoid", "linear"], seed=7)
    b = MLP(3, [4, 4, 2], activation=["tanh", "sigmoid", "linear"], seed=7)
    c = MLP(3, [4, 4, 2], activation=["tanh", "sigmoid", "linear"], seed=8)
    assert a.state_dict() == b.state_dict()
    assert a.state_dict() != c.state_dict()
    assert a.activations == ["tanh", "sigmoid", "linear"]
    rng = random.Random(5)
    d = MLP(3, [4], rng=rng)
    assert d.state_dict() == MLP(3, [4], rng=random.Random(5)).state_dict()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: MLP(0, [1]), "MLP: nin must be a whole number >= 1, got 0"),
        (lambda: MLP(2, []), "non-empty list"),
        (lambda: MLP(2, [3, 0]), r"MLP: nouts\[1\] must be a whole number >= 1, got 0"),
        (lambda: MLP(2, [3, 1], activation="swish"), "activation must be one of"),
        (lambda: MLP(2, [3, 1], activation=["relu"]), "1 activations given for 2 layers"),
        (lambda: MLP(2, [3], seed=1, rng=random.Random(1)), "seed or rng, not both"),
        (lambda: Neuron(2)([1.0, 2.0, 3.0]), r"ReLUNeuron\(2\) expects 2 input\(s\), got 3"),
    ],
)
def test_bad_arguments_raise_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: MLP(True, [1]), "MLP: nin must be a whole number >= 1, got bool: True"),
        (lambda: MLP(2, [3, True]), r"MLP: nouts\[1\] must be a whole number >= 1, got bool"),
        (lambda: MLP(2.0, [1]), "MLP: nin .* got float: 2.0"),  # type: ignore[arg-type]
        (lambda: Neuron(True), "Neuron: nin must be a whole number"),
        (lambda: Layer(2, True), "Layer: nout must be a whole number"),
        (lambda: MLP(2, [1], seed=True), "MLP: seed must be None or a whole number, got bool"),
        (lambda: Layer(2, 3, seed=True), "Layer: seed must be None or a whole number"),
        (lambda: Neuron(2, seed=1.5), "Neuron: seed .* got float"),  # type: ignore[arg-type]
    ],
)
def test_a_bool_or_a_float_is_not_a_size_or_a_seed(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_a_layer_given_seed_and_rng_refuses_instead_of_dropping_rng():
    with pytest.raises(ValueError, match="Layer: give seed or rng, not both"):
        Layer(2, 3, seed=1, rng=random.Random(1))


def test_a_number_input_too_large_for_a_float_is_a_value_error_naming_the_input():
    neuron = Neuron(2, seed=0)
    with pytest.raises(ValueError, match=r"ReLUNeuron\(2\): input x2 is too large for a float"):
        neuron([1.0, 10**400])
    with pytest.raises(TypeError, match=r"ReLUNeuron\(2\): input x1 must be a Value or a real"):
        neuron([True, 1.0])


def test_a_saved_model_with_a_bad_shape_is_a_value_error_as_every_bad_document():
    document = mlp_to_dict(MLP(2, [3, 1], seed=0))
    with pytest.raises(
        ValueError, match=r"mlp_from_dict: sizes\[1\] must be a whole number .*, got bool: True"
    ):
        mlp_from_dict({**document, "sizes": [2, True, 1]})
    with pytest.raises(ValueError, match=r"mlp_from_dict: state must map .*, got \[0.0\]"):
        mlp_from_dict({**document, "state": [0.0]})


def test_a_neuron_takes_values_numbers_or_a_mix_and_names_itself_when_refusing():
    neuron = Neuron(3, nonlin=False, seed=2)
    w, b = [p.data for p in neuron.w], neuron.b.data
    expected = b + w[0] * 1.0 + w[1] * -2.0 + w[2] * 0.5
    given = Value(0.5, label="given")
    ways: list[Sequence[Value | float]] = [
        [Value(1.0), Value(-2.0), given],
        [1.0, -2, given],
        (1.0, -2.0, given),
    ]
    for x in ways:
        out = neuron(x)
        assert out.data == expected
        out.backward()
        assert given.grad == w[2]
        given.grad = 0.0
    # Numbers given to a neuron are its labelled inputs, as for a layer.
    leaves = [v for v in topological_order(neuron([1.0, -2.0, given])) if v._op == ""]
    assert {v.label for v in leaves} >= {"x1", "x2", "given"}
    with pytest.raises(
        TypeError, match=r"LinearNeuron\(3\): input x2 must be a Value or a real number, got str"
    ):
        neuron([Value(1.0), "two", 3.0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"LinearNeuron\(3\) expects 3 input\(s\), got 2"):
        neuron([Value(1.0), Value(2.0)])
    with no_grad():
        assert neuron([Value(1.0), Value(-2.0), given])._prev == ()


def test_zero_grad_clears_every_parameter():
    model = MLP(2, [3, 1], seed=0)
    out = model([1.0, 2.0])
    assert isinstance(out, Value)
    out.backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


# -- state dicts: plain JSON, loaded all or nothing --


def test_state_dict_round_trips_through_json():
    model = MLP(2, [4, 1], seed=0)
    state = json.loads(json.dumps(model.state_dict()))
    other = MLP(2, [4, 1], seed=99)
    other.load_state_dict(state)
    assert other.state_dict() == model.state_dict()
    mine, theirs = other([0.3, 0.4]), model([0.3, 0.4])
    assert isinstance(mine, Value)
    assert isinstance(theirs, Value)
    assert mine.data == theirs.data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("layers.1.neurons.0.b"), r"missing \['layers\.1\.neurons\.0\.b'\]"),
        (lambda s: s.update({"layers.9.w": 1.0}), r"unknown \['layers\.9\.w'\]"),
        (
            lambda s: s.update({"layers.0.neurons.0.w.0": "1.0"}),
            r"state\['layers.0.neurons.0.w.0'\] must be a real number, got str",
        ),
        (
            lambda s: s.update({"layers.0.neurons.0.w.0": math.nan}),
            "must be a finite number, got nan",
        ),
        (
            lambda s: s.update({"layers.0.neurons.0.b": True}),
            r"state\['layers.0.neurons.0.b'\] must be a real number, got bool: True",
        ),
        (
            lambda s: s.update({"layers.0.neurons.0.b": 10**400}),
            r"state\['layers.0.neurons.0.b'\] is too large for a float, got 1000.*401 digits",
        ),
    ],
)
def test_a_refused_state_leaves_the_model_unchanged(change, message):
    model = MLP(2, [4, 1], seed=0)
    before = model.state_dict()
    state = {name: value + 1.0 for name, value in before.items()}
    change(state)
    with pytest.raises(ValueError, match=message) as info:
        model.load_state_dict(state)
    assert str(info.value).endswith("the model is unchanged")
    assert model.state_dict() == before


def test_a_state_of_another_shape_is_refused():
    model = MLP(2, [4, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="does not fit MLP"):
        model.load_state_dict(MLP(2, [5, 1], seed=0).state_dict())
    assert model.state_dict() == before
    with pytest.raises(TypeError, match="expected a mapping"):
        model.load_state_dict([1.0, 2.0])  # type: ignore[arg-type]


def test_saved_model_document_rebuilds_the_same_model():
    model = MLP(2, [4, 3], activation="tanh", seed=1)
    document = json.loads(json.dumps(mlp_to_dict(model)))
    rebuilt = mlp_from_dict(document)
    assert rebuilt.sizes == [2, 4, 3]
    assert rebuilt.activations == ["tanh", "linear"]
    assert rebuilt.state_dict() == model.state_dict()
    with pytest.raises(ValueError, match="not a saved micrograd_like MLP"):
        mlp_from_dict({"format": "pickle"})
    with pytest.raises(ValueError, match="version 2 is not supported"):
        mlp_from_dict({**document, "version": 2})


@pytest.mark.parametrize(
    "sizes", [[2, 16, 16, 1], [1, 1], [3, 4, 1, 2], (5, 7), [2, 1, 1, 1, 1, 3]]
)
def test_parameter_count_is_what_the_model_would_have(sizes):
    model = MLP(sizes[0], list(sizes[1:]), seed=0)
    assert parameter_count(sizes) == len(model.parameters())


@pytest.mark.parametrize(
    ("sizes", "error", "message"),
    [
        (
            [2, True],
            TypeError,
            r"parameter_count: sizes\[1\] must be a whole number >= 1, got bool",
        ),
        ([2, 2.0], TypeError, r"parameter_count: sizes\[1\] .* got float: 2.0"),
        ([2, 0], ValueError, r"parameter_count: sizes\[1\] must be a whole number >= 1, got 0"),
        ([2], ValueError, "parameter_count: sizes must be a list .* got 1"),
        ("2,16", TypeError, "parameter_count: sizes must be a list .* got str"),
    ],
)
def test_parameter_count_refuses_what_is_not_an_mlps_sizes(sizes, error, message):
    with pytest.raises(error, match=message):
        parameter_count(sizes)


# A 117-byte document (131 bytes as json.dumps spaces it) asking for 9,015,001 parameters.
HUGE = (
    '{"format":"micrograd_like.MLP","version":1,"sizes":[2,3000,3000,1],'
    '"activations":["relu","relu","linear"],"state":{}}'
)


def test_a_small_document_asking_for_a_huge_model_is_refused_before_anything_is_built():
    start = time.perf_counter()
    with pytest.raises(
        ValueError,
        match=r"mlp_from_dict: sizes \[2, 3000, 3000, 1\] give 9,015,001 parameters, "
        r"more than MAX_PARAMETERS = 1,000,000; nothing was built",
    ):
        mlp_from_dict(json.loads(HUGE))
    assert time.perf_counter() - start < 0.5  # building it took minutes, then MemoryError
    assert MAX_PARAMETERS == 1_000_000
    assert parameter_count([2, 3000, 3000, 1]) == 9_015_001


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        (
            [2, 10**400, 1],
            r"sizes\[1\] must be a whole number from 1 to 1000000, got 1000.* \(401 digits\)",
        ),
        ([2, MAX_PARAMETERS + 1], r"sizes\[1\] .* from 1 to 1000000, got 1000001"),
        ([2, -1], r"sizes\[1\] must be a whole number from 1 to 1000000, got -1"),
        ([2, "3"], r"sizes\[1\] .* got str: '3'"),
        ([2, 3.0], r"sizes\[1\] .* got float: 3.0"),
        ([2, False], r"sizes\[1\] .* got bool: False"),
        (None, "sizes must be a list of the inputs and every layer's size .*, got NoneType"),
        ([2], "sizes must be a list .* got 1"),
    ],
)
def test_a_document_with_bad_sizes_is_a_value_error_naming_mlp_from_dict_and_the_value(
    sizes, message
):
    document = {**mlp_to_dict(MLP(2, [3, 1], seed=0)), "sizes": sizes}
    with pytest.raises(ValueError, match="mlp_from_dict: " + message):
        mlp_from_dict(document)


def test_a_state_that_does_not_fit_the_sizes_is_refused_before_building(monkeypatch):
    built = []
    monkeypatch.setattr(Neuron, "__init__", lambda *a, **k: built.append(a))
    small = {
        "format": "micrograd_like.MLP",
        "version": 1,
        "sizes": [2, 3, 1],
        "activations": ["relu", "linear"],
    }
    state = {f"layers.0.neurons.{j}.{n}": 0.5 for j in range(3) for n in ("w.0", "w.1", "b")}
    state |= {f"layers.1.neurons.0.{n}": 0.5 for n in ("w.0", "w.1", "w.2", "b")}
    too_few = {k: v for k, v in state.items() if k != "layers.1.neurons.0.b"}
    renamed = {**too_few, "layers.1.neurons.0.bias": 0.0}
    for bad, message in [
        (
            too_few,
            r"the state has 12 parameters and sizes \[2, 3, 1\] need 13: "
            r"missing \['layers.1.neurons.0.b'\], unknown \[\]",
        ),
        (
            renamed,
            r"the state has 13 parameters .* need 13: "
            r"missing \['layers.1.neurons.0.b'\], unknown \['layers.1.neurons.0.bias'\]",
        ),
        (
            {**state, "extra": 1.0},
            r"the state has 14 parameters .* missing \[\], unknown \['extra'\]",
        ),
    ]:
        with pytest.raises(ValueError, match="mlp_from_dict: " + message):
            mlp_from_dict({**small, "state": bad})
    assert built == []  # not one neuron was made
    monkeypatch.undo()
    assert mlp_from_dict({**small, "state": state}).state_dict() == state


def _long_documents() -> dict[str, dict[str, Any]]:
    """Saved models whose every fault echoes a huge value: a 1 MB name, 200,000 sizes, ..."""
    document = mlp_to_dict(MLP(2, [1], seed=0))
    many = [1] * 200_000
    return {
        "200,000 sizes": {**document, "sizes": many, "activations": ["linear"] * 199_999},
        "too many parameters": {**document, "sizes": [1000] * 2_000},
        "1 MB unknown name": {**document, "state": {**document["state"], "x" * 10**6: 1.0}},
        "1 MB missing name": {**document, "state": {"x" * 10**6: 1.0}},
        "1 MB version": {**document, "version": "v" * 10**6},
        "huge int version": {**document, "version": 10**5000},
        "1 MB activation": {**document, "activations": ["a" * 10**6]},
        "200,000 activations": {**document, "activations": many},
        "1 MB state": {**document, "state": ["x" * 10**6]},
    }


@pytest.mark.parametrize("name", list(_long_documents()))
def test_every_message_of_mlp_from_dict_is_short_whatever_the_document_holds(name):
    with pytest.raises(ValueError, match=r"^mlp_from_dict: ") as refused:
        mlp_from_dict(_long_documents()[name])
    assert len(str(refused.value)) < 400, str(refused.value)[:500]


def test_a_long_unknown_name_of_a_state_is_cut_in_load_state_dict_too():
    model = MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match=r"unknown \['xxx+'\.\.\. \(1000000 characters\)\]"):
        model.load_state_dict({**model.state_dict(), "x" * 10**6: 1.0})


@pytest.mark.parametrize("version", [True, False, "1", 2, None])
def test_a_version_that_is_not_the_number_1_is_refused(version):
    # True == 1 in Python, but a bool is no version number, as it is no number anywhere here.
    document = {**mlp_to_dict(MLP(2, [1], seed=0)), "version": version}
    with pytest.raises(ValueError, match=f"saved MLP version {version!r} is not supported"):
        mlp_from_dict(document)


def test_a_document_round_trips_exactly_through_a_json_file(tmp_path):
    model = MLP(3, [5, 4, 2], activation=["tanh", "sigmoid", "linear"], seed=7)
    model.parameters()[3].data = 1e-300  # every float, tiny or not, comes back bit for bit
    path = write_json(tmp_path / "model.json", mlp_to_dict(model))
    rebuilt = mlp_from_dict(json.loads(path.read_text(encoding="utf-8")))
    assert rebuilt.sizes == model.sizes == [3, 5, 4, 2]
    assert rebuilt.activations == model.activations
    assert rebuilt.state_dict() == model.state_dict()
    assert list(rebuilt.state_dict()) == list(model.state_dict())
    out, expected = rebuilt([0.1, -0.2, 0.3]), model([0.1, -0.2, 0.3])
    assert isinstance(out, list)
    assert isinstance(expected, list)
    assert [v.data for v in out] == [v.data for v in expected]


# -- recording calls, for diagrams grouped by module --


def test_record_calls_sees_every_module_call_with_its_inputs_and_outputs():
    model = MLP(2, [3, 1], seed=0)
    with record_calls() as calls:
        out = model([1.0, 2.0])
    assert [c.name for c in calls] == ["Neuron"] * 3 + ["Layer"] + ["Neuron", "Layer", "MLP"]
    assert calls[-1].module is model
    assert calls[-1].outputs == (out,)
    assert [v.label for v in calls[-1].inputs] == ["x1", "x2"]
    assert calls[-2].inputs == calls[3].outputs  # layer 1 consumed layer 0's outputs
    model([1.0, 2.0])
    assert len(calls) == 7  # nothing is recorded outside the block

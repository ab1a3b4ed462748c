"""The report's worked example: the engine's numbers against a hand derivation and PyTorch."""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path

import pytest

from micrograd_like import worked_example
from micrograd_like.worked_example import (
    DEFAULT_LR,
    INPUTS,
    PARAMETER_NAMES,
    REPORT_PARAMETERS,
    REPORT_PATH,
    REPORT_TITLE,
    build_network,
    run,
    to_json,
    to_markdown,
    to_text,
)
from tests.cli import assert_usage_error, run_cli

TOL = 1e-12


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def by_hand(p: dict[str, float], x1: float, x2: float, y: float) -> dict[str, float]:
    """The example derived in closed form with plain floats, independently of the engine."""
    z1 = p["w11_1"] * x1 + p["w21_1"] * x2 + p["b1_1"]
    z2 = p["w12_1"] * x1 + p["w22_1"] * x2 + p["b2_1"]
    h1, h2 = sigmoid(z1), sigmoid(z2)
    z = p["w1_2"] * h1 + p["w2_2"] * h2 + p["b_2"]
    yp = sigmoid(z)
    loss = -(y * math.log(yp) + (1 - y) * math.log(1 - yp))
    dz = yp - y  # dL/dz for sigmoid + binary cross-entropy
    dz1 = dz * p["w1_2"] * h1 * (1 - h1)
    dz2 = dz * p["w2_2"] * h2 * (1 - h2)
    return {
        "z1_1": z1,
        "z2_1": z2,
        "h1": h1,
        "h2": h2,
        "z_2": z,
        "y_pred": yp,
        "loss": loss,
        "d_w11_1": dz1 * x1,
        "d_w21_1": dz1 * x2,
        "d_w12_1": dz2 * x1,
        "d_w22_1": dz2 * x2,
        "d_b1_1": dz1,
        "d_b2_1": dz2,
        "d_w1_2": dz * h1,
        "d_w2_2": dz * h2,
        "d_b_2": dz,
    }


HAND = by_hand(dict(REPORT_PARAMETERS), INPUTS["x1"], INPUTS["x2"], INPUTS["y"])


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOL, abs_tol=TOL)


def test_forward_pass_matches_the_hand_derivation():
    example = run()
    for key, value in example.forward.items():
        assert close(value, HAND[key]), key


def test_report_inputs_give_the_numbers_a_student_computes():
    forward = run().forward
    assert close(forward["z1_1"], 0.525)  # 0.15*0.5 + (-0.2)*(-0.5) + 0.35
    assert close(forward["z2_1"], -0.325)  # 0.25*0.5 + 0.2*(-0.5) - 0.35


@pytest.mark.parametrize("name", PARAMETER_NAMES)
def test_gradient_matches_the_hand_derivation(name: str):
    assert close(run().grads[name], HAND[f"d_{name}"])


@pytest.mark.parametrize("name", PARAMETER_NAMES)
def test_chain_rule_product_equals_the_engine_gradient(name: str):
    product = next(r for r in run().products if r.param == name)
    assert close(product.product, product.engine_grad)
    assert close(product.product, HAND[f"d_{name}"])


@pytest.mark.torch
def test_forward_and_gradients_match_torch_float64():
    torch = pytest.importorskip("torch")
    t = {
        n: torch.tensor(v, dtype=torch.float64, requires_grad=True)
        for n, v in REPORT_PARAMETERS.items()
    }
    x1, x2, y = (torch.tensor(INPUTS[k], dtype=torch.float64) for k in ("x1", "x2", "y"))
    h1 = torch.sigmoid(t["w11_1"] * x1 + t["w21_1"] * x2 + t["b1_1"])
    h2 = torch.sigmoid(t["w12_1"] * x1 + t["w22_1"] * x2 + t["b2_1"])
    y_pred = torch.sigmoid(t["w1_2"] * h1 + t["w2_2"] * h2 + t["b_2"])
    loss = torch.nn.functional.binary_cross_entropy(y_pred, y)
    loss.backward()
    example = run()
    assert close(example.forward["loss"], loss.item())
    assert close(example.forward["y_pred"], y_pred.item())
    for name in PARAMETER_NAMES:
        assert close(example.grads[name], t[name].grad.item()), name


def test_a_large_learning_rate_saturates_the_sigmoid_and_the_loss_stays_finite():
    # lr=100 drives y_pred to exactly 1.0: log(1 - y_pred) is log(0), clamped at -100
    # as in PyTorch's BCELoss, and multiplied by 1 - y = 0.
    example = run(lr=100, steps=2)
    assert example.loss_history == [0.0, 0.0]
    # No gradient passes a saturated sigmoid: the second update changes nothing.
    assert example.final == example.updated
    assert re.search(r"^  1 +0$", to_text(example), re.M)  # 0, not -0


@pytest.mark.torch
def test_the_loss_at_a_saturated_sigmoid_matches_torch_float64():
    torch = pytest.importorskip("torch")
    updated = run(lr=100).updated
    t = {n: torch.tensor(v, dtype=torch.float64) for n, v in updated.items()}
    x1, x2, y = (torch.tensor(INPUTS[k], dtype=torch.float64) for k in ("x1", "x2", "y"))
    h1 = torch.sigmoid(t["w11_1"] * x1 + t["w21_1"] * x2 + t["b1_1"])
    h2 = torch.sigmoid(t["w12_1"] * x1 + t["w22_1"] * x2 + t["b2_1"])
    y_pred = torch.sigmoid(t["w1_2"] * h1 + t["w2_2"] * h2 + t["b_2"])
    assert y_pred.item() == 1.0
    loss = torch.nn.functional.binary_cross_entropy(y_pred, y)
    net = build_network(updated)
    assert net.loss.data == loss.item() == 0.0
    away = build_network(updated, {**INPUTS, "y": 0.0})  # the clamp decides the whole loss
    assert away.loss.data == torch.nn.functional.binary_cross_entropy(y_pred, 1 - y).item()
    assert away.loss.data == 100.0


def test_cli_seed_with_a_large_learning_rate_runs():
    result = run_cli("seed", "--lr", "100", "--steps", "2")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_update_applies_the_rule_to_every_parameter():
    example = run(lr=0.1)
    for name in PARAMETER_NAMES:
        expected = REPORT_PARAMETERS[name] - 0.1 * HAND[f"d_{name}"]
        assert close(example.updated[name], expected), name


def test_loss_history_is_the_loss_after_each_update_and_goes_down():
    example = run(steps=4)
    assert example.steps == 4
    params = dict(REPORT_PARAMETERS)
    for k in range(4):
        hand = by_hand(params, INPUTS["x1"], INPUTS["x2"], INPUTS["y"])
        params = {n: params[n] - DEFAULT_LR * hand[f"d_{n}"] for n in PARAMETER_NAMES}
        after = by_hand(params, INPUTS["x1"], INPUTS["x2"], INPUTS["y"])["loss"]
        assert close(example.loss_history[k], after)
    assert all(b < a for a, b in itertools.pairwise(example.loss_history))
    assert example.loss_history[0] < example.forward["loss"]
    assert example.final == pytest.approx(params, rel=TOL)


def test_network_is_built_from_value_operations_with_report_labels():
    net = build_network()
    labels = {node.label for node in (net.z1_1, net.h1, net.z_2, net.y_pred, net.loss)}
    assert labels == {"z1(1)", "h1", "z(2)", "y_pred", "L"}
    assert net.h1._op == "sigmoid"
    assert net.params["w11_1"].label == "w11(1)"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"lr": -1.0}, "lr"), ({"lr": math.nan}, "lr"), ({"steps": 0}, "steps")],
)
def test_run_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        run(**kwargs)


def test_build_network_rejects_missing_and_unknown_parameters():
    params = dict(REPORT_PARAMETERS)
    del params["b_2"]
    params["w99_1"] = 0.0
    with pytest.raises(ValueError, match=r"missing \['b_2'\], unknown \['w99_1'\]"):
        build_network(params)


# -- the output formats --


def test_json_has_the_documented_keys_at_full_precision():
    document = json.loads(to_json(run(steps=3)))
    assert {"lr", "forward", "params", "grads", "updated", "loss_history"} <= set(document)
    assert set(document["forward"]) == {"z1_1", "z2_1", "h1", "h2", "z_2", "y_pred", "loss"}
    for key in ("params", "grads", "updated"):
        assert list(document[key]) == list(PARAMETER_NAMES)
    assert document["lr"] == DEFAULT_LR
    assert len(document["loss_history"]) == 3
    assert document["grads"]["w11_1"] == run().grads["w11_1"]  # exact: repr round-trips
    assert close(document["grads"]["w11_1"], HAND["d_w11_1"])


def test_text_shows_every_section_and_states_the_default_learning_rate():
    text = to_text(run())
    for heading in ("1. Forward pass", "2. Backward pass", "3. Backward pass", "4. Update"):
        assert heading in text
    assert "the report gives none" in text
    assert "w_ij(1) joins input x_i to hidden neuron h_j" in text
    assert f"{HAND['d_w11_1']:.12g}" in text
    assert "0.525" in text


def test_markdown_renders_tables():
    markdown = to_markdown(run(steps=2))
    assert "| parameter | old | dL/dw | eta * dL/dw | new |" in markdown
    assert "## 5. Loss after each of 2 steps" in markdown


def test_cli_seed_json_matches_the_library():
    result = run_cli("seed", "--format", "json", "--lr", "0.25", "--steps", "2")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["lr"] == 0.25
    assert document["updated"] == run(lr=0.25, steps=2).updated
    assert len(document["loss_history"]) == 2


def test_cli_default_is_the_seed_text():
    result = run_cli()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == to_text(run()).strip()


@pytest.mark.parametrize(
    "args",
    [
        ["seed", "--lr", "abc"],
        ["seed", "--lr", "-1"],
        ["seed", "--lr", "inf"],
        ["seed", "--steps", "0"],
        ["seed", "--steps", "1.5"],
        ["seed", "--format", "xml"],
    ],
)
def test_cli_bad_options_print_usage_and_exit_2(args):
    result = run_cli(*args)
    assert_usage_error(result)
    assert result.stdout == ""


def test_module_docstring_names_the_weight_convention_as_our_reading():
    doc = " ".join((worked_example.__doc__ or "").split())
    assert "(our reading; the report does not state one): ``w_ij(1)`` joins input ``x_i``" in doc
    # The other reading's hidden sums, as the docstring and the README give them.
    x1, x2 = INPUTS["x1"], INPUTS["x2"]
    p = REPORT_PARAMETERS
    z1 = p["w11_1"] * x1 + p["w12_1"] * x2 + p["b1_1"]
    z2 = p["w21_1"] * x1 + p["w22_1"] * x2 + p["b2_1"]
    assert (round(z1, 12), round(z2, 12)) == (0.3, -0.55)
    assert "z1(1) = 0.3 and z2(1) = -0.55" in doc


# -- the report it comes from --

ROOT = Path(__file__).resolve().parent.parent


def test_the_report_is_in_the_repository_with_its_title_and_a_note_on_where_it_came_from():
    report = (ROOT / REPORT_PATH).read_text(encoding="utf-8").splitlines()
    assert REPORT_PATH == "docs/report.md"
    assert report[0].startswith("> This is the report the project grew out of, kept verbatim")
    assert report[2] == f"# {REPORT_TITLE}" == "# Backpropagation for Model Optimization"


def test_the_example_uses_the_reports_inputs_weights_and_biases():
    report = (ROOT / REPORT_PATH).read_text(encoding="utf-8")
    # $w_{11}^{(1)} = 0.15$ is w11_1, $b^{(2)} = 0.1$ is b_2; $x_1 = 0.5$ is x1, $y = 1$ is y.
    weights = re.findall(r"\$([wb])(?:_\{?(\d+)\}?)?\^\{\((\d)\)\} = (-?[\d.]+)\$", report)
    inputs = re.findall(r"\$([xy])(?:_(\d))? = (-?[\d.]+)\$", report)
    assert {f"{w}{i}_{layer}": float(n) for w, i, layer, n in weights} == REPORT_PARAMETERS
    assert {f"{x}{i}": float(n) for x, i, n in inputs} == INPUTS


def test_every_output_names_the_report_and_where_it_is():
    example = run()
    text = to_text(example).splitlines()
    assert text[0] == (
        "The report's worked example: a 2-2-1 sigmoid network with binary cross-entropy loss"
    )
    assert text[1] == (
        'from the report "Backpropagation for Model Optimization" '
        "(docs/report.md in the repository)"
    )
    markdown = to_markdown(example)
    assert "From the report [Backpropagation for Model Optimization](docs/report.md)." in markdown
    assert json.loads(to_json(example))["report"] == {
        "title": "Backpropagation for Model Optimization",
        "path": "docs/report.md",
    }
    doc = worked_example.__doc__ or ""
    assert '"Backpropagation for Model Optimization"' in doc
    assert "``docs/report.md``" in doc


def test_with_several_steps_section_4_says_it_shows_the_first_update_only():
    text = to_text(run(steps=3))
    heading = "4. Update: w_new = w - eta * dL/dw, eta = 0.5; the first of 3 updates"
    assert f"{heading} (section 5 lists the loss after every step)" in text
    assert "5. Loss after each of 3 steps" in text
    one = to_text(run())
    assert "4. Update: w_new = w - eta * dL/dw, eta = 0.5\n" in one  # the only update
    assert "first of" not in one


def test_json_gives_a_loss_of_minus_zero_as_zero_and_every_other_number_exactly():
    # At lr 100 the prediction saturates at 1.0 = y and the loss -(1*log 1 + 0*(-100)) is -0.0;
    # the text tables print 0, and so must the JSON: a loss is never negative.
    example = run(lr=100.0, steps=50, params={**run().params, "b_2": 40.0})
    assert math.copysign(1.0, example.forward["loss"]) == -1.0  # what the graph computes
    assert any(math.copysign(1.0, loss) == -1.0 for loss in example.loss_history)
    document = json.loads(to_json(example))
    assert [repr(x) for x in document["loss_history"]] == [
        repr(loss + 0.0) for loss in example.loss_history
    ]
    assert repr(document["forward"]["loss"]) == "0.0"
    # Everything else comes back exactly: json writes floats with repr().
    assert document["forward"] == {**example.forward, "loss": 0.0}
    for key in ("params", "grads", "updated", "final", "inputs", "upstream"):
        assert document[key] == getattr(example, key), key
    assert document["lr"] == example.lr

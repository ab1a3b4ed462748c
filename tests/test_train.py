"""Training: the quality targets with fixed seeds, callbacks, mini-batches, the CLI."""

from __future__ import annotations

import gc
import json
import random
import re

import pytest

from micrograd_like import losses
from micrograd_like.datasets import make_moons, make_spiral, to_plus_minus_one
from micrograd_like.engine import Value
from micrograd_like.nn import MLP, Module, mlp_from_dict
from micrograd_like.optim import SGD, Adam, LinearDecay
from micrograd_like.train import BINARY_LOSSES, StepInfo, accuracy, check_targets, fit, predict
from tests.cli import assert_usage_error, run_cli


def test_moons_reach_97_percent_with_micrograds_demo_recipe():
    # micrograd's demo: 100 moons, noise 0.1, MLP 2-16-16-1, SVM hinge loss + 1e-4 L2,
    # full-batch SGD with the learning rate falling from 1.0 by 0.9 over 100 steps.
    X, y = make_moons(n=100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LinearDecay(optimizer, start=1.0, end=0.1, total_steps=100)
    history = fit(model, X, y, loss="hinge", optimizer=optimizer, schedule=schedule,
                  steps=100, l2=1e-4, progress=False)  # fmt: skip
    assert accuracy(model, X, y, "hinge") >= 0.97
    assert history.loss[-1] < history.loss[0]
    assert history.lr[:2] == [1.0, pytest.approx(0.991)]


def test_three_class_spiral_reaches_90_percent_with_cross_entropy_and_adam():
    X, y = make_spiral(n=90, noise=0.2, seed=0, classes=3)
    model = MLP(2, [24, 3], seed=0)
    fit(model, X, y, loss="cross_entropy", optimizer=Adam(model.parameters(), lr=0.05),
        steps=150, progress=False)  # fmt: skip
    assert accuracy(model, X, y, "cross_entropy") >= 0.90
    assert set(predict(model, X, "cross_entropy")) == {0.0, 1.0, 2.0}


def test_callbacks_see_each_step_and_can_stop_training():
    X, y = make_moons(n=20, seed=0)
    seen: list[int] = []

    def stop_at_three(info: StepInfo) -> bool:
        seen.append(info.step)
        assert info.history.loss[-1] == info.loss
        return info.step == 3

    history = fit(MLP(2, [4, 1], seed=0), X, y, steps=10, callbacks=[stop_at_three], progress=False)
    assert seen == [1, 2, 3]
    assert len(history.loss) == 3


def test_mini_batches_and_the_other_losses_run():
    X, y = make_moons(n=30, seed=0)
    history = fit(MLP(2, [4, 1], seed=0), X, y, loss="bce_with_logits", batch_size=8,
                  steps=5, progress=False, seed=1)  # fmt: skip
    assert len(history.loss) == 5
    assert all(a is not None for a in history.accuracy)
    regression = fit(MLP(2, [4, 1], seed=0), X, [float(v) for v in y], loss="mse", steps=3,
                     progress=False)  # fmt: skip
    assert regression.accuracy == [None, None, None]


def whole_batch_step(model, X, targets, loss, l2, lr):
    """One SGD step from a single graph over the whole batch, as micrograd's demo builds it."""
    outputs = [model(list(x)) for x in X]
    if loss == "cross_entropy":
        total = losses.cross_entropy(outputs, [int(t) for t in targets])
    else:
        total = getattr(losses, loss)(outputs, targets)
    if l2:
        total = total + l2 * losses.l2(model.parameters())
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return total.data


@pytest.mark.parametrize(
    ("loss", "outputs", "labels"),
    [
        ("hinge", 1, [-1.0, 1.0]),
        ("bce_with_logits", 1, [0.0, 1.0]),
        ("mse", 1, None),
        ("cross_entropy", 3, [0.0, 1.0, 2.0]),
    ],
)
@pytest.mark.parametrize("l2", [0.0, 1e-2])
@pytest.mark.parametrize("batch_size", [None, 5])
def test_a_step_of_fit_is_the_step_of_one_graph_over_the_batch(loss, outputs, labels, l2,
                                                               batch_size):  # fmt: skip
    # fit backpropagates sample by sample into the parameters' grads; that must give the
    # update, and the loss, of the whole batch's graph.
    X, _ = make_moons(n=12, noise=0.2, seed=3)
    y = [labels[i % len(labels)] for i in range(12)] if labels else [x[0] - x[1] for x in X]
    fitted, reference = MLP(2, [5, outputs], seed=4), MLP(2, [5, outputs], seed=4)
    history = fit(fitted, X, y, loss=loss, l2=l2, optimizer=SGD(fitted.parameters(), lr=0.3),
                  steps=1, batch_size=batch_size, seed=7, progress=False)  # fmt: skip
    rows = list(range(12)) if batch_size is None else random.Random(7).sample(range(12), 5)
    expected_loss = whole_batch_step(
        reference, [X[i] for i in rows], [y[i] for i in rows], loss, l2, lr=0.3
    )
    assert history.loss == [expected_loss]  # bit for bit: the same additions in the same order
    for got, want in zip(fitted.parameters(), reference.parameters(), strict=True):
        assert got.data == pytest.approx(want.data, rel=1e-12, abs=1e-15)


def test_fit_keeps_one_samples_graph_alive_at_a_time():
    X, y = make_moons(n=20, seed=0)
    alive: list[int] = []

    class Counting(Module):
        def __init__(self) -> None:
            self.inner = MLP(2, [4, 1], seed=0)

        def forward(self, x):
            out = self.inner(x)
            alive.append(sum(type(o) is Value for o in gc.get_objects()))
            return out

        def named_children(self):
            return [("inner", self.inner)]

    fit(Counting(), X, y, steps=1, progress=False)
    # A batch graph would grow by a sample's 35 nodes with every sample; here each sample's
    # graph replaces the one before it.
    assert len(alive) == 20
    assert alive[1:] == [alive[1]] * 19


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"loss": "huber"}, ValueError, "fit: loss must be one of"),
        ({"steps": 0}, ValueError, "fit: steps must be a whole number >= 1, got 0"),
        ({"batch_size": 0}, ValueError, "fit: batch_size must be a whole number >= 1, got 0"),
        ({"l2": -1.0}, ValueError, "fit: l2 must be a finite number >= 0, got -1.0"),
        ({"l2": 10**400}, ValueError, "fit: l2 is too large for a float, got 1000"),
        # A bool is never a count or a number; nor is a float a count.
        ({"steps": True}, TypeError, "fit: steps must be a whole number >= 1, got bool: True"),
        ({"steps": 2.0}, TypeError, "fit: steps must be a whole number >= 1, got float: 2.0"),
        ({"batch_size": True}, TypeError, "fit: batch_size must be a whole number >= 1, got bool"),
        ({"l2": True}, TypeError, "fit: l2 must be a finite number >= 0, got bool: True"),
        ({"seed": True}, TypeError, "fit: seed must be None or a whole number, got bool"),
        ({"loss": 3}, TypeError, "fit: loss must be one of .* or a function, got int"),
    ],
)
def test_bad_arguments_are_refused_naming_the_argument_and_the_value(kwargs, error, message):
    X, y = make_moons(n=10, seed=0)
    with pytest.raises(error, match=message):
        fit(MLP(2, [2, 1], seed=0), X, y, progress=False, **kwargs)


def test_targets_of_true_and_false_are_refused_not_read_as_labels():
    X, y = make_moons(n=10, seed=0)
    flags = [bool(label) for label in y]
    with pytest.raises(TypeError, match=r"fit: y\[0\] must be a real number, got bool"):
        fit(MLP(2, [2, 1], seed=0), X, flags, steps=1, progress=False)
    with pytest.raises(TypeError, match=r"accuracy: y\[0\] must be a real number, got bool"):
        accuracy(MLP(2, [2, 1], seed=0), X, flags, "hinge")


# -- fit(loss=...) takes a name or a function of one sample --


def fit_once(loss, y, outputs=1, **kwargs):
    X, _ = make_moons(n=12, noise=0.2, seed=3)
    model = MLP(2, [5, outputs], seed=4)
    history = fit(model, X, y, loss=loss, optimizer=SGD(model.parameters(), lr=0.3), steps=3,
                  batch_size=5, seed=7, l2=1e-3, progress=False, **kwargs)  # fmt: skip
    return history, [p.data for p in model.parameters()]


@pytest.mark.parametrize(
    ("name", "function", "outputs", "labels"),
    [
        ("hinge", lambda outs, t: losses.hinge(outs[0], t), 1, [-1.0, 1.0]),
        ("bce_with_logits", lambda outs, t: losses.bce_with_logits(outs[0], t), 1, [0.0, 1.0]),
        ("mse", lambda outs, t: losses.mse(outs[0], t), 1, [0.5, -2.0, 3.0]),
        ("cross_entropy", lambda outs, t: losses.cross_entropy(outs, int(t)), 3, [0, 1, 2]),
    ],
)
def test_a_loss_function_trains_exactly_as_the_loss_of_that_name(name, function, outputs, labels):
    y = [labels[i % len(labels)] for i in range(12)]
    by_name, params_by_name = fit_once(name, y, outputs)
    by_function, params_by_function = fit_once(function, y, outputs)
    assert by_function.loss == by_name.loss
    assert params_by_function == params_by_name
    # How to read a function's outputs is not known, so it reports no accuracy.
    assert by_function.accuracy == [None, None, None]
    assert (by_name.accuracy[0] is None) == (name == "mse")


def test_a_loss_function_gets_the_targets_as_given_and_all_the_outputs():
    seen: list[tuple[int, float]] = []

    def spy(outputs, target):
        seen.append((len(outputs), target))
        return losses.hinge(outputs[0], target)

    y = [i % 2 for i in range(12)]
    fit_once(spy, y, outputs=2)
    assert {n for n, _ in seen} == {2}
    assert {t for _, t in seen} == {0.0, 1.0}  # 0/1 are mapped to -1/+1 for "hinge" only


def test_the_batch_loss_is_finite_where_the_sum_of_the_sample_losses_would_overflow():
    def huge(outputs, target):
        return outputs[0] * 0.0 + target  # a loss of about 1.5e308, finite, for every sample

    X, _ = make_moons(n=4, noise=0.2, seed=3)
    y = [1.5e308, 1.7e308, 1.5e308, 1.7e308]
    model = MLP(2, [3, 1], seed=4)
    history = fit(model, X, y, loss=huge, optimizer=SGD(model.parameters(), lr=0.1), steps=1,
                  progress=False)  # fmt: skip
    assert history.loss == [pytest.approx(1.6e308, rel=1e-15)]


def test_fit_reports_the_batch_loss_by_the_rule_of_the_losses_batch_means(monkeypatch):
    # One home for the scale-first rule: fit adds its samples' losses with losses.mean_of.
    seen: list[list[float]] = []
    mean_of = losses.mean_of

    def spy(terms):
        if all(isinstance(t, float) for t in terms):
            seen.append(list(terms))
        return mean_of(terms)

    monkeypatch.setattr(losses, "mean_of", spy)
    X, y = make_moons(n=6, noise=0.2, seed=3)
    history = fit(MLP(2, [3, 1], seed=4), X, y, loss="hinge", steps=2, progress=False)
    assert [len(terms) for terms in seen] == [6, 6]
    assert history.loss == [mean_of(terms) for terms in seen]


@pytest.mark.parametrize(
    "terms", [[0.1, 0.2, 0.3], [1.5e308, 1.7e308, 1.5e308], [1e308, -1e308, 3.0], [5.0]]
)
def test_mean_of_gives_floats_the_number_of_the_graph_it_builds_of_values(terms):
    values = [Value(t) for t in terms]
    out = losses.mean_of(values)
    assert losses.mean_of(terms) == out.data  # bit for bit
    out.backward()
    assert [v.grad for v in values] == [1 / len(terms)] * len(terms)


@pytest.mark.parametrize("loss", BINARY_LOSSES)
def test_a_binary_loss_on_three_classes_is_refused_before_any_step(loss):
    X, y = make_spiral(n=30, classes=3, seed=0)
    model = MLP(2, [4, 1], seed=0)
    before = [p.data for p in model.parameters()]
    message = (
        f"fit: loss '{loss}' separates 2 classes and y has 3 (0, 1, 2); use loss='cross_entropy'"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        fit(model, X, y, loss=loss, steps=1, progress=False)
    assert [p.data for p in model.parameters()] == before
    with pytest.raises(ValueError, match=r"^accuracy: loss .* y has 3 \(0, 1, 2\)"):
        accuracy(model, X, y, loss)


def test_check_targets_shows_a_few_of_many_classes_and_maps_hinge_labels():
    with pytest.raises(ValueError, match=r"y has 40 \(0, 0\.5, 1, 1\.5, 2, \.\.\.\); use"):
        check_targets([k / 2 for k in range(40)], "bce_with_logits", "fit")
    assert check_targets([0, 1, 1], "hinge", "fit") == [-1.0, 1.0, 1.0]
    assert check_targets([-1, 1], "hinge", "fit") == [-1.0, 1.0]
    assert check_targets([0, 1, 2], "cross_entropy", "fit") == [0.0, 1.0, 2.0]
    assert check_targets([0.1, 0.5, 2.0], "mse", "fit") == [0.1, 0.5, 2.0]
    # A function's targets are the caller's business: only the numbers are checked.
    assert check_targets([0, 1, 2], losses.hinge, "fit") == [0.0, 1.0, 2.0]


def test_a_loss_function_must_return_a_value():
    with pytest.raises(
        TypeError, match=r"fit: loss\(outputs, target\) must return a Value, got float"
    ):
        fit_once(lambda outs, t: 0.5, [1.0] * 12)


def test_predict_and_accuracy_take_loss_names_only():
    X, y = make_moons(n=10, seed=0)
    model = MLP(2, [2, 1], seed=0)
    with pytest.raises(TypeError, match="accuracy: loss must be one of"):
        accuracy(model, X, y, losses.hinge)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="predict: loss must be one of"):
        predict(model, X, "huber")


# -- the 0/1 to -1/+1 mapping and the meaning of l2 --


def test_hinge_targets_are_mapped_by_datasets_to_plus_minus_one(monkeypatch):
    from micrograd_like import train

    calls: list[list[float]] = []

    def spy(y):
        calls.append(list(y))
        return to_plus_minus_one(y)

    monkeypatch.setattr(train, "to_plus_minus_one", spy)
    X, y = make_moons(n=10, seed=0)
    model = MLP(2, [2, 1], seed=0)
    fit(model, X, y, loss="hinge", steps=1, progress=False)
    assert calls == [[float(t) for t in y]]
    assert accuracy(model, X, y, "hinge") == accuracy(model, X, to_plus_minus_one(y), "hinge")
    assert len(calls) == 2


def test_fit_l2_is_the_coefficient_of_losses_l2_which_is_weight_decay_of_twice_it():
    X, y = make_moons(n=12, seed=0)
    lam = 0.05
    penalised, decayed = MLP(2, [4, 1], seed=1), MLP(2, [4, 1], seed=1)
    fit(penalised, X, y, l2=lam, optimizer=SGD(penalised.parameters(), lr=0.5), steps=3,
        progress=False)  # fmt: skip
    fit(decayed, X, y, optimizer=SGD(decayed.parameters(), lr=0.5, weight_decay=2 * lam),
        steps=3, progress=False)  # fmt: skip
    for got, want in zip(penalised.parameters(), decayed.parameters(), strict=True):
        assert got.data == pytest.approx(want.data, rel=1e-12, abs=1e-15)


def test_cli_help_says_l2_is_the_coefficient_of_the_l2_penalty():
    result = run_train("--help")
    assert result.returncode == 0, result.stderr
    help_text = " ".join(result.stdout.split())
    assert "--l2 LAM the coefficient LAM of the L2 penalty LAM * sum(p*p)" in help_text


def run_train(*args):
    return run_cli("train", *args, timeout=300)


def test_cli_trains_prints_accuracy_and_writes_plots_and_model(tmp_path):
    out = tmp_path / "run"
    result = run_train("--dataset", "moons", "--hidden", "8", "--steps", "15", "--lr", "0.1",
                     "--optimizer", "adam", "--seed", "0", "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "training accuracy" in result.stdout
    assert (out / "decision_boundary.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "loss_curve.png").read_bytes()[:4] == b"\x89PNG"
    document = json.loads((out / "model.json").read_text())
    model = mlp_from_dict(document)
    assert model.sizes == [2, 8, 1]
    assert len(document["history"]["loss"]) == 15
    assert "training:" in result.stderr  # the progress bar


@pytest.mark.parametrize(
    "args",
    [
        ["--dataset", "iris"],
        ["--steps", "0"],
        ["--lr", "abc"],
        ["--hidden", "16,x"],
        ["--hidden", "16,0"],
        ["--optimizer", "rmsprop"],
        ["--noise", "-1"],
        ["--classes", "1"],
    ],
)
def test_cli_bad_options_print_usage_and_exit_2(args):
    result = run_train(*args)
    assert_usage_error(result)

"""Training: the quality targets with fixed seeds, callbacks, mini-batches, the CLI."""

from __future__ import annotations

import gc
import json
import random

import pytest

from micrograd_like import losses
from micrograd_like.datasets import make_moons, make_spiral
from micrograd_like.engine import Value
from micrograd_like.nn import MLP, Module, mlp_from_dict
from micrograd_like.optim import SGD, Adam, LinearDecay
from micrograd_like.train import StepInfo, accuracy, fit, predict
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
    ("kwargs", "message"),
    [
        ({"loss": "huber"}, "loss must be one of"),
        ({"steps": 0}, "steps must be a positive int"),
        ({"batch_size": 0}, "batch_size"),
        ({"l2": -1.0}, "l2 must be a number >= 0"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    X, y = make_moons(n=10, seed=0)
    with pytest.raises(ValueError, match=message):
        fit(MLP(2, [2, 1], seed=0), X, y, progress=False, **kwargs)


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

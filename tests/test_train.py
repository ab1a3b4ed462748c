"""Training: the quality targets with fixed seeds, callbacks, mini-batches, the CLI."""

from __future__ import annotations

import gc
import json

import pytest

from micrograd_like.datasets import make_moons, make_spiral
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


class CollectorSpy(Module):
    """Wraps a model; records whether the garbage collector runs during each forward."""

    def __init__(self, inner: MLP, fail_on_call: int | None = None) -> None:
        self.inner = inner
        self.enabled_during_forward: list[bool] = []
        self.fail_on_call = fail_on_call

    def forward(self, x):
        self.enabled_during_forward.append(gc.isenabled())
        if len(self.enabled_during_forward) == self.fail_on_call:
            raise RuntimeError("failing on purpose")
        return self.inner(x)

    def named_children(self):
        return [("inner", self.inner)]


@pytest.fixture
def collector_on():
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


@pytest.mark.parametrize("pause_gc", [True, False])
def test_fit_pauses_the_collector_during_steps_only_when_asked(collector_on, pause_gc):
    X, y = make_moons(n=6, noise=0.1, seed=0)
    spy = CollectorSpy(MLP(2, [3, 1], seed=0))
    seen_by_callback = []
    fit(
        spy,
        X,
        y,
        steps=2,
        progress=False,
        pause_gc=pause_gc,
        callbacks=[lambda info: seen_by_callback.append(gc.isenabled())],
    )
    assert spy.enabled_during_forward == [not pause_gc] * 12
    assert seen_by_callback == [True, True]  # between steps the collector runs
    assert gc.isenabled()


def test_fit_turns_the_collector_back_on_after_an_error_in_a_step(collector_on):
    X, y = make_moons(n=6, noise=0.1, seed=0)
    spy = CollectorSpy(MLP(2, [3, 1], seed=0), fail_on_call=8)
    with pytest.raises(RuntimeError, match="failing on purpose"):
        fit(spy, X, y, steps=3, progress=False)
    assert spy.enabled_during_forward == [False] * 8
    assert gc.isenabled()


def test_fit_leaves_a_collector_the_caller_turned_off_turned_off(collector_on):
    X, y = make_moons(n=6, noise=0.1, seed=0)
    gc.disable()
    fit(MLP(2, [3, 1], seed=0), X, y, steps=2, progress=False)
    assert not gc.isenabled()

"""The live view: in a (simulated) kernel, outputs updated in place; outside, one line at the end.

A kernel is simulated by patching `micrograd_like.plots.in_notebook` and IPython's
``display``, which records what each output was shown, update by update.
"""

from __future__ import annotations

import base64
import struct
import warnings
from collections.abc import Callable

import pytest

from micrograd_like import live, plots, viz
from micrograd_like.datasets import make_moons
from micrograd_like.live import LiveView
from micrograd_like.nn import MLP, Module
from micrograd_like.train import History, StepInfo, fit

X, Y = make_moons(n=16, noise=0.1, seed=0)


class FakeHandle:
    """A display handle: the bundles its output showed, the first from display()."""

    def __init__(self, bundle):
        self.bundles = [bundle]

    def update(self, bundle, raw=False):
        assert raw
        self.bundles.append(bundle)


class FakeDisplay:
    def __init__(self):
        self.handles = []

    def __call__(self, bundle, raw=False, display_id=None):
        assert raw
        assert display_id is True
        handle = FakeHandle(bundle)
        self.handles.append(handle)
        return handle


@pytest.fixture
def kernel(monkeypatch):
    shown = FakeDisplay()
    monkeypatch.setattr(plots, "in_notebook", lambda: True)
    monkeypatch.setattr("IPython.display.display", shown)
    return shown


@pytest.fixture
def no_kernel(monkeypatch):
    shown = FakeDisplay()
    monkeypatch.setattr(plots, "in_notebook", lambda: False)
    monkeypatch.setattr("IPython.display.display", shown)
    return shown


def png_size(bundle):
    data = base64.b64decode(bundle["image/png"])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])  # width and height, from the IHDR chunk


def steps_shown(handle):
    return [int(bundle["text/plain"].split("step ")[1].split(":")[0]) for bundle in handle.bundles]


def test_in_a_kernel_every_k_steps_updates_a_figure_and_the_network_in_place(kernel):
    view = LiveView(X, Y, loss="hinge", every=3)
    history = fit(MLP(2, [4, 1], seed=0), X, Y, steps=7, callbacks=[view], progress=False)
    assert len(history.loss) == 7
    figure, network = kernel.handles  # two outputs, created once, then updated
    assert steps_shown(figure) == [3, 6, 7]  # every 3 steps, and the last one
    assert steps_shown(network) == [3, 6, 7]
    for bundle in figure.bundles:
        assert set(bundle) == {"image/png", "text/plain"}
        # Two panels (loss, boundary): 10 inches wide at live.DPI.
        assert png_size(bundle)[0] == 10 * live.DPI
    for bundle in network.bundles:
        assert set(bundle) == {"image/svg+xml", "text/plain"}
        assert bundle["image/svg+xml"].lstrip().startswith(("<?xml", "<svg"))
        assert "layers.0" in bundle["image/svg+xml"]
    assert figure.bundles[-1]["text/plain"] == f"step 7: loss {history.loss[-1]:.4f}, " + (
        f"batch accuracy {history.accuracy[-1]:.0%}"
    )


def test_fit_live_k_redraws_every_k_steps_and_not_twice_at_the_end(kernel):
    fit(MLP(2, [3, 1], seed=0), X, Y, steps=4, progress=False, live=2)
    figure, network = kernel.handles
    assert steps_shown(figure) == [2, 4]
    assert steps_shown(network) == [2, 4]


def test_a_stopping_callback_still_gets_its_last_step_shown(kernel):
    history = fit(MLP(2, [3, 1], seed=0), X, Y, steps=10, progress=False, live=4,
                  callbacks=[lambda info: info.step == 5])  # fmt: skip
    assert len(history.loss) == 5
    assert steps_shown(kernel.handles[0]) == [4, 5]


def test_without_every_it_redraws_once_training_has_taken_as_long_as_the_last_redraw(
    kernel, monkeypatch
):
    # Each redraw takes 0.5 s on this clock, each step 0.2 s: a redraw at step 1, then
    # one as soon as the steps since the last add up to 0.5 s: 3 steps later.
    clock = iter(0.5 * k for k in range(1000))
    monkeypatch.setattr(live, "perf_counter", lambda: next(clock))
    view = LiveView()  # no data: the loss curve alone, on one panel
    callback: Callable[[StepInfo], bool | None] = view  # as fit sees it
    model = MLP(2, [3, 1], seed=0)
    history = History()
    for step in range(1, 11):
        history.loss.append(1.0 / step)
        history.accuracy.append(0.5)
        history.seconds.append(0.2)
        assert callback(StepInfo(step, history.loss[-1], 0.5, model, history)) is None
    view.close()
    figure, _ = kernel.handles
    assert steps_shown(figure) == [1, 4, 7, 10]
    assert png_size(figure.bundles[0])[0] == int(5.5 * live.DPI)  # no boundary panel


def test_fit_live_true_shows_the_first_and_the_last_step(kernel):
    fit(MLP(2, [3, 1], seed=0), X, Y, steps=3, progress=False, live=True)
    shown = steps_shown(kernel.handles[0])
    assert shown[0] == 1
    assert shown[-1] == 3
    assert shown == sorted(set(shown))


@pytest.mark.parametrize(
    ("inputs", "loss"),
    [
        ([[x1, x2, 0.0] for x1, x2 in X], "hinge"),  # 3-D: no plane to draw
        (X, lambda outputs, target: (outputs[0] - target) ** 2),  # a function: no reading
    ],
)
def test_without_2d_inputs_or_a_named_loss_the_figure_has_the_loss_curve_alone(
    kernel, inputs, loss
):
    fit(MLP(len(inputs[0]), [3, 1], seed=0), inputs, Y, loss=loss, steps=2, progress=False,
        live=2)  # fmt: skip
    assert png_size(kernel.handles[0].bundles[0])[0] == int(5.5 * live.DPI)


def test_outside_a_kernel_nothing_is_shown_and_one_line_sums_the_run_up(no_kernel, capsys):
    history = fit(MLP(2, [3, 1], seed=0), X, Y, steps=5, progress=False, live=1)
    assert no_kernel.handles == []
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"trained 5 steps: loss {history.loss[-1]:.4f}, batch accuracy "
        f"{history.accuracy[-1]:.0%} (the live view needs a Jupyter kernel)"
    ]


def test_outside_a_kernel_a_regression_is_summed_up_without_accuracy(no_kernel, capsys):
    targets = [x1 - x2 for x1, x2 in X]
    fit(MLP(2, [3, 1], seed=0), X, targets, loss="mse", steps=2, progress=False, live=True)
    out = capsys.readouterr().out
    assert out.startswith("trained 2 steps: loss ")
    assert "accuracy" not in out


def test_without_live_nothing_is_printed_or_shown(kernel, capsys):
    fit(MLP(2, [3, 1], seed=0), X, Y, steps=2, progress=False)
    assert kernel.handles == []
    assert capsys.readouterr().out == ""


def test_no_figure_is_left_open_in_pyplot(kernel):
    plt = pytest.importorskip("matplotlib.pyplot")
    before = plt.get_fignums()
    fit(MLP(2, [3, 1], seed=0), X, Y, steps=2, progress=False, live=1)
    assert len(kernel.handles[0].bundles) == 2
    assert plt.get_fignums() == before  # nothing for the inline backend to show again


def test_a_part_that_fails_to_draw_warns_once_and_training_goes_on(kernel, monkeypatch):
    def broken(source, fmt="svg"):
        raise viz.RenderError("no dot here")

    monkeypatch.setattr(viz, "render", broken)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = fit(MLP(2, [3, 1], seed=0), X, Y, steps=4, progress=False, live=1)
    assert len(history.loss) == 4
    assert [str(w.message) for w in caught] == [
        "LiveView: the network could not be drawn, so the view goes on without it "
        "(training is not affected): RenderError: no dot here"
    ]
    assert caught[0].category is RuntimeWarning
    (figure,) = kernel.handles  # the figure goes on; the network never showed
    assert steps_shown(figure) == [1, 2, 3, 4]


def test_a_view_serves_one_run_after_another_each_in_new_outputs(kernel):
    view = LiveView(every=2)
    for _ in range(2):
        fit(MLP(2, [3, 1], seed=0), X, Y, steps=2, progress=False, callbacks=[view])
    assert [steps_shown(handle) for handle in kernel.handles] == [[2], [2], [2], [2]]


def test_close_twice_shows_nothing_more(kernel):
    view = LiveView()
    history = History(loss=[0.5], accuracy=[None], lr=[0.1], seconds=[0.01])
    view(StepInfo(1, 0.5, None, MLP(2, [2, 1], seed=0), history))
    view.close()
    view.close()
    assert [len(handle.bundles) for handle in kernel.handles] == [1, 1]


@pytest.mark.parametrize(
    ("live_value", "error", "shown"),
    [
        (0, ValueError, "got 0"),
        (-3, ValueError, "got -3"),
        (2.0, TypeError, "got float: 2.0"),
        ("yes", TypeError, "got str: 'yes'"),
        (None, TypeError, "got NoneType: None"),
    ],
)
def test_fit_refuses_a_bad_live_before_the_first_step(live_value, error, shown):
    steps_run = []
    with pytest.raises(error, match=r"^fit: live must be .*" + shown):
        fit(MLP(2, [3, 1], seed=0), X, Y, steps=3, progress=False, live=live_value,
            callbacks=[lambda info: steps_run.append(info.step)])  # fmt: skip
    assert steps_run == []


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"X": X}, ValueError, "LiveView: give X and y together, or neither"),
        ({"X": X, "y": Y[:3]}, ValueError, "LiveView: 16 rows but 3 targets"),
        ({"loss": "nope"}, ValueError, "LiveView: loss must be one of"),
        ({"loss": 3}, TypeError, "LiveView: loss must be one of .* or a function, got int: 3"),
        ({"every": 0}, ValueError, "LiveView: every must be a whole number >= 1, got 0"),
        ({"every": True}, TypeError, "LiveView: every must be a whole number >= 1, got bool"),
        ({"resolution": 1}, ValueError, "LiveView: resolution must be a whole number >= 2"),
    ],
)
def test_liveview_refuses_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        LiveView(**kwargs)


def test_the_network_view_is_only_drawn_for_an_mlp(kernel):
    class NotAnMLP(Module):  # a model draw_network cannot draw
        pass

    view = LiveView(every=1)
    history = History(loss=[0.5], accuracy=[None], lr=[0.1], seconds=[0.01])
    view(StepInfo(1, 0.5, None, NotAnMLP(), history))
    assert len(kernel.handles) == 1  # the figure alone, and no warning (pytest's are errors)


@pytest.mark.parametrize(
    ("shell", "expected"),
    [
        (None, False),  # plain Python: no IPython shell
        (type("TerminalInteractiveShell", (), {})(), False),  # IPython in a terminal
        (type("ZMQInteractiveShell", (), {})(), True),  # a Jupyter kernel
        # Google Colab's shell subclasses the kernel's.
        (type("Shell", (type("ZMQInteractiveShell", (), {}),), {})(), True),
    ],
)
def test_in_notebook_is_true_in_a_kernel_and_under_a_subclass_of_its_shell(
    monkeypatch, shell, expected
):
    monkeypatch.setattr("IPython.get_ipython", lambda: shell)
    assert plots.in_notebook() is expected


def test_fit_closes_each_callback_that_has_close_once_however_training_ends():
    class Recorder:
        def __init__(self):
            self.steps, self.closed = [], 0

        def __call__(self, info):
            self.steps.append(info.step)

        def close(self):
            self.closed += 1

    def fails_at_step_2(outputs, target):
        if len(recorder.steps) == 1:
            raise RuntimeError("boom")
        return (outputs[0] - target) ** 2

    recorder = Recorder()
    fit(MLP(2, [3, 1], seed=0), X, Y, steps=3, progress=False, callbacks=[recorder])
    assert (recorder.steps, recorder.closed) == ([1, 2, 3], 1)
    recorder = Recorder()
    with pytest.raises(RuntimeError, match="boom"):
        fit(MLP(2, [3, 1], seed=0), X, Y, loss=fails_at_step_2, steps=3, progress=False,
            callbacks=[recorder])  # fmt: skip
    assert (recorder.steps, recorder.closed) == ([1], 1)

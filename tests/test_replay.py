"""The training replay: what Recording keeps, and the page it writes."""

import json
import os
import re
import subprocess
import sys

import pytest

from micrograd_like import gradients, topological_order
from micrograd_like.datasets import make_blobs, make_moons
from micrograd_like.nn import MLP
from micrograd_like.replay import BOUNDARY_RESOLUTION, CLASS_COLOURS, Recording
from micrograd_like.train import (
    History,
    StepInfo,
    accuracy,
    check_targets,
    fit,
    sample_loss,
)
from tests.cli import run_cli


def trained(steps=7, every=3, hidden=(4,), loss="hinge", **kwargs):
    X, y = make_moons(n=20, noise=0.1, seed=0)
    model = MLP(2, [*hidden, 1], seed=0)
    recording = Recording(X, y, loss=loss, every=every, **kwargs)
    fit(model, X, y, loss=loss, steps=steps, progress=False, callbacks=[recording])
    return model, recording, X, y


def page_data(page: str) -> dict:
    raw = re.search(r'<script type="application/json" id="frames">(.*?)</script>', page, re.S)
    assert raw is not None
    return json.loads(raw.group(1))


def test_it_records_the_first_step_every_kth_and_the_last_when_fit_ends():
    _, recording, _, _ = trained(steps=7, every=3)
    assert [s.step for s in recording.snapshots] == [1, 3, 6, 7]  # fit closes it at step 7
    page = recording.page()
    assert [s.step for s in recording.snapshots] == [1, 3, 6, 7]
    frames = page_data(page)["frames"]
    assert [f["title"] for f in frames] == [f"Step {k} of 7" for k in (1, 3, 6, 7)]
    assert [f["network"] for f in frames] == [0, 1, 2, 3]


def test_each_snapshot_is_the_model_as_it_stood():
    model, recording, X, y = trained(steps=4, every=1)
    last = recording.snapshots[-1]
    # The sample graph's numbers: those of the final model, as fit builds the graph.
    loss, _ = sample_loss(model, X[0], check_targets(y, "hinge", "t")[0], "hinge")
    grads = gradients([loss])  # from zero: the parameters' .grad hold fit's batch gradient
    order = topological_order(loss)
    assert last.graph["data"] == [v.data for v in order]
    assert last.graph["grads"] == [grads[v] for v in order]
    assert recording.snapshots[0].graph["data"] != last.graph["data"]  # it trained
    assert len(last.boundary) == BOUNDARY_RESOLUTION**2
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in last.boundary)
    assert last.network.startswith("<svg")


def test_the_boundary_colours_the_class_the_model_predicts():
    model, recording, _, _ = trained(steps=5, every=5)
    left, right, bottom, top = recording.extent()
    cells = recording.snapshots[-1].boundary
    n = BOUNDARY_RESOLUTION
    for k in (0, n - 1, n * n // 2, n * n - 1):
        x = left + (right - left) * (k % n) / (n - 1)
        y = top - (top - bottom) * (k // n) / (n - 1)
        predicted = int(model([x, y]).data > 0)  # hinge: class -1 first, then +1
        red, _, blue = (int(cells[k][i : i + 2], 16) for i in (1, 3, 5))
        # A tint of the predicted class's colour: orange (class -1) is redder than it is
        # blue, blue (class +1) bluer than it is red.
        assert (red > blue) == (predicted == 0), (k, cells[k])


def test_the_page_colours_are_the_plots_okabe_ito_colours():
    plots = pytest.importorskip("micrograd_like.plots")
    assert tuple(c.upper() for c in CLASS_COLOURS) == tuple(
        c.upper() for c in plots.CLASS_COLORS[: len(CLASS_COLOURS)]
    )


def test_three_classes_draw_three_colours():
    X, y = make_blobs(n=30, centers=3, seed=0)
    model = MLP(2, [4, 3], seed=0)
    recording = Recording(X, y, loss="cross_entropy", every=2)
    fit(model, X, y, loss="cross_entropy", steps=2, progress=False, callbacks=[recording])
    page = recording.page()
    assert "class 2: green" in page
    assert recording.classes() == [0.0, 1.0, 2.0]


def test_a_graph_too_big_to_draw_is_said_so_and_the_rest_is_drawn():
    _, recording, _, _ = trained(steps=2, every=1, hidden=(16, 16))
    page = recording.page()
    assert "more than the 250 a diagram shows" in page
    assert page.count('class="network"') == 2
    assert page_data(page)["values"] == []


def test_only_the_last_network_view_shows_without_javascript():
    _, recording, _, _ = trained(steps=4, every=2)
    views = re.findall(r'<div class="network"[^>]*>', recording.page())
    assert len(views) == 3
    assert ["hidden" in view for view in views] == [True, True, False]


def test_the_curves_cover_every_step():
    _, recording, _, _ = trained(steps=6, every=3)
    page = recording.page()
    polylines = re.findall(r'<polyline points="([^"]+)"', page)
    assert [len(p.split()) for p in polylines] == [6, 6]  # loss, accuracy


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"every": 0}, ValueError, "every"),
        ({"sample": 20}, ValueError, "sample must be a row of X, 0 to 19"),
        ({"loss": "nope"}, ValueError, "loss must be one of"),
        ({"every": True}, TypeError, "every"),
    ],
)
def test_bad_arguments_are_refused(kwargs, error, message):
    X, y = make_moons(n=20, noise=0.1, seed=0)
    with pytest.raises(error, match=message):
        Recording(X, y, **kwargs)


def test_a_page_before_any_training_is_refused():
    X, y = make_moons(n=20, noise=0.1, seed=0)
    with pytest.raises(ValueError, match="nothing recorded yet"):
        Recording(X, y).page()


def test_train_out_writes_the_replay_under_5_mb(tmp_path):
    result = run_cli("train", "--out", str(tmp_path / "run"), "--no-progress", "--steps", "40")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "run" / "training.html").read_text()
    assert len(page.encode()) < 5_000_000
    frames = page_data(page)["frames"]
    assert [f["title"] for f in frames][:3] == ["Step 1 of 40", "Step 2 of 40", "Step 4 of 40"]
    assert frames[-1]["title"] == "Step 40 of 40"
    assert "training.html" in result.stdout


def test_where_the_model_overflows_the_boundary_is_grey_not_an_error():
    X, y = make_moons(n=20, noise=0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    for p in model.parameters():
        p.data = 1e308 if p.data > 0 else -1e308  # inf - inf somewhere in the plane: NaN
    recording = Recording(X, y, every=1)
    recording(StepInfo(1, 1.0, None, model, History(loss=[1.0], accuracy=[None], lr=[0.1])))
    cells = recording.snapshots[0].boundary
    assert "#d1d5db" in cells
    assert len(cells) == BOUNDARY_RESOLUTION**2


def test_the_last_step_is_the_model_when_fit_ended_not_as_it_trains_on():
    model, recording, X, y = trained(steps=5, every=2)
    recorded = recording.snapshots[-1].graph["data"]
    fit(model, X, y, loss="hinge", steps=20, progress=False)  # trained further, not recorded
    recording.page()
    assert recording.snapshots[-1].step == 5
    assert recording.snapshots[-1].graph["data"] == recorded


def test_each_frame_scores_the_model_it_shows_on_all_the_data():
    model, recording, X, y = trained(steps=3, every=1)
    targets = check_targets(y, "hinge", "t")
    loss = sum(
        sample_loss(model, x, t, "hinge")[0].data for x, t in zip(X, targets, strict=True)
    ) / len(X)
    last = recording.snapshots[-1]
    assert last.loss == pytest.approx(loss, rel=1e-12)
    assert last.accuracy == accuracy(model, X, y, "hinge")
    lines = page_data(recording.page())["frames"][-1]["lines"]
    assert lines[0] == f"loss {loss:.4g}"
    assert lines[-1] == "over all 20 samples, after the update"


def test_a_render_failure_stops_recording_and_the_page_says_why(monkeypatch):
    from micrograd_like import viz

    calls = {"n": 0}
    real = viz.render

    def flaky(source, fmt="svg"):
        calls["n"] += 1
        if calls["n"] > 2:
            raise viz.RenderError("graphviz-pure -Tsvg failed: out of luck")
        return real(source, fmt)

    monkeypatch.setattr(viz, "render", flaky)
    _, recording, _, _ = trained(steps=6, every=1)  # training goes on
    assert [s.step for s in recording.snapshots] == [1, 2]
    assert recording.failed == "graphviz-pure -Tsvg failed: out of luck"
    with pytest.raises(viz.RenderError, match="Recording: no page: graphviz-pure"):
        recording.page()


def test_eight_classes_get_eight_colours():
    assert len(set(CLASS_COLOURS)) == 8


def test_training_page_refuses_a_recording_fit_never_called():
    from micrograd_like.pages import training_page

    X, y = make_moons(n=20, noise=0.1, seed=0)
    with pytest.raises(ValueError, match="training_page: nothing recorded yet"):
        training_page(Recording(X, y))


def test_train_out_writes_the_other_files_when_the_replay_cannot_be_drawn(tmp_path):
    failing = tmp_path / "dot"
    failing.write_text("#!/bin/sh\necho 'no layout today' >&2\nexit 3\n")
    failing.chmod(0o755)
    result = subprocess.run(
        [sys.executable, "-m", "micrograd_like", "train", "--out", str(tmp_path / "run"),
         "--steps", "3", "--no-progress"],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "MICROGRAD_LIKE_DOT": str(failing)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "note: training.html not written:" in result.stderr
    assert "no layout today" in result.stderr
    names = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert names == ["decision_boundary.png", "loss_curve.png", "model.json"]

"""The plots: colour-blind-safe classes, labelled axes, 150 dpi, a smooth boundary, and
README images whose text is large enough to read."""

from __future__ import annotations

import importlib.util
import inspect
import io
import re
import struct
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

import matplotlib
import matplotlib.colors
import matplotlib.pyplot as plt
from matplotlib.text import Text

from micrograd_like import Value
from micrograd_like.datasets import make_moons, make_spiral
from micrograd_like.nn import MLP, Module
from micrograd_like.plots import (
    CLASS_COLORS,
    CLASS_MARKERS,
    DPI,
    HINGE_RANGE,
    OKABE_ITO,
    RESOLUTION,
    SCORE_COLORMAP,
    plot_decision_boundary,
    plot_history,
)
from micrograd_like.train import History

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
IMAGES = ROOT / "docs" / "images"
COLUMN = 830  # GitHub's README column, in CSS pixels: wider images are shrunk to it
SMALLEST_TEXT = 9  # pixels, as shown


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class Linear(Module):
    """One output, x1 + 2*x2: a boundary and a score known exactly."""

    def __init__(self) -> None:
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return Value(x[0]) + 2 * Value(x[1])


class ThreeWay(Module):
    """Three outputs (x1, x2, -x1-x2): each class wins in a third of the plane."""

    def forward(self, x):
        a, b = Value(x[0]), Value(x[1])
        return [a, b, -a - b]


def spiral():
    return make_spiral(n=90, noise=0.2, seed=0, classes=3)


def class_points(ax):
    """The scatter collections of the classes, in legend order."""
    return [c for c in ax.collections if str(c.get_label()).startswith("class ")]


def nothing_clipped(figure):
    """Every axes, with its labels, legend and colour bar, lies inside the figure."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    box = figure.bbox
    for ax in figure.axes:
        extent = ax.get_tightbbox(renderer)
        inside = (-1, -1, box.width + 1, box.height + 1)
        assert extent.x0 >= inside[0], (ax.get_title(), extent)
        assert extent.y0 >= inside[1], (ax.get_title(), extent)
        assert extent.x1 <= inside[2], (ax.get_title(), extent)
        assert extent.y1 <= inside[3], (ax.get_title(), extent)


# --- colours ---------------------------------------------------------------------------


def test_the_palette_is_okabe_ito():
    assert OKABE_ITO == {
        "black": "#000000",
        "orange": "#E69F00",
        "sky blue": "#56B4E9",
        "bluish green": "#009E73",
        "yellow": "#F0E442",
        "blue": "#0072B2",
        "vermillion": "#D55E00",
        "reddish purple": "#CC79A7",
    }
    assert sorted(CLASS_COLORS) == sorted(OKABE_ITO.values())
    assert CLASS_COLORS[:3] == ("#E69F00", "#0072B2", "#009E73")  # orange, blue, bluish green
    assert len(set(CLASS_MARKERS)) == len(CLASS_MARKERS) == 7
    assert SCORE_COLORMAP in ("viridis", "cividis")


def test_three_classes_get_distinct_colours_markers_and_legend_entries():
    X, y = spiral()
    figure = plot_decision_boundary(ThreeWay(), X, y, loss="cross_entropy", resolution=12)
    ax = figure.axes[0]
    points = class_points(ax)
    assert [p.get_label() for p in points] == ["class 0", "class 1", "class 2"]
    fills = [matplotlib.colors.to_hex(p.get_facecolor()[0]).upper() for p in points]
    assert fills == list(CLASS_COLORS[:3])
    assert len({tuple(p.get_paths()[0].vertices.ravel()) for p in points}) == 3  # 3 markers
    for p in points:  # a dark edge: the point shows on its own region's tint
        assert matplotlib.colors.rgb_to_hsv(p.get_edgecolor()[0][:3])[2] < 0.2
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["class 0", "class 1", "class 2"]


def test_three_class_regions_are_tints_of_the_class_colours():
    X, y = spiral()
    ax = plot_decision_boundary(ThreeWay(), X, y, loss="cross_entropy", resolution=12).axes[0]
    image = ax.images[0].get_array()
    colours = {tuple(round(float(c), 3) for c in image[i, j]) for i, j in [(0, 0), (-1, -1)]}
    tints = {
        tuple(round(0.3 * c + 0.7, 3) for c in matplotlib.colors.to_rgb(colour))
        for colour in CLASS_COLORS[:3]
    }
    assert colours <= tints
    # The classes are read off a grid finer than the model's: about 300 points a side.
    assert image.shape[0] >= 300


def test_binary_classes_follow_the_sign_of_the_score():
    X, y = make_moons(n=40, seed=0)
    ax = plot_decision_boundary(Linear(), X, y, loss="hinge", resolution=10).axes[0]
    assert [p.get_label() for p in class_points(ax)] == ["class 0", "class 1"]
    X2 = [[0.0, 0.0], [1.0, 1.0]]
    ax2 = plot_decision_boundary(Linear(), X2, [-1, 1], loss="hinge", resolution=10).axes[0]
    assert [p.get_label() for p in class_points(ax2)] == ["class -1", "class 1"]


# --- labels, titles, legends ---------------------------------------------------------------


@pytest.mark.parametrize("loss", ["hinge", "bce_with_logits", "mse"])
def test_boundary_axes_are_labelled(loss):
    X, y = make_moons(n=40, seed=0)
    ax = plot_decision_boundary(Linear(), X, y, loss=loss, resolution=10, title="T").axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("x1", "x2", "T")
    assert ax.get_legend() is not None


def test_history_has_loss_and_accuracy_on_their_own_labelled_axes():
    history = History(loss=[1.0, 0.5, 0.2], accuracy=[0.5, 0.9, 1.0])
    figure = plot_history(history, title="T")
    loss_ax, accuracy_ax = figure.axes
    assert (loss_ax.get_ylabel(), loss_ax.get_title()) == ("loss", "T")
    assert (accuracy_ax.get_xlabel(), accuracy_ax.get_ylabel()) == ("step", "batch accuracy")
    assert loss_ax.get_shared_x_axes().joined(loss_ax, accuracy_ax)
    # 0 to 1 with a margin: a line at 100% does not lie on the frame.
    assert accuracy_ax.get_ylim() == pytest.approx((-0.05, 1.05))
    assert loss_ax.get_ylim()[0] == 0
    nothing_clipped(figure)


def test_history_on_a_given_axes_puts_the_accuracy_on_a_twin_axis():
    figure, ax = plt.subplots()
    history = History(loss=[1.0, 0.5], accuracy=[0.5, 1.0])
    assert plot_history(history, ax=ax, title="T") is figure
    loss_ax, twin = figure.axes
    assert loss_ax is ax
    assert (ax.get_xlabel(), ax.get_ylabel(), twin.get_ylabel()) == (
        "step",
        "loss",
        "batch accuracy",
    )
    assert twin.get_ylim() == pytest.approx((-0.05, 1.05))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["loss", "batch accuracy"]


def test_history_without_accuracy_is_the_loss_alone():
    figure = plot_history(History(loss=[1.0, 0.5], accuracy=[None, None]))
    (ax,) = figure.axes
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("step", "loss")


def test_history_refuses_an_empty_or_uneven_history():
    with pytest.raises(ValueError, match=r"plot_history: the history has no steps"):
        plot_history(History())
    with pytest.raises(ValueError, match=r"plot_history: the history has 2 losses and 1 acc"):
        plot_history(History(loss=[1.0, 0.5], accuracy=[0.5]))


# --- dpi ------------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_figures_are_made_and_saved_at_150_dpi():
    assert DPI == 150
    X, y = make_moons(n=40, seed=0)
    for figure in (
        plot_history(History(loss=[1.0, 0.5], accuracy=[0.5, 1.0])),
        plot_decision_boundary(Linear(), X, y, resolution=10),
    ):
        assert figure.dpi == DPI
        buffer = io.BytesIO()
        with matplotlib.rc_context({"savefig.dpi": "figure"}):  # matplotlib's default
            figure.savefig(buffer, format="png")
        width, _ = png_size(buffer.getvalue())
        assert width == round(figure.get_figwidth() * DPI)


# --- the grid, and each loss's plane --------------------------------------------------------


def test_the_default_grid_is_resolution_squared_forward_passes():
    assert RESOLUTION == 50
    default = inspect.signature(plot_decision_boundary).parameters["resolution"].default
    assert default == RESOLUTION
    model = Linear()
    plot_decision_boundary(model, [[0.0, 0.0], [1.0, 1.0]], [0, 1])
    assert model.calls == RESOLUTION**2


def test_mse_shows_the_output_and_the_targets_on_one_scale():
    X = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    y = [0.0, 1.0, 2.0, 3.0]  # x1 + 2*x2: the model fits them exactly
    figure = plot_decision_boundary(Linear(), X, y, loss="mse", resolution=11)
    (ax,) = figure.axes
    (bar,) = ax.child_axes
    field = ax.images[0].get_array()
    assert field[0, 0] == pytest.approx(-0.5 + 2 * -0.5)  # the grid's corner (x_low, y_low)
    assert field[-1, 0] == pytest.approx(-0.5 + 2 * 1.5)  # rows go up in x2
    assert ax.images[0].get_interpolation() == "bilinear"  # smooth between grid points
    assert ax.images[0].get_cmap().name == SCORE_COLORMAP
    assert (ax.images[0].norm.vmin, ax.images[0].norm.vmax) == (0, 3)  # the targets' range
    assert bar.get_ylabel() == "output; point: target"
    (points,) = [c for c in ax.collections if c.get_label() == "data"]
    assert list(points.get_array()) == y
    nothing_clipped(figure)


def test_hinge_shows_the_margin_on_a_fixed_scale_with_the_boundary_and_margins():
    X, y = make_moons(n=40, seed=0)
    (ax,) = plot_decision_boundary(Linear(), X, y, loss="hinge", resolution=10).axes
    (bar,) = ax.child_axes
    image = ax.images[0]
    assert (image.norm.vmin, image.norm.vmax) == (-HINGE_RANGE, HINGE_RANGE)
    assert bar.get_ylabel() == "score (margin)"
    levels = sorted(float(c.levels[0]) for c in ax.collections if hasattr(c, "levels"))
    assert levels == [-1.0, 0.0, 1.0]


def test_bce_shows_the_probability_with_the_boundary_at_one_half():
    X, y = make_moons(n=40, seed=0)
    (ax,) = plot_decision_boundary(Linear(), X, y, loss="bce_with_logits", resolution=10).axes
    (bar,) = ax.child_axes
    field = ax.images[0].get_array()
    assert 0 < field.min() < 0.5 < field.max() < 1
    assert bar.get_ylabel() == "P(class 1)"
    assert [float(c.levels[0]) for c in ax.collections if hasattr(c, "levels")] == [0.5]


def test_an_mlp_boundary_draws_within_the_figure():
    X, y = spiral()
    model = MLP(2, [8, 3], seed=0)
    nothing_clipped(plot_decision_boundary(model, X, y, loss="cross_entropy", resolution=10))
    X, y = make_moons(n=40, seed=0)
    model = MLP(2, [8, 1], seed=0)
    nothing_clipped(plot_decision_boundary(model, X, y, loss="hinge", resolution=10))


def test_plots_side_by_side_in_a_callers_figure_stay_inside_it():
    # Notebook 03's layout: the history and a 3-class boundary in one row.
    X, y = spiral()
    for size in [(10, 3.8), (10, 3.5), (8, 5)]:
        figure, (left, right) = plt.subplots(1, 2, figsize=size)
        plot_history(History(loss=[1.0, 0.5], accuracy=[0.5, 1.0]), ax=left)
        plot_decision_boundary(ThreeWay(), X, y, loss="cross_entropy", ax=right, resolution=8)
        nothing_clipped(figure)


@pytest.mark.parametrize(
    ("model", "X", "y", "loss", "error", "message"),
    [
        (Linear(), [[0.0, 0.0]], [0], "bogus", ValueError, "loss must be one of"),
        (Linear(), [[0.0, 0.0]], [0], 1, TypeError, "loss must be one of"),
        (Linear(), [[0.0, 0.0, 0.0]], [0], "hinge", ValueError, "2-D points, got rows of "),
        (Linear(), [[0.0, 0.0]], [0, 1], "hinge", ValueError, r"len\(X\) is 1 and len\(y\) 2;"),
        (Linear(), [[0.0, 0.0]] * 3, [0, 1, 2], "hinge", ValueError, "got 0, 1, 2; use loss="),
        (Linear(), [[0.0, 0.0]] * 2, [-1, 0], "hinge", ValueError, r"0 and 1, got -1, 0$"),
        (Linear(), [[0.0, 0.0]] * 2, [0, 2], "bce_with_logits", ValueError, r"0 and 1, got 0, 2$"),
        (ThreeWay(), [[0.0, 0.0]] * 2, [0, 3], "cross_entropy", ValueError, "0 to 2.*got 3"),
        (Linear(), [[0.0, 0.0]], [0], "cross_entropy", ValueError, "2 or more\\), got 1"),
        (ThreeWay(), [[0.0, 0.0]], [0], "hinge", ValueError, "with 3; use loss='cross_ent"),
    ],
)
def test_boundary_refusals_name_the_function_and_the_value(model, X, y, loss, error, message):
    with pytest.raises(error, match=f"^plot_decision_boundary: .*{message}"):
        plot_decision_boundary(model, X, y, loss=loss, resolution=4)


@pytest.mark.parametrize(("resolution", "error"), [(1, ValueError), (True, TypeError)])
def test_boundary_refuses_a_grid_of_fewer_than_two_points(resolution, error):
    with pytest.raises(error, match=r"^plot_decision_boundary: resolution must be"):
        plot_decision_boundary(Linear(), [[0.0, 0.0]], [0], resolution=resolution)


# --- the README's images ---------------------------------------------------------------------


def readme_pngs() -> dict[str, int | None]:
    """The PNG files the README shows, each with the width its <img> gives (None: natural)."""
    text = README.read_text(encoding="utf-8")
    shown: dict[str, int | None] = {}
    for path in re.findall(r"!\[[^\]]*\]\((docs/images/[^)\s]+\.png)\)", text):
        shown[Path(path).name] = None
    for tag in re.findall(r"<img\b[^>]*>", text):
        source = re.search(r'src="(docs/images/[^"]+\.png)"', tag)
        width = re.search(r'width="(\d+)"', tag)
        if source:
            shown[Path(source.group(1)).name] = int(width.group(1)) if width else None
    return shown


def make_images():
    spec = importlib.util.spec_from_file_location("make_images", ROOT / "docs" / "make_images.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def smallest_text_shown(
    figure, natural_width: int, shown_width: int | None, dpi: float = DPI
) -> float:
    """The height in pixels of the figure's smallest text, as the README shows the image.

    A font of s points saved at dpi is s * dpi / 72 pixels tall in the file; shown
    w pixels wide, the file's natural width n is scaled by w / n. An <img> width
    says w; without one, GitHub shows the image at its natural width, shrunk to
    the column when wider.
    """
    shown = shown_width if shown_width is not None else min(natural_width, COLUMN)
    figure.canvas.draw()  # matplotlib makes the tick labels as it draws them
    sizes = [
        t.get_fontsize() for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()
    ]
    return min(sizes) * dpi / 72 * shown / natural_width


def test_every_readme_png_shows_text_at_least_9_pixels_tall_and_is_labelled():
    shown = readme_pngs()
    assert shown, "the README shows no PNG under docs/images/"
    # Three steps, not 100: the layout and the fonts are the same, and this is quick.
    figures = make_images().png_figures(steps=3)
    assert set(shown) <= set(figures), "a README image that docs/make_images.py does not make"
    for name, width in shown.items():
        figure = figures[name]
        natural = png_size((IMAGES / name).read_bytes())
        # The file is this figure saved at DPI: make_images.py has been run since it changed.
        assert natural[0] == round(figure.get_figwidth() * DPI), name
        assert natural[1] == round(figure.get_figheight() * DPI), name
        assert smallest_text_shown(figure, natural[0], width) >= SMALLEST_TEXT, name
        for ax in figure.axes:  # each panel (a colour bar is an inset, not one of these)
            shared = ax.get_shared_x_axes().get_siblings(ax)
            assert any(other.get_xlabel() for other in shared), name
            assert ax.get_ylabel(), name
        nothing_clipped(figure)


def test_the_text_size_check_can_fail():
    # A wide figure with small ticks: 8 pt at 150 dpi is 16.7 px in a 1,800 px file,
    # shrunk to the 830 px column: 7.7 px.
    figure, ax = plt.subplots(figsize=(12, 3), dpi=DPI)
    ax.tick_params(labelsize=8)
    ax.set_xlabel("x1", fontsize=10)
    assert smallest_text_shown(figure, 1800, None) == pytest.approx(8 * 150 / 72 * 830 / 1800)
    assert smallest_text_shown(figure, 1800, None) < SMALLEST_TEXT
    # The README's old boundary, 400 px wide at 80 dpi with 10 pt text, passed on size
    # (11.1 px at its natural width); what it lacked was axis labels and pixels.
    old, _ = plt.subplots(figsize=(5, 4.5), dpi=80)
    assert smallest_text_shown(old, 400, None, dpi=80) == pytest.approx(10 * 80 / 72)

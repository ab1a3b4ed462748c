"""Regenerate the README images: ``python docs/make_images.py`` (needs the viz, train extras).

`png_figures` builds the README's plots as matplotlib Figures, which
tests/test_plots.py reads to check that their text is large enough; this
script saves them at `micrograd_like.plots.DPI`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from micrograd_like import Value, worked_example
from micrograd_like.datasets import make_moons
from micrograd_like.nn import MLP
from micrograd_like.optim import SGD, LinearDecay
from micrograd_like.pages import explorable, seed_page
from micrograd_like.plots import DPI, plot_decision_boundary, plot_history
from micrograd_like.replay import Recording
from micrograd_like.train import fit
from micrograd_like.viz import draw_dot

IMAGES = Path(__file__).parent / "images"


def neuron_diagram() -> None:
    """The lecture's neuron after backward."""
    o, [w1, w2, b] = lecture_neuron()
    o.backward()
    # Both styles: the compact one fits the README's column with its labels readable.
    draw_dot(o, params=[w1, w2, b]).save(IMAGES / "neuron.svg")
    draw_dot(o, params=[w1, w2, b], compact=True).save(IMAGES / "neuron_compact.svg")


def png_figures(steps: int = 100) -> dict[str, Any]:
    """The README's PNG images as Figures, by file name: the moons demo recipe through fit().

    Args:
        steps: Training steps; the README's images take 100. Fewer give the same
            layout and fonts (what the tests check) sooner.

    Returns:
        The matplotlib Figure of each file under docs/images/.
    """
    X, y = make_moons(n=100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=1.0)
    history = fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=optimizer,
        schedule=LinearDecay(optimizer, start=1.0, end=0.1, total_steps=steps),
        steps=steps,
        l2=1e-4,
        progress=False,
    )
    return {
        "moons_boundary.png": plot_decision_boundary(
            model, X, y, loss="hinge", title=f"Moons after {steps} steps (hinge loss)"
        ),
        "moons_loss.png": plot_history(history, title="Moons: micrograd's recipe"),
    }


def moons_training() -> None:
    """The decision boundary and the loss curve, as PNG files at DPI."""
    for name, figure in png_figures().items():
        # No "Software" stamp: the file changes only when the picture does.
        figure.savefig(IMAGES / name, dpi=DPI, metadata={"Software": None})


PAGES = Path(__file__).parent / "pages"
SCREENSHOTS = Path(__file__).parent / "screenshots"


def lecture_neuron() -> tuple[Value, list[Value]]:
    """Karpathy's neuron, o = tanh(x1*w1 + x2*w2 + b), and its parameters."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, [w1, w2, b]


def pages() -> dict[str, str]:
    """The pages docs/pages/ holds, by file name: the neuron's and the report's example."""
    o, params = lecture_neuron()
    return {
        "neuron.html": explorable(o, params),
        "seed.html": seed_page(worked_example.run()),
    }


def page_screenshots() -> None:
    """Screenshots of the pages for the README, taken in headless Chromium (playwright)."""
    from playwright.sync_api import sync_playwright

    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
        # 1,100 px wide, the step's text beside the diagram; shown in GitHub's 830 px column,
        # the page's 16 px text is 12 px.
        page = browser.new_page(viewport={"width": 1100, "height": 560})
        page.goto((PAGES / "neuron.html").resolve().as_uri())
        for _ in range(8):  # into the backward pass, inside the sum
            page.keyboard.press("ArrowRight")
        page.screenshot(path=str(SCREENSHOTS / "explorable.png"))
        page.goto((PAGES / "seed.html").resolve().as_uri())
        page.locator("#step").fill("40")
        page.locator("#step").dispatch_event("input")
        page.evaluate("document.querySelector('#controls').scrollIntoView()")
        page.screenshot(path=str(SCREENSHOTS / "seed.png"))
        with tempfile.TemporaryDirectory() as folder:
            replay = Path(folder) / "training.html"
            training_replay().save(replay)
            page.set_viewport_size({"width": 1100, "height": 760})
            page.goto(replay.resolve().as_uri())
            page.locator("#step").fill("10")
            page.locator("#step").dispatch_event("input")
            page.screenshot(path=str(SCREENSHOTS / "training.png"))
        page.close()
        browser.close()


def training_replay() -> Recording:
    """A replay of a short run on the moons, with a model small enough to draw its graph."""
    X, y = make_moons(n=100, noise=0.1, seed=0)
    recording = Recording(X, y, loss="hinge", every=3)
    model = MLP(2, [4, 4, 1], seed=0)
    fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=0.5), steps=60,
        progress=False, callbacks=[recording])  # fmt: skip
    return recording


if __name__ == "__main__":
    IMAGES.mkdir(exist_ok=True)
    neuron_diagram()
    moons_training()
    PAGES.mkdir(exist_ok=True)
    for name, source in pages().items():
        (PAGES / name).write_text(source, encoding="utf-8")
    SCREENSHOTS.mkdir(exist_ok=True)
    page_screenshots()
    print(f"wrote {sorted(p.name for p in [*IMAGES.iterdir(), *PAGES.iterdir()])}")

"""Regenerate the README images: ``python docs/make_images.py`` (needs the viz, train extras).

`png_figures` builds the README's plots as matplotlib Figures, which
tests/test_plots.py reads to check that their text is large enough; this
script saves them at `micrograd_like.plots.DPI`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from micrograd_like import Value
from micrograd_like.datasets import make_moons
from micrograd_like.nn import MLP
from micrograd_like.optim import SGD, LinearDecay
from micrograd_like.plots import DPI, plot_decision_boundary, plot_history
from micrograd_like.train import fit
from micrograd_like.viz import draw_dot

IMAGES = Path(__file__).parent / "images"


def neuron_diagram() -> None:
    """The lecture's neuron after backward."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
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


if __name__ == "__main__":
    IMAGES.mkdir(exist_ok=True)
    neuron_diagram()
    moons_training()
    print(f"wrote {sorted(p.name for p in IMAGES.iterdir())}")

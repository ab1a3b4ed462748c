"""Regenerate the README images: ``python docs/make_images.py`` (needs the viz, train extras)."""

from __future__ import annotations

from pathlib import Path

from micrograd_like import Value
from micrograd_like.datasets import make_moons
from micrograd_like.nn import MLP
from micrograd_like.optim import SGD, LinearDecay
from micrograd_like.plots import plot_decision_boundary, plot_history
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
    draw_dot(o, params=[w1, w2, b]).save(IMAGES / "neuron.svg")


def moons_training() -> None:
    """The moons demo recipe through fit(): the decision boundary and the loss curve."""
    X, y = make_moons(n=100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=1.0)
    history = fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=optimizer,
        schedule=LinearDecay(optimizer, start=1.0, end=0.1, total_steps=100),
        steps=100,
        l2=1e-4,
        progress=False,
    )
    plot_decision_boundary(model, X, y, loss="hinge", resolution=50).savefig(
        IMAGES / "moons_boundary.png", dpi=80
    )
    plot_history(history, title="moons, micrograd's recipe").savefig(
        IMAGES / "moons_loss.png", dpi=80
    )


if __name__ == "__main__":
    IMAGES.mkdir(exist_ok=True)
    neuron_diagram()
    moons_training()
    print(f"wrote {sorted(p.name for p in IMAGES.iterdir())}")

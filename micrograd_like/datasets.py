"""Toy 2-D datasets in pure Python, no scikit-learn: moons, circles, blobs, spiral, xor.

Every generator takes ``n`` (the number of points), ``noise`` (the standard
deviation of Gaussian noise added to each coordinate) and ``seed``, and
returns ``(X, y)``: X a list of ``[x1, x2]`` rows, y a list of int labels
0, 1, ... The same seed gives the same data.

Example:
    >>> from micrograd_like.datasets import make_moons
    >>> X, y = make_moons(n=100, noise=0.1, seed=0)
    >>> len(X), sorted(set(y))
    (100, [0, 1])
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import TypeVar

__all__ = [
    "DATASETS",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spiral",
    "make_xor",
    "to_plus_minus_one",
    "train_test_split",
]

Dataset = tuple[list[list[float]], list[int]]
T = TypeVar("T")


def _check(n: int, noise: float, who: str, minimum: int = 2) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < minimum:
        raise ValueError(f"{who}: n must be an int >= {minimum}, got {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not noise >= 0:
        raise ValueError(f"{who}: noise must be a number >= 0, got {noise!r}")
    if not math.isfinite(noise):
        raise ValueError(f"{who}: noise must be finite, got {noise!r}")


def _finish(points: list[tuple[float, float, int]], noise: float, rng: random.Random) -> Dataset:
    rng.shuffle(points)
    X = [[x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)] for x, y, _ in points]
    return X, [label for _, _, label in points]


def make_moons(n: int = 100, noise: float = 0.1, seed: int | None = None) -> Dataset:
    """Two interleaving half circles (scikit-learn's layout); labels 0 (upper) and 1."""
    _check(n, noise, "make_moons")
    rng = random.Random(seed)
    outer = n // 2
    inner = n - outer
    points = [
        (math.cos(math.pi * i / max(outer - 1, 1)), math.sin(math.pi * i / max(outer - 1, 1)), 0)
        for i in range(outer)
    ]
    points += [
        (
            1 - math.cos(math.pi * i / max(inner - 1, 1)),
            0.5 - math.sin(math.pi * i / max(inner - 1, 1)),
            1,
        )
        for i in range(inner)
    ]
    return _finish(points, noise, rng)


def make_circles(
    n: int = 100, noise: float = 0.05, seed: int | None = None, factor: float = 0.5
) -> Dataset:
    """A circle inside another; label 0 outer (radius 1), 1 inner (radius factor)."""
    _check(n, noise, "make_circles")
    if not 0 < factor < 1:
        raise ValueError(f"make_circles: factor must be between 0 and 1, got {factor!r}")
    rng = random.Random(seed)
    outer = n // 2
    inner = n - outer
    points = [
        (math.cos(2 * math.pi * i / outer), math.sin(2 * math.pi * i / outer), 0)
        for i in range(outer)
    ]
    points += [
        (factor * math.cos(2 * math.pi * i / inner), factor * math.sin(2 * math.pi * i / inner), 1)
        for i in range(inner)
    ]
    return _finish(points, noise, rng)


def make_blobs(
    n: int = 100, noise: float = 0.5, seed: int | None = None, centers: int = 3
) -> Dataset:
    """Gaussian blobs of spread ``noise`` around ``centers`` points on a circle of radius 3."""
    _check(n, noise, "make_blobs")
    if isinstance(centers, bool) or not isinstance(centers, int) or not 1 <= centers <= n:
        raise ValueError(f"make_blobs: centers must be an int from 1 to n, got {centers!r}")
    rng = random.Random(seed)
    where = [
        (3 * math.cos(2 * math.pi * k / centers), 3 * math.sin(2 * math.pi * k / centers))
        for k in range(centers)
    ]
    points = [(*where[i % centers], i % centers) for i in range(n)]
    return _finish(points, noise, rng)


def make_spiral(
    n: int = 150, noise: float = 0.2, seed: int | None = None, classes: int = 3
) -> Dataset:
    """``classes`` interleaved spiral arms (the CS231n spiral); labels 0 .. classes-1."""
    _check(n, noise, "make_spiral", minimum=classes if isinstance(classes, int) else 2)
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 2:
        raise ValueError(f"make_spiral: classes must be an int >= 2, got {classes!r}")
    rng = random.Random(seed)
    points = []
    for i in range(n):
        k = i % classes
        r = (i // classes) / max((n - 1) // classes, 1)  # radius from 0 to 1 along the arm
        angle = 4.0 * r + 2 * math.pi * k / classes
        # noise is added to the angle, so arms blur along the spiral, not off it
        angle += rng.gauss(0.0, noise)
        points.append((r * math.sin(angle), r * math.cos(angle), k))
    return _finish(points, 0.0, rng)


def make_xor(n: int = 100, noise: float = 0.1, seed: int | None = None) -> Dataset:
    """Points around the four corners (+-1, +-1); label 1 where x1 * x2 < 0 (XOR of signs)."""
    _check(n, noise, "make_xor")
    rng = random.Random(seed)
    corners = [(1.0, 1.0), (-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0)]
    points = [(*corners[i % 4], int(corners[i % 4][0] * corners[i % 4][1] < 0)) for i in range(n)]
    return _finish(points, noise, rng)


def to_plus_minus_one(y: Sequence[int]) -> list[int]:
    """Binary labels 0/1 as -1/+1, the targets of the hinge loss."""
    if any(label not in (0, 1) for label in y):
        raise ValueError("to_plus_minus_one: labels must be 0 or 1")
    return [2 * label - 1 for label in y]


def train_test_split(
    X: Sequence[T], y: Sequence[int], test_fraction: float = 0.25, seed: int | None = None
) -> tuple[list[T], list[T], list[int], list[int]]:
    """Shuffles and splits into ``X_train, X_test, y_train, y_test``.

    Raises:
        ValueError: If X and y differ in length or a part would be empty.
    """
    if len(X) != len(y):
        raise ValueError(f"train_test_split: {len(X)} rows but {len(y)} labels")
    if not 0 < test_fraction < 1:
        raise ValueError(
            f"train_test_split: test_fraction must be in (0, 1), got {test_fraction!r}"
        )
    n_test = round(len(X) * test_fraction)
    if n_test == 0 or n_test == len(X):
        raise ValueError(f"train_test_split: {len(X)} rows cannot be split by {test_fraction}")
    order = list(range(len(X)))
    random.Random(seed).shuffle(order)
    test, train = order[:n_test], order[n_test:]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]


DATASETS = {
    "moons": make_moons,
    "circles": make_circles,
    "blobs": make_blobs,
    "spiral": make_spiral,
    "xor": make_xor,
}
"""The generators by name, as the command line knows them."""

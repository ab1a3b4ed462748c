"""Toy 2-D datasets in pure Python, no scikit-learn: moons, circles, blobs, spiral, xor.

Every generator takes ``n`` (the number of points), ``noise`` (the standard
deviation of Gaussian noise added to each coordinate) and ``seed``, and
returns ``(X, y)``: X a list of ``[x1, x2]`` rows, y a list of int labels
0, 1, ... The same seed gives the same data. Arguments are checked by
`micrograd_like.validate` (a bool is not a count: ``n=True`` is a TypeError).

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

from micrograd_like import validate

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


def _check(n: int, noise: float, seed: int | None, who: str) -> tuple[int, float, random.Random]:
    """The checked n and noise, and the generator seeded by seed."""
    n = validate.count(n, "n", who, 2)
    noise = validate.non_negative(noise, "noise", who)
    return n, noise, random.Random(validate.seed(seed, "seed", who))


def _check_points_per_group(n: int, groups: int, name: str, who: str) -> None:
    """Refuses fewer points than groups (centers, arms), naming both: either may be the slip."""
    if n < groups:
        raise ValueError(
            f"{who}: n must be a whole number >= {groups}, the number of {name} "
            f"({name}={groups}: a point for each), got n={n}"
        )


def _finish(points: list[tuple[float, float, int]], noise: float, rng: random.Random) -> Dataset:
    rng.shuffle(points)
    X = [[x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)] for x, y, _ in points]
    return X, [label for _, _, label in points]


def make_moons(n: int = 100, noise: float = 0.1, seed: int | None = None) -> Dataset:
    """Two interleaving half circles (scikit-learn's layout); labels 0 (upper) and 1.

    Args:
        n: The number of points, at least 2.
        noise: The standard deviation of the Gaussian noise added to each coordinate.
        seed: Seeds the random numbers: the same seed gives the same data.

    Returns:
        ``(X, y)``: a list of ``[x1, x2]`` rows and their int labels.

    Raises:
        TypeError: If n is not a whole number (a bool is not one).
        ValueError: If n is too small, or noise is negative.

    Example:
        >>> from micrograd_like.datasets import make_moons
        >>> X, y = make_moons(n=12, seed=0)
        >>> len(X), sorted(set(y))
        (12, [0, 1])
    """
    n, noise, rng = _check(n, noise, seed, "make_moons")
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
    """A circle inside another; label 0 outer (radius 1), 1 inner (radius factor).

    Args:
        n: The number of points, at least 2.
        noise: The standard deviation of the Gaussian noise added to each coordinate.
        seed: Seeds the random numbers: the same seed gives the same data.
        factor: The inner circle's radius, between 0 and 1 (both excluded).

    Returns:
        ``(X, y)``: a list of ``[x1, x2]`` rows and their int labels.

    Raises:
        TypeError: If n is not a whole number (a bool is not one).
        ValueError: If n is too small, factor is outside (0, 1), or noise is negative.

    Example:
        >>> from micrograd_like.datasets import make_circles
        >>> X, y = make_circles(n=12, seed=0)
        >>> len(X), sorted(set(y))
        (12, [0, 1])
    """
    n, noise, rng = _check(n, noise, seed, "make_circles")
    factor = validate.number(
        factor, "factor", "make_circles", low=0, high=1, low_open=True, high_open=True
    )
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
    """Gaussian blobs of spread ``noise`` around ``centers`` points on a circle of radius 3.

    Args:
        n: The number of points, at least 2 and at least centers.
        noise: The standard deviation of the Gaussian noise added to each coordinate.
        seed: Seeds the random numbers: the same seed gives the same data.
        centers: How many blobs, each its own label.

    Returns:
        ``(X, y)``: a list of ``[x1, x2]`` rows and their int labels.

    Raises:
        TypeError: If n or centers is not a whole number (a bool is not one).
        ValueError: If n is too small or below centers, or noise is negative.

    Example:
        >>> from micrograd_like.datasets import make_blobs
        >>> X, y = make_blobs(n=12, seed=0)
        >>> len(X), sorted(set(y))
        (12, [0, 1, 2])
    """
    n, noise, rng = _check(n, noise, seed, "make_blobs")
    centers = validate.count(centers, "centers", "make_blobs")
    _check_points_per_group(n, centers, "centers", "make_blobs")
    where = [
        (3 * math.cos(2 * math.pi * k / centers), 3 * math.sin(2 * math.pi * k / centers))
        for k in range(centers)
    ]
    points = [(*where[i % centers], i % centers) for i in range(n)]
    return _finish(points, noise, rng)


def make_spiral(
    n: int = 150, noise: float = 0.2, seed: int | None = None, classes: int = 3
) -> Dataset:
    """``classes`` interleaved spiral arms (the CS231n spiral); labels 0 .. classes-1.

    Args:
        n: The number of points, at least 2 and at least classes.
        noise: The standard deviation of the Gaussian noise, added here to the angle, so
            the arms blur along the spiral.
        seed: Seeds the random numbers: the same seed gives the same data.
        classes: How many arms, at least 2, each its own label.

    Returns:
        ``(X, y)``: a list of ``[x1, x2]`` rows and their int labels.

    Raises:
        TypeError: If n or classes is not a whole number (a bool is not one).
        ValueError: If n is too small or below classes, or noise is negative.

    Example:
        >>> from micrograd_like.datasets import make_spiral
        >>> X, y = make_spiral(n=12, seed=0)
        >>> len(X), sorted(set(y))
        (12, [0, 1, 2])
    """
    classes = validate.count(classes, "classes", "make_spiral", 2)
    n, noise, rng = _check(n, noise, seed, "make_spiral")
    _check_points_per_group(n, classes, "classes", "make_spiral")
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
    """Points around the four corners (+-1, +-1); label 1 where x1 * x2 < 0 (XOR of signs).

    Args:
        n: The number of points, at least 2.
        noise: The standard deviation of the Gaussian noise added to each coordinate.
        seed: Seeds the random numbers: the same seed gives the same data.

    Returns:
        ``(X, y)``: a list of ``[x1, x2]`` rows and their int labels.

    Raises:
        TypeError: If n is not a whole number (a bool is not one).
        ValueError: If n is too small, or noise is negative.

    Example:
        >>> from micrograd_like.datasets import make_xor
        >>> X, y = make_xor(n=12, seed=0)
        >>> len(X), sorted(set(y))
        (12, [0, 1])
    """
    n, noise, rng = _check(n, noise, seed, "make_xor")
    corners = [(1.0, 1.0), (-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0)]
    points = [(*corners[i % 4], int(corners[i % 4][0] * corners[i % 4][1] < 0)) for i in range(n)]
    return _finish(points, noise, rng)


def to_plus_minus_one(y: Sequence[float]) -> list[int]:
    """Binary labels 0/1 as -1/+1, the targets of the hinge loss.

    The package's one copy of this mapping: ``fit(loss="hinge")`` uses it too.

    Args:
        y: Labels, each 0 or 1 (an int or a float; a bool is not a label).

    Returns:
        The labels as ints, -1 for 0 and +1 for 1.

    Raises:
        TypeError: If a label is not a real number, or is a bool.
        ValueError: If a label is neither 0 nor 1.

    Example:
        >>> from micrograd_like.datasets import to_plus_minus_one
        >>> to_plus_minus_one([0, 1, 1.0])
        [-1, 1, 1]
    """
    labels = [validate.real(label, f"y[{i}]", "to_plus_minus_one") for i, label in enumerate(y)]
    for i, label in enumerate(labels):
        if label not in (0.0, 1.0):
            raise ValueError(f"to_plus_minus_one: labels must be 0 or 1, got y[{i}] = {y[i]!r}")
    return [2 * int(label) - 1 for label in labels]


def train_test_split(
    X: Sequence[T], y: Sequence[int], test_fraction: float = 0.25, seed: int | None = None
) -> tuple[list[T], list[T], list[int], list[int]]:
    """Shuffles and splits into ``X_train, X_test, y_train, y_test``.

    Args:
        X: The rows.
        y: Their labels, one per row.
        test_fraction: The share of rows for the test part, between 0 and 1.
        seed: Seeds the shuffle: the same seed gives the same split.

    Returns:
        ``(X_train, X_test, y_train, y_test)``, each a new list.

    Raises:
        ValueError: If X and y differ in length or a part would be empty.

    Example:
        >>> from micrograd_like.datasets import make_moons, train_test_split
        >>> X, y = make_moons(n=20, seed=0)
        >>> X_train, X_test, y_train, y_test = train_test_split(X, y, seed=0)
        >>> len(X_train), len(X_test)
        (15, 5)
    """
    if len(X) != len(y):
        raise ValueError(f"train_test_split: {len(X)} rows but {len(y)} labels")
    test_fraction = validate.number(
        test_fraction,
        "test_fraction",
        "train_test_split",
        low=0,
        high=1,
        low_open=True,
        high_open=True,
    )
    n_test = round(len(X) * test_fraction)
    if n_test == 0 or n_test == len(X):
        raise ValueError(f"train_test_split: {len(X)} rows cannot be split by {test_fraction}")
    order = list(range(len(X)))
    random.Random(validate.seed(seed, "seed", "train_test_split")).shuffle(order)
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

"""Toy datasets: shapes, labels, determinism, and the geometry each one promises."""

from __future__ import annotations

import math

import pytest

from micrograd_like.datasets import (
    DATASETS,
    make_blobs,
    make_circles,
    make_moons,
    make_spiral,
    make_xor,
    to_plus_minus_one,
    train_test_split,
)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_each_dataset_has_n_2d_rows_labels_and_is_seeded(name):
    make = DATASETS[name]
    X, y = make(n=60, noise=0.1, seed=3)
    assert len(X) == len(y) == 60
    assert all(len(row) == 2 and all(math.isfinite(v) for v in row) for row in X)
    assert min(y) == 0
    assert make(n=60, noise=0.1, seed=3) == (X, y)
    assert make(n=60, noise=0.1, seed=4) != (X, y)


def test_moons_without_noise_lie_on_two_half_circles():
    X, y = make_moons(n=40, noise=0.0, seed=0)
    for (a, b), label in zip(X, y, strict=True):
        if label == 0:
            assert math.hypot(a, b) == pytest.approx(1.0)
        else:
            assert math.hypot(a - 1, b - 0.5) == pytest.approx(1.0)
    assert y.count(0) == y.count(1) == 20


def test_circles_radii_and_blob_and_spiral_classes():
    X, _ = make_circles(n=40, noise=0.0, seed=0, factor=0.3)
    assert {round(math.hypot(*row), 6) for row in X} == {1.0, 0.3}
    assert sorted(set(make_blobs(n=30, seed=0, centers=5)[1])) == [0, 1, 2, 3, 4]
    assert sorted(set(make_spiral(n=30, seed=0, classes=3)[1])) == [0, 1, 2]


def test_xor_labels_follow_the_signs():
    X, y = make_xor(n=40, noise=0.0, seed=0)
    for (a, b), label in zip(X, y, strict=True):
        assert label == int(a * b < 0)


def test_split_and_label_mapping():
    X, y = make_moons(n=100, seed=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.2, seed=1)
    assert (len(X_train), len(X_test), len(y_train), len(y_test)) == (80, 20, 80, 20)
    assert sorted(map(tuple, X_train + X_test)) == sorted(map(tuple, X))
    assert to_plus_minus_one([0, 1, 1]) == [-1, 1, 1]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_moons(n=True), "make_moons: n must be a whole number >= 2, got bool"),
        (lambda: make_xor(noise=False), "make_xor: noise must be a finite number >= 0, got bool"),
        (lambda: make_blobs(centers=True), "make_blobs: centers must be a whole number"),
        (lambda: make_spiral(classes=True), "make_spiral: classes must be a whole number"),
        (lambda: make_circles(seed=True), "make_circles: seed must be None or a whole number"),
        (lambda: train_test_split([[0.0]] * 4, [0] * 4, seed=False), "train_test_split: seed"),
        (lambda: to_plus_minus_one([True, False]), r"to_plus_minus_one: y\[0\] .* got bool"),
    ],
)
def test_a_bool_is_never_a_count_a_number_a_seed_or_a_label(call, message):
    with pytest.raises(TypeError, match=message):
        call()


def test_label_mapping_takes_float_labels_and_names_a_bad_one():
    assert to_plus_minus_one([0.0, 1.0, 1]) == [-1, 1, 1]
    with pytest.raises(ValueError, match=r"labels must be 0 or 1, got y\[2\] = 2"):
        to_plus_minus_one([0, 1, 2])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_moons(n=1), "make_moons: n must be a whole number >= 2, got 1"),
        (lambda: make_moons(noise=-1.0), "make_moons: noise must be a finite number >= 0"),
        (lambda: make_moons(noise=10**400), "make_moons: noise is too large for a float"),
        (lambda: make_circles(factor=1.5), r"make_circles: factor must be .* in \(0, 1\)"),
        (lambda: make_spiral(classes=1), "make_spiral: classes must be a whole number >= 2"),
        (
            lambda: make_spiral(n=2, classes=3),
            r"^make_spiral: n must be a whole number >= 3, the number of classes "
            r"\(classes=3: a point for each\), got n=2$",
        ),
        (
            lambda: make_blobs(n=4, centers=5),
            r"^make_blobs: n must be .* >= 5, the number of centers \(centers=5: .*\), got n=4$",
        ),
        # The default centers=3: the message names n, the parameter that was set.
        (lambda: make_blobs(n=2), r"^make_blobs: n must be .* >= 3, .* \(centers=3: .*, got n=2$"),
        (lambda: make_blobs(centers=0), "make_blobs: centers must be a whole number >= 1, got 0"),
        (lambda: train_test_split([[0.0]], [0, 1]), "1 rows but 2 labels"),
        (lambda: train_test_split([[0.0], [1.0]], [0, 1], test_fraction=1.5), "test_fraction"),
        (lambda: to_plus_minus_one([0, 2]), "0 or 1"),
    ],
)
def test_bad_arguments_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()

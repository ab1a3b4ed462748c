"""Optimizers: several steps from the same weights agree with torch.optim."""

from __future__ import annotations

import math

import pytest

from micrograd_like import Value
from micrograd_like.optim import SGD, Adam, LinearDecay

START = [0.5, -1.5, 2.0]


def loss_of(ws):
    """A small nonlinear loss with different curvature per weight."""
    a, b, c = ws
    return (a * b - 1) ** 2 + (b + c).tanh() ** 2 + 0.1 * c**4


def run_ours(make, steps=6):
    ws = [Value(x) for x in START]
    optimizer = make(ws)
    for _ in range(steps):
        optimizer.zero_grad()
        loss_of(ws).backward()
        optimizer.step()
    return [w.data for w in ws]


def run_torch(torch, make, steps=6):
    ws = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    optimizer = make(ws)
    for _ in range(steps):
        optimizer.zero_grad()
        loss_of(ws).backward()
        optimizer.step()
    return [w.item() for w in ws]


CASES = [
    ("sgd", lambda o: lambda p: o.SGD(p, lr=0.1)),
    ("sgd_momentum", lambda o: lambda p: o.SGD(p, lr=0.05, momentum=0.9)),
    ("sgd_weight_decay", lambda o: lambda p: o.SGD(p, lr=0.05, momentum=0.5, weight_decay=0.01)),
    ("adam", lambda o: lambda p: o.Adam(p, lr=0.05)),
    ("adam_betas", lambda o: lambda p: o.Adam(p, lr=0.1, betas=(0.8, 0.99), eps=1e-6)),
    ("adam_weight_decay", lambda o: lambda p: o.Adam(p, lr=0.01, weight_decay=0.1)),
]


class _Ours:
    SGD = SGD
    Adam = Adam


@pytest.mark.torch
@pytest.mark.parametrize(("name", "factory"), CASES, ids=[c[0] for c in CASES])
def test_several_steps_match_torch_optim(name, factory):
    torch = pytest.importorskip("torch")
    ours = run_ours(factory(_Ours))
    theirs = run_torch(torch, factory(torch.optim))
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-14)
    assert ours != START


def test_sgd_is_the_update_rule_by_hand():
    w = Value(3.0)
    optimizer = SGD([w], lr=0.1)
    (w * w).backward()
    optimizer.step()
    assert w.data == 3.0 - 0.1 * 6.0


def test_adam_first_step_moves_each_weight_by_about_lr():
    ws = [Value(x) for x in START]
    optimizer = Adam(ws, lr=0.01)
    loss_of(ws).backward()
    optimizer.step()
    for before, w in zip(START, ws, strict=True):
        assert abs(before - w.data) == pytest.approx(0.01, rel=1e-4)


def test_linear_decay_follows_micrograds_schedule():
    w = Value(1.0)
    optimizer = SGD([w], lr=123.0)
    schedule = LinearDecay(optimizer, start=1.0, end=0.1, total_steps=100)
    seen = [optimizer.lr]
    for _ in range(120):
        schedule.step()
        seen.append(optimizer.lr)
    for k in range(100):
        assert seen[k] == pytest.approx(1.0 - 0.9 * k / 100, abs=1e-15)
    assert seen[100:] == [pytest.approx(0.1)] * 21


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SGD([], lr=0.1), "no parameters"),
        (lambda: SGD([Value(1.0)], lr=-1.0), "SGD: lr must be a finite number >= 0, got -1.0"),
        (lambda: SGD([Value(1.0)], lr=10**400), "SGD: lr is too large for a float"),
        (lambda: Adam([Value(1.0)], betas=(1.0, 0.9)), r"betas\[0\] must be .* in \[0, 1\)"),
        (lambda: SGD([Value(1.0)], lr=math.nan), "lr must be a finite number"),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=1.5), "momentum"),
        (lambda: Adam([Value(1.0)], betas=(0.9,)), "betas must be a pair"),  # type: ignore[arg-type]
        (lambda: Adam([Value(1.0)], eps=-1.0), "eps"),
        (lambda: LinearDecay(SGD([Value(1.0)], lr=0.1), 1.0, 0.1, 0), "total_steps"),
    ],
)
def test_bad_settings_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SGD([Value(1.0)], lr=True), "SGD: lr must be a finite number >= 0, got bool"),
        (lambda: Adam([Value(1.0)], lr=False), "Adam: lr must be a finite number >= 0, got bool"),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=True), "SGD: momentum must be .* got bool"),
        (lambda: Adam([Value(1.0)], betas=0.9), "Adam: betas must be a pair of numbers"),  # type: ignore[arg-type]
        (
            lambda: LinearDecay(SGD([Value(1.0)], lr=0.1), 1.0, 0.1, True),
            "LinearDecay: total_steps must be a whole number >= 1, got bool",
        ),
    ],
)
def test_a_bool_is_never_a_setting(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_parameters_must_be_values():
    with pytest.raises(TypeError, match="parameters must be Values"):
        SGD([1.0], lr=0.1)  # type: ignore[list-item]

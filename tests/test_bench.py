"""The benchmark's workloads, its table and its command line (never its timings)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from micrograd_like import bench
from micrograd_like.datasets import make_moons, to_plus_minus_one
from tests.cli import assert_usage_error, run_cli


def test_a_quick_run_measures_every_workload_of_micrograd_like_and_its_fit():
    results = bench.run_benchmark(quick=True, engines=("micrograd_like", "micrograd_like-fit"))
    timed = {(r.workload, r.engine): r.seconds for r in results if r.seconds is not None}
    assert set(timed) == {
        ("W1 moons step", "micrograd_like"),
        ("W1 moons step", "micrograd_like-fit"),
        ("W2 chain 1,000", "micrograd_like"),
        ("W2 chain 10,000", "micrograd_like"),
        ("W3 sum 10,000", "micrograd_like"),
    }
    assert all(seconds > 0 for seconds in timed.values())
    (memory,) = [r.note for r in results if r.workload.startswith("W4")]
    bytes_per_node = re.fullmatch(r"(\d+) B/node, peak RSS \d+ MB", memory)
    assert bytes_per_node is not None, memory
    assert 60 < float(bytes_per_node.group(1)) <= 200  # the budget; micrograd: ~600


def test_w1_loop_and_fit_train_the_same_model_to_the_same_numbers():
    # The two W1 engines must measure the same work: micrograd's step, by hand and by fit().
    from micrograd_like.nn import MLP
    from micrograd_like.optim import SGD
    from micrograd_like.train import fit

    # The data of bench's W1: micrograd's moons, labels as -1/+1.
    X, labels = make_moons(n=100, noise=0.1, seed=0)
    y = [float(t) for t in to_plus_minus_one(labels)]

    def by_hand():
        model = MLP(2, [16, 16, 1], seed=3)
        scores: list[Any] = [model(row) for row in X]  # one Value each: the MLP has one output
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)]
        total: Any = sum(losses) * (1.0 / len(losses))
        total = total + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= 1.0 * p.grad
        return total.data, [p.data for p in model.parameters()]

    model = MLP(2, [16, 16, 1], seed=3)
    history = fit(
        model,
        X,
        y,
        loss="hinge",
        l2=1e-4,
        optimizer=SGD(model.parameters(), lr=1.0),
        steps=1,
        progress=False,
    )
    loss, params = by_hand()
    assert history.loss[0] == pytest.approx(loss, rel=1e-12)
    assert [p.data for p in model.parameters()] == pytest.approx(params, rel=1e-12, abs=1e-15)


def test_table_gives_each_engine_its_ratio_against_micrograd_in_the_same_run():
    results = [
        bench.Result("W1 moons step", "micrograd", 1.5),
        bench.Result("W1 moons step", "micrograd_like", 0.1),
        bench.Result("W1 moons step", "micrograd_like-jit", 0.002),
        bench.Result("W2 chain 1,000", "micrograd", None, "RecursionError"),
        bench.Result("W2 chain 1,000", "micrograd_like", 0.004),
    ]
    table = bench.to_markdown(results, quick=True)
    assert "| W1 moons step | micrograd | 1.50 s | 1.0x |  |" in table
    assert "| W1 moons step | micrograd_like | 100.0 ms | 15.0x |  |" in table
    assert "| W1 moons step | micrograd_like-jit | 2.0 ms | 750.0x |  |" in table
    assert "| W2 chain 1,000 | micrograd |  |  | RecursionError |" in table
    assert "| W2 chain 1,000 | micrograd_like | 4.0 ms |  |  |" in table  # no baseline, no ratio


def test_unknown_engine_is_a_usage_error_without_traceback():
    result = run_cli("bench", "--engines", "micrograd_like,nope")
    assert_usage_error(result)
    assert "unknown ['nope']" in result.stderr

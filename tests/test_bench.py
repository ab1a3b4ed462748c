"""The benchmark's workloads, its table and its command line (never its timings)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from micrograd_like import bench
from micrograd_like.__main__ import main
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


# -- engines that are not installed --


@pytest.fixture
def not_installed(tmp_path, monkeypatch):
    """torch and micrograd made impossible to import, here and in every Python started from here.

    A package of that name first on PYTHONPATH that raises ImportError, as a missing one does.
    """
    folder = tmp_path / "not-installed"
    for name in ("torch", "micrograd"):
        (folder / name).mkdir(parents=True)
        (folder / name / "__init__.py").write_text(f"raise ImportError('no {name} here')\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(folder), *sys.path]))
    return folder


def test_missing_engines_names_each_with_the_command_that_installs_it(not_installed):
    assert bench.missing_engines(["micrograd_like", "torch-scalar", "micrograd-nogc"]) == {
        "torch-scalar": "pip install torch",
        "micrograd-nogc": "pip install micrograd",
    }
    assert bench.missing_engines(["micrograd_like", "micrograd_like-fit"]) == {}


def test_when_no_engine_asked_for_is_installed_bench_says_so_and_prints_no_table(not_installed):
    result = subprocess.run(
        [sys.executable, "-m", "micrograd_like", "bench", "--quick", "--engines",
         "torch-scalar,torch-batched"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout == ""  # no empty table
    assert result.stderr.splitlines() == [
        "bench: torch-scalar is not installed, skipped: pip install torch",
        "bench: torch-batched is not installed, skipped: pip install torch",
        "bench: none of the engines asked for is installed; nothing to measure",
    ]


def test_the_engines_that_are_installed_run_and_the_others_are_named(
    not_installed, monkeypatch, capsys, tmp_path
):
    asked: list[list[str]] = []

    def measured(quick, engines, progress=None):
        asked.append(list(engines))
        return [bench.Result("W1 moons step", "micrograd_like", 0.25)]

    monkeypatch.setattr(bench, "run_benchmark", measured)
    report = tmp_path / "bench.json"
    engines = "micrograd,micrograd_like,torch-scalar"
    assert main(["bench", "--quick", "--engines", engines, "--json", str(report)]) == 0
    captured = capsys.readouterr()
    assert asked == [["micrograd_like"]]
    assert captured.err.splitlines() == [
        "bench: micrograd is not installed, skipped: pip install micrograd",
        "bench: torch-scalar is not installed, skipped: pip install torch",
    ]
    assert "| W1 moons step | micrograd_like | 250.0 ms |  |  |" in captured.out
    assert json.loads(report.read_text(encoding="utf-8")) == [
        {"workload": "W1 moons step", "engine": "micrograd_like", "seconds": 0.25, "note": ""}
    ]


def test_a_json_file_in_a_missing_directory_is_refused_before_measuring(
    monkeypatch, capsys, tmp_path
):
    monkeypatch.setattr(bench, "run_benchmark", lambda *args, **kwargs: pytest.fail("ran"))
    target = tmp_path / "missing" / "bench.json"
    with pytest.raises(SystemExit) as stopped:
        main(["bench", "--quick", "--engines", "micrograd_like", "--json", str(target)])
    assert stopped.value.code == 2
    assert "argument --json: the directory of" in capsys.readouterr().err
    assert not Path(tmp_path / "missing").exists()

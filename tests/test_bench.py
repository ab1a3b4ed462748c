"""The benchmark's workloads, its table and its command line (never its timings)."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any

import pytest

from micrograd_like import bench
from micrograd_like.__main__ import main
from micrograd_like.datasets import make_moons, to_plus_minus_one
from tests.cli import assert_failure, assert_usage_error, run_cli


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
    assert "argument --engines: unknown 'nope'; choose from micrograd," in result.stderr


@pytest.mark.parametrize("engines", ["", ",", " , "])
def test_no_engine_named_is_a_usage_error(engines):
    result = run_cli("bench", "--engines", engines)
    assert_usage_error(result)  # was exit 1: "none of the engines asked for is installed"
    assert "argument --engines: no engine named; choose from micrograd," in result.stderr


def test_many_unknown_engines_make_one_short_line():
    result = run_cli("bench", "--engines", ",".join(f"nope{k}" + "y" * 1000 for k in range(50)))
    assert_usage_error(result)
    (line,) = [line for line in result.stderr.splitlines() if "error:" in line]
    assert "unknown 'nope0yyy" in line
    assert "... (1005 characters), " in line
    assert " and 47 more; choose from" in line
    assert len(line) < 600


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


def test_when_no_engine_asked_for_is_installed_bench_says_so_in_one_error_line(not_installed):
    result = run_cli("bench", "--quick", "--engines", "torch-scalar,torch-batched")
    assert_failure(result)
    assert result.stdout == ""  # no empty table
    assert result.stderr.splitlines() == [
        "error: none of the engines asked for is installed: "
        "torch-scalar (pip install torch), torch-batched (pip install torch)"
    ]


def test_the_engines_that_are_installed_run_and_the_others_are_named(
    not_installed, monkeypatch, capsys, tmp_path
):
    asked: list[tuple[list[str], Any]] = []
    probed: list[list[str]] = []
    probe = bench.missing_engines

    def measured(quick, engines, progress=None, *, missing=None):
        asked.append((list(engines), missing))
        return [bench.Result("W1 moons step", "micrograd_like", 0.25)]

    def counted(engines):
        probed.append(list(engines))
        return probe(engines)

    monkeypatch.setattr(bench, "run_benchmark", measured)
    monkeypatch.setattr(bench, "missing_engines", counted)
    report = tmp_path / "bench.json"
    engines = "micrograd,micrograd_like,torch-scalar"
    assert main(["bench", "--quick", "--engines", engines, "--json", str(report)]) == 0
    captured = capsys.readouterr()
    # Probed once: run_benchmark is told that none of the engines it is given is missing.
    assert probed == [["micrograd", "micrograd_like", "torch-scalar"]]
    assert asked == [(["micrograd_like"], {})]
    # Notes, not errors: what is installed ran.
    assert captured.err.splitlines() == [
        "note: micrograd is not installed, skipped: pip install micrograd",
        "note: torch-scalar is not installed, skipped: pip install torch",
    ]
    assert "| W1 moons step | micrograd_like | 250.0 ms |  |  |" in captured.out
    assert json.loads(report.read_text(encoding="utf-8")) == [
        {"workload": "W1 moons step", "engine": "micrograd_like", "seconds": 0.25, "note": ""}
    ]


def test_run_benchmark_told_what_is_missing_probes_nothing(monkeypatch):
    monkeypatch.setattr(bench, "missing_engines", lambda engines: pytest.fail("probed"))
    assert bench.run_benchmark(engines=["torch-scalar"], missing={"torch-scalar": "pip"}) == []


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("missing/bench.json", "the directory 'missing' does not exist"),
        ("a-file/bench.json", "'a-file' is not a directory"),
        ("x" * 300 + ".json", "the file name is longer than the 255 bytes allowed here"),
        ("/proc/self/bench.json", None),  # the folder is there, but refuses new files
        (".", "it is a directory"),
        ("", "it is a directory"),  # was taken for "no --json" and ignored
    ],
    ids=["missing folder", "file as folder", "300-char name", "/proc", "directory", "empty"],
)
def test_a_json_file_that_cannot_be_written_is_refused_before_measuring(
    path, reason, monkeypatch, capsys, tmp_path
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    monkeypatch.setattr(bench, "run_benchmark", lambda *args, **kwargs: pytest.fail("ran"))
    monkeypatch.setattr(bench, "missing_engines", lambda engines: pytest.fail("probed"))
    with pytest.raises(SystemExit) as stopped:
        main(["bench", "--quick", "--engines", "micrograd_like", "--json", path])
    assert stopped.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()[-1:]
    assert line.startswith("python -m micrograd_like bench: error: argument --json: cannot write ")
    assert reason is None or line.endswith(f": {reason}")  # /proc's reason is the system's
    assert len(line) < 400  # the 300-character name is cut
    assert sorted(os.listdir(tmp_path)) == ["a-file"]  # the try left nothing behind


def test_a_json_file_the_disk_refuses_after_measuring_is_one_error_line(
    monkeypatch, capsys, tmp_path
):
    monkeypatch.setattr(bench, "cannot_write", lambda path: None)  # it could, when tried
    monkeypatch.setattr(
        bench, "run_benchmark", lambda *a, **k: [bench.Result("W1", "micrograd_like", 0.25)]
    )
    target = tmp_path / "gone" / "bench.json"
    assert main(["bench", "--quick", "--engines", "micrograd_like", "--json", str(target)]) == 1
    captured = capsys.readouterr()
    assert "| W1 | micrograd_like | 250.0 ms |" in captured.out  # what was measured is shown
    assert captured.err.splitlines() == [
        f"error: cannot write {str(target)!r}: No such file or directory"
    ]


def test_when_every_measurement_failed_bench_says_so_in_one_error_line(monkeypatch, capsys):
    failed = [bench.Result("W1", "micrograd_like", None, "RecursionError")]
    monkeypatch.setattr(bench, "run_benchmark", lambda *a, **k: failed)
    assert main(["bench", "--quick", "--engines", "micrograd_like"]) == 1
    captured = capsys.readouterr()
    assert "| W1 | micrograd_like |  |  | RecursionError |" in captured.out
    assert captured.err.splitlines() == [
        "error: every measurement failed; the table's notes say why"
    ]


# -- every option of bench refuses a bad value: bench's options escape the CLI's fuzzing --
#
# The CLI's fuzz test reads the options of build_parser(), where bench has none: they are
# added by bench.add_arguments once bench runs. So they are tried here, each with values it
# must refuse, and an option added later is either refused by its type or choices, or listed
# in FREE_TEXT with values that run() itself refuses; else the coverage test below fails.

# Options whose values are any text, each with values that bench must refuse all the same.
FREE_TEXT = {
    "engines": ["x", "", ",", "-1", "micrograd_like,x", "x" * 10_000],
    "json": ["x" * 300 + ".json", "/proc/self/x.json", "a-file/x.json", "no/such/dir/x.json", ""],
}
# Candidates for an option with a type or choices; those its type refuses are tried.
BAD_VALUES = ["x", "-1", "", "0", "-0.5", "nan", "inf", "1e999", "1.5", "--", "x" * 1000]
# Every invocation asks for the quickest run, so a check that stopped refusing costs seconds.
QUICK = ["bench", "--quick", "--engines", "micrograd_like"]


def bench_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench")
    bench.add_arguments(parser)
    return parser


def refused_by_type(action: argparse.Action, value: str) -> bool:
    try:
        converted = action.type(value) if callable(action.type) else value
    except (ValueError, TypeError, argparse.ArgumentTypeError):
        return True
    return action.choices is not None and converted not in action.choices


def bad_invocations(parser: argparse.ArgumentParser) -> tuple[list[list[str]], list[str]]:
    """The arguments to try, each of which must be a usage error, and the options not covered."""
    tries, uncovered = [], []
    for action in parser._actions:
        if action.dest == "help":
            continue
        option = max(action.option_strings, key=len)
        if action.nargs == 0:  # a flag: it takes no value at all
            tries.append([f"{option}=x"])
        elif action.dest in FREE_TEXT:
            tries += [[option, value] for value in FREE_TEXT[action.dest]]
        elif action.type is not None or action.choices is not None:
            bad = [value for value in BAD_VALUES if refused_by_type(action, value)]
            tries += [[option, value] for value in bad]
            if not bad:
                uncovered.append(f"{option}: its type takes every value tried")
        else:
            uncovered.append(f"{option}: takes any text; give it a type or list it in FREE_TEXT")
    return tries, uncovered


def test_every_option_of_bench_is_tried_with_values_it_must_refuse():
    parser = bench_parser()
    assert bad_invocations(parser)[1] == []
    assert set(FREE_TEXT) <= {action.dest for action in parser._actions}  # none stale
    # The check above can fail: an option that takes any text, or whose type takes anything.
    parser.add_argument("--label")
    parser.add_argument("--name", type=str)
    parser.add_argument("--level", type=lambda text: text.strip())
    assert bad_invocations(parser)[1] == [
        "--label: takes any text; give it a type or list it in FREE_TEXT",
        "--name: its type takes every value tried",
        "--level: its type takes every value tried",
    ]


@pytest.mark.parametrize(
    "args", bad_invocations(bench_parser())[0], ids=lambda args: " ".join(args)[:40]
)
def test_a_bad_value_of_any_bench_option_is_a_usage_error(args, tmp_path):
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    result = run_cli(*QUICK, *args, cwd=tmp_path, timeout=60)
    assert_usage_error(result)
    assert result.stdout == ""  # nothing was measured
    assert sorted(os.listdir(tmp_path)) == ["a-file"]

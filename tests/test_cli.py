"""The command line, run as a user would: ``python -m micrograd_like``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from micrograd_like.__main__ import build_parser, main
from tests.cli import assert_failure, assert_usage_error, run_cli

# Runs `python -m micrograd_like ARGS` in a Python where `import resource` fails, as on
# Windows: None in sys.modules makes every import of it raise ImportError.
WITHOUT_RESOURCE = """
import runpy, sys
sys.modules["resource"] = None
sys.argv = ["micrograd_like", *sys.argv[1:]]
runpy.run_module("micrograd_like", run_name="__main__", alter_sys=True)
"""


def run_cli_without_resource(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_RESOURCE, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_no_command_runs_the_main_demo():
    result = run_cli()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("The report's worked example")


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("micrograd_like ")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "The report's worked example"),
        (["--help"], "bench"),
        (["seed", "--format", "json"], '{\n  "lr": 0.5'),
        (["graph", "x * 2", "--set", "x=3"], "digraph {"),
        (["train", "--n", "10", "--hidden", "2", "--steps", "1", "--no-progress"], "accuracy"),
    ],
)
def test_every_command_but_bench_runs_where_the_resource_module_is_missing(args, expected):
    result = run_cli_without_resource(*args)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout


@pytest.mark.parametrize("args", [["bench"], ["bench", "--quick"], ["bench", "--help"]])
def test_bench_without_the_resource_module_says_so_in_one_line_and_exits_1(args):
    result = run_cli_without_resource(*args)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: bench cannot run on this system: it needs the Unix-only module 'resource'\n"
    )


def test_bench_help_lists_the_benchmarks_own_options():
    result = run_cli("bench", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m micrograd_like bench")
    assert "--engines ENGINES" in result.stdout


@pytest.mark.parametrize("args", [["--bogus"], ["nonsense-command"], ["seed", "--quick"]])
def test_bad_usage_prints_usage_and_exits_2_without_traceback(args):
    result = run_cli(*args)
    assert_usage_error(result)


# -- graph: draw a formula --


def test_graph_writes_svg_png_and_dot_by_suffix(tmp_path):
    for suffix, magic in ((".svg", b"<?xml"), (".png", b"\x89PNG"), (".dot", b"digraph")):
        target = tmp_path / f"out{suffix}"
        result = run_cli(
            "graph", "tanh(x*w + b)", "--set", "x=0.5", "w=-3", "b=1", "-o", str(target)
        )
        assert result.returncode == 0, result.stderr
        assert target.read_bytes().lstrip()[: len(magic)] == magic
        assert "d/dw = 0.3932238664829637" in result.stdout


def test_graph_without_output_prints_the_dot_source():
    result = run_cli("graph", "x * 2", "--set", "x=3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("digraph {")
    assert "grad 2" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x.__class__", "--set", "x=1"], "attribute access"),
        (["__import__('os').system('echo pwned')"], "unknown function"),
        (["x[0]", "--set", "x=1"], "subscripts"),
        (["'a' * 3"], "strings are not allowed"),
        (["lambda: 1"], "lambdas are not allowed"),
        (["9**9**9**9"], "too large"),
        (["1" + "0" * 400], r"the number 1000+\.\.\. \(401 characters\) is too large"),
        (["y * 2", "--set", "x=1"], "no value for 'y'"),
        (["log(x)", "--set", "x=0"], "log: input must be positive"),
        (["x", "--set", "x"], "expected NAME=NUMBER"),
        (["x", "--set", "x=abc"], "expected a number"),
        (["x", "--set", "x=1", "-o", "out.xml"], r"\.svg, \.png, \.dot or \.html"),
    ],
)
def test_graph_refuses_bad_formulas_with_usage_and_exit_2(args, message, tmp_path):
    # A refusal must come at once, never after a long computation.
    result = run_cli("graph", *args, cwd=tmp_path, timeout=20)
    assert_usage_error(result)
    assert re.search(message, result.stderr)
    assert "pwned" not in result.stdout
    assert list(tmp_path.iterdir()) == []


# -- the hardening findings, one test each --


def test_graph_refuses_a_constant_exponent_too_large_for_a_float():
    result = run_cli("graph", "x**1e400", "--set", "x=2")
    assert_usage_error(result)
    assert "the number 1e400 is too large at column 4" in result.stderr


def test_graph_refuses_a_graph_larger_than_a_diagram_with_advice_for_the_command_line():
    result = run_cli("graph", "x+" + "+".join(["1"] * 129), "--set", "x=1")
    assert_usage_error(result)
    assert "its graph has 259 values; a diagram shows at most 250" in result.stderr
    assert "record_calls" not in result.stderr


def test_graph_draws_gradients_near_the_largest_float():
    result = run_cli("graph", "x*y", "--set", "x=1e308", "y=1")
    assert result.returncode == 0, result.stderr
    assert "grad 1e+308" in result.stdout


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("missing/x.svg", "the directory 'missing' does not exist"),
        ("taken.svg", "it is a directory"),
        ("file.txt/x.svg", "'file.txt' is not a directory"),
        ("a" * 300 + ".svg", "the file name is longer than the 255 bytes allowed here"),
    ],
)
def test_graph_refuses_an_output_it_cannot_write_before_drawing(where, message, tmp_path):
    (tmp_path / "taken.svg").mkdir()
    (tmp_path / "file.txt").write_text("x")
    result = run_cli("graph", "x*2", "--set", "x=1", "-o", where, cwd=tmp_path)
    assert_usage_error(result)
    assert message in result.stderr


def test_graph_tries_the_output_for_real_before_drawing():
    # /proc lets root pass every permission check, and takes no new file all the same.
    result = run_cli("graph", "x*2", "--set", "x=1", "-o", "/proc/micrograd_like.dot")
    assert_usage_error(result)
    assert "cannot write '/proc/micrograd_like.dot'" in result.stderr


def test_a_disk_that_fills_up_while_writing_is_one_line_and_exit_1(tmp_path, monkeypatch, capsys):
    import errno

    import micrograd_like.__main__ as cli

    def full_disk(path: object, data: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(cli, "write_atomic", full_disk)
    status = main(["train", "--steps", "1", "--n", "10", "--no-progress", "--out", str(tmp_path)])
    assert status == 1
    error = capsys.readouterr().err
    assert error == (
        f"error: cannot write '{tmp_path / 'decision_boundary.png'}': No space left on device\n"
    )


def test_graph_output_to_a_closed_pipe_ends_quietly():
    # `graph ... | head` that stopped reading: no BrokenPipeError, exit status 0.
    process = subprocess.Popen(
        [sys.executable, "-m", "micrograd_like", "graph", "tanh(x*w)", "--set", "x=1", "w=2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()  # no reader left: the command's first write fails
    status = process.wait(timeout=60)
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert status == 0, stderr
    assert stderr == ""


def test_graph_reads_full_width_names_in_set_as_in_the_formula():
    result = run_cli("graph", "\uff58*2", "--set", "\uff58=1.5")
    assert result.returncode == 0, result.stderr
    assert "data 3" in result.stdout
    assert "not in the formula" not in result.stderr


@pytest.mark.parametrize("second", ["x=2", "\uff58=2"])
def test_graph_refuses_a_variable_set_twice(second):
    result = run_cli("graph", "x*2", "--set", "x=1", second)
    assert_usage_error(result)
    assert "x is given twice (1.0 and 2.0)" in result.stderr


def test_graph_finds_the_formula_that_set_took_for_an_item():
    result = run_cli("graph", "--set", "x=0.5", "tanh(x)")
    assert result.returncode == 0, result.stderr
    assert "tanh" in result.stdout


def test_graph_syntax_errors_never_say_column_0():
    result = run_cli("graph", "x*", "--set", "x=1")
    assert_usage_error(result)
    assert "invalid syntax at the end" in result.stderr


def test_an_unexpected_error_is_one_line_saying_how_to_see_the_traceback(tmp_path):
    # A bug of ours, stood in for by an Exception the library never raises where graph calls it.
    script = (
        "import sys, micrograd_like.__main__ as cli\n"
        "def broken(*args, **kwargs): raise LookupError('a bug')\n"
        "cli.build_formula = broken\n"
        "sys.exit(cli.main(['graph', 'x', '--set', 'x=1']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert_failure(result)
    assert "unexpected LookupError: a bug" in result.stderr
    assert "MICROGRAD_LIKE_TRACEBACK=1" in result.stderr


def run_train(*args: str, cwd=None):
    return run_cli("train", "--no-progress", *args, cwd=cwd, timeout=300)


def test_train_on_blobs_runs():
    result = run_train("--dataset", "blobs", "--steps", "1", "--n", "30")
    assert result.returncode == 0, result.stderr
    assert "on blobs (30 points, 3 classes) with cross_entropy" in result.stdout


def test_train_with_mse_reports_no_accuracy_and_writes_every_file(tmp_path):
    result = run_train("--loss", "mse", "--steps", "2", "--n", "30", "--out", "run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "training accuracy: none (mse fits the labels as numbers)" in result.stdout
    written = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert written == ["decision_boundary.png", "loss_curve.png", "model.json", "training.html"]


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("file.txt", "'file.txt' is a file, not a directory"),
        ("file.txt/run", "cannot make the directory 'file.txt/run'"),
    ],
)
def test_train_refuses_an_out_it_cannot_write_before_training(out, message, tmp_path):
    (tmp_path / "file.txt").write_text("x")
    result = run_train("--steps", "50", "--out", out, cwd=tmp_path)
    assert_usage_error(result)
    assert message in result.stderr
    assert "training MLP" not in result.stdout  # refused before any work


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--n", "1"], "--dataset moons: make_moons: n must be a whole number >= 2, got 1"),
        (["--dataset", "spiral", "--classes", "30", "--n", "20"], "n must be a whole number >= 30"),
        (["--loss", "bce_with_logits", "--dataset", "spiral"], "bce_with_logits' separates 2"),
        (["--loss", "hinge", "--dataset", "spiral"], "y has 3 (0, 1, 2); use loss='cross_entropy'"),
        (["--hidden", "3000,3000"], "would have 9,015,001 parameters; the limit is 1,000,000"),
        (
            ["--dataset", "xor", "--classes", "5"],
            "xor has 2 classes; --classes is for blobs and spiral",
        ),
    ],
)
def test_train_refuses_what_it_cannot_train_with_usage_and_exit_2(args, message):
    result = run_train(*args)
    assert_usage_error(result)
    assert message in result.stderr
    assert "training MLP" not in result.stdout


def test_train_that_diverges_says_at_which_step_exits_1_and_writes_nothing(tmp_path):
    result = run_train("--lr", "1e300", "--steps", "5", "--n", "30", "--out", "run", cwd=tmp_path)
    assert_failure(result)
    assert re.search(r"training diverged at step [1-5] of 5", result.stderr)
    assert "try a smaller --lr (it was 1e+300)" in result.stderr
    assert list((tmp_path / "run").iterdir()) == []


def test_train_help_shows_every_default():
    result = run_cli("train", "--help")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    train = build_parser().parse_known_args(["train"])[0].command_parser
    for action in train._actions:
        if action.option_strings and action.nargs != 0:
            shown = " ".join(action.help.split()) if action.help else ""
            assert "default" in shown or action.default is not None, action.dest
            assert shown in text or f"default: {action.default}" in text, action.dest
    for default in ["(default: moons)", "(default: 100)", "(default: 0.1)", "(default: sgd)",
                    "default: 16,16", "(default: relu)", "default: 1e-4", "default: 3",
                    "default: the full batch", "default: hinge for 2", "(default: 0)"]:  # fmt: skip
        assert default in text, default


def test_the_console_script_names_itself_in_its_usage_line():
    script = Path(sys.executable).with_name("micrograd-like")
    if not script.exists():
        pytest.skip(f"the console script is not installed next to {sys.executable}")
    result = subprocess.run(
        [str(script), "train", "--bogus"], capture_output=True, text=True, timeout=60, check=False
    )
    assert_usage_error(result)
    assert result.stderr.startswith("usage: micrograd-like train")


def test_ctrl_c_during_training_exits_130_with_one_line():
    process = subprocess.Popen(
        [sys.executable, "-m", "micrograd_like", "train", "--steps", "100000", "--no-progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().startswith("training MLP")  # training has started
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.strip() == "interrupted"


@pytest.mark.parametrize(
    "args", [["train", "--out", "run"], ["graph", "x", "--set", "x=1", "-o", "x.svg"]]
)
def test_an_output_folder_without_write_permission_is_refused_before_any_work(
    args, tmp_path, monkeypatch, capsys
):
    # Root may write anywhere, so the folder's refusal is stood in for by os.open's answer.
    monkeypatch.chdir(tmp_path)

    def refused(path: str, *args: object) -> int:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(os, "open", refused)
    with pytest.raises(SystemExit) as stopped:
        main(args)
    assert stopped.value.code == 2
    captured = capsys.readouterr()
    assert ": Permission denied\n" in captured.err
    assert "training MLP" not in captured.out


def test_graph_takes_a_formula_that_starts_with_a_minus_sign():
    result = run_cli("graph", "-x*2", "--set", "x=1.5")
    assert result.returncode == 0, result.stderr
    assert "data -3" in result.stdout
    assert_usage_error(run_cli("graph", "x", "-y", "--set", "x=1"))


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [["seed"], ["graph", "x", "--set", "x=1"]])
def test_output_to_a_full_disk_is_one_line_and_exit_1(args):
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "micrograd_like", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    assert_failure(result)
    assert result.stderr == "error: the system refused: No space left on device\n"


# -- the review's findings --


def test_train_that_diverges_on_its_last_step_is_still_a_failure(tmp_path):
    args = ["--steps", "1", "--lr", "1e308", "--noise", "1000", "--n", "20", "--out", "run"]
    result = run_train(*args, cwd=tmp_path)
    assert_failure(result)
    assert "training diverged at step 1 of 1:" in result.stderr
    assert "final loss" not in result.stdout
    assert list((tmp_path / "run").iterdir()) == []


def test_train_writes_its_files_even_when_nobody_reads_the_report(tmp_path):
    # `train --out run | head -1`: the files come before the report, which may find no reader.
    process = subprocess.Popen(
        [sys.executable, "-m", "micrograd_like", "train", "--no-progress",
         "--steps", "2", "--n", "10", "--out", "run"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()
    status = process.wait(timeout=120)
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert status == 0, stderr
    names = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert names == ["decision_boundary.png", "loss_curve.png", "model.json", "training.html"]


@pytest.mark.parametrize(
    "args",
    [
        ["--out", "N1", "--loss", "hinge", "--dataset", "spiral"],
        ["--out", "N2/deep/er", "--hidden", "3000,3000"],
        ["--out", "N3", "--n", "1"],
    ],
)
def test_a_refused_train_makes_no_folder(args, tmp_path):
    result = run_train(*args, cwd=tmp_path)
    assert_usage_error(result)
    assert list(tmp_path.iterdir()) == []


def test_train_checks_every_file_it_will_write_before_training(tmp_path):
    (tmp_path / "K" / "model.json").mkdir(parents=True)
    result = run_train("--steps", "50", "--out", "K", cwd=tmp_path)
    assert_usage_error(result)
    assert "model.json': it is a directory" in result.stderr
    assert "training MLP" not in result.stdout
    assert sorted(p.name for p in (tmp_path / "K").iterdir()) == ["model.json"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--n", "10001"], "argument --n: must be at most 10,000, got '10001'"),
        (["seed", "--steps", "99999999999999999999"], "argument --steps: must be at most 10,000"),
    ],
)
def test_sizes_the_command_line_cannot_run_in_reasonable_time_are_refused(args, message):
    result = run_cli(*args, timeout=30)
    assert_usage_error(result)
    assert message in result.stderr


def test_graph_with_two_items_that_are_not_assignments_says_so():
    result = run_cli("graph", "--set", "x=1", "x", "y")
    assert_usage_error(result)
    assert "got 2 items without '=': 'x y'" in result.stderr


def test_graph_draws_the_compact_style_on_request(tmp_path):
    result = run_cli("graph", "tanh(x*w + b)", "--set", "x=0.5", "w=-3", "b=1", "--compact")
    assert result.returncode == 0, result.stderr
    assert "shape=circle" not in result.stdout  # each operation a badge in its value's box
    full = run_cli("graph", "tanh(x*w + b)", "--set", "x=0.5", "w=-3", "b=1")
    assert full.stdout.count("shape=circle") == 3  # *, + and tanh


def test_train_says_a_gradient_health_warning_as_a_one_line_note(tmp_path):
    deep = ",".join(["8"] * 10)
    result = run_train("--hidden", deep, "--steps", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "ReLUs dead" in line]
    assert notes == [line for line in notes if line.startswith("note: fit, step 1: ")]
    assert len(notes) == 1
    assert "Warning" not in result.stderr  # no Python warning line, no source line under it

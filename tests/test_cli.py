"""The command line, run as a user would: ``python -m micrograd_like``."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.cli import assert_usage_error, run_cli

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
        (["1" + "0" * 400], "the number 1000+ is too large"),
        (["y * 2", "--set", "x=1"], "no value for 'y'"),
        (["log(x)", "--set", "x=0"], "log: input must be positive"),
        (["x", "--set", "x"], "expected NAME=NUMBER"),
        (["x", "--set", "x=abc"], "expected a number"),
        (["x", "--set", "x=1", "-o", "out.xml"], r"\.svg, \.png or \.dot"),
    ],
)
def test_graph_refuses_bad_formulas_with_usage_and_exit_2(args, message, tmp_path):
    # A refusal must come at once, never after a long computation.
    result = run_cli("graph", *args, cwd=tmp_path, timeout=20)
    assert_usage_error(result)
    assert re.search(message, result.stderr)
    assert "pwned" not in result.stdout
    assert list(tmp_path.iterdir()) == []

"""The command line, run as a user would: ``python -m micrograd_like``."""

from __future__ import annotations

import subprocess
import sys

import pytest


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "micrograd_like", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_no_command_runs_the_main_demo():
    result = run()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("The report's worked example")


def test_version():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("micrograd_like ")


@pytest.mark.parametrize("args", [["--bogus"], ["nonsense-command"]])
def test_bad_usage_prints_usage_and_exits_2_without_traceback(args):
    result = run(*args)
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert "Traceback" not in result.stderr

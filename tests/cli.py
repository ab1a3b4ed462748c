"""Running the command line as a user would: ``python -m micrograd_like ARGS``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "micrograd_like", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
    )


def assert_usage_error(result: subprocess.CompletedProcess[str]) -> None:
    """A bad option: exit status 2, the usage, one line of error last, and no traceback."""
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("usage:"), result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert errors == [result.stderr.rstrip("\n").splitlines()[-1]], result.stderr
    assert "Traceback" not in result.stderr


def assert_failure(result: subprocess.CompletedProcess[str]) -> None:
    """A failure outside the user's control: exit status 1, one line of error, no traceback."""
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("error: "), result.stderr
    assert [line for line in lines if "error" in line] == [lines[-1]], result.stderr
    assert "Traceback" not in result.stderr

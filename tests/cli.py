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
    """A bad option: exit status 2, a usage message, and no traceback."""
    assert result.returncode == 2, result.stderr
    assert "usage:" in result.stderr
    assert "Traceback" not in result.stderr

"""Execute notebooks from scratch in a fresh kernel; fail on the first error.

Usage:
    python .ci/notebooks.py notebooks/*.ipynb          # CI: execute, save nothing
    python .ci/notebooks.py --write notebooks/*.ipynb  # refresh the committed outputs
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def execute(path: Path, write: bool) -> float:
    """Runs every cell of the notebook at path; returns the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    if write:
        nbformat.write(notebook, path)
    return elapsed


def main() -> int:
    """Executes each notebook named on the command line; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--write", action="store_true", help="save the outputs into the files")
    args = parser.parse_args()
    for path in args.notebooks:
        try:
            elapsed = execute(path, args.write)
        except CellExecutionError as error:
            print(f"FAILED {path}:\n{error}", file=sys.stderr)
            return 1
        print(f"ok {path} ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The command line: ``python -m micrograd_like [COMMAND] ...``.

With no command it runs the main demo. ``--help`` lists the commands.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from micrograd_like import __version__
from micrograd_like.engine import Value


def _engine_demo() -> str:
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    d = e + c
    f = Value(-2.0, label="f")
    loss = d * f
    loss.backward()
    lines = [
        "loss = (a*b + c) * f  with a=2, b=-3, c=10, f=-2",
        f"loss = {loss.data}",
        "gradients after loss.backward():",
    ]
    lines += [f"  dloss/d{v.label} = {v.grad}" for v in (a, b, c, f)]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one subcommand per demo or tool."""
    parser = argparse.ArgumentParser(
        prog="python -m micrograd_like",
        description="A scalar autograd engine for learning backpropagation.",
    )
    parser.add_argument("--version", action="version", version=f"micrograd_like {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("demo", help="differentiate a small expression and print every gradient")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status (argparse exits 2 on bad usage)."""
    args = build_parser().parse_args(argv)
    if args.command in (None, "demo"):
        print(_engine_demo())
    return 0


if __name__ == "__main__":
    sys.exit(main())

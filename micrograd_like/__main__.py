"""The command line: ``python -m micrograd_like [COMMAND] ...``.

With no command it runs the main demo, the report's worked example (``seed``).
``--help`` lists the commands; a bad option prints a usage message and exits 2.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence

from micrograd_like import __version__, worked_example


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one subcommand per demo or tool."""
    parser = argparse.ArgumentParser(
        prog="python -m micrograd_like",
        description="A scalar autograd engine for learning backpropagation. "
        "With no command, runs the report's worked example (seed).",
    )
    parser.add_argument("--version", action="version", version=f"micrograd_like {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    seed = commands.add_parser(
        "seed",
        help="the report's worked example: forward, backward and update, every number",
        description="The report's 2-2-1 sigmoid network with binary cross-entropy: "
        "forward pass, chain-rule gradients and the update, every number printed.",
    )
    seed.add_argument(
        "--lr",
        type=_positive_float,
        default=worked_example.DEFAULT_LR,
        metavar="ETA",
        help=f"learning rate; the report gives none (default: {worked_example.DEFAULT_LR})",
    )
    seed.add_argument(
        "--steps",
        type=_positive_int,
        default=1,
        metavar="N",
        help="number of updates; the loss after each is listed (default: 1)",
    )
    seed.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="output format (default: text)",
    )
    return parser


def _run_seed(lr: float, steps: int, output_format: str) -> str:
    example = worked_example.run(lr=lr, steps=steps)
    render = {
        "text": worked_example.to_text,
        "markdown": worked_example.to_markdown,
        "json": worked_example.to_json,
    }[output_format]
    return render(example)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line and returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.command in (None, "seed"):
        if args.command is None:
            print(_run_seed(worked_example.DEFAULT_LR, 1, "text"))
        else:
            print(_run_seed(args.lr, args.steps, args.format))
    return 0


if __name__ == "__main__":
    sys.exit(main())

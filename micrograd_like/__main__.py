"""The command line: ``python -m micrograd_like [COMMAND] ...``.

With no command it runs the main demo, the report's worked example (``seed``).
``--help`` lists the commands; a bad option prints a usage message and exits 2.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

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


def _assignment(text: str) -> tuple[str, float]:
    name, sep, number = text.partition("=")
    if not sep or not name.strip().isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, got {text!r}")
    try:
        value = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{name.strip()}: expected a number, got {number!r}"
        ) from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(
            f"{name.strip()}: expected a finite number, got {number!r}"
        )
    return name.strip(), value


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

    graph = commands.add_parser(
        "graph",
        help="draw the computation graph of a formula after a backward pass",
        description="Parse FORMULA (numbers, variables, + - * / **, unary minus, "
        "exp log tanh sigmoid relu; nothing else, and it is never run as Python), "
        "run backward from it, and draw its graph with every data and grad.",
    )
    graph.add_argument("formula", help='e.g. "tanh(x*w + b)"')
    graph.add_argument(
        "--set",
        dest="assignments",
        type=_assignment,
        nargs="+",
        default=[],
        metavar="NAME=NUMBER",
        help="the value of each variable, e.g. --set x=0.5 w=-3 b=1",
    )
    graph.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write the diagram; the suffix picks the format: .svg, .png or .dot "
        "(default: print the DOT source)",
    )
    graph.add_argument("--rankdir", choices=("LR", "TB"), default="LR", help="layout direction")
    graph.set_defaults(command_parser=graph)
    return parser


def _run_graph(args: argparse.Namespace) -> int:
    # Imported here: the diagrams need the optional viz extra.
    from micrograd_like.formula import build_formula

    parser: argparse.ArgumentParser = args.command_parser
    if args.output is not None and Path(args.output).suffix.lower() not in (".svg", ".png", ".dot"):
        parser.error(f"argument -o/--output: use a .svg, .png or .dot file, got {args.output!r}")
    values = dict(args.assignments)
    try:
        output, leaves = build_formula(args.formula, values)
    except (ValueError, ZeroDivisionError) as error:
        parser.error(f"formula {args.formula!r}: {error}")
    unused = sorted(set(values) - set(leaves))
    if unused:
        print(f"note: not in the formula: {', '.join(unused)}", file=sys.stderr)
    output.backward()
    try:
        from micrograd_like.viz import RenderError, draw_dot
    except ImportError:
        print(
            "error: drawing needs the viz extra: pip install 'micrograd_like[viz]'", file=sys.stderr
        )
        return 1
    diagram = draw_dot(output, rankdir=args.rankdir)
    summary = [f"{args.formula} = {output.data!r}"]
    summary += [f"  d/d{name} = {leaf.grad!r}" for name, leaf in sorted(leaves.items())]
    if args.output is None:
        print(diagram.source)
        return 0
    try:
        diagram.save(args.output)
    except RenderError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("\n".join([*summary, f"wrote {args.output}"]))
    return 0


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
    if args.command == "graph":
        return _run_graph(args)
    if args.command in (None, "seed"):
        if args.command is None:
            print(_run_seed(worked_example.DEFAULT_LR, 1, "text"))
        else:
            print(_run_seed(args.lr, args.steps, args.format))
    return 0


if __name__ == "__main__":
    sys.exit(main())

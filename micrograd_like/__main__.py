"""The command line: ``python -m micrograd_like [COMMAND] ...``.

With no command it runs the main demo, the report's worked example (``seed``).
``--help`` lists the commands; a bad option prints a usage message and exits 2.

`micrograd_like.bench` is imported only when ``bench`` runs: it needs the
Unix-only ``resource`` module, and every other command works without it.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from micrograd_like import __version__, worked_example
from micrograd_like.datasets import DATASETS
from micrograd_like.train import LOSSES


def _finite_float(text: str, *, allow_zero: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if allow_zero and not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    if not allow_zero and not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    return _finite_float(text, allow_zero=False)


def _non_negative_float(text: str) -> float:
    return _finite_float(text, allow_zero=True)


def _whole_number(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    return _whole_number(text, 1)


def _at_least_two(text: str) -> int:
    return _whole_number(text, 2)


def _layer_sizes(text: str) -> list[int]:
    try:
        return [_positive_int(part) for part in text.split(",")]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected sizes like 16,16 (positive whole numbers), got {text!r}"
        ) from None


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

    train = commands.add_parser(
        "train",
        help="train an MLP on a toy dataset, with a progress bar and plots",
        description="Train an MLP on a generated 2-D dataset; print the final accuracy; "
        "with --out, write the decision boundary, the loss curve and the model (JSON).",
    )
    train.add_argument("--dataset", choices=sorted(DATASETS), default="moons")
    train.add_argument("--n", type=_positive_int, default=100, help="number of points")
    train.add_argument("--noise", type=_non_negative_float, default=0.1, help="data noise")
    train.add_argument(
        "--classes", type=_at_least_two, default=3, help="classes of spiral and blobs (default 3)"
    )
    train.add_argument(
        "--hidden", type=_layer_sizes, default=[16, 16], metavar="N,N,...",
        help="hidden layer sizes (default: 16,16)",
    )  # fmt: skip
    train.add_argument("--activation", choices=("relu", "tanh", "sigmoid"), default="relu")
    train.add_argument(
        "--loss", choices=LOSSES, help="default: hinge, cross_entropy for 3+ classes"
    )
    train.add_argument("--steps", type=_positive_int, default=100)
    train.add_argument("--lr", type=_positive_float, default=0.1, help="learning rate")
    train.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd")
    train.add_argument("--batch-size", type=_positive_int, help="default: the full batch")
    train.add_argument(
        "--l2", type=_non_negative_float, default=1e-4, metavar="LAM",
        help="the coefficient LAM of the L2 penalty LAM * sum(p*p), that is fit's l2, added "
        "to the loss (default: 1e-4, as micrograd's demo)",
    )  # fmt: skip
    train.add_argument("--seed", type=int, default=0, help="seeds data, weights and batches")
    train.add_argument("--out", metavar="DIR", help="write the plots and model.json here")
    train.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    # Its options are bench's own, added by _run_bench once bench is imported; until then
    # this parser only names the command, and hands bench all that follows it (--help too).
    bench = commands.add_parser(
        "bench", help="time micrograd_like beside micrograd and PyTorch (W1-W4)", add_help=False
    )
    bench.set_defaults(command_parser=bench)
    return parser


def _run_bench(options: list[str], prog: str) -> int:
    try:
        from micrograd_like import bench as benchmark
    except ImportError as error:
        # On Windows: bench measures memory with the Unix-only resource module.
        needs = "the Unix-only module 'resource'" if error.name == "resource" else str(error)
        print(f"error: bench cannot run on this system: it needs {needs}", file=sys.stderr)
        return 1
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Time the workloads W1-W4 on every installed engine, side by side in one "
        "run, each engine in a fresh process; print a Markdown table of medians and ratios.",
    )
    benchmark.add_arguments(parser)
    return benchmark.run(parser.parse_args(options), parser)


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


def _run_train(args: argparse.Namespace) -> int:
    import json

    from micrograd_like.nn import MLP, mlp_to_dict
    from micrograd_like.optim import SGD, Adam
    from micrograd_like.train import accuracy, fit

    if args.out is not None and importlib.util.find_spec("matplotlib") is None:
        # Said before training, not after: the plots are what --out asks for.
        print("error: --out writes plots, which need matplotlib: "
              "pip install 'micrograd_like[train]'", file=sys.stderr)  # fmt: skip
        return 1
    maker = DATASETS[args.dataset]
    if args.dataset in ("spiral", "blobs"):
        X, y = maker(n=args.n, noise=args.noise, seed=args.seed, classes=args.classes)  # type: ignore[call-arg]
    else:
        X, y = maker(n=args.n, noise=args.noise, seed=args.seed)
    classes = len(set(y))
    loss = args.loss or ("hinge" if classes == 2 else "cross_entropy")
    outputs = classes if loss == "cross_entropy" else 1
    model = MLP(2, [*args.hidden, outputs], activation=args.activation, seed=args.seed)
    if args.optimizer == "adam":
        optimizer: SGD | Adam = Adam(model.parameters(), lr=args.lr)
    else:
        optimizer = SGD(model.parameters(), lr=args.lr)
    print(
        f"training MLP {model.sizes} ({len(model.parameters())} parameters) on {args.dataset} "
        f"({len(X)} points, {classes} classes) with {loss} and {args.optimizer}, lr {args.lr}"
    )
    history = fit(
        model, X, y, loss=loss, optimizer=optimizer, steps=args.steps,
        batch_size=args.batch_size, l2=args.l2, progress=not args.no_progress, seed=args.seed,
    )  # fmt: skip
    seconds = sorted(history.seconds)[len(history.seconds) // 2]
    print(f"final loss {history.loss[-1]:.4f}")
    print(f"training accuracy {accuracy(model, X, y, loss):.1%}")
    print(f"median time per step {seconds * 1000:.1f} ms")
    if args.out is None:
        return 0
    from micrograd_like.plots import plot_decision_boundary, plot_history

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plot_decision_boundary(model, X, y, loss=loss).savefig(out / "decision_boundary.png", dpi=100)
    plot_history(history).savefig(out / "loss_curve.png", dpi=100)
    document = {**mlp_to_dict(model), "history": history.as_dict(), "loss": loss}
    (out / "model.json").write_text(json.dumps(document, indent=1), encoding="utf-8")
    print(f"wrote {out / 'decision_boundary.png'}, {out / 'loss_curve.png'}, {out / 'model.json'}")
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
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "bench":
        return _run_bench(rest, args.command_parser.prog)
    if rest:  # as parse_args would say it
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "graph":
        return _run_graph(args)
    if args.command == "train":
        return _run_train(args)
    if args.command in (None, "seed"):
        if args.command is None:
            print(_run_seed(worked_example.DEFAULT_LR, 1, "text"))
        else:
            print(_run_seed(args.lr, args.steps, args.format))
    return 0


if __name__ == "__main__":
    sys.exit(main())

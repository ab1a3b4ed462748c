"""The command line: ``python -m micrograd_like [COMMAND] ...``.

With no command it runs the main demo, the report's worked example (``seed``).
``--help`` lists the commands. Every command follows one rule, which the tests
enforce by fuzzing: exit status 0 on success; 2 for bad input, with a one-line
message and the usage; 1 with a one-line message for a failure outside the
user's control (a disk that refuses a file, a training run that diverged);
130 on Ctrl-C. There is never a traceback (``MICROGRAD_LIKE_TRACEBACK=1``
shows one for an unexpected error, to report it).

`micrograd_like.bench` is imported only when ``bench`` runs: it needs the
Unix-only ``resource`` module, and every other command works without it.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import io
import math
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from micrograd_like import __version__, nn, worked_example
from micrograd_like.datasets import DATASETS, Dataset
from micrograd_like.files import cannot_write, write_atomic, write_json
from micrograd_like.formula import FormulaError, build_formula, variable_name
from micrograd_like.train import LOSSES, History, check_targets
from micrograd_like.validate import shown
from micrograd_like.worksheet import DEFAULT_PROBLEMS, MAX_PROBLEMS

TRACEBACK_VARIABLE = "MICROGRAD_LIKE_TRACEBACK"
"""Set it to 1 to see the traceback of an unexpected error (a bug to report)."""

CONSOLE_SCRIPT = "micrograd-like"
"""The name ``pip install`` gives the command line; ``python -m micrograd_like`` also works."""

MAX_POINTS = 10_000
"""The most points ``train --n`` generates: a scalar engine's epoch of them takes minutes."""

MAX_SEED_STEPS = 10_000
"""The most updates ``seed --steps`` runs; its section 5 lists the loss after each."""


class CommandError(Exception):
    """A failure outside the user's control: printed as one line, exit status 1."""


class _HelpFormatter(argparse.HelpFormatter):
    """Shows every option's default, unless its help already says it or there is none.

    Overriding this method is how argparse's own ArgumentDefaultsHelpFormatter
    does it; ours leaves out defaults of None and a flag's False, which say nothing.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or not action.option_strings
            or any(default is nothing for nothing in (None, False, argparse.SUPPRESS))
        ):
            return text
        return f"{text} (default: %(default)s)" if text else "default: %(default)s"


# Argument types: each turns an option's text into its value, or raises
# ArgumentTypeError with the message argparse prints after the option's name.


def _finite_float(text: str, *, allow_zero: bool) -> float:
    """A finite number > 0 (or >= 0 with allow_zero)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {shown(text)}") from None
    if allow_zero and not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {shown(text)}")
    if not allow_zero and not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {shown(text)}")
    return value


def _positive_float(text: str) -> float:
    return _finite_float(text, allow_zero=False)


def _non_negative_float(text: str) -> float:
    return _finite_float(text, allow_zero=True)


def _whole_number(text: str, minimum: int, maximum: int | None = None) -> int:
    """A whole number from minimum to maximum (no upper bound if None)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {shown(text)}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {shown(text)}")
    if maximum is not None and value > maximum:
        raise argparse.ArgumentTypeError(f"must be at most {maximum:,}, got {shown(text)}")
    return value


def _positive_int(text: str) -> int:
    return _whole_number(text, 1)


def _at_least_two(text: str) -> int:
    return _whole_number(text, 2)


def _point_count(text: str) -> int:
    return _whole_number(text, 1, MAX_POINTS)


def _seed_steps(text: str) -> int:
    return _whole_number(text, 1, MAX_SEED_STEPS)


def _problem_count(text: str) -> int:
    return _whole_number(text, 1, MAX_PROBLEMS)


def _layer_sizes(text: str) -> list[int]:
    """Hidden layer sizes written 16,16."""
    try:
        return [_positive_int(part) for part in text.split(",")]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected sizes like 16,16 (positive whole numbers), got {shown(text)}"
        ) from None


def _assignment(text: str) -> tuple[str, float]:
    """A ``--set`` item NAME=NUMBER as (variable, number).

    Raises:
        argparse.ArgumentTypeError: If it is not NAME=NUMBER with a finite number.
        FormulaError: If NAME cannot be a variable (see `formula.variable_name`).
    """
    given, sep, number = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, got {shown(text)}")
    name = variable_name(given.strip())
    try:
        value = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{name}: expected a number, got {shown(number)}"
        ) from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{name}: expected a finite number, got {number!r}")
    return name, value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one subcommand per demo or tool."""
    parser = argparse.ArgumentParser(
        prog=_program_name(),
        description="A scalar autograd engine for learning backpropagation. "
        "With no command, runs the report's worked example (seed).",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"micrograd_like {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    seed = commands.add_parser(
        "seed",
        formatter_class=_HelpFormatter,
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
        type=_seed_steps,
        default=1,
        metavar="N",
        help=f"number of updates, at most {MAX_SEED_STEPS:,}; the loss after each is listed",
    )
    seed.add_argument(
        "--format",
        choices=("text", "markdown", "json", "html"),
        default="text",
        help="output format; html is a page that steps through the graph (needs the viz extra)",
    )
    seed.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the output to FILE instead of printing it (default: print it)",
    )

    graph = commands.add_parser(
        "graph",
        formatter_class=_HelpFormatter,
        help="draw the computation graph of a formula after a backward pass",
        description="Parse FORMULA (numbers, variables, + - * / **, unary minus, "
        "exp log tanh sigmoid relu; nothing else, and it is never run as Python), "
        "run backward from it, and draw its graph with every data and grad.",
    )
    # Optional here so that `--set x=0.5 "tanh(x)"`, where --set swallows it, still works.
    graph.add_argument("formula", nargs="?", help='e.g. "tanh(x*w + b)" or "-x*2"')
    graph.add_argument(
        "--set",
        dest="assignments",
        action="extend",
        nargs="+",
        default=[],
        metavar="NAME=NUMBER",
        help="the value of each variable, e.g. --set x=0.5 w=-3 b=1 (default: none)",
    )
    graph.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write the diagram; the suffix picks the format: .svg, .png, .dot, or "
        ".html for a page that steps through the graph (default: print the DOT source)",
    )
    graph.add_argument(
        "--rankdir", choices=("LR", "TB"),
        help="layout direction (default: LR; with --compact, whichever fits a 16:9 slide)",
    )  # fmt: skip
    graph.add_argument(
        "--compact", action="store_true",
        help="the style for slides: each operation a badge in its value's box, a weighted "
        "sum one box",
    )  # fmt: skip

    train = commands.add_parser(
        "train",
        formatter_class=_HelpFormatter,
        help="train an MLP on a toy dataset, with a progress bar and plots",
        description="Train an MLP on a generated 2-D dataset; print the final accuracy; "
        "with --out, write the decision boundary, the loss curve and the model (JSON).",
    )
    train.add_argument(
        "--dataset", choices=sorted(DATASETS), default="moons", help="the 2-D dataset"
    )
    train.add_argument(
        "--n", type=_point_count, default=100, help=f"number of points, at most {MAX_POINTS:,}"
    )
    train.add_argument("--noise", type=_non_negative_float, default=0.1, help="data noise")
    train.add_argument(
        "--classes", type=_at_least_two,
        help="classes of spiral and blobs (default: 3; the other datasets have 2)",
    )  # fmt: skip
    train.add_argument(
        "--hidden", type=_layer_sizes, default=[16, 16], metavar="N,N,...",
        help="hidden layer sizes (default: 16,16)",
    )  # fmt: skip
    train.add_argument(
        "--activation", choices=("relu", "tanh", "sigmoid"), default="relu",
        help="the hidden layers' activation",
    )  # fmt: skip
    train.add_argument(
        "--loss", choices=LOSSES,
        help="default: hinge for 2 classes, cross_entropy for more; hinge and "
        "bce_with_logits take 2 classes only; mse fits the labels as numbers (no accuracy)",
    )  # fmt: skip
    train.add_argument("--steps", type=_positive_int, default=100, help="number of updates")
    train.add_argument("--lr", type=_positive_float, default=0.1, help="learning rate")
    train.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd", help="optimizer")
    train.add_argument(
        "--batch-size", type=_positive_int, help="rows per step (default: the full batch)"
    )
    train.add_argument(
        "--l2", type=_non_negative_float, default=1e-4, metavar="LAM",
        help="the coefficient LAM of the L2 penalty LAM * sum(p*p), that is fit's l2, added "
        "to the loss (default: 1e-4, as micrograd's demo)",
    )  # fmt: skip
    train.add_argument("--seed", type=int, default=0, help="seeds data, weights and batches")
    train.add_argument(
        "--out",
        metavar="DIR",
        help="write the plots, model.json and training.html (a replay of the run to open in a "
        "browser) here (default: no files)",
    )
    train.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    worksheet = commands.add_parser(
        "worksheet",
        formatter_class=_HelpFormatter,
        help="per-student worksheets: small graphs to backpropagate by hand, and their keys",
        description="Make a student's worksheet: small random graphs with a blank for each "
        "value's data and grad. The same ID always gives the same sheet; --answers gives "
        "its key, computed by the engine. With --class, one sheet and one key per student.",
    )
    # One of the two is required: _run_worksheet says so (a required group would refuse
    # `worksheet` alone, which is how the tests find the command's parser).
    who = worksheet.add_mutually_exclusive_group()
    who.add_argument(
        "--student", metavar="ID",
        help="the student's ID: 1 to 64 letters, digits, '.', '_' and '-', starting with a "
        "letter or digit; it seeds the sheet",
    )  # fmt: skip
    who.add_argument(
        "--class", dest="class_list", metavar="FILE",
        help="a class list, one ID a line (blank lines and # comments ignored): writes "
        "ID.sheet.md and ID.key.md (or .html) for every student into the directory -o DIR",
    )  # fmt: skip
    worksheet.add_argument(
        "--problems", type=_problem_count, default=DEFAULT_PROBLEMS, metavar="N",
        help=f"problems on the sheet, at most {MAX_PROBLEMS}",
    )  # fmt: skip
    worksheet.add_argument(
        "--answers", action="store_true", help="write the key instead of the sheet"
    )
    worksheet.add_argument(
        "--format", choices=("markdown", "html"),
        help="markdown, or html: one printable file with a diagram of each problem "
        "(needs the viz extra) (default: html if -o ends in .html, else markdown)",
    )  # fmt: skip
    worksheet.add_argument(
        "-o", "--output", metavar="FILE|DIR",
        help="with --student, the file to write (default: print it); with --class, the "
        "directory to write the files in (made if missing; required)",
    )  # fmt: skip

    # Its options are bench's own, added by _run_bench once bench is imported; until then
    # this parser only names the command, and hands bench all that follows it (--help too).
    commands.add_parser(
        "bench", help="time micrograd_like beside micrograd and PyTorch (W1-W4)", add_help=False
    )
    for name, command in commands.choices.items():
        command.set_defaults(command_parser=command, command=name)
    return parser


def _program_name() -> str:
    """How the user called us, for the usage line: the console script names itself."""
    called = Path(sys.argv[0]).stem if sys.argv and sys.argv[0] else ""
    return CONSOLE_SCRIPT if called == CONSOLE_SCRIPT else "python -m micrograd_like"


def _run_bench(options: list[str], prog: str) -> int:
    try:
        from micrograd_like import bench as benchmark
    except ImportError as error:
        # On Windows: bench measures memory with the Unix-only resource module.
        needs = "the Unix-only module 'resource'" if error.name == "resource" else str(error)
        raise CommandError(f"bench cannot run on this system: it needs {needs}") from None
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Time the workloads W1-W4 on every installed engine, side by side in one "
        "run, each engine in a fresh process; print a Markdown table of medians and ratios.",
    )
    benchmark.add_arguments(parser)
    return benchmark.run(parser.parse_args(options), parser)


def _output_file(path: str, parser: argparse.ArgumentParser, option: str) -> Path:
    """Checks, before any work, that a file can be written at path; usage error if not."""
    problem = cannot_write(path)
    if problem is not None:
        parser.error(f"argument {option}: cannot write {shown(path)}: {problem}")
    return Path(path)


def _output_folder(
    path: str, names: Sequence[str], parser: argparse.ArgumentParser, option: str
) -> Path:
    """Makes the folder path (with its parents) and checks each file to be written in it.

    Called once every other check has passed, so that a refused run makes no folder.
    """
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        parser.error(f"argument {option}: {shown(path)} is a file, not a directory")
    except OSError as error:
        parser.error(f"argument {option}: cannot make the directory {shown(path)}: "
                     f"{error.strerror or error}")  # fmt: skip
    for name in names:
        _output_file(str(folder / name), parser, option)
    return folder


def _write(path: Path, data: str | bytes | dict[str, Any]) -> None:
    """Writes a file atomically (a dict as standard JSON); a refusal is a one-line failure."""
    try:
        if isinstance(data, dict):
            write_json(path, data)
        else:
            write_atomic(path, data)
    except OSError as error:
        raise _refused(path, error) from None


def _refused(path: Path, error: OSError) -> CommandError:
    return CommandError(f"cannot write {str(path)!r}: {error.strerror or error}")


def _formula_and_values(
    args: argparse.Namespace, rest: list[str], parser: argparse.ArgumentParser
) -> tuple[str, dict[str, float]]:
    """The formula and the --set values; the formula may have landed among the --set items.

    A formula that starts with "-" (``-x*2``) looks like an option to argparse,
    which leaves it in rest: it is the formula when no other was given.
    """
    items = list(args.assignments)
    formula = args.formula
    if formula is None and len(rest) == 1 and not rest[0].startswith("--"):
        formula, rest = rest[0], []
    if rest:
        parser.error(f"unrecognized arguments: {shown(' '.join(rest))}")
    if formula is None:
        # `graph --set x=0.5 "tanh(x)"`: --set took the formula too; it is the item without "=".
        loose = [item for item in items if "=" not in item]
        if not loose:
            parser.error("the following arguments are required: formula")
        if len(loose) > 1:
            parser.error(f"argument --set: expected NAME=NUMBER items and one formula, got "
                         f"{len(loose)} items without '=': {shown(' '.join(loose))}")  # fmt: skip
        formula = loose[0]
        items.remove(formula)
    values: dict[str, float] = {}
    for item in items:
        try:
            name, number = _assignment(item)
        except (argparse.ArgumentTypeError, FormulaError) as error:
            parser.error(f"argument --set: {error}")
        if name in values:
            parser.error(f"argument --set: {name} is given twice ({values[name]!r} and {number!r})")
        values[name] = number
    return formula, values


def _run_graph(args: argparse.Namespace, rest: list[str]) -> int:
    # Imported here: the diagrams need the optional viz extra.
    from micrograd_like.engine import topological_order

    parser: argparse.ArgumentParser = args.command_parser
    formula, values = _formula_and_values(args, rest, parser)
    target = None
    if args.output is not None:
        if Path(args.output).suffix.lower() not in (".svg", ".png", ".dot", ".html"):
            parser.error(f"argument -o/--output: use a .svg, .png, .dot or .html file, "
                         f"got {shown(args.output)}")  # fmt: skip
        target = _output_file(args.output, parser, "-o/--output")
    try:
        from micrograd_like.viz import DEFAULT_MAX_NODES, RenderError, draw_dot
    except ImportError as error:
        raise CommandError(str(error).splitlines()[0]) from None
    try:
        output, leaves = build_formula(formula, values)
    except (ValueError, TypeError, ArithmeticError) as error:
        parser.error(f"formula {shown(formula)}: {error}")
    size = len(topological_order(output))
    if size > DEFAULT_MAX_NODES:
        parser.error(f"formula {shown(formula)}: its graph has {size:,} values; a diagram "
                     f"shows at most {DEFAULT_MAX_NODES}: draw a shorter formula")  # fmt: skip
    unused = sorted(set(values) - set(leaves))
    if unused:
        print(f"note: not in the formula: {', '.join(unused)}", file=sys.stderr)
    output.backward()
    diagram = draw_dot(output, rankdir=args.rankdir, compact=args.compact)
    if target is None:
        _say(diagram.source)
        return 0
    try:
        diagram.save(target)
    except RenderError as error:
        raise CommandError(str(error).splitlines()[0]) from None
    except OSError as error:
        raise _refused(target, error) from None
    lines = [f"{formula} = {output.data!r}"]
    lines += [f"  d/d{name} = {leaf.grad!r}" for name, leaf in sorted(leaves.items())]
    _say("\n".join([*lines, f"wrote {target}"]))
    return 0


def _classes_parameter(dataset: str) -> str | None:
    """The maker's parameter for its number of classes (make_blobs: centers); None if fixed."""
    names = inspect.signature(DATASETS[dataset]).parameters
    return next((name for name in ("classes", "centers") if name in names), None)


def _dataset(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Dataset:
    """The data --dataset, --n, --noise, --classes and --seed ask for; usage error if refused."""
    maker: Callable[..., Any] = DATASETS[args.dataset]
    options: dict[str, Any] = {"n": args.n, "noise": args.noise, "seed": args.seed}
    parameter = _classes_parameter(args.dataset)
    if parameter is None:
        if args.classes not in (None, 2):
            many = " and ".join(d for d in sorted(DATASETS) if _classes_parameter(d))
            parser.error(f"argument --classes: {args.dataset} has 2 classes; "
                         f"--classes is for {many}")  # fmt: skip
    else:
        options[parameter] = 3 if args.classes is None else args.classes
    try:
        data: Dataset = maker(**options)
    except ValueError as error:
        parser.error(f"--dataset {args.dataset}: {error}")
    return data


def _check_size(sizes: list[int], parser: argparse.ArgumentParser) -> None:
    count = nn.parameter_count(sizes)
    if count > nn.MAX_PARAMETERS:
        parser.error(f"argument --hidden: MLP {sizes} would have {count:,} parameters; "
                     f"the limit is {nn.MAX_PARAMETERS:,}")  # fmt: skip


def _figure_png(figure: Any) -> bytes:
    import matplotlib.pyplot as plt

    from micrograd_like.plots import DPI

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    plt.close(figure)
    return buffer.getvalue()


def _run_train(args: argparse.Namespace) -> int:
    from micrograd_like.diagnostics import GradientHealthWarning
    from micrograd_like.optim import SGD, Adam
    from micrograd_like.train import StepInfo, accuracy, fit

    parser: argparse.ArgumentParser = args.command_parser
    if args.out is not None and importlib.util.find_spec("matplotlib") is None:
        # Said before training, not after: the plots are what --out asks for.
        raise CommandError("--out writes plots, which need matplotlib: "
                           "pip install 'micrograd_like[train]'")  # fmt: skip
    X, y = _dataset(args, parser)
    classes = len(set(y))
    loss = args.loss or ("hinge" if classes == 2 else "cross_entropy")
    try:
        check_targets(y, loss, "--loss")
    except ValueError as error:
        parser.error(f"argument {error}")
    sizes = [*args.hidden, classes if loss == "cross_entropy" else 1]
    _check_size([2, *sizes], parser)
    files = _TRAIN_FILES if _replay_available() else _TRAIN_FILES[:-1]
    out = None if args.out is None else _output_folder(args.out, files, parser, "--out")
    if out is not None and files != _TRAIN_FILES:
        print("note: training.html needs the viz extra (pip install 'micrograd_like[viz]'); "
              "writing the other files", file=sys.stderr)  # fmt: skip
    model = nn.MLP(2, sizes, activation=args.activation, seed=args.seed)
    params = model.parameters()
    if args.optimizer == "adam":
        optimizer: SGD | Adam = Adam(params, lr=args.lr)
    else:
        optimizer = SGD(params, lr=args.lr)
    _say(
        f"training MLP {model.sizes} ({len(params)} parameters) on {args.dataset} "
        f"({len(X)} points, {classes} classes) with {loss} and {args.optimizer}, lr {args.lr}",
    )
    steps_done, diverged = 0, ""

    def watch(info: StepInfo) -> bool:
        """Stops training at the first step whose loss or weights are no longer finite."""
        nonlocal steps_done, diverged
        steps_done = info.step
        if not math.isfinite(info.loss):
            diverged = f"the loss became {info.loss}"
        elif not all(math.isfinite(p.data) for p in params):
            diverged = "a weight became infinite or NaN"
        return bool(diverged)

    hint = f"try a smaller --lr (it was {args.lr:g}), --l2 or --noise"
    callbacks: list[Callable[[StepInfo], bool | None]] = [watch]
    recording = None
    if out is not None and files == _TRAIN_FILES:
        from micrograd_like.replay import Recording

        # At most about 20 recorded steps: the page stays near 1 MB, and recording adds a few
        # seconds to a default run (each step's boundary is 400 forward passes).
        recording = Recording(X, y, loss=loss, every=math.ceil(args.steps / REPLAY_FRAMES))
        callbacks.append(recording)
    try:
        # fit's gradient-health warnings become one-line notes, as every note here is.
        with warnings.catch_warnings(record=True) as health:
            warnings.simplefilter("always", GradientHealthWarning)
            history = fit(
                model, X, y, loss=loss, optimizer=optimizer, steps=args.steps,
                batch_size=args.batch_size, l2=args.l2, progress=not args.no_progress,
                seed=args.seed, callbacks=callbacks,
            )  # fmt: skip
    except (ValueError, ArithmeticError) as error:  # e.g. a log of 0 once the weights blew up
        raise CommandError(f"training failed at step {steps_done + 1}: {error}; {hint}") from None
    for caught in health:
        if issubclass(caught.category, GradientHealthWarning):
            print(
                f"note: {str(caught.message).split('. fit(..., warn=False)')[0]}", file=sys.stderr
            )
        else:
            warnings.warn_explicit(caught.message, caught.category, caught.filename, caught.lineno)
    if diverged:
        raise CommandError(f"training diverged at step {steps_done} of {args.steps}: "
                           f"{diverged}; nothing was written; {hint}")  # fmt: skip
    report = [f"final loss {history.loss[-1]:.4f}"]
    if loss == "mse":
        report.append("training accuracy: none (mse fits the labels as numbers)")
    else:
        report.append(f"training accuracy {accuracy(model, X, y, loss):.1%}")
    seconds = sorted(history.seconds)[len(history.seconds) // 2]
    report.append(f"median time per step {seconds * 1000:.1f} ms")
    if out is not None:  # written before the report: `| head` must not lose the files
        _save_training(out, model, X, y, loss, history)
        if recording is not None and recording.failed is None:
            _write(out / _TRAIN_FILES[-1], recording.page())
        elif recording is not None:
            files = _TRAIN_FILES[:-1]
            print(f"note: training.html not written: {recording.failed}", file=sys.stderr)
        report.append("wrote " + ", ".join(str(out / name) for name in files))
    _say("\n".join(report))
    return 0


_TRAIN_FILES = ("decision_boundary.png", "loss_curve.png", "model.json", "training.html")
REPLAY_FRAMES = 20  # how many steps of a run training.html records, about


def _replay_available() -> bool:
    """Whether training.html can be written: the viz extra and a program to render with."""
    try:
        from micrograd_like.viz import find_renderer
    except ImportError:
        return False
    return find_renderer() is not None


def _save_training(out: Path, model: nn.MLP, X: Any, y: Any, loss: str, history: History) -> None:
    """Writes `_TRAIN_FILES` into out, each atomically; a refusal is a one-line failure."""
    from micrograd_like.plots import plot_decision_boundary, plot_history

    document = {**nn.mlp_to_dict(model), "history": history.as_dict(), "loss": loss}
    contents: list[str | bytes | dict[str, Any]] = [
        _figure_png(plot_decision_boundary(model, X, y, loss=loss)),
        _figure_png(plot_history(history)),
        document,
    ]
    for name, data in zip(_TRAIN_FILES, contents, strict=False):  # training.html: apart
        _write(out / name, data)


CLASS_LIST_BYTES = 1_000_000
"""The largest class list ``worksheet --class`` reads."""


def _class_list(path: str, parser: argparse.ArgumentParser) -> list[str]:
    """The IDs of a class list file; a usage error, naming the line, if it is not one."""
    from micrograd_like.worksheet import read_class

    where = f"argument --class: {shown(path)}"
    try:
        with open(path, "rb") as stream:
            data = stream.read(CLASS_LIST_BYTES + 1)
    except OSError as error:
        parser.error(f"{where}: cannot read it: {error.strerror or error}")
    if len(data) > CLASS_LIST_BYTES:
        parser.error(f"{where}: a class list is at most {CLASS_LIST_BYTES:,} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        parser.error(f"{where}: not UTF-8 text")
    try:
        return read_class(text)
    except ValueError as error:
        parser.error(f"{where}: {error}")


def _run_worksheet(args: argparse.Namespace) -> int:
    from micrograd_like import worksheet

    parser: argparse.ArgumentParser = args.command_parser
    if args.student is None and args.class_list is None:
        parser.error("one of the arguments --student --class is required")
    output_format = args.format
    if output_format is None:
        suffix = "" if args.output is None else Path(args.output).suffix.lower()
        output_format = "html" if suffix in (".html", ".htm") else "markdown"
    render = worksheet.to_html if output_format == "html" else worksheet.to_markdown
    if args.class_list is None:
        try:
            student = worksheet.check_student(args.student)
        except ValueError as error:
            parser.error(f"argument --student: {error}")
        target = None if args.output is None else _output_file(args.output, parser, "-o/--output")
        text = _sheet(render, student, args.problems, args.answers)
        if target is None:
            _say(text.rstrip("\n"))
        else:
            _write(target, text)
            _say(f"wrote {target}")
        return 0
    if args.answers:
        parser.error("argument --answers: --class writes every student's key already")
    if args.output is None:
        parser.error("argument --class: give the directory to write the sheets in with -o DIR")
    students = _class_list(args.class_list, parser)
    extension = "html" if output_format == "html" else "md"
    names = [name for s in students for name in worksheet.file_names(s, extension)]
    folder = _output_folder(args.output, names, parser, "-o/--output")
    # Every sheet is made before any is written: a failure leaves no half-written class.
    files = [
        _sheet(render, student, args.problems, answers)
        for student in students
        for answers in (False, True)
    ]
    for name, text in zip(names, files, strict=True):
        _write(folder / name, text)
    _say(f"wrote {len(students)} sheets and {len(students)} keys to {folder}")
    return 0


def _sheet(render: Callable[..., str], student: str, count: int, answers: bool) -> str:
    """A sheet or key; without the viz extra or a renderer, a one-line failure."""
    from micrograd_like import worksheet

    try:
        return render(student, worksheet.problems(student, count), answers=answers)
    except ImportError as error:
        raise CommandError(str(error).splitlines()[0]) from None
    except RuntimeError as error:  # viz's RenderError: no program to draw the diagrams with
        raise CommandError(str(error).splitlines()[0]) from None


def _run_seed(lr: float, steps: int, output_format: str) -> str:
    example = worked_example.run(lr=lr, steps=steps)
    if output_format == "html":
        try:  # the page draws the graph: it needs the optional viz extra
            from micrograd_like.pages import seed_page
            from micrograd_like.viz import RenderError
        except ImportError as error:
            raise CommandError(str(error).splitlines()[0]) from None
        try:
            return seed_page(example)
        except RenderError as error:
            raise CommandError(str(error).splitlines()[0]) from None
    render = {
        "text": worked_example.to_text,
        "markdown": worked_example.to_markdown,
        "json": worked_example.to_json,
    }[output_format]
    return render(example)


def _commands(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "bench":
        return _run_bench(rest, args.command_parser.prog)
    if args.command == "graph":
        return _run_graph(args, rest)
    if rest:  # as parse_args would say it, with the usage of the command they were given to
        command_parser = getattr(args, "command_parser", parser)
        command_parser.error(f"unrecognized arguments: {shown(' '.join(rest))}")
    if args.command == "train":
        return _run_train(args)
    if args.command == "worksheet":
        return _run_worksheet(args)
    if args.command is None:
        _say(_run_seed(worked_example.DEFAULT_LR, 1, "text"))
    elif args.output is None:
        _say(_run_seed(args.lr, args.steps, args.format))
    else:
        target = _output_file(args.output, args.command_parser, "-o/--output")
        _write(target, _run_seed(args.lr, args.steps, args.format) + "\n")
        _say(f"wrote {target}")
    return 0


def _say(text: str) -> None:
    """Prints text now; once nobody reads stdout (``| head``), the work goes on silently.

    A command's files matter more than its report, so a closed pipe ends the
    printing, not the command.
    """
    try:
        print(text, flush=True)
    except BrokenPipeError:
        _quiet_stdout()


def _fail(message: str, status: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status


def _quiet_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null, so Python's last flush fails no more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line and returns the exit status (see the module docstring)."""
    try:
        status = _commands(argv)
        sys.stdout.flush()  # here, where a full disk can still be reported
        return status
    except CommandError as failure:
        return _fail(str(failure), 1)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `... | head` stopped reading: what it read is what was asked for
        _quiet_stdout()
        return 0
    except MemoryError:
        return _fail("out of memory", 1)
    except OSError as error:  # the system refused: a full disk, a closed terminal, ...
        return _fail(f"the system refused: {error.strerror or error}", 1)
    except Exception as error:  # a bug of ours: one line, and how to see where
        if os.environ.get(TRACEBACK_VARIABLE) == "1":
            raise
        first = str(error).splitlines()[0] if str(error) else ""
        return _fail(
            f"unexpected {type(error).__name__}: {first} (a bug in micrograd_like; set "
            f"{TRACEBACK_VARIABLE}=1 to see where, and please report it)",
            1,
        )


if __name__ == "__main__":
    sys.exit(main())

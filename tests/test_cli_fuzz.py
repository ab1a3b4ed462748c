"""The command line's one rule, fuzzed in subprocesses.

For any input, every command exits 0 on success; 2 on bad input, with a
one-line message and the usage; 1 with a one-line message for a failure
outside the user's control; and never shows a traceback. (Ctrl-C, exit 130,
and a closed pipe are tested in test_cli.py.)

The options fuzzed are read from the argparse parsers themselves, and
`test_every_option_of_every_command_is_fuzzed` fails when an option has no
strategy here, so a new option cannot escape the fuzzing. The examples are
few and bounded (small datasets, few steps, DOT output rather than a render)
so the whole file runs in about a minute.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micrograd_like.__main__ import build_parser

FUZZED_COMMANDS = ("seed", "graph", "train", "worksheet")


def command_parser(command: str) -> argparse.ArgumentParser:
    parsed = build_parser().parse_known_args([command])[0]
    parser: argparse.ArgumentParser = parsed.command_parser
    return parser


def options_of(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """Every option and positional of a parser but --help (argparse lists them in _actions)."""
    return [a for a in parser._actions if not isinstance(a, argparse._HelpAction)]


# -- values ------------------------------------------------------------------

# Numbers small enough that a run stays short, and the edge cases a user may type.
NUMBERS = st.one_of(
    st.integers(-2, 20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["0", "-0", "1e300", "1e-320", "1e400", "nan", "0x10", "1_0", " 3", "", "1,2"]),
)
# Any text a command line can carry: everything but NUL (and lone surrogates, as st.text).
ARGV_TEXT = st.characters(exclude_characters="\x00", exclude_categories=["Cs"])
JUNK = st.text(ARGV_TEXT, max_size=8)
NAMES = st.sampled_from(["x", "y", "w", "b1", "\uff58", "exp", "1x", "x y", "_"])


def formulas(*, valid_only: bool = False) -> st.SearchStrategy[str]:
    """Valid formulas of every kind; unless valid_only, invalid text and huge, deep ones too."""
    leaf = st.one_of(
        st.sampled_from(["x", "y", "w", "\uff58", "b1"]),
        st.integers(-3, 10).map(str),
        st.floats(-1e3, 1e3, allow_nan=False).map(repr),
        st.sampled_from(["1e400", "1" + "0" * 400, "0.0", "1e-320", "1e308", "2.5e-3"]),
    )

    def combine(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            st.tuples(st.sampled_from(["exp", "log", "tanh", "sigmoid", "relu"]), inner).map(
                lambda t: f"{t[0]}({t[1]})"
            ),
            inner.map(lambda s: f"-{s}"),
        )

    valid = st.recursive(leaf, combine, max_leaves=10)
    if valid_only:
        return valid
    special = st.sampled_from(
        [
            "x+" + "+".join(["1"] * 129),  # more than 250 values
            "(" * 120 + "x" + ")" * 120,
            "x" + "*x" * 600,
            "x.__class__",
            "__import__('os').system('true')",
            "x*",
            "",
            "   ",
            "(x +\n 1)",
            "x**1e400",
            "x**(y)",
            "x/0",
            "log(-x)",
            "lambda: 0",
            "x" * 3000,
        ]
    )
    return st.one_of(valid, special, st.text(ARGV_TEXT, max_size=20))


WILD_ASSIGNMENTS = st.lists(
    st.one_of(st.tuples(NAMES, NUMBERS).map(lambda t: f"{t[0]}={t[1]}"), JUNK), max_size=4
)
FINE_ASSIGNMENTS = st.fixed_dictionaries(
    {name: st.floats(-1e3, 1e3, allow_nan=False) for name in ("x", "y", "w", "b1")}
).map(lambda values: [f"{name}={number!r}" for name, number in values.items()])
HIDDEN = st.one_of(
    st.lists(st.integers(-1, 12), min_size=1, max_size=3).map(lambda s: ",".join(map(str, s))),
    st.sampled_from(["3000,3000", "1000,1000,1000", "16,x", "", ","]),
)


def paths(root: Path) -> st.SearchStrategy[str]:
    """Output paths: fine, missing folders, files where a folder is wanted, too long, ..."""
    (root / "existing.txt").write_text("x")
    (root / "taken.svg").mkdir(exist_ok=True)
    return st.sampled_from(
        [
            str(root / "existing.txt"),
            str(root / "existing.txt" / "under.dot"),
            str(root / "missing" / "deeper" / "x.dot"),
            str(root / "taken.svg"),
            str(root / ("a" * 300 + ".dot")),
            str(root / "out.svgz"),
            str(root / "out"),
            "/proc/nope/x.dot",
            "/proc/x.dot",
            str(root / "out.dot"),
            str(root / "new" / "out"),
        ]
    )


STUDENTS = st.sampled_from(["ada", "s-042", "Bob.Smith_2", "0"])
WILD_STUDENTS = st.one_of(
    JUNK, st.sampled_from(["", "a b", "../x", ".hidden", "x" * 65, "ad\u00e9", "a/b", "-"])
)


def class_lists(root: Path) -> tuple[st.SearchStrategy[str], st.SearchStrategy[str]]:
    """Class list files: fine ones, and bad ones (a bad ID, a duplicate, empty, binary...)."""
    files = {
        "class.txt": "# group A\nada\nbob  # resits\n\ns-042\n",
        "one.txt": "zoe\n",
        "bad_id.txt": "ada\nno good\n",
        "duplicate.txt": "ada\nbob\nADA\n",
        "empty.txt": "# nobody yet\n\n",
    }
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    (root / "binary.txt").write_bytes(b"\xff\xfe\x00ada")
    fine = st.sampled_from([str(root / "class.txt"), str(root / "one.txt")])
    wild = st.one_of(
        st.sampled_from([str(root / name) for name in [*files, "binary.txt", "missing.txt"]]),
        st.sampled_from([str(root), "/proc/nope", ""]),
        JUNK,
    )
    return fine, wild


# What to fuzz each option with, by its dest: a fine value (None: a valid choice, or
# the wild one) and a wild one. An option missing here fails the test below.
def value_strategies(root: Path) -> dict[str, tuple[st.SearchStrategy[object] | None, Wild]]:
    counts = st.integers(1, 5).map(str)
    rates = st.sampled_from(["0.01", "0.1", "0.5", "1", "3"])
    fine_classes, wild_classes = class_lists(root)
    return {
        "lr": (rates, NUMBERS),
        "steps": (counts, NUMBERS),
        "format": (None, JUNK),
        "formula": (formulas(valid_only=True), formulas()),
        "assignments": (FINE_ASSIGNMENTS, WILD_ASSIGNMENTS),
        "output": (
            st.sampled_from([str(root / "out.dot"), "out.dot", str(root / "out.html")]),
            paths(root),
        ),
        "rankdir": (None, JUNK),
        "dataset": (None, JUNK),
        "n": (st.integers(2, 30).map(str), NUMBERS),
        "noise": (st.sampled_from(["0", "0.1", "0.5", "2"]), NUMBERS),
        "classes": (st.integers(2, 6).map(str), NUMBERS),
        "hidden": (
            st.lists(st.integers(1, 12), min_size=1, max_size=3).map(
                lambda sizes: ",".join(map(str, sizes))
            ),
            HIDDEN,
        ),
        "activation": (None, JUNK),
        "loss": (None, JUNK),
        "optimizer": (None, JUNK),
        "batch_size": (counts, NUMBERS),
        "l2": (st.sampled_from(["0", "1e-4", "0.1"]), NUMBERS),
        "seed": (st.integers(0, 99).map(str), NUMBERS),
        "out": (st.sampled_from([str(root / "run"), str(root / "new" / "run")]), paths(root)),
        "no_progress": (None, st.just(None)),
        "compact": (None, st.just(None)),
        "student": (STUDENTS, WILD_STUDENTS),
        "class_list": (fine_classes, wild_classes),
        "problems": (st.integers(1, 4).map(str), NUMBERS),
        "answers": (None, st.just(None)),
    }


Wild = st.SearchStrategy[object]
FINE = 0.9  # how often an option gets a fine value, so that most runs get to the work


def option_words(
    action: argparse.Action,
    draw: st.DrawFn,
    rng: random.Random,
    strategies: dict[str, tuple[st.SearchStrategy[object] | None, Wild]],
) -> list[str]:
    """One option as argv words: its flag (if any) and a value, fine or wild."""
    flag = list(action.option_strings[:1])
    if action.nargs == 0:
        return flag
    fine, wild = strategies[action.dest]
    if action.choices is not None and fine is None:
        fine = st.sampled_from(sorted(map(str, action.choices)))
    value = draw(fine if fine is not None and rng.random() < FINE else wild)
    return [*flag, *(map(str, value) if isinstance(value, list) else [str(value)])]


@st.composite
def command_lines(draw: st.DrawFn, command: str, root: Path) -> list[str]:
    parser = command_parser(command)
    strategies = value_strategies(root)
    actions = options_of(parser)
    # A seeded Random: uniform choices (a shrinking st.randoms() favours 0.0), and the same
    # examples on every run under derandomize.
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    chosen = [a for a in actions if a.option_strings and rng.random() < 0.5]
    rng.shuffle(chosen)
    groups = [option_words(action, draw, rng, strategies) for action in chosen]
    for action in actions:  # graph's formula: usually given, before or after the options
        if not action.option_strings and rng.random() < 0.9:
            groups.insert(rng.randint(0, len(groups)), option_words(action, draw, rng, strategies))
    if rng.random() < 0.05:
        groups.append([rng.choice(["--bogus", "-o", "--set", "extra"])])
    # train: short runs; a drawn --steps or --n comes later and wins.
    start = ["--steps", "2", "--n", "24", "--no-progress"] if command == "train" else []
    return [command, *start, *(word for group in groups for word in group)]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "micrograd_like", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


def assert_the_rule(args: list[str], result: subprocess.CompletedProcess[str]) -> None:
    said = f"args={args!r}\nstdout={result.stdout[-500:]!r}\nstderr={result.stderr[-2000:]!r}"
    assert result.returncode in (0, 1, 2), said
    assert "Traceback" not in result.stderr, said
    assert "unexpected" not in result.stderr, said  # the catch-all for our own bugs
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    if result.returncode == 0:
        assert errors == [], said
        return
    # One line says what went wrong, and it is the last line.
    assert len(errors) == 1, said
    assert result.stderr.rstrip("\n").splitlines()[-1] == errors[0], said
    if result.returncode == 2:
        assert result.stderr.startswith("usage: "), said
    else:
        assert errors[0].startswith("error: "), said


def fuzz(command: str, examples: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp(f"fuzz-{command}")
    statuses: Counter[int] = Counter()

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
        derandomize=True,  # the same examples on every run: CI never fails by chance
    )
    @given(command_lines(command, root))
    def check(args: list[str]) -> None:
        result = run(args, root)
        statuses[result.returncode] += 1
        assert_the_rule(args, result)

    check()
    print(f"{command}: exit statuses {dict(sorted(statuses.items()))}")
    # The fuzzing reaches the commands' work, not only the argument checks.
    assert statuses[0] >= examples // 10, statuses
    assert statuses[2] >= examples // 10, statuses


def test_seed_follows_the_rule(tmp_path_factory):
    fuzz("seed", 25, tmp_path_factory)


def test_graph_follows_the_rule(tmp_path_factory):
    fuzz("graph", 60, tmp_path_factory)


def test_train_follows_the_rule(tmp_path_factory):
    fuzz("train", 20, tmp_path_factory)


def test_worksheet_follows_the_rule(tmp_path_factory):
    fuzz("worksheet", 40, tmp_path_factory)


@pytest.mark.parametrize("command", FUZZED_COMMANDS)
def test_every_option_of_every_command_is_fuzzed(command, tmp_path):
    strategies = value_strategies(tmp_path)
    missing = [a.dest for a in options_of(command_parser(command)) if a.dest not in strategies]
    assert missing == [], f"give these options of {command} a fuzz strategy: {missing}"


def test_the_fuzzed_commands_are_all_the_commands_but_bench():
    parsed = build_parser()
    commands = {a.dest: a for a in parsed._actions}["command"].choices
    assert commands is not None
    assert set(commands) - {"bench"} == set(FUZZED_COMMANDS)


@pytest.mark.parametrize(
    "args",
    [
        ["seed", "--steps", "3", "--lr", "1e300"],
        ["graph", "x*y", "--set", "x=1e308", "y=1"],
        ["graph", "--set", "x=0.5", "tanh(x)"],
        ["train", "--steps", "2", "--n", "24", "--no-progress", "--noise", "1e300"],
        ["train", "--steps", "2", "--n", "24", "--no-progress", "--lr", "1e300"],
        ["worksheet", "--student", "ada", "--problems", "20", "--format", "html"],
        ["worksheet", "--class", "/proc/self/status", "-o", "out"],
    ],
)
def test_the_rule_holds_at_known_edges(args, tmp_path):
    assert_the_rule(args, run(args, tmp_path))


def test_the_rule_checker_catches_a_traceback_and_a_two_line_error():
    broken = subprocess.CompletedProcess(
        ["x"], 1, stdout="", stderr="Traceback (most recent call last):\nValueError: x\n"
    )
    with pytest.raises(AssertionError):
        assert_the_rule(["x"], broken)
    two_lines = subprocess.CompletedProcess(["x"], 1, stdout="", stderr="error: a\nerror: b\n")
    with pytest.raises(AssertionError):
        assert_the_rule(["x"], two_lines)

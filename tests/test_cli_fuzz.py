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
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micrograd_like.__main__ import build_parser

FUZZED_COMMANDS = ("seed", "graph", "train")


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
ARGV_TEXT = st.characters(exclude_characters="\x00", exclude_categories=("Cs",))
JUNK = st.text(ARGV_TEXT, max_size=8)
NAMES = st.sampled_from(["x", "y", "w", "b1", "\uff58", "exp", "1x", "x y", "_"])


def formulas() -> st.SearchStrategy[str]:
    """Valid formulas of every kind, invalid text, and the huge, deep and unicode ones."""
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
    return st.one_of(
        st.recursive(leaf, combine, max_leaves=10), special, st.text(ARGV_TEXT, max_size=20)
    )


ASSIGNMENTS = st.lists(
    st.one_of(st.tuples(NAMES, NUMBERS).map(lambda t: f"{t[0]}={t[1]}"), JUNK), max_size=4
)
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
            str(root / "out.dot"),
            str(root / "new" / "out"),
            str(root / "existing.txt"),
            str(root / "existing.txt" / "under.dot"),
            str(root / "missing" / "deeper" / "x.dot"),
            str(root / "taken.svg"),
            str(root / ("a" * 300 + ".dot")),
            str(root / "out.svgz"),
            str(root / "out"),
            "/proc/nope/x.dot",
        ]
    )


# What to fuzz each option with, by its dest; an option missing here fails the test below.
def value_strategies(root: Path) -> dict[str, st.SearchStrategy[object]]:
    return {
        "lr": NUMBERS,
        "steps": NUMBERS,
        "format": JUNK,
        "formula": formulas(),
        "assignments": ASSIGNMENTS,
        "output": paths(root),
        "rankdir": JUNK,
        "dataset": JUNK,
        "n": NUMBERS,
        "noise": NUMBERS,
        "classes": NUMBERS,
        "hidden": HIDDEN,
        "activation": JUNK,
        "loss": JUNK,
        "optimizer": JUNK,
        "batch_size": NUMBERS,
        "l2": NUMBERS,
        "seed": NUMBERS,
        "out": paths(root),
        "no_progress": st.just(None),
    }


def option_words(
    action: argparse.Action, draw: st.DrawFn, strategies: dict[str, st.SearchStrategy[object]]
) -> list[str]:
    """One option as argv words: its flag and a value, mostly a valid choice when it has some."""
    if action.nargs == 0:
        return [action.option_strings[0]]
    strategy = strategies[action.dest]
    if action.choices is not None:  # a valid choice three times in four
        valid = st.sampled_from(sorted(map(str, action.choices)))
        strategy = st.one_of(valid, valid, valid, strategy)
    value = draw(strategy)
    values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return [*action.option_strings[:1], *values]


@st.composite
def command_lines(draw: st.DrawFn, command: str, root: Path) -> list[str]:
    parser = command_parser(command)
    strategies = value_strategies(root)
    actions = options_of(parser)
    chosen = draw(st.lists(st.sampled_from(actions), unique_by=lambda a: a.dest, max_size=5))
    words: list[str] = [command]
    if command == "train":  # short runs; a drawn --steps or --n comes later and wins
        words += ["--steps", "2", "--n", "24", "--no-progress"]
    positional = [a for a in actions if not a.option_strings]
    for action in chosen:
        if action.option_strings:
            words += option_words(action, draw, strategies)
    for action in positional:  # graph's formula: usually given, before or after the options
        if draw(st.integers(0, 9)) > 0:
            text = str(draw(strategies[action.dest]))
            where = draw(st.integers(1, len(words)))
            words.insert(where, text)
    if command == "graph" and draw(st.booleans()):  # every variable a fine value, half the time
        numbers = st.floats(-1e3, 1e3, allow_nan=False).map(repr)
        words += ["--set", *(f"{name}={draw(numbers)}" for name in ("x", "y", "w", "b1"))]
    if draw(st.integers(0, 19)) == 0:
        words.append(draw(st.sampled_from(["--bogus", "-o", "--set", "extra"])))
    return words


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
    )
    @given(command_lines(command, root))
    def check(args: list[str]) -> None:
        result = run(args, root)
        statuses[result.returncode] += 1
        assert_the_rule(args, result)

    check()
    print(f"{command}: exit statuses {dict(sorted(statuses.items()))}")
    # The fuzzing reaches the commands' work, not only the argument checks.
    assert statuses[0] >= examples // 5, statuses
    assert statuses[2] >= examples // 5, statuses


def test_seed_follows_the_rule(tmp_path_factory):
    fuzz("seed", 25, tmp_path_factory)


def test_graph_follows_the_rule(tmp_path_factory):
    fuzz("graph", 60, tmp_path_factory)


def test_train_follows_the_rule(tmp_path_factory):
    fuzz("train", 30, tmp_path_factory)


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

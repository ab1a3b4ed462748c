"""Claims that something is tested, or agrees with PyTorch, name a test that exists.

The convention, for the notebooks' prose and the README: a sentence that says something is
checked by the tests, or agrees with (matches) PyTorch or mpmath, names the test that checks
it, as a backticked ``tests/test_file.py::test_name``. A reader can open it, and this file
fails when a claim names no test or one that is gone.
"""

import ast
import json
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

CLAIM = re.compile(
    r"\b(?:checked|tested|covered|verified|compared)\b[^.;]*?\b(?:tests?|test suite)\b"
    r"|\b(?:the|our) tests? (?:check|compare|cover)"
    r"|\b(?:agrees?|agreement|match(?:es)?|matching)\b[^.;]*?\b(?:PyTorch|torch|mpmath)\b"
    r"|\b(?:PyTorch|torch|mpmath)\b[^.;]*?\b(?:agrees?|match(?:es)?)\b",
    re.IGNORECASE,
)
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
PREDICT = re.compile(r"\bpredict\b", re.IGNORECASE)  # a prompt: "**Predict.** What is ...?"
CODE_SPAN = re.compile(r"`[^`\n]*`")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def sentences(markdown: str) -> list[str]:
    """The prose's sentences; a dot inside a code span or a number ends none."""
    text = FENCE.sub("", markdown)
    spans: list[str] = []

    def hide(match: re.Match[str]) -> str:
        spans.append(match.group())
        return f"\0{len(spans) - 1}\0"

    hidden = CODE_SPAN.sub(hide, text)
    # A sentence ends at . ! ? before white space, or at a blank line or a list item.
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z(\0*])|\n\s*\n|\n\s*[-*] |\n\s*\d+\. ", hidden)
    shown = [re.sub(r"\0(\d+)\0", lambda m: spans[int(m.group(1))], part) for part in parts]
    return [re.sub(r"^\s*(?:[-*]|\d+\.) ", "", part).strip() for part in shown if part.strip()]


def prose() -> list[tuple[str, str]]:
    """(where, markdown) for every notebook markdown cell and the README."""
    found = [("README.md", (ROOT / "README.md").read_text(encoding="utf-8"))]
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        found += [
            (f"{path.name} cell {i}", "".join(cell["source"]))
            for i, cell in enumerate(cells)
            if cell["cell_type"] == "markdown"
        ]
    return found


@cache
def defined_tests(path: str) -> frozenset[str]:
    """The test functions a test file defines, at module level or in a class."""
    file = ROOT / path
    if not file.is_file():
        return frozenset()
    tree = ast.parse(file.read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    )


def claims() -> list[tuple[str, str]]:
    return [
        (where, sentence)
        for where, markdown in prose()
        for sentence in sentences(markdown)
        if CLAIM.search(sentence)
    ]


def test_every_claim_names_a_test():
    unnamed = [
        f"{where}: {sentence}" for where, sentence in claims() if not REFERENCE.search(sentence)
    ]
    assert not unnamed, "claims that name no test:\n" + "\n".join(unnamed)


def test_every_named_test_exists():
    missing = [
        f"{where}: {path}::{name}"
        for where, markdown in prose()
        for path, name in REFERENCE.findall(markdown)
        if name not in defined_tests(path)
    ]
    assert not missing, "named tests that do not exist:\n" + "\n".join(missing)


def test_there_are_claims_to_check():
    # Without this, a detector that matched nothing would pass every notebook.
    assert len(claims()) >= 3


@pytest.mark.parametrize(
    ("sentence", "is_claim"),
    [
        ("The numbers below are checked by the test suite.", True),
        (
            "Derivatives up to the fourth order agree with PyTorch to 1e-9 (checked in the tests).",
            True,
        ),
        ("Its gradients match PyTorch's to 1e-12.", True),
        ("The tests check every number against a closed-form derivation.", True),
        ("Notebook 05's derivatives match mpmath.", True),
        ("Non-finite numbers follow IEEE 754 as in PyTorch.", False),
        ("PyTorch is where our users go next.", False),
        ("A test set of 100 points.", False),
    ],
)
def test_the_detector_knows_a_claim(sentence, is_claim):
    assert bool(CLAIM.search(sentence)) == is_claim


def test_sentences_keep_code_spans_and_numbers_whole():
    text = "It is 0.5 here; see `tests/test_x.py::test_y`. Next one.\n\n- a list item"
    assert sentences(text) == [
        "It is 0.5 here; see `tests/test_x.py::test_y`.",
        "Next one.",
        "a list item",
    ]


@pytest.mark.parametrize(
    "name", ["01_backprop_worked_example.ipynb", "02_computation_graphs.ipynb"]
)
def test_the_first_lessons_ask_the_reader_to_predict_before_they_reveal(name):
    cells = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))["cells"]
    prompts = [
        i
        for i, cell in enumerate(cells)
        if cell["cell_type"] == "markdown" and PREDICT.search("".join(cell["source"]))
    ]
    # Each prompt is followed by the code cell that shows the answer.
    revealed = [i for i in prompts if i + 1 < len(cells) and cells[i + 1]["cell_type"] == "code"]
    assert len(revealed) >= 3, f"{name}: predict prompts followed by a cell: {revealed}"

"""Worksheets to backpropagate by hand: small random graphs, one sheet per student.

`problems(student, n)` makes n small graphs, each of 5 to 12 values, built with
`Value` operations from the engine's primitives (``+``, ``*``, ``/``, ``**2``,
``exp``, ``log``, ``tanh``, ``sigmoid``, ``ReLU``). The inputs have at most two
decimals, and every graph is well-defined: no log of a number below 0.5, no
division by a number nearer 0 than 0.5, no ReLU at its kink, and every value and
gradient between -`LIMIT` and `LIMIT`, so that a student can work them out with
a pocket calculator.

The random numbers are seeded from a SHA-256 hash of the student's ID and the
problem's number (never Python's ``hash``, which differs from run to run): the
same ID gives the same sheet byte for byte, in any process, and different IDs
give different sheets. Problem k is the same whatever n is.

`to_markdown` and `to_html` write the sheet: for each problem, its inputs, a
table with one row per value (how it is computed, a blank for its data unless it
is an input, a blank for its grad) and, in HTML, its diagram drawn by
``draw_dot(blank=True)`` as inline SVG. Markdown viewers do not all show inline
SVG, so a Markdown sheet has no diagram: its table's "computed as" column is the
graph, one operation a row, and it says that the HTML sheet draws it. With
``answers=True`` they write the key instead: the engine's forward values and
``backward()`` gradients, rounded to `ANSWER_PLACES` decimal places.

The HTML is one self-contained, printable file: its style is inline, with
``@media print`` rules that start every problem on a new page; it has no script
and loads nothing.

Example:
    >>> from micrograd_like.worksheet import problems, to_markdown
    >>> sheet = problems("ada", 2)
    >>> all(5 <= len(problem.values) <= 12 for problem in sheet)
    True
    >>> to_markdown("ada", sheet) == to_markdown("ada", problems("ada", 2))
    True
    >>> problems("ada", 1)[0].values[0].data == problems("bob", 1)[0].values[0].data
    False
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from micrograd_like.engine import NOT_COMPUTED, Value

__all__ = [
    "ANSWER_PLACES",
    "DEFAULT_PROBLEMS",
    "LIMIT",
    "MAX_CALCULATOR_OPS",
    "MAX_CLASS",
    "MAX_PROBLEMS",
    "MAX_VALUES",
    "MIN_VALUES",
    "SMALLEST_GRAD",
    "Answer",
    "Problem",
    "check_student",
    "file_names",
    "problems",
    "read_class",
    "to_html",
    "to_markdown",
]

MIN_VALUES, MAX_VALUES = 5, 12
"""Every problem's graph has from MIN_VALUES to MAX_VALUES values, inputs included."""

DEFAULT_PROBLEMS = 3
"""How many problems a sheet has unless told."""

MAX_PROBLEMS = 20
"""The most problems a sheet may have."""

MAX_CLASS = 1000
"""The most students a class list may name."""

ANSWER_PLACES = 4
"""The key's numbers are rounded to this many decimal places."""

LIMIT = 50.0
"""Every value and gradient of a problem lies between -LIMIT and LIMIT."""

BLANK = "____"
"""What a Markdown sheet shows where a number is to be written."""

_STUDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_LETTERS = "abcdefghijkl"  # one label per value: at most MAX_VALUES of them
_ATTEMPTS = 10_000  # graphs drawn per problem before giving up; a few dozen are ever needed

# How a value is computed, as the sheet writes it, by the operation's name.
_WRITTEN = {
    "+": "{0} + {1}",
    "*": "{0} \u00d7 {1}",  # the times sign
    "/": "{0} / {1}",
    "**2": "{0}²",
    "exp": "exp({0})",
    "log": "log({0})",
    "tanh": "tanh({0})",
    "sigmoid": "sigmoid({0})",
    "ReLU": "ReLU({0})",
}
_BINARY = ("+", "*", "/")
_BINARY_WEIGHTS = (4, 4, 1)
_UNARY = ("tanh", "**2", "sigmoid", "exp", "log", "ReLU")
_UNARY_WEIGHTS = (3, 2, 2, 1, 1, 1)
_CALCULATOR = frozenset({"tanh", "sigmoid", "exp", "log"})  # the ops that need a calculator
MAX_CALCULATOR_OPS = 2
"""A problem has at most this many of exp, log, tanh and sigmoid."""
SMALLEST_GRAD = 0.01
"""Every gradient is 0 (past a ReLU that is off; at most a third of them) or at least this large."""


@dataclass(frozen=True)
class Answer:
    """One row of the key: a value's label, its data and its grad, from the engine.

    Example:
        >>> from micrograd_like.worksheet import problems
        >>> problems("ada", 1)[0].answers[-1]
        Answer(label='h', data=-0.7502601055951177, grad=1.0)
    """

    label: str
    data: float
    grad: float


@dataclass(frozen=True)
class Problem:
    """One graph to backpropagate through by hand.

    Attributes:
        number: Its number on the sheet, from 1.
        output: The value at the end of the graph, whose gradients are asked for.
        values: Every value of the graph in the order it is computed, inputs
            first; each is labelled with one letter, a, b, c, ...
        answers: For each of values, its data and its grad d(output)/d(value),
            as the engine's ``backward()`` computed them, not rounded.

    Example:
        >>> from micrograd_like.worksheet import problems
        >>> problem = problems("ada", 1)[0]
        >>> problem.number, problem.output.label, len(problem.values)
        (1, 'h', 8)
    """

    number: int
    output: Value
    values: tuple[Value, ...]
    answers: tuple[Answer, ...]

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The values that are given: the graph's leaves."""
        return tuple(value for value in self.values if not value.inputs)


def check_student(student: str) -> str:
    """Returns the student ID if it can name a sheet and its files.

    An ID is 1 to 64 ASCII letters, digits, dots, underscores and hyphens,
    starting with a letter or digit, so that it is a safe file name anywhere.

    Raises:
        ValueError: If it is not such an ID; the message says what an ID is.

    Example:
        >>> check_student("s-042")
        's-042'
    """
    if not isinstance(student, str) or _STUDENT.fullmatch(student) is None:
        raise ValueError(
            f"{_quoted(student)} is not a student ID: use 1 to 64 letters, digits, '.', '_' "
            "and '-', starting with a letter or digit"
        )
    return student


def _quoted(text: object, limit: int = 40) -> str:
    """A value as a message shows it: its repr, cut short when long."""
    shown = repr(text)
    return shown if len(shown) <= limit else f"{shown[:limit]}... ({len(shown)} characters)"


def read_class(text: str) -> list[str]:
    r"""The student IDs of a class list: one a line; blank lines and ``#`` comments ignored.

    A comment runs from ``#`` to the end of its line; a byte order mark at the
    start is ignored. IDs that differ only in
    case are duplicates, since their files would be one on some file systems.

    Raises:
        ValueError: For the first bad line: not an ID, a duplicate, or too
            many students; or for a list with no IDs. The message names the
            line.

    Example:
        >>> read_class("# group A\nada\n\nbob  # resits\n")
        ['ada', 'bob']
    """
    students: list[str] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
        student = line.split("#", 1)[0].strip()
        if not student:
            continue
        try:
            check_student(student)
        except ValueError as error:
            raise ValueError(f"line {number}: {error}") from None
        if student.lower() in first_line:
            raise ValueError(
                f"line {number}: {student!r} is already on line {first_line[student.lower()]}"
                + ("" if student in students else " (IDs that differ only in case are one)")
            )
        if len(students) == MAX_CLASS:
            raise ValueError(f"line {number}: a class list names at most {MAX_CLASS:,} students")
        first_line[student.lower()] = number
        students.append(student)
    if not students:
        raise ValueError("it names no student (one ID a line; # starts a comment)")
    return students


def file_names(student: str, extension: str) -> tuple[str, str]:
    """The names of a student's sheet and key in a class's folder.

    Example:
        >>> file_names("ada", "html")
        ('ada.sheet.html', 'ada.key.html')
    """
    return f"{student}.sheet.{extension}", f"{student}.key.{extension}"


def _random(student: str, number: int) -> random.Random:
    """The random numbers of a student's problem, seeded from a hash of both."""
    digest = hashlib.sha256(f"micrograd_like worksheet\0{student}\0{number}".encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def _defined(op: str, x: float) -> bool:
    """Whether op at x is well away from where it is undefined, flat or kinked."""
    if op == "log":
        return x >= 0.5
    if op in ("exp", "tanh", "sigmoid"):
        return abs(x) <= 3
    if op == "ReLU":
        return abs(x) >= 0.1
    return op != "**2" or abs(x) <= 6


def _apply(op: str, a: Value, b: Value | None = None) -> Value | None:
    """The value a op b (or op(a)), made by Value operations; None where ill-defined."""
    if b is not None:
        if op == "/" and (abs(b.data) < 0.5 or a is b):  # a / a is 1, whatever a is
            return None
        return a + b if op == "+" else a * b if op == "*" else a / b
    if not _defined(op, a.data):
        return None
    if op == "**2":
        return a**2
    unary = {"exp": a.exp, "log": a.log, "tanh": a.tanh, "sigmoid": a.sigmoid, "ReLU": a.relu}
    return unary[op]()


def _graph(rng: random.Random) -> list[Value] | None:
    """A random graph, its values in the order computed; None if it came out ill-defined.

    Every value but the last is an input of a later one: each operation takes
    a value nothing uses yet, and the last ones join what is left into one.
    """
    total = rng.randint(MIN_VALUES, MAX_VALUES)
    leaves = rng.randint(2, min(4, (total + 1) // 2))  # (each needs a join but the first)
    givens = rng.sample([k / 20 for k in range(-60, 61) if k], leaves)  # no two alike
    values = [Value(given, label=_LETTERS[k]) for k, given in enumerate(givens)]
    unused = list(values)
    calculator_ops = 0
    for remaining in range(total - leaves, 0, -1):
        joins_needed = len(unused) - 1
        spare = remaining > joins_needed  # an operation that joins nothing fits in
        reused = len(values) > len(unused)  # there is a used value to use again
        kinds = ["join"] * (joins_needed > 0) + ["unary"] * spare + ["reuse"] * (spare and reused)
        kind = rng.choice(kinds)
        first = unused.pop(rng.randrange(len(unused)))
        if kind == "unary":
            op = rng.choices(_UNARY, _UNARY_WEIGHTS)[0]
            if op in _CALCULATOR and calculator_ops == MAX_CALCULATOR_OPS:
                op = rng.choice(sorted(set(_UNARY) - _CALCULATOR))
            calculator_ops += op in _CALCULATOR
            node = _apply(op, first)
        else:
            pool = unused if kind == "join" else [v for v in values if v not in unused]
            second = pool.pop(rng.randrange(len(pool))) if kind == "join" else rng.choice(pool)
            a, b = (first, second) if rng.random() < 0.5 else (second, first)
            node = _apply(rng.choices(_BINARY, _BINARY_WEIGHTS)[0], a, b)
        if node is None or not math.isfinite(node.data) or abs(node.data) > LIMIT:
            return None
        node.label = _LETTERS[len(values)]
        values.append(node)
        unused.append(node)
    return values


def _problem(student: str, number: int) -> Problem:
    rng = _random(student, number)
    for _ in range(_ATTEMPTS):
        values = _graph(rng)
        if values is None:
            continue
        output = values[-1]
        for value in values:
            value.grad = NOT_COMPUTED  # a leaf's grad adds up over backward passes
        output.backward()
        answers = tuple(Answer(v.label, v.data, float(v.grad)) for v in values)
        zeros = sum(a.grad == 0 for a in answers)  # past a ReLU that is off
        sized = all(a.grad == 0 or SMALLEST_GRAD <= abs(a.grad) <= LIMIT for a in answers)
        if sized and 3 * zeros <= len(answers):
            return Problem(number, output, tuple(values), answers)
    raise RuntimeError(f"worksheet: no well-defined graph in {_ATTEMPTS:,} tries")  # never seen


def problems(student: str, n: int = DEFAULT_PROBLEMS) -> list[Problem]:
    """The student's n problems, the same on every call.

    Args:
        student: The student's ID (see `check_student`).
        n: How many problems, from 1 to `MAX_PROBLEMS`.

    Returns:
        The problems, numbered from 1; problem k does not depend on n.

    Raises:
        ValueError: If the ID or n is not valid.

    Example:
        >>> first = problems("ada", 1)[0]
        >>> [f"{value.label} = {value.data}" for value in first.inputs]
        ['a = 2.25', 'b = -0.95', 'c = 1.1', 'd = -1.3']
        >>> first.output.label, first.output.op, first.answers[-1].grad
        ('h', '*', 1.0)
    """
    check_student(student)
    if not (isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_PROBLEMS):
        raise ValueError(f"problems: n must be a whole number from 1 to {MAX_PROBLEMS}, got {n!r}")
    return [_problem(student, number) for number in range(1, n + 1)]


# -- Writing the sheets ---------------------------------------------------------------


def _given_text(x: float) -> str:
    """An input as the sheet gives it: at most two decimals, no trailing zeros."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _answer_text(x: float) -> str:
    """A number of the key: `ANSWER_PLACES` decimal places, and no -0."""
    text = f"{x:.{ANSWER_PLACES}f}"
    return text[1:] if text.startswith("-") and text.lstrip("-0.") == "" else text


def _computed_as(value: Value) -> str:
    if not value.inputs:
        return "input"
    return _WRITTEN[value.op].format(*(v.label for v in value.inputs))


def _rows(problem: Problem, answers: bool) -> list[tuple[str, str, str | None, str | None]]:
    """Each value's row: name, how it is computed, data and grad (None: a blank)."""
    rows = []
    for value, answer in zip(problem.values, problem.answers, strict=True):
        name = f"{value.label} (output)" if value is problem.output else value.label
        if not value.inputs:
            data: str | None = _given_text(value.data)
        else:
            data = _answer_text(answer.data) if answers else None
        grad = _answer_text(answer.grad) if answers else None
        rows.append((name, _computed_as(value), data, grad))
    return rows


def _inputs_text(problem: Problem) -> str:
    return ", ".join(f"{v.label} = {_given_text(v.data)}" for v in problem.inputs)


def _title(student: str, answers: bool) -> str:
    check_student(student)
    kind = "answer key" if answers else "worksheet"
    return f"Backpropagation {kind} for {student}"


_TASK = (
    "For each problem, work out the data of every value (the forward pass), then its "
    "grad, d(output)/d(value) (the backward pass: the output's grad is 1). log is the "
    "natural logarithm, sigmoid(x) = 1 / (1 + exp(-x)) and ReLU(x) = max(0, x). Write "
    f"each number to {ANSWER_PLACES} decimal places."
)
_KEY = (
    f"Every number is rounded to {ANSWER_PLACES} decimal places. They were computed by "
    "micrograd_like's engine, the forward pass and then backward(), without rounding on "
    "the way: an answer worked out from rounded steps may differ in its last place."
)


def to_markdown(student: str, problems: Sequence[Problem], *, answers: bool = False) -> str:
    """The sheet (or, with answers, its key) as Markdown.

    Each problem has its inputs and a table of its values, one per row in the
    order they are computed: how each is computed (the graph, written out),
    its data and its grad, with `BLANK` where the student writes a number.
    Markdown has no diagram: the HTML sheet (`to_html`) draws it.

    Example:
        >>> key = to_markdown("ada", problems("ada", 1), answers=True)
        >>> print(key.splitlines()[0])
        # Backpropagation answer key for ada
    """
    lines = [f"# {_title(student, answers)}", ""]
    if answers:
        lines += [_KEY, ""]
    else:
        lines += ["Name: ______________________", "", _TASK, ""]
        lines += [
            "Each table is the problem's graph, one value a row in the order they are "
            "computed; the HTML sheet draws it.",
            "",
        ]
    for problem in problems:
        lines += [f"## Problem {problem.number}", "", f"Inputs: {_inputs_text(problem)}.", ""]
        lines += ["| value | computed as | data | grad |", "|---|---|---|---|"]
        for name, computed, data, grad in _rows(problem, answers):
            lines.append(f"| {name} | {computed} | {data or BLANK} | {grad or BLANK} |")
        lines.append("")
    return "\n".join(lines)


_CSS = """
body { font-family: Helvetica, Arial, sans-serif; color: #111827; max-width: 52rem;
  margin: 1.5rem auto; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
h2 { font-size: 1.2rem; margin: 0 0 0.5rem; }
.problem { border-top: 2px solid #9ca3af; padding-top: 1rem; margin-top: 1.5rem; }
figure { margin: 0.75rem 0; text-align: center; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.85rem; color: #4b5563; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #6b7280; padding: 0.3rem 0.6rem; text-align: left; }
th { background: #f3f4f6; }
td.number { font-variant-numeric: tabular-nums; text-align: right; }
td.blank { min-width: 7rem; height: 1.6rem; }
.name { margin: 0.5rem 0 1rem; }
@page { margin: 14mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 11pt; }
  .problem { border-top: none; margin-top: 0; break-inside: avoid; page-break-inside: avoid; }
  .problem + .problem { break-before: page; page-break-before: always; }
  h1 { margin-top: 0; }
  figure { margin: 0.4rem 0; }
  figure svg { max-height: 120mm; }
  th, td { padding: 0.12rem 0.5rem; }
  td.blank { height: 1.3rem; }
  tr { break-inside: avoid; page-break-inside: avoid; }
}
""".strip()


def _diagram(problem: Problem, answers: bool) -> str:
    """The problem's diagram as inline SVG; with answers, filled in by the engine."""
    try:
        from micrograd_like.viz import draw_dot, render
    except ImportError as error:
        raise ImportError(f"to_html draws diagrams: {str(error).splitlines()[0]}") from error
    if answers:  # the grads as the key gives them, even if backward ran again since
        for value in problem.values:
            value.grad = NOT_COMPUTED
        problem.output.backward()
    diagram = draw_dot(problem.output, compact=True, blank=not answers)
    svg = render(diagram.source, "svg").decode("utf-8")
    svg = svg[svg.index("<svg") :]  # no XML prolog or DOCTYPE (it names a URL) inside HTML
    # One page holds many diagrams: each one's ids get the problem's number, to stay unique.
    return svg.replace(' id="', f' id="p{problem.number}-')


def to_html(student: str, problems: Sequence[Problem], *, answers: bool = False) -> str:
    """The sheet (or, with answers, its key) as one printable, self-contained HTML page.

    Each problem has its inputs, its diagram as inline SVG (`draw_dot` with
    ``blank=True``; in the key, the diagram filled in, each edge with its
    local derivative) and the table of `to_markdown`, with empty cells to
    write in. The style is inline; ``@media print`` starts each problem on a
    new page. There is no script, and a Content-Security-Policy forbids
    loading anything.

    Args:
        student: The student's ID, shown on the sheet.
        problems: The problems, from `problems`.
        answers: Give the key: every blank filled in.

    Returns:
        The page, a complete HTML document.

    Raises:
        ImportError: Without the viz extra, which draws the diagrams.
        micrograd_like.viz.RenderError: If no program can render them.

    Example:
        >>> from micrograd_like.worksheet import problems, to_html
        >>> page = to_html("ada", problems("ada", 1))
        >>> page.startswith("<!DOCTYPE html>"), "<script" in page
        (True, False)
    """
    title = _title(student, answers)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        f"<header><h1>{escape(title)}</h1>",
    ]
    if answers:
        parts.append(f"<p>{escape(_KEY)}</p></header>")
    else:
        parts.append('<p class="name">Name: ______________________</p>')
        parts.append(f"<p>{escape(_TASK)}</p></header>")
    caption = (
        "The engine's numbers, to 4 significant digits; each edge is labelled with its "
        "local derivative d(out)/d(in)."
        if answers
        else "The graph: an input's box gives its data; write each other data and every "
        "grad in its box, or in the table, which lists each operation's inputs in order."
    )
    for problem in problems:
        parts.append(f'<section class="problem" id="problem-{problem.number}">')
        parts.append(f"<h2>Problem {problem.number}</h2>")
        parts.append(f"<p>Inputs: {escape(_inputs_text(problem))}.</p>")
        parts.append(
            f"<figure>{_diagram(problem, answers)}"
            f"<figcaption>{escape(caption)}</figcaption></figure>"
        )
        parts.append("<table>")
        parts.append("<tr><th>value</th><th>computed as</th><th>data</th><th>grad</th></tr>")
        for name, computed, data, grad in _rows(problem, answers):
            cells = [f"<td>{escape(name)}</td>", f"<td>{escape(computed)}</td>"]
            for number in (data, grad):
                blank = '<td class="blank"></td>'
                cells.append(blank if number is None else f'<td class="number">{number}</td>')
            parts.append(f"<tr>{''.join(cells)}</tr>")
        parts.append("</table>")
        parts.append("</section>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)

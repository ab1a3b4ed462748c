"""Turn a formula a user types into a graph of Values, safely.

The text is parsed with `ast` and checked against a whitelist; it is never
evaluated as Python. Allowed: numbers, variable names, ``+ - * / **``, unary
minus and plus, parentheses, and calls of ``exp log tanh sigmoid relu`` with
one argument. Everything else (attribute access, subscripts, strings,
lambdas, comparisons, keyword arguments, unknown names or functions) is
refused with a `FormulaError` that says what and where. So are constant
exponents beyond ``MAX_CONSTANT_EXPONENT`` and formulas longer than
``MAX_LENGTH`` characters or ``MAX_NODES`` syntax nodes, so a refusal is quick.

Example:
    >>> from micrograd_like.formula import build_formula
    >>> out, leaves = build_formula("tanh(x * w + b)", {"x": 0.5, "w": -3.0, "b": 1.0})
    >>> out.backward()
    >>> round(leaves["w"].grad, 6)  # x * (1 - tanh(x*w + b)**2)
    0.393224
"""

from __future__ import annotations

import ast
import unicodedata
from collections.abc import Callable, Mapping

from micrograd_like import validate
from micrograd_like.engine import Value

__all__ = [
    "FUNCTIONS",
    "MAX_CONSTANT_EXPONENT",
    "MAX_LENGTH",
    "MAX_NODES",
    "FormulaError",
    "build_formula",
    "parse_formula",
    "variable_name",
]

FUNCTIONS: Mapping[str, Callable[[Value], Value]] = {
    "exp": Value.exp,
    "log": Value.log,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
}
MAX_LENGTH = 2000
MAX_NODES = 1000
MAX_CONSTANT_EXPONENT = 1024.0

_LABEL_LENGTH = 24
_OPERATORS: Mapping[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}
_REFUSALS: Mapping[type[ast.AST], str] = {
    ast.Attribute: "attribute access (a.b) is",
    ast.Subscript: "subscripts (a[i]) are",
    ast.Lambda: "lambdas are",
    ast.Compare: "comparisons are",
    ast.BoolOp: "and/or are",
    ast.IfExp: "if-expressions are",
    ast.JoinedStr: "f-strings are",
    ast.List: "lists are",
    ast.Tuple: "tuples are",
    ast.Dict: "dicts are",
    ast.Set: "sets are",
    ast.ListComp: "comprehensions are",
    ast.GeneratorExp: "comprehensions are",
    ast.NamedExpr: "assignments are",
    ast.Starred: "star arguments are",
}


class FormulaError(ValueError):
    """The formula is not one that can be drawn; the message says what and where.

    Example:
        >>> from micrograd_like.formula import FormulaError, parse_formula
        >>> try:
        ...     parse_formula("__import__('os')")
        ... except FormulaError as error:
        ...     print(error)
        unknown function '__import__' at column 1; the functions are exp, log, relu, sigmoid, tanh
    """


def _where(node: ast.AST) -> str:
    """Where node starts, as " at column C" (or "line L, column C"), counted from 1."""
    column = getattr(node, "col_offset", None)
    if column is None:
        return ""
    line = getattr(node, "lineno", 1)
    return f" at column {column + 1}" if line == 1 else f" at line {line}, column {column + 1}"


def _in_characters(text: str, tree: ast.AST) -> None:
    """Turns the tree's positions into characters of the text as typed.

    `ast` counts columns in UTF-8 bytes of the text it parsed, which was
    stripped; a learner counts characters of what they typed (a full-width letter is 3 bytes).
    """
    lines = text.split("\n")
    lead = len(lines[0]) - len(lines[0].lstrip())  # the stripped leading spaces

    def chars(line: int, offset: int) -> int:
        shift = lead if line == 1 else 0
        source = lines[line - 1][shift:].encode("utf-8")
        return len(source[:offset].decode("utf-8", "replace")) + shift

    for node in ast.walk(tree):
        if isinstance(node, ast.expr):
            node.col_offset = chars(node.lineno, node.col_offset)
            if node.end_lineno is not None and node.end_col_offset is not None:
                node.end_col_offset = chars(node.end_lineno, node.end_col_offset)


def _segment(text: str, node: ast.expr) -> str | None:
    """The text of node as typed, when it lies on one line (positions in characters)."""
    if node.lineno != node.end_lineno:
        return None
    return text.split("\n")[node.lineno - 1][node.col_offset : node.end_col_offset]


def _syntax_error(text: str, error: SyntaxError) -> FormulaError:
    line, offset = error.lineno or 1, error.offset or 0
    lines = text.split("\n")
    if line == 1:  # Python counted in the stripped text
        offset += len(lines[0]) - len(lines[0].lstrip())
    if not 1 <= line <= len(lines) or not 1 <= offset <= len(lines[line - 1]):
        return FormulaError(f"not a valid formula: {error.msg} at the end")
    where = f"column {offset}" if line == 1 else f"line {line}, column {offset}"
    return FormulaError(f"not a valid formula: {error.msg} at {where}")


def _refuse(node: ast.AST, what: str) -> FormulaError:
    return FormulaError(f"{what} not allowed{_where(node)}")


def parse_formula(text: str) -> ast.Expression:
    """Parses and checks a formula without evaluating anything.

    Args:
        text: The formula, e.g. ``"tanh(x*w + b)"``.

    Returns:
        The checked syntax tree.

    Raises:
        FormulaError: If the text is too long, not valid syntax, or uses
            anything outside the whitelist.

    Example:
        >>> from micrograd_like.formula import parse_formula
        >>> type(parse_formula("tanh(x*w + b)")).__name__
        'Expression'
    """
    if not isinstance(text, str):
        raise FormulaError(f"the formula must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is {len(text)} characters long; the limit is {MAX_LENGTH}")
    if not text.strip():
        raise FormulaError("the formula is empty")
    text = text.rstrip()
    try:
        tree = ast.parse(text.lstrip(), mode="eval")
    except SyntaxError as error:
        raise _syntax_error(text, error) from None
    except (RecursionError, MemoryError):
        raise FormulaError("the formula is nested too deeply") from None
    _in_characters(text, tree)
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise FormulaError(f"the formula has {len(nodes)} parts; the limit is {MAX_NODES}")
    for node in nodes:
        _check(node)
    return tree


def _check(node: ast.AST) -> None:
    if isinstance(node, (ast.Expression, ast.Load, ast.operator, ast.unaryop, ast.Name)):
        if isinstance(node, ast.operator) and type(node) not in _OPERATORS:
            raise FormulaError(f"the operator {type(node).__name__} is not allowed")
        if isinstance(node, ast.unaryop) and not isinstance(node, (ast.USub, ast.UAdd)):
            raise FormulaError(f"the operator {type(node).__name__} is not allowed")
        return
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        return
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            raise _refuse(node, "strings are")
        if type(node.value) not in (int, float):
            raise _refuse(node, f"the constant {node.value!r} is")
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise FormulaError(
                f"unknown function {name!r}{_where(node)}; "
                f"the functions are {', '.join(sorted(FUNCTIONS))}"
            )
        if node.keywords or len(node.args) != 1:
            raise FormulaError(f"{node.func.id}() takes exactly one argument{_where(node)}")
        return
    raise _refuse(node, _REFUSALS.get(type(node), f"{type(node).__name__} is"))


class _Builder:
    def __init__(self, values: Mapping[str, Value], text: str) -> None:
        self.values = values
        self.text = text

    def constant(self, node: ast.expr) -> float | None:
        """The value of a subexpression made of numbers only, else None."""
        if any(isinstance(n, ast.Name) for n in ast.walk(node)):
            return None
        return _Builder({}, self.text).visit(node).data

    def label(self, node: ast.expr, value: Value) -> Value:
        segment = _segment(self.text, node)
        if segment is not None and not value.label:
            value.label = segment if len(segment) <= _LABEL_LENGTH else ""
        return value

    def visit(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Constant):
            try:  # an int literal of 400 digits, or 1e999 (which Python reads as inf)
                return Value(validate.real(node.value, "a number", "formula"))
            except ValueError:
                written = _segment(self.text, node) or ast.unparse(node)
                if len(written) > _LABEL_LENGTH:  # a 400-digit literal, shown in one short line
                    written = f"{written[:12]}... ({len(written)} characters)"
                raise FormulaError(f"the number {written} is too large{_where(node)}") from None
        if isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise FormulaError(f"{node.id} is a function; call it as {node.id}(...)")
            if node.id not in self.values:
                raise FormulaError(f"no value for {node.id!r}; give one with --set {node.id}=...")
            return self.values[node.id]
        if isinstance(node, ast.UnaryOp):
            operand = self.visit(node.operand)
            return self.label(node, -operand if isinstance(node.op, ast.USub) else operand)
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            return self.label(node, FUNCTIONS[node.func.id](self.visit(node.args[0])))
        if isinstance(node, ast.BinOp):
            return self.label(node, self.binary(node))
        raise _refuse(node, f"{type(node).__name__} is")  # parse_formula rules this out

    def binary(self, node: ast.BinOp) -> Value:
        if isinstance(node.op, ast.Pow):
            exponent = self.constant(node.right)
            if exponent is not None:
                if not abs(exponent) <= MAX_CONSTANT_EXPONENT:
                    raise FormulaError(
                        f"the exponent {exponent:.12g}{_where(node.right)} is too large; "
                        f"constant exponents may be at most {MAX_CONSTANT_EXPONENT:g}"
                    )
                # A number exponent gives micrograd's "**n" node, as v ** 2 would.
                return self.visit(node.left) ** (
                    int(exponent) if exponent.is_integer() else exponent
                )
        left = self.visit(node.left)
        right = self.visit(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            return left / right
        return left**right


def variable_name(text: str) -> str:
    """The variable a name stands for in a formula: the name in NFKC form.

    Python reads identifiers in that form, so a formula's full-width x is x;
    a value given for it is read the same way.

    Args:
        text: The name as typed.

    Returns:
        The name in NFKC form.

    Raises:
        FormulaError: If text is not an identifier, or is a function's name.

    Example:
        >>> from micrograd_like.formula import variable_name
        >>> variable_name("\uff58")  # a full-width x
        'x'
    """
    name = unicodedata.normalize("NFKC", text) if isinstance(text, str) else text
    if not isinstance(name, str) or not name.isidentifier() or name in FUNCTIONS:
        raise FormulaError(f"{text!r} cannot be a variable name")
    return name


def build_formula(text: str, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """Builds the graph of a formula with the given variable values.

    Args:
        text: The formula; see `parse_formula` for what is allowed.
        values: A number for every variable the formula uses.

    Returns:
        The output Value and the variables' leaves by name (each labelled with
        its name). Subexpressions are labelled with their text when short.

    Raises:
        FormulaError: If the formula is refused or a variable has no value.
        ValueError: If a name in values is not an identifier (names are read in
            NFKC form, as Python reads them: a full-width x is x), two names are the same
            name in that form, a number is too large for a float, or an
            operation is outside its domain (``log(0)``); the message names it.
        TypeError: If a value is not a real number (a bool neither).
        ZeroDivisionError: On division by zero.

    Example:
        >>> from micrograd_like.formula import build_formula
        >>> out, leaves = build_formula("tanh(x*w + b)", {"x": 0.5, "w": -3, "b": 1})
        >>> round(out.data, 6), sorted(leaves), out.label
        (-0.462117, ['b', 'w', 'x'], 'tanh(x*w + b)')
    """
    tree = parse_formula(text)
    leaves: dict[str, Value] = {}
    for given, number in values.items():
        name = variable_name(given)
        if name in leaves:
            raise FormulaError(
                f"{name!r} is given two values: {leaves[name].data!r} and {number!r}"
            )
        number = validate.real(number, f"values[{given!r}]", "build_formula", finite=False)
        leaves[name] = Value(number, label=name)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - set(FUNCTIONS)
    output = _Builder(leaves, text.rstrip()).visit(tree.body)
    return output, {name: leaf for name, leaf in leaves.items() if name in used}

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
    """The formula is not one that can be drawn; the message says what and where."""


def _where(node: ast.AST) -> str:
    column = getattr(node, "col_offset", None)
    return "" if column is None else f" at column {column + 1}"


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
    """
    if not isinstance(text, str):
        raise FormulaError(f"the formula must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is {len(text)} characters long; the limit is {MAX_LENGTH}")
    if not text.strip():
        raise FormulaError("the formula is empty")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise FormulaError(f"not a valid formula: {error.msg} at column {error.offset}") from None
    except (RecursionError, MemoryError):
        raise FormulaError("the formula is nested too deeply") from None
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


def _constant(node: ast.expr) -> float | None:
    """The value of a subexpression made of numbers only, else None."""
    names = [n for n in ast.walk(node) if isinstance(n, ast.Name)]
    if names:
        return None
    with_values = _Builder({}, "")
    return with_values.visit(node).data


class _Builder:
    def __init__(self, values: Mapping[str, Value], text: str) -> None:
        self.values = values
        self.text = text

    def label(self, node: ast.AST, value: Value) -> Value:
        segment = ast.get_source_segment(self.text, node) if self.text else None
        if segment is not None and not value.label:
            value.label = segment if len(segment) <= _LABEL_LENGTH else ""
        return value

    def visit(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Constant):
            try:  # an int literal of 400 digits, or 1e999 (which Python reads as inf)
                return Value(validate.real(node.value, "a number", "formula"))
            except ValueError:
                written = ast.get_source_segment(self.text, node) or ast.unparse(node)
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
            exponent = _constant(node.right)
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
        ValueError: If a name in values is not an identifier, its number is too
            large for a float, or an operation is outside its domain
            (``log(0)``); the message names it.
        TypeError: If a value is not a real number (a bool neither).
        ZeroDivisionError: On division by zero.
    """
    tree = parse_formula(text)
    leaves: dict[str, Value] = {}
    for name, number in values.items():
        if not name.isidentifier() or name in FUNCTIONS:
            raise FormulaError(f"{name!r} cannot be a variable name")
        number = validate.real(number, f"values[{name!r}]", "build_formula", finite=False)
        leaves[name] = Value(number, label=name)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - set(FUNCTIONS)
    output = _Builder(leaves, text.strip()).visit(tree.body)
    return output, {name: leaf for name, leaf in leaves.items() if name in used}

"""The shape of the package: the engine is a short lesson, and modules talk through public names.

- ``engine.py`` is at most 300 lines and uses no NumPy (the array rules live with `jit`);
- no module, and no test, imports another module's private names or reads them as
  attributes, and nothing outside the engine touches a node's fields (``_a``, ``_b``,
  ``_da``, ``_db``, ``_rule``): the graph is read through ``inputs``, ``op`` and
  ``local_grads``;
- no test patches a private name;
- the notebooks, which learners copy from, keep to the same rules.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "micrograd_like"
SOURCES = sorted(PACKAGE.glob("*.py")) + sorted((ROOT / "tests").glob("*.py"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NODE_FIELDS = re.compile(r"\._(a|b|da|db|rule)\b")


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def code_of(path: Path) -> str:
    """The Python of a file: a module's text, or a notebook's code cells one after another."""
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    return "\n\n".join(line for line in code if not line.lstrip().startswith(("%", "!")))


def private_uses(path: Path) -> list[str]:
    """Private names of micrograd_like modules that path imports or reads, as 'line: name'."""
    tree = ast.parse(code_of(path))
    own_module = f"micrograd_like.{path.stem}" if path.parent == PACKAGE else None
    modules: set[str] = set()  # local names bound to micrograd_like modules
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("micrograd_like"):
            for alias in node.names:
                if is_private(alias.name) and node.module != own_module:
                    found.append(f"{node.lineno}: from {node.module} import {alias.name}")
                if node.module == "micrograd_like":
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("micrograd_like"):
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and is_private(node.attr)
        ):
            found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
        if isinstance(node, ast.Call) and (name := _patched_name(node, modules)) is not None:
            found.append(f"{node.lineno}: sets or gets {name}")
    return found


def _patched_name(call: ast.Call, modules: set[str]) -> str | None:
    """The private name of a package module that a (monkeypatch's) set/get/delattr names."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name not in ("setattr", "getattr", "delattr") or not call.args:
        return None
    first = call.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        dotted = first.value  # monkeypatch.setattr("micrograd_like.engine._x", ...)
        private = dotted.startswith("micrograd_like") and is_private(dotted.rsplit(".", 1)[-1])
        return dotted if private else None
    if isinstance(first, ast.Name) and first.id in modules and len(call.args) > 1:
        second = call.args[1]
        if isinstance(second, ast.Constant) and isinstance(second.value, str):
            return f"{first.id}.{second.value}" if is_private(second.value) else None
    return None


@pytest.mark.parametrize("path", SOURCES + NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_module_uses_another_modules_private_names(path):
    assert private_uses(path) == []


@pytest.mark.parametrize(
    "path", [p for p in SOURCES + NOTEBOOKS if p != PACKAGE / "engine.py"], ids=lambda p: p.name
)
def test_nothing_outside_the_engine_touches_a_nodes_fields(path):
    lines = code_of(path).splitlines()
    touching = [
        f"{i}: {line.strip()}" for i, line in enumerate(lines, 1) if NODE_FIELDS.search(line)
    ]
    assert touching == []


def test_the_checks_above_can_fail(tmp_path):
    # Positive controls: a file that does each forbidden thing is caught.
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from micrograd_like.engine import _x\n"
        "from micrograd_like import engine\n"
        "engine._y\n"
        "monkeypatch.setattr(engine, '_z', 1)\n"
        "setattr(engine, '_w', 1)\n"
        "getattr(engine, '_v')\n"
        "monkeypatch.setattr('micrograd_like.engine._u', 1)\n"
        "getattr(self, '_own')\n"  # an object's own private attribute: allowed
        "node."
        "_rule\n",  # split, so that this file does not match itself
        encoding="utf-8",
    )
    assert len(private_uses(bad)) == 6
    assert NODE_FIELDS.search(bad.read_text(encoding="utf-8"))


def test_the_engine_is_a_short_lesson_without_numpy():
    source = (PACKAGE / "engine.py").read_text(encoding="utf-8")
    assert len(source.splitlines()) <= 300
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (
            node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
        )
    }
    assert "numpy" not in imported
    assert imported <= {"__future__", "math", "collections", "numbers", "typing", "micrograd_like"}


def test_the_engine_imports_only_the_modules_below_it():
    tree = ast.parse((PACKAGE / "engine.py").read_text(encoding="utf-8"))
    ours = {
        (node.module or "")
        + "".join(f".{a.name}" for a in node.names if node.module == "micrograd_like")
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("micrograd_like")
    }
    assert ours == {
        "micrograd_like.operators",
        "micrograd_like.grad_mode",
        "micrograd_like.jupyter",
    }

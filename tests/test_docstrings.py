"""Every public function and class says what it does and shows it, in an example that runs.

The examples run as doctests (pyproject's --doctest-modules). The engine's public
functions are the exception, and only they: engine.py is read as a lesson and is
held to 300 lines (tests/test_architecture.py), so its names are shown by the
module's own example and by notebook 02 instead of one example each.
"""

import importlib
import inspect
import pkgutil

import pytest

import micrograd_like

ENGINE_LESSON = {
    "micrograd_like.engine.Primitive",
    "micrograd_like.engine.Value",
    "micrograd_like.engine.backpropagate",
    "micrograd_like.engine.chain_rule",
    "micrograd_like.engine.power_by",
    "micrograd_like.engine.record",
    "micrograd_like.engine.topological_order",
}


def public_objects() -> dict[str, object]:
    """Every function and class named in a public module's __all__, by its full name."""
    found: dict[str, object] = {}
    names = ["micrograd_like"] + [
        f"micrograd_like.{m.name}"
        for m in pkgutil.iter_modules(micrograd_like.__path__)
        if not m.name.startswith("_")
    ]
    for name in names:
        try:
            module = importlib.import_module(name)
        except ImportError:  # an optional extra that is not installed
            continue
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


OBJECTS = public_objects()


def test_there_are_public_names_to_check():
    assert len(OBJECTS) > 150
    assert set(OBJECTS) >= ENGINE_LESSON


@pytest.mark.parametrize("name", sorted(set(OBJECTS) - ENGINE_LESSON))
def test_a_public_name_has_a_summary_and_an_example(name):
    doc = inspect.getdoc(OBJECTS[name]) or ""
    summary = doc.split("\n", 1)[0]
    assert summary.strip(), f"{name}: no summary line"
    assert "Example" in doc, f"{name}: no Example section"
    assert ">>> " in doc, f"{name}: its example has no >>> line to run"


@pytest.mark.parametrize("name", sorted(ENGINE_LESSON))
def test_the_engines_names_have_a_summary_line_at_least(name):
    assert (inspect.getdoc(OBJECTS[name]) or "").strip(), name

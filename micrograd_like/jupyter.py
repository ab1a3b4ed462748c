"""How Jupyter shows a `micrograd_like.Value`: its diagram when the graph is small.

The engine asks this module at display time only, so the engine itself needs
nothing beyond the standard library; the diagram needs the ``viz`` extra.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["value_mimebundle"]


def value_mimebundle(
    value: Any, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
) -> dict[str, str]:
    """Jupyter's view of a Value: its repr, and an SVG diagram when viz can draw one."""
    try:
        from micrograd_like.viz import value_mimebundle as diagram_bundle
    except ImportError:  # the viz extra (graphviz) is not installed
        return {"text/plain": repr(value)}
    return diagram_bundle(value, include, exclude)

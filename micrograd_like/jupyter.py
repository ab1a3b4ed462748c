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
    """Jupyter's view of a Value: its repr, and an SVG diagram when viz can draw one.

    Args:
        value: The Value to show.
        include: The MIME types Jupyter asks for (None: all).
        exclude: The MIME types it does not want.

    Returns:
        The views by MIME type: always ``text/plain``, and ``image/svg+xml`` when the
        viz extra is installed and the graph is small enough to draw.

    Example:
        >>> from micrograd_like import Value
        >>> from micrograd_like.jupyter import value_mimebundle
        >>> value_mimebundle(Value(2.0))["text/plain"]
        'Value(data=2.0, grad=0)'
    """
    try:
        from micrograd_like.viz import value_mimebundle as diagram_bundle
    except ImportError:  # the viz extra (graphviz) is not installed
        return {"text/plain": repr(value)}
    return diagram_bundle(value, include, exclude)

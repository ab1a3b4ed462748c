"""The classic picture of an MLP: circles in columns, one column per layer.

``draw_network(model)`` draws the inputs on the left and each layer as a
column to their right, neuron 0 at the top. Every edge is a weight: blue when
positive, red when negative, thicker the larger it is. Given an input ``x``,
each circle shows the value it holds for that input; ``show="grads"`` draws
the weights' gradients after a backward pass instead of the weights. A layer
wider than ``max_neurons`` shows its first and last neurons around a "N more"
marker.

Every node is pinned where it belongs (Graphviz's neato layout with fixed
positions), so the order on the page is the index order whatever renders it,
and rendering takes milliseconds: nothing is left to lay out.

Example:
    >>> from micrograd_like.nn import MLP
    >>> from micrograd_like.network_view import draw_network
    >>> diagram = draw_network(MLP(2, [4, 4, 1], seed=0), x=[0.5, -1.0])
    >>> diagram.source.count(" -> ")  # 2x4 + 4x4 + 4x1 weights
    28
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from micrograd_like import validate
from micrograd_like.engine import Value
from micrograd_like.grad_mode import no_grad
from micrograd_like.nn import MLP

if TYPE_CHECKING:
    from micrograd_like.viz import Diagram

__all__ = ["SHOW_CHOICES", "draw_network"]

SHOW_CHOICES = ("weights", "grads")
"""What draw_network's edges can show: the weights, or their gradients."""

# The page, in inches (neato's unit for pinned positions).
_COLUMN_GAP = 2.2
_ROW_GAP = 0.75
_CIRCLE = 0.6
_ZERO_COLOUR = "#9ca3af"  # an edge of exactly 0, or a gradient not computed
_HEADER_COLOUR = "#374151"
_INDEX_COLOUR = "#6b7280"


@dataclass(frozen=True)
class _Row:
    """One place in a column: a neuron (or input) by index, or the "N more" marker."""

    index: int | None  # None for the marker
    hidden: int = 0  # how many neurons the marker stands for


def _rows(size: int, max_neurons: int | None) -> list[_Row]:
    """The rows of a column of size neurons: all of them, or the first and last few."""
    if max_neurons is None or size <= max_neurons:
        return [_Row(i) for i in range(size)]
    # One row goes to the marker; the first half gets the odd one out.
    tail = (max_neurons - 1) // 2
    head = max_neurons - 1 - tail
    return [
        *(_Row(i) for i in range(head)),
        _Row(None, size - head - tail),
        *(_Row(i) for i in range(size - tail, size)),
    ]


def _short(x: float) -> str:
    """A value for a circle: 3 significant digits, -0 shown as 0."""
    return f"{x + 0.0:.3g}"


def _kind(activation: str) -> str:
    return "ReLU" if activation == "relu" else activation.capitalize()


def _check_x(x: object, nin: int) -> list[float]:
    if isinstance(x, Value) or (isinstance(x, Sequence) and any(isinstance(v, Value) for v in x)):
        raise TypeError(
            f"draw_network: x must be a list of {nin} numbers, not Values; "
            f"pass their data, got {validate.shown(x)}"
        )
    values = validate.real_numbers(x, "x", "draw_network")
    if len(values) != nin:
        raise ValueError(
            f"draw_network: x must hold {nin} number(s), one per input of the model, "
            f"got {len(values)}: {validate.shown(x)}"
        )
    return values


def _activations(model: MLP, x: list[float]) -> list[list[float]]:
    """The value each neuron holds for input x, layer by layer, computed without a graph."""
    columns = [x]
    inputs: list[Value] | list[float] = x
    with no_grad():
        for layer in model.layers:
            out = layer(inputs)
            inputs = [out] if isinstance(out, Value) else out
            columns.append([v.data for v in inputs])
    return columns


def draw_network(
    model: MLP,
    x: Sequence[float] | None = None,
    *,
    show: str = "weights",
    max_neurons: int | None = 12,
) -> Diagram:
    """Draws an MLP as circles in columns, with its weights (or their gradients) as edges.

    The inputs ``x1, x2, ...`` are the left column; each layer is a column to
    their right, headed by its name (``layers.0``), size and activation, with
    neuron 0 at the top. An edge from a circle to a neuron is that neuron's
    weight for it: blue if positive, red if negative, grey if 0, and as thick as
    its size against the largest one drawn. Biases are not drawn.

    Args:
        model: The MLP to draw.
        x: An input, one number per model input. Each input circle then shows
            its number and each neuron the value it outputs for x (its
            activation, computed under `no_grad`, so no graph is built); without
            x, neurons show their index.
        show: "weights" draws the weights; "grads" draws their gradients, as
            the last backward pass left them. A weight whose gradient was not
            computed (no backward pass reached it) is a dashed grey edge, and
            the caption says so.
        max_neurons: A layer with more neurons than this shows its first and
            last few around a "N more" marker, and the edges of the neurons it
            hides are left out (the caption says how many). At least 3; None
            draws every neuron.

    Returns:
        The diagram, a `micrograd_like.viz.Diagram`: it shows inline in
        Jupyter, and ``save("net.png")`` writes it. Its DOT source is the same
        on every run.

    Raises:
        TypeError: If model is not an MLP, or x is not a list of numbers.
        ValueError: If x does not hold one finite number per model input, show
            is not "weights" or "grads", or max_neurons is below 3.

    Example:
        >>> from micrograd_like.nn import MLP
        >>> model = MLP(2, [3, 1], seed=1)
        >>> model([1.0, 2.0]).backward()
        >>> "gradients" in draw_network(model, show="grads").source
        True
    """
    # viz re-exports draw_network, so it is imported here, once viz has finished loading.
    from micrograd_like.viz import (
        NEGATIVE_TINTS,
        NOT_COMPUTED_COLOUR,
        POSITIVE_TINTS,
        ROLE_COLOURS,
        Diagram,
    )

    if not isinstance(model, MLP):
        raise TypeError(
            f"draw_network: model must be an MLP (micrograd_like.nn.MLP), "
            f"got {type(model).__name__}: {validate.shown(model)}"
        )
    if show not in SHOW_CHOICES:
        raise ValueError(
            f"draw_network: show must be 'weights' or 'grads', got {validate.shown(show)}"
        )
    if max_neurons is not None:
        max_neurons = validate.count(max_neurons, "max_neurons", "draw_network", minimum=3)
    sizes = model.sizes
    values = None if x is None else _activations(model, _check_x(x, sizes[0]))

    columns = [_rows(size, max_neurons) for size in sizes]
    tallest = max(len(rows) for rows in columns)

    def node_id(column: int, index: int) -> str:
        return f"x{index + 1}" if column == 0 else f"l{column - 1}n{index}"

    def pos(column: int, row: int, rows: int) -> str:
        # Row 0 at the top: y falls as the row grows; every column is centred on y = 0.
        y = ((rows - 1) / 2 - row) * _ROW_GAP
        return f"{column * _COLUMN_GAP:.3f},{y:.3f}!"

    dot = Diagram(
        graph_attr={
            "layout": "neato",
            "splines": "line",
            "outputorder": "edgesfirst",
            "fontname": "Helvetica",
            "fontsize": "11",
            "pad": "0.2",
        },
        node_attr={
            "shape": "circle",
            "fixedsize": "true",
            "width": f"{_CIRCLE}",
            "fontname": "Helvetica",
            "fontsize": "10",
            "style": "filled",
        },
        edge_attr={"arrowhead": "none"},
    )

    # The headers, in a row above the tallest column.
    header_y = (tallest - 1) / 2 * _ROW_GAP + 0.7
    activations = model.activations
    for c, size in enumerate(sizes):
        if c == 0:
            title = f"inputs\n{size} value{'s' if size > 1 else ''}"
        else:
            last = " (output)" if c == len(sizes) - 1 else ""
            title = f"layers.{c - 1}{last}\n{size} {_kind(activations[c - 1])}"
        dot.node(
            f"h{c}",
            title,
            shape="plaintext",
            style="",
            fixedsize="false",
            fontcolor=_HEADER_COLOUR,
            pos=f"{c * _COLUMN_GAP:.3f},{header_y:.3f}!",
        )

    # The circles, column by column, each from the top down.
    notes = []
    for c, rows in enumerate(columns):
        role = "input" if c == 0 else "output" if c == len(columns) - 1 else "intermediate"
        for r, row in enumerate(rows):
            where = pos(c, r, len(rows))
            if row.index is None:
                dot.node(
                    f"l{c - 1}more" if c else "xmore",
                    f"•\n•\n•\n{row.hidden} more",
                    # A white box, drawn over the edges, so that none crosses the text.
                    shape="box",
                    color="white",
                    fillcolor="white",
                    fixedsize="false",
                    width="0",
                    height="0",
                    margin="0.03",
                    fontcolor=_INDEX_COLOUR,
                    pos=where,
                )
                name = f"layers.{c - 1}" if c else "the inputs"
                notes.append(f"{name}: {row.hidden} of {sizes[c]} hidden, with their edges")
                continue
            attrs = {"fillcolor": ROLE_COLOURS[role]}
            if c == 0:
                label = f"x{row.index + 1}"
                if values is not None:
                    label += f"\n{_short(values[0][row.index])}"
            elif values is not None:
                label = _short(values[c][row.index])
                if values[c][row.index] == 0 and role == "intermediate":
                    # A hidden neuron that outputs exactly 0 (a ReLU that is off) passes
                    # nothing on: grey, as the zero gradients of its weights will be.
                    attrs["fillcolor"] = NOT_COMPUTED_COLOUR
            else:
                label, attrs["fontcolor"] = str(row.index), _INDEX_COLOUR
            if role == "output":
                attrs.update(color="#15803d", penwidth="2")
            dot.node(
                node_id(c, row.index),
                label,
                pos=where,
                tooltip=f"layers.{c - 1}.neurons.{row.index}" if c else f"x{row.index + 1}",
                **attrs,
            )

    edges = _edge_numbers(model, columns, show)
    finite = [abs(n) for *_, n in edges if n is not None and math.isfinite(n)]
    largest = max(finite, default=0.0)
    missing = sum(1 for *_, n in edges if n is None)
    # Thin edges first, so that the strong ones are drawn over them.
    for layer_index, i, j, number in sorted(
        edges, key=lambda e: (_strength(e[3], largest), e[0], e[1], e[2])
    ):
        attrs = {"color": _ZERO_COLOUR, "penwidth": "0.6"}
        if number is None or math.isnan(number):
            attrs["style"] = "dashed"
        elif number != 0:
            attrs["color"] = POSITIVE_TINTS[3] if number > 0 else NEGATIVE_TINTS[3]
            attrs["penwidth"] = f"{0.4 + 3.6 * _strength(number, largest):.2f}"
        tail = node_id(layer_index, i)
        dot.edge(tail, node_id(layer_index + 1, j), **attrs)

    what = "weights" if show == "weights" else "gradients dL/dw of the weights"
    caption = [
        f"edges: {what}, blue positive, red negative, grey 0; "
        f"width by size (largest {_short(largest)}); biases not drawn"
    ]
    if missing:
        caption.append(
            f"{missing} of {len(edges)} gradients not computed (dashed): "
            "run backward() through the model first"
        )
    if values is not None:
        shown_x = ", ".join(_short(v) for v in values[0])
        caption.append(f"circles: each neuron's output for x = [{shown_x}]; grey: exactly 0")
    caption += notes
    dot.attr(label="\n".join(caption), labelloc="b")
    return dot


def _edge_numbers(
    model: MLP, columns: list[list[_Row]], show: str
) -> list[tuple[int, int, int, float | None]]:
    """(layer, input, neuron, weight or grad) for every weight between two drawn circles.

    A gradient that no backward pass computed is None.
    """
    edges: list[tuple[int, int, int, float | None]] = []
    for layer_index, layer in enumerate(model.layers):
        ins = [row.index for row in columns[layer_index] if row.index is not None]
        outs = [row.index for row in columns[layer_index + 1] if row.index is not None]
        for j in outs:
            for i in ins:
                w = layer.neurons[j].w[i]
                if show == "weights":
                    edges.append((layer_index, i, j, w.data))
                else:
                    edges.append((layer_index, i, j, w.grad if w.grad_computed else None))
    return edges


def _strength(number: float | None, largest: float) -> float:
    """|number| / largest, from 0 to 1: 0 for a missing or NaN number, 1 for an infinite one."""
    if number is None or math.isnan(number):
        return 0.0
    if math.isinf(number):
        return 1.0
    if largest == 0:
        return 0.0
    return min(1.0, abs(number) / largest)  # the ratio first: no overflow near 1e308
